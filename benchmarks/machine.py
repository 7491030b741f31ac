"""A description of the machine, so that figures in RESULTS.md can be compared honestly."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

# The packages whose speed shows up in the figures (matching, YAML, Telegram, HTTP).
PACKAGES: tuple[str, ...] = (
    "python-telegram-bot",
    "rapidfuzz",
    "numpy",
    "PyYAML",
    "babel",
    "aiosqlite",
    "httpx",
    "aiohttp",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _cores() -> str:
    total = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = total
    return f"{usable} usable of {total}" if usable != total else str(total)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """1/5/15-minute load averages: other work on the machine skews every timing."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def describe() -> dict[str, str]:
    """Platform, CPU model, cores, RAM, load, Python and package versions."""
    info = {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": _cores(),
        "ram": _memory(),
        "load average at start (1/5/15 min)": load_average(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    try:
        import yaml

        # The C parser is many times faster than the pure-Python one; say which is present.
        info["libyaml"] = "available" if getattr(yaml, "__with_libyaml__", False) else "missing"
    except ImportError:
        info["libyaml"] = "PyYAML missing"
    for package in PACKAGES:
        info[package] = _version(package)
    return info
