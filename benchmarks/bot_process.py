"""The bot under load, run by throughput.py in its own process: the production application.

``python -m benchmarks.bot_process TOKEN BASE_URL DB_PATH INFO_PATH [--no-rate-limit]``

It is ``bot.telegram.app.run_polling`` with settings built here (never from ``.env``, which may
hold a real token or mail server) and, with ``--no-rate-limit``, PTB's AIORateLimiter without
its overall and per-group limits: those model Telegram's 30 messages/s per bot and would hide
the bot's own capacity. Everything else (handlers, Store, outbox worker) is what production runs.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter

import bot.telegram.app as telegram_app
from bot.assistant import Assistant
from bot.config import DEFAULT_KNOWLEDGE, Settings


def _unlimited(**kwargs: Any) -> AIORateLimiter:
    # 0 disables a limit in PTB; retries on a 429 stay as configured by the application.
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bot_process")
    parser.add_argument("token")  # the fake's; not imported from it, to keep aiohttp out of RSS
    parser.add_argument("base_url")
    parser.add_argument("db_path", type=Path)
    parser.add_argument("info_path", type=Path)
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings(
        telegram_token=args.token,
        telegram_base_url=args.base_url,
        db_path=args.db_path,
        knowledge_dir=args.knowledge,
        log_level="WARNING",
    )
    if args.no_rate_limit:
        telegram_app.AIORateLimiter = _unlimited  # type: ignore[misc]
    build = telegram_app.build_application

    def build_and_describe(settings: Settings, assistant: Assistant) -> Any:
        # Say which rate limiter the application really got, so a changed wiring cannot make
        # the benchmark measure something else silently.
        app = build(settings, assistant)
        limiter = app.bot.rate_limiter
        info = {
            "rate_limiter": type(limiter).__name__ if limiter else None,
            "overall_limit": bool(getattr(limiter, "_base_limiter", None)),
        }
        args.info_path.write_text(json.dumps(info), encoding="utf-8")
        return app

    telegram_app.build_application = build_and_describe  # type: ignore[assignment]
    assistant = Assistant.from_directory(settings.knowledge_dir)
    if args.profile is None:
        telegram_app.run_polling(settings, assistant)
        return 0
    import cProfile

    profiler = cProfile.Profile()
    try:
        profiler.runcall(telegram_app.run_polling, settings, assistant)
    finally:
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
