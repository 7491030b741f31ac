"""Command line: ``python run_bot.py COMMAND ...`` (run, ask, match, kb, validate, report,
translations, retention, events, web, letter).

Commands raise the errors of ``bot.errors``; ``failure`` is the one place that turns them into
the line printed last and the exit code (``EXIT_CODES``, shown by ``run_bot.py --help``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from bot import clock
from bot.assistant import Assistant
from bot.config import Settings, load_settings
from bot.errors import (
    BotError,
    ConfigError,
    EventImportError,
    KnowledgeError,
    Problem,
    StoreError,
    TranslationImportError,
    UsageError,
)
from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES, normalize_code
from bot.render import PLAIN
from bot.report import REPORT_DAYS
from bot.validation import knowledge_warnings, load_knowledge

MAX_LINE_CHARS = 10_000  # longer JSON lines are refused with a message, not parsed
FILL_TIMEOUT = 30.0  # seconds per entry for ``translations fill``

# The same for every command (README "Exit codes"; ``run_bot.py --help``).
EXIT_OK = 0
EXIT_FAILED = 1  # the work could not be done: knowledge base, import, database, a failed line
EXIT_USAGE = 2  # a setting, the bot token or an option is wrong
EXIT_CONFLICT = 3  # run: another instance polls with the same token (409 Conflict)
EXIT_PIPE = 141  # the reader of the output went away (``| head``), as a shell reports it
EXIT_CODES = (
    (EXIT_OK, "done (run: stopped by SIGTERM or SIGINT)"),
    (EXIT_FAILED, "failed: the knowledge base has problems, an import was refused (nothing "
     "written), the database cannot be used, or some lines or entries failed"),
    (EXIT_USAGE, "wrong setting, bot token or option"),
    (EXIT_CONFLICT, "run: another instance polls with the same token (409 Conflict)"),
    (EXIT_PIPE, "the output was closed early (e.g. `| head`)"),
)  # fmt: skip


def _exit_codes_help() -> str:
    lines = ["exit codes (every command):"]
    for code, meaning in EXIT_CODES:
        lines.append(f"  {code:<4} " + textwrap.fill(meaning, 72, subsequent_indent=" " * 7))
    return "\n".join(lines)


def failure(error: BotError, args: argparse.Namespace) -> tuple[str, int]:
    """The line printed last (after the problems) and the exit code, for every kind of error."""
    count = len(error.problems)
    source = f"{args.file}: " if isinstance(getattr(args, "file", None), str) else ""
    match error:
        case UsageError():
            return str(error), EXIT_USAGE
        case ConfigError():
            return f"configuration error: {error}", EXIT_USAGE
        case KnowledgeError():
            return (
                f"{count} problem(s) in the knowledge base; nothing was changed. Fix them, "
                "then check with `python run_bot.py validate`."
            ), EXIT_FAILED
        case EventImportError():
            return f"{source}nothing was imported.", EXIT_FAILED
        case TranslationImportError():
            return f"{source}{count} problem(s); nothing was written.", EXIT_FAILED
        case StoreError():
            return f"database error: {error}", EXIT_FAILED
    return str(error), EXIT_FAILED


def report_failure(error: BotError, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the problems and the summary; the exit code. ``validate`` lists the problems on
    standard output: they are what it was asked for."""
    summary, code = failure(error, args)
    listing = out if args.command == "validate" else err
    for problem in error.problems:
        print(problem, file=listing)
    listing.flush()
    print(summary, file=err)
    return code


def _assistant(directory: Path, cache_dir: Path | None = None) -> Assistant:
    return Assistant.from_directory(directory, cache_dir)


# ----------------------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot when a token is configured, else the console chat."""
    assistant = _assistant(settings.knowledge_dir, settings.model_cache_dir)
    if settings.telegram_token:
        from telegram.error import InvalidToken

        from bot.telegram.app import run

        try:
            return run(settings, assistant)
        except InvalidToken as exc:
            raise ConfigError(
                "Telegram refused TELEGRAM_BOT_TOKEN: copy it again from @BotFather."
            ) from exc
    print(
        "No TELEGRAM_BOT_TOKEN set: starting the console chat (see README to run on Telegram).",
        file=sys.stderr,
    )
    if settings.mail_enabled:
        import asyncio

        asyncio.run(_console_with_mail(settings, assistant))
        return 0
    from bot.console import run_console

    run_console(assistant)
    return 0


