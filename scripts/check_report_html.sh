#!/usr/bin/env bash
# Render the HTML report of a demo question log in headless Chromium and keep a screenshot.
#
#   scripts/check_report_html.sh [OUT_DIR]      (default: a new temporary folder)
#
# Writes OUT_DIR/demo.sqlite3, OUT_DIR/report.html and OUT_DIR/report.png, checks that the PNG
# is a real, non-blank page and prints where it is: open it and look. Needs Debian's chromium
# (apt-get install chromium); tests/test_report.py runs the same check and skips without it.
set -euo pipefail
cd "$(dirname "$0")/.."

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium not found: apt-get install chromium" >&2
  exit 2
fi
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3

out="${1:-$(mktemp -d)}"
mkdir -p "$out"
rm -f "$out/demo.sqlite3" "$out/demo.sqlite3-wal" "$out/demo.sqlite3-shm"
"$python" scripts/report_demo.py "$out/demo.sqlite3"
"$python" run_bot.py report --db "$out/demo.sqlite3" --html "$out/report.html" >"$out/report.txt"

# No network, no profile sync, no first-run pages: the page must render from the file alone.
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --window-size=1280,4200 --screenshot="$out/report.png" "file://$(realpath "$out/report.html")" \
  2>"$out/chromium.log"

size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
if [ "$(head -c 8 "$out/report.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
  echo "no PNG screenshot was written; see $out/chromium.log" >&2
  exit 1
fi
if [ "$size" -lt 100000 ]; then
  echo "the screenshot is suspiciously small ($size bytes): a blank page?" >&2
  exit 1
fi
echo "OK: $out/report.png ($size bytes) from $out/report.html"
