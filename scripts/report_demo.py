"""Fill a question-log database with made-up but realistic rows, to look at the report.

    python scripts/report_demo.py /tmp/demo.sqlite3 [--days 30] [--seed 7]

Answered questions are real knowledge-base questions run through the matcher; unanswered ones
are paraphrases of topics the knowledge base does not cover. Nothing here is real user data.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.assistant import build
from bot.config import DEFAULT_KNOWLEDGE
from bot.escalation import TicketStore
from bot.store import Store

GAPS: dict[str, list[tuple[str, str]]] = {
    "kita fees": [
        ("Was kostet die Kita?", "de"),
        ("kita kosten pro monat", "de"),
        ("wieviel kostet kita", "uk"),
        ("Kita Kosten Dessau", "ru"),
        ("kosten für kita", "ar"),
        ("how much does kita cost", "en"),
    ],
    "parking permit": [
        ("Anwohnerparkausweis beantragen", "de"),
        ("anwohnerparkausweis kosten", "tr"),
        ("wie bekomme ich einen anwohnerparkausweis", "de"),
    ],
    "swimming course": [
        ("دورة سباحة للأطفال", "ar"),
        ("أين دورة السباحة للاطفال", "ar"),
        ("دورة سباحه للاطفال في ديساو", "fa"),
    ],
    "christmas market": [
        ("wann ist der weihnachtsmarkt", "de"),
        ("Weihnachtsmarkt Dessau 2026", "pl"),
        ("weihnachtsmarkt öffnungszeiten", "vi"),
    ],
    "residence permit": [
        ("як продовжити посвідку на проживання", "uk"),
        ("продовження посвідки на проживання", "uk"),
    ],
    "fishing": [("Angelschein machen", "de"), ("angelschein dessau", "en")],
}
LANG_WEIGHTS = {"de": 30, "uk": 20, "ar": 14, "ru": 10, "en": 8, "fa": 6, "tr": 5, "ro": 3,
                "pl": 2, "vi": 2}  # fmt: skip


async def fill(path: Path, days: int, seed: int) -> None:
    rng = random.Random(seed)
    brain = build(DEFAULT_KNOWLEDGE)
    pool = [
        (q, lang)
        for entry in brain.kb.entries.values()
        for lang, text in entry.texts.items()
        for q in text.questions
    ]
    store = await Store.open(path)
    now = datetime.now(UTC)
    langs, weights = zip(*LANG_WEIGHTS.items(), strict=True)
    question_ids: list[tuple[int, str | None, str]] = []
    for day in range(days):
        for _ in range(rng.randint(8, 30) + (day % 7 == 2) * 15):
            at = now - timedelta(days=day, minutes=rng.randint(0, 1439))
            if rng.random() < 0.22:
                topic = rng.choices(list(GAPS), weights=[9, 4, 3, 3, 2, 1])[0]
                text, lang = rng.choice(GAPS[topic])
            else:
                text, lang = rng.choice(pool)
                lang = lang if rng.random() < 0.7 else rng.choices(langs, weights)[0]
            decision = brain.matcher.match(text, lang=lang)
            qid = await store.log_question(
                channel="telegram", lang=lang, text=text, decision=decision.decision,
                entry=decision.entry, candidates=decision.candidates, score=decision.score,
                reason=decision.reason, at=at,
            )  # fmt: skip
            question_ids.append((qid, decision.entry, lang))
    answered = [(q, e, lang) for q, e, lang in question_ids if e]
    for qid, entry, lang in rng.sample(answered, min(60, len(answered))):
        assert entry is not None
        await store.add_feedback(entry, lang, rng.random() < 0.75, qid)
    tickets = []
    for _ in range(14):
        tickets.append(
            await TicketStore(store).create_ticket(
                chat_id=None, lang=rng.choices(langs, weights)[0], question="(demo)",
                candidates=[], channels=[],
            )
        )  # fmt: skip
    await store.close()
    # The store stamps feedback and tickets with "now"; spread them over the period instead.
    with sqlite3.connect(path) as db:
        for (fid,) in db.execute("SELECT id FROM feedback").fetchall():
            at = now - timedelta(days=rng.uniform(0, days))
            db.execute("UPDATE feedback SET at = ? WHERE id = ?", (stamp(at), fid))
        for tid in tickets:
            created = now - timedelta(days=rng.uniform(0, days), hours=1)
            answered_at = created + timedelta(minutes=rng.randint(10, 60 * 30))
            row = [stamp(created), None, None, "open"]
            if answered_at < now and rng.random() < 0.85:
                row[1] = stamp(answered_at)
                if rng.random() < 0.8:
                    row[2] = stamp(answered_at + timedelta(hours=rng.randint(1, 48)))
                    row[3] = "closed"
            db.execute(
                "UPDATE tickets SET created_at = ?, answered_at = ?, closed_at = ?, status = ? "
                "WHERE id = ?",
                (*row, tid),
            )


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.db.exists():
        parser.error(f"{args.db} exists; the demo writes only into a new database")
    asyncio.run(fill(args.db, args.days, args.seed))
    print(f"demo question log written to {args.db}")


if __name__ == "__main__":
    main()