async def _console_with_mail(settings: Settings, assistant: Assistant) -> None:
    """The console chat, forwarding questions to ZWK_INBOX through the same outbox."""
    from bot.console import Console
    from bot.dialogue import Pending
    from bot.escalation import build
    from bot.store import Store
    from bot.translate.connector import build_translator

    store = await Store.open(settings.db_path)
    translator = build_translator(settings)  # the inbox gets German + the original
    if translator is not None:
        await translator.start()
    # Without a token there is no staff group to post to: e-mail only.
    escalation, worker = await build(settings, store, titles=assistant.title, translator=translator)

    async def escalate(question: str, lang: str, pending: Pending) -> int | None:
        return await escalation.escalate(
            chat_id=None, question=question, lang=lang,
            candidates=pending.candidates, scores=pending.scores,
        )  # fmt: skip

    await worker.start()
    try:
        await Console(assistant, escalate=escalate).run()
    finally:
        await worker.stop()
        await worker.run_once()  # one last try for what was asked just before the end
        await store.close()
        if translator is not None:
            await translator.aclose()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """One question, answered as the console would answer it: the alternatives or menu
    options are listed (there is nothing to pick them with), ``--more`` adds the details."""

    from bot.dialogue import Conversation, Dialogue, More, Show
    from bot.replies import option_label, render_details, reply_text

    assistant = _assistant(settings.knowledge_dir, settings.model_cache_dir)
    lang = normalize_code(args.lang) if args.lang else None
    if args.lang and lang is None:
        raise UsageError(f"unknown language {args.lang!r}; use one of {' '.join(LANGUAGES)}")
    # Nothing can be forwarded from a one-shot command: an unknown question gets the
    # Integrationsbüro's contact.
    dialogue = Dialogue(assistant, forwarding=False)
    reply = dialogue.question(args.text, Conversation(), lang=lang)
    now = clock.now()
    parts = [reply_text(reply, assistant, PLAIN, now)]
    for option in reply.options:
        if isinstance(option, More) and args.more:
            parts.append(render_details(assistant, option.target, option.lang, PLAIN, now))
    listed = [option_label(o, assistant, reply.lang) for o in reply.options if isinstance(o, Show)]
    if listed:
        parts.append("\n".join("- " + label for label in listed))
    print("\n\n".join(p for p in parts if p))
    return 0


def match_lines(
    assistant: Assistant, source: Iterable[bytes | str], out: TextIO, err: TextIO
) -> int:
    """The ``match --jsonl`` loop: exactly one output line per input line, in order.

    A bad line (blank, not JSON, not UTF-8, no text, empty text, unknown language) gets an
    error object ``{"error": ..., "line": n}`` and a message on ``err``; a UTF-8 byte-order
    mark before the first line is ignored. Each question is answered as the dialogue would
    answer it in a new conversation (contract C1: an answer's alternatives follow its entry).
    """
    from bot.dialogue import Conversation, Dialogue, reply_json

    dialogue = Dialogue(assistant)
    failures = 0
    for number, raw in enumerate(source, start=1):
        try:
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(f"not UTF-8 (byte {exc.start + 1})") from None
            if number == 1:
                raw = raw.removeprefix("\ufeff")
            line = raw.strip()
            if not line:
                raise ValueError("empty line")
            if len(line) > MAX_LINE_CHARS:
                raise ValueError(f"line is longer than {MAX_LINE_CHARS} characters")
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            text = item["text"].replace("\x00", "").strip()
            if not text:
                raise ValueError('"text" is empty')
            lang = item.get("lang")
            if lang is not None and (not isinstance(lang, str) or normalize_code(lang) is None):
                raise ValueError(f"unknown language {lang!r}; use one of {' '.join(LANGUAGES)}")
            reply = dialogue.question(text, Conversation(), lang=lang)
            out.write(json.dumps(reply_json(reply), ensure_ascii=False) + "\n")
        except (ValueError, RecursionError) as exc:
            failures += 1
            message = (
                str(exc)
                if not isinstance(exc, json.JSONDecodeError)
                else (f"invalid JSON ({exc.msg} at column {exc.colno})")
            )
            print(f"line {number}: {message}", file=err)
            out.write(json.dumps({"error": message, "line": number}) + "\n")
        out.flush()
    return 1 if failures else 0


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings.knowledge_dir, settings.model_cache_dir)
    # Bytes, so that a line that is not UTF-8 is one error, not the end of the run.
    return match_lines(assistant, sys.stdin.buffer, sys.stdout, sys.stderr)


