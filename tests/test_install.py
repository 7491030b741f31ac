"""A normal `pip install .` (what the Dockerfile and the systemd notes use) works (issue 15): the
wheel carries the knowledge base and the catalogs, and the `ankommen` command finds them from
any working directory. Built and installed into a fresh virtual environment; the dependencies
come from this environment (a .pth file) so that the test needs no download and stays short."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_installed_wheel_finds_its_knowledge_base_and_catalogs(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp_path)
    wheel = next(wheels.glob("*.whl"))
    fresh = tmp_path / "fresh"
    sh(sys.executable, "-m", "venv", "--without-pip", fresh, cwd=tmp_path)
    python = fresh / "bin" / "python"
    sh(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel,
       cwd=tmp_path)  # fmt: skip
    purelib = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                      cwd=tmp_path).strip())  # fmt: skip
    # The dependencies of this environment, after the fresh site-packages (never the checkout).
    (purelib / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KNOWLEDGE_DIR", "BOT_DB"))}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("PYTHONPATH", None)
    work = tmp_path / "elsewhere"
    work.mkdir()
    ankommen = fresh / "bin" / "ankommen"
    where = sh(python, "-c", "import bot; print(bot.__file__)", cwd=work, env=env)
    assert where.startswith(str(purelib)), where
    folders = sh(
        python,
        "-c",
        "from bot import config, i18n; print(config.DEFAULT_KNOWLEDGE); print(i18n.LOCALES_DIR)",
        cwd=work,
        env=env,
    )
    assert all(line.startswith(str(purelib)) for line in folders.split()), folders
    sh(ankommen, "validate", "--quiet", cwd=work, env=env)
    answer = sh(ankommen, "ask", "Wo melde ich meine Wohnung an?", "--lang", "uk", cwd=work,
                env=env)  # fmt: skip
    assert answer.strip()
    report = subprocess.run(
        [ankommen, "report"], cwd=work, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert not (work / "data").exists()  # a report creates no database