def cmd_letter(args: argparse.Namespace, settings: Settings) -> int:
    """Explain a photo or PDF of a letter, as the chat would; --json for the facts alone."""
    import asyncio

    from bot.letters import LetterDesk
    from bot.letters.explain import explain, unavailable, unreadable

    lang = normalize_code(args.lang) if args.lang else "de"
    if lang is None:
        raise UsageError(f"unknown language {args.lang!r}; use one of {' '.join(LANGUAGES)}")
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from exc
    kb = _assistant(settings.knowledge_dir, settings.model_cache_dir).kb
    desk = LetterDesk(settings.tessdata_dir, 1, settings.ocr_timeout_seconds)
    try:
        result = asyncio.run(desk.read(data, kb, Path(args.file).name))
    finally:
        desk.close()
    if result.problem == "unavailable":
        print(f"cannot read letters here: {desk.missing}", file=sys.stderr)
        if not args.json:
            print(unavailable(lang))
        return 1
    if args.json:
        empty = {"sender": None, "kind": None, "entry": None, "dates": [], "deadline": None,
                 "amounts": [], "references": [], "appointment": None, "chars": 0}  # fmt: skip
        print(json.dumps(result.reading.as_json() if result.reading else empty, ensure_ascii=False))
    elif result.reading is None:
        print(unreadable(lang))
    else:
        print(explain(result.reading, kb, lang, clock.now()))
    return 0 if result.reading else 1


def kb_dump(kb: KnowledgeBase) -> list[dict[str, object]]:
    return [
        {
            "id": entry.id,
            "questions": {lang: list(t.questions) for lang, t in entry.texts.items()},
            "answer": {lang: t.answer for lang, t in entry.texts.items()},
            "details": {lang: t.details for lang, t in entry.texts.items() if t.details},
        }
        for entry in kb.entries.values()
    ]


def cmd_kb(args: argparse.Namespace, settings: Settings) -> int:
    kb = _assistant(settings.knowledge_dir, settings.model_cache_dir).kb
    json.dump(kb_dump(kb), sys.stdout, ensure_ascii=False, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    return 0


_COVERAGE_MARKS = {"reviewed": "R", "machine": "M", "stale": "S", "missing": "-"}


def coverage_table(kb: KnowledgeBase) -> str:
    """Entries × languages: R reviewed, M machine-made, S stale (older than German), - missing."""
    width = max((len(e) for e in kb.entries), default=5)
    header = "entry".ljust(width) + "  " + " ".join(f"{lang:>2}" for lang in LANGUAGES)
    rows = [header]
    totals = dict.fromkeys(LANGUAGES, 0)
    for entry in kb.entries.values():
        cells = []
        for lang in LANGUAGES:
            state = entry.translation_state(lang)
            totals[lang] += state != "missing"
            cells.append(" " + _COVERAGE_MARKS[state])
        rows.append(entry.id.ljust(width) + "  " + " ".join(cells))
    count = len(kb.entries)
    rows.append(
        "total".ljust(width) + "  " + " ".join(f"{totals[lang]:>2}" for lang in LANGUAGES)
        + f"   (of {count})"
    )  # fmt: skip
    rows.append("R reviewed  M machine-made  S stale (German changed since)  - missing")
    return "\n".join(rows)


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    kb = load_knowledge(directory)  # its problems are this command's output (report_failure)
    print(
        f"OK: {len(kb.entries)} entries, {len(kb.contacts)} contacts, {len(kb.events)} events, "
        f"{len(kb.out_of_scope)} out-of-scope groups in {len(kb.files)} files "
        f"(version {kb.version})"
    )
    warnings = knowledge_warnings(kb)
    for warning in warnings:
        print(f"warning: {warning}")
    if warnings:
        print(f"{len(warnings)} warning(s): the bot works, but these answers can be improved.")
    if not args.quiet:
        print()
        print(coverage_table(kb))

        from bot.freshness import check_freshness
        from bot.report_text import freshness_text

        print()
        print(freshness_text(check_freshness(kb, clock.now())))
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Questions of a period: figures and unanswered clusters as text, optionally as HTML."""
    import asyncio

    from bot.freshness import check_freshness
    from bot.report import Report, make_report, period
    from bot.report_html import render_html
    from bot.report_text import render_text
    from bot.store import Store

    assistant = _assistant(settings.knowledge_dir, settings.model_cache_dir)
    db_path = Path(args.db) if args.db else settings.db_path
    only_telegram = "only questions asked on Telegram are logged, not those of the console chat"
    source: Path | str = db_path
    if not db_path.exists():
        if args.db:
            # Opening would create an empty database; a typo in --db should not look like that.
            print(f"no question log at {db_path} ({only_telegram}; check the path)",
                  file=sys.stderr)  # fmt: skip
            return 1
        # A fresh install: the bot has not created its database yet. An empty report, from an
        # empty database in memory (nothing is created on disk).
        print(f"no question log at {db_path} yet ({only_telegram}): the report is empty",
              file=sys.stderr)  # fmt: skip
        source = ":memory:"
    now = clock.now()
    start, end = period(now, days=args.days, since=args.since)

    async def build() -> Report:
        store = await Store.open(source)
        try:
            return await make_report(store, assistant.matcher, start, end)
        finally:
            await store.close()

    report = asyncio.run(build())
    if report.total == 0 and source != ":memory:":
        print(f"no questions in this period ({only_telegram})", file=sys.stderr)
    print(render_text(report, assistant.kb, limit=args.top, lang=args.lang))
    if args.html:
        page = render_html(
            report,
            assistant.kb,
            generated=now,
            freshness=check_freshness(assistant.kb, now),
            lang=args.lang,
        )
        Path(args.html).write_text(page, encoding="utf-8")
        print(f"HTML report written to {args.html}", file=sys.stderr)
    return 0


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    """Delete what is past its retention time now (the bot also does it daily by itself)."""
    import asyncio

    from bot.retention import RetentionResult, enforce_retention
    from bot.store import Store

    async def purge() -> RetentionResult:
        store = await Store.open(settings.db_path)
        try:
            return await enforce_retention(store, settings)
        finally:
            await store.close()

    if not settings.db_path.exists():
        print(f"no database at {settings.db_path}: nothing to delete", file=sys.stderr)
        return 0
    result = asyncio.run(purge())
    print(
        f"deleted {result.questions} logged questions (older than {settings.question_log_days} "
        f"days) and {result.tickets} forwarded questions (closed more than "
        f"{settings.ticket_retention_days} days ago, or asked more than "
        f"{settings.open_ticket_days} days ago) from {settings.db_path}"
    )
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """The web chat on its own: page and API on WEB_HOST:WEB_PORT (default 8080)."""
    import asyncio

    from bot.web.server import serve_web

    assistant = _assistant(settings.knowledge_dir, settings.model_cache_dir)
    try:
        return asyncio.run(serve_web(settings, assistant))
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise ConfigError(f"web chat cannot listen on {settings.web_host}: {exc}") from exc


def cmd_events(args: argparse.Namespace, settings: Settings) -> int:
    """Events as iCalendar: write the whole calendar, or import the events of a file."""

    from bot.ics import calendar_ics, import_ics

    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    today = clock.now()
    if args.events_command == "ics":
        lang = normalize_code(args.lang)
        if lang is None:
            raise UsageError(f"--lang: use one of {' '.join(LANGUAGES)}")
        kb = load_knowledge(directory)
        data = calendar_ics(kb, lang, today)
        if args.output in (None, "-"):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)  # bytes: iCalendar lines end in CRLF
            sys.stdout.buffer.flush()
        else:
            Path(args.output).write_bytes(data)
            print(f"calendar written to {args.output}", file=sys.stderr)
        return 0
    result = import_ics(
        directory, Path(args.file), today=today.date(), source_url=args.source,
        dry_run=args.check,
    )  # fmt: skip
    for eid, what in result.added:
        print(f"added    {eid}: {what}")
    for what, why in result.skipped:
        print(f"skipped  {what}: {why}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = f"{len(result.added)} added, {len(result.skipped)} skipped"
    if result.written:
        print(f"{summary}; written to {result.path}")
        print("Check the German texts, add translations, then send /reload to the bot.")
    elif result.added:
        print(f"{summary} (--check: nothing written)")
    else:
        print(f"{summary}; nothing to write")
    return 0


def cmd_translations(args: argparse.Namespace, settings: Settings) -> int:
    from bot.translations import export_csv, import_csv

    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    if args.translations_command == "fill":
        return _translations_fill(args, settings, directory)
    if args.translations_command == "export":
        lang = normalize_code(args.lang)
        if lang is None or lang == "de":
            raise UsageError(f"--lang: use one of {' '.join(LANGUAGES[1:])}")
        kb = load_knowledge(directory)
        rows = export_csv(kb, lang, Path(args.file))
        entries = {(r.id, r.status) for r in rows}
        counts = {
            s: sum(1 for _, st in entries if st == s) for s in ("missing", "machine", "stale")
        }
        print(
            f"{len(rows)} texts of {len(entries)} entries to translate into {lang} "
            f"({counts['missing']} missing, {counts['machine']} machine-made, "
            f"{counts['stale']} stale) written to {args.file}"
        )
        return 0
    lang = normalize_code(args.lang) if args.lang else None
    if args.lang and lang is None:
        raise UsageError(f"unknown language {args.lang!r}; use one of {' '.join(LANGUAGES)}")
    try:
        result = import_csv(directory, Path(args.file), lang, dry_run=args.check)
    except OSError as exc:
        problem = Problem.general(f"cannot read {args.file}: {exc.strerror}")
        raise TranslationImportError([problem]) from exc
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    verb = "written to" if result.written else "would be written to (--check: nothing changed)"
    print(
        f"{len(result.translations)} texts of {len(result.blocks)} entries marked reviewed, "
        f"{verb} {', '.join(str(p) for p in result.files)}"
    )
    if result.written:
        print("Send /reload to the bot (or restart it) to use them.")
    return 0


def _translations_fill(args: argparse.Namespace, settings: Settings, directory: Path) -> int:
    """Machine drafts of missing translations through the configured translation service."""
    import asyncio

    from bot.translate.connector import build_translator
    from bot.translate.fill import FillResult, entries_to_fill, fill

    lang = normalize_code(args.lang)
    if lang is None or lang == "de":
        raise UsageError(f"--lang: use one of {' '.join(LANGUAGES[1:])}")
    # A curator can wait longer than a resident: 30 s per entry, Retry-After up to that.
    translator = build_translator(settings, timeout=FILL_TIMEOUT, retries=5, cool_down=0)
    if translator is None:
        raise ConfigError(
            "machine translation is off: set TRANSLATE_URL (LibreTranslate) or DEEPL_AUTH_KEY "
            "(DeepL API); see README 'Translation'"
        )
    kb = load_knowledge(directory)
    only = [e.strip() for e in (args.entries or "").split(",") if e.strip()]
    try:
        entries_to_fill(kb, lang, only)
    except ValueError as exc:
        raise UsageError(f"--entries: {exc}") from exc

    async def run() -> FillResult:
        try:
            await translator.start()
            return await fill(directory, kb, lang, translator, only, dry_run=args.check)
        finally:
            await translator.aclose()

    result = asyncio.run(run())
    for eid, why in result.skipped:
        print(f"{eid}: {why}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.drafted:
        print(f"nothing drafted into {lang}" + (" (all there or reviewed)" if not
                                                result.skipped else ""))  # fmt: skip
        return 1 if result.skipped else 0
    verb = "written to" if result.written else "would be written to (--check: nothing changed)"
    print(
        f"{len(result.drafted)} entries drafted into {lang} by {translator.name} "
        f"(status: machine): {', '.join(result.drafted)}; {verb} "
        f"{', '.join(str(p) for p in result.files)}"
    )
    if result.written:
        print("Have them checked, then mark them reviewed (translations export / import).")
    return 1 if result.skipped else 0


# -------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_bot.py",
        description="Ankommen Dessau-Roßlau: the city's welcome bot. Without a command it runs "
        "the Telegram bot (TELEGRAM_BOT_TOKEN set) or the console chat.",
        epilog=_exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (Telegram with a token, else the console chat)")
    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("text")
    ask.add_argument("--lang", help="answer in this language (de, en, uk, ...)")
    ask.add_argument("--more", action="store_true", help="also the details behind 'More'")
    match = sub.add_parser("match", help="match JSON lines from standard input")
    match.add_argument("--jsonl", action="store_true", required=True, help="JSON lines in/out")
    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    dump = kb_sub.add_parser("dump", help="the loaded entries and their questions")
    dump.add_argument("--json", action="store_true", required=True)
    dump.add_argument("--pretty", action="store_true")
    validate = sub.add_parser("validate", help="check the knowledge base, list every problem")
    validate.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    validate.add_argument("--quiet", action="store_true", help="only the summary line")
    report = sub.add_parser("report", help="what people asked: figures and unanswered questions")
    when = report.add_mutually_exclusive_group()
    when.add_argument("--days", type=_positive_int, help=f"the last N days (default {REPORT_DAYS})")
    when.add_argument("--since", type=_iso_date, help="from this local date (YYYY-MM-DD) on")
    report.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page")
    report.add_argument("--db", help="question log database (default: BOT_DB_PATH)")
    report.add_argument("--top", type=_positive_int, default=20, help="groups listed (20)")
    report.add_argument(
        "--lang", default="en", choices=LANGUAGES, help="language of the report (en)"
    )
    translations = sub.add_parser(
        "translations", help="export and import translations as CSV, or draft them by machine"
    )
    tr_sub = translations.add_subparsers(dest="translations_command", required=True)
    export = tr_sub.add_parser("export", help="texts to translate into one language, as CSV")
    export.add_argument("--lang", required=True, help="target language (uk, ru, ar, ...)")
    export.add_argument("file", help="CSV file to write")
    export.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    imp = tr_sub.add_parser("import", help="write reviewed translations from a CSV into the YAML")
    imp.add_argument("file", help="CSV file from export, with the translation column filled in")
    imp.add_argument("--lang", help="only accept rows of this language")
    imp.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    imp.add_argument("--check", action="store_true", help="check only, write nothing")
    fill_cmd = tr_sub.add_parser(
        "fill",
        help="machine drafts of missing translations (status: machine), via the "
        "configured translation service",
    )
    fill_cmd.add_argument("--lang", required=True, help="target language (uk, ru, ar, ...)")
    fill_cmd.add_argument("--entries", help="only these entry ids (comma-separated)")
    fill_cmd.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    fill_cmd.add_argument("--check", action="store_true", help="translate and check, write nothing")
    events = sub.add_parser("events", help="events as iCalendar files: export and import")
    ev_sub = events.add_subparsers(dest="events_command", required=True)
    ics = ev_sub.add_parser("ics", help="the whole calendar as .ics (standard output by default)")
    ics.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead")
    ics.add_argument("--lang", default="de", help="language of titles and descriptions (de)")
    ics.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    ev_imp = ev_sub.add_parser("import", help="add the events of an .ics file to events.yaml")
    ev_imp.add_argument("file", help="iCalendar file (.ics)")
    ev_imp.add_argument(
        "--source", metavar="URL", help="where the file comes from, for events without a URL"
    )
    ev_imp.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    ev_imp.add_argument("--check", action="store_true", help="check only, write nothing")
    sub.add_parser("retention", help="delete data past its retention time now (see /privacy)")
    sub.add_parser("web", help="serve the web chat (page, embed script, JSON API) on WEB_PORT")
    letter = sub.add_parser("letter", help="explain a photo or PDF of an official letter")
    letter.add_argument("file", help="image (JPEG, PNG, ...) or PDF")
    letter.add_argument("--lang", help="explain in this language (default de)")
    letter.add_argument("--json", action="store_true", help="the facts as one JSON object")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-01: {value!r}") from None


COMMANDS = {
    None: cmd_run,
    "run": cmd_run,
    "ask": cmd_ask,
    "match": cmd_match,
    "kb": cmd_kb,
    "validate": cmd_validate,
    "report": cmd_report,
    "translations": cmd_translations,
    "events": cmd_events,
    "retention": cmd_retention,
    "web": cmd_web,
    "letter": cmd_letter,
}


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        # httpx logs every request URL, and Telegram URLs contain the token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        code = COMMANDS[args.command](args, settings)
        sys.stdout.flush()
    except BotError as error:
        code = report_failure(error, args, sys.stdout, sys.stderr)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix tools do. Python would
        # flush stdout again at exit and print the error; point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(EXIT_PIPE) from None
    raise SystemExit(code)
