"""The curators' report: clustering, figures from a real SQLite store, text, HTML in a browser."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.assistant import Brain
from bot.clock import BERLIN
from bot.clusters import (
    CLUSTER_THRESHOLD,
    Asked,
    Cluster,
    cluster_questions,
    matcher_weight,
    nearest_entry,
)
from bot.escalation import TicketStore
from bot.questionlog import FeedbackRow, QuestionLog, QuestionRow, Rows
from bot.report import Report, build_report, make_report, unanswered
from bot.report_html import render_html
from bot.report_text import cluster_line, render_text
from bot.store import Store
from tests.conftest import CONTACT, WriteKB, entry_yaml
from tests.test_cli import run

# The labelled fixture the threshold was tuned on: (question, language, topic). Paraphrases of a
# topic (typos, missing umlauts, inflection, split compounds, word order, German office words in
# other languages) must end up in one cluster; different topics must not, even when they share
# function words ("wo ist das …", "how do I get a …", "wie lange dauert …") or one generic word
# ("Öffnungszeiten", "kosten").
FIXTURE: list[tuple[str, str, str]] = [
    ("Was kostet die Kita?", "de", "kita-fees"),
    ("was kostet kita", "de", "kita-fees"),
    ("Kita Kosten pro Monat", "de", "kita-fees"),
    ("wieviel kostet die kita im monat", "de", "kita-fees"),
    ("kita kosten dessau", "uk", "kita-fees"),
    ("kosten für kita", "ru", "kita-fees"),
    ("how much does kita cost", "en", "kita-fees"),
    ("Anwohnerparkausweis beantragen", "de", "parking"),
    ("wie bekomme ich einen anwohnerparkausweis", "de", "parking"),
    ("anwohnerparkausweis kosten", "de", "parking"),
    ("Anwohner Parkausweis wo beantragen", "de", "parking"),
    ("anwohnerparkausweiß", "tr", "parking"),
    ("Angelschein machen", "de", "fishing"),
    ("wo kann ich einen angelschein machen", "de", "fishing"),
    ("angelschein dessau", "en", "fishing"),
    ("angelschein prüfung", "pl", "fishing"),
    ("wann hat das schwimmbad offen", "de", "pool"),
    ("Schwimmbad Öffnungszeiten", "de", "pool"),
    ("schwimbad offnungszeiten", "de", "pool"),
    ("ist das schwimmbad heute offen", "de", "pool"),
    ("swimming pool opening hours", "en", "pool-en"),
    ("swimming pool dessau open", "en", "pool-en"),
    ("wann ist der weihnachtsmarkt", "de", "xmas"),
    ("Weihnachtsmarkt Dessau 2026", "de", "xmas"),
    ("weihnachtsmarkt öffnungszeiten", "de", "xmas"),
    ("wo ist der weihnachtsmarkt", "ar", "xmas"),
    ("Führerschein umschreiben", "de", "licence"),
    ("fuhrerschein umschreiben lassen", "de", "licence"),
    ("ausländischen führerschein umschreiben wie lange", "de", "licence"),
    ("führerschein umschreibung", "uk", "licence"),
    ("wie lange dauert die einbürgerung", "de", "naturalisation"),
    ("einbürgerung dauer", "de", "naturalisation"),
    ("einburgerung wie lange", "de", "naturalisation"),
    ("how long does einbürgerung take", "en", "naturalisation"),
    ("як продовжити посвідку на проживання", "uk", "permit-uk"),
    ("продовження посвідки на проживання", "uk", "permit-uk"),
    ("посвідка на проживання продовжити", "uk", "permit-uk"),
    ("دورة سباحة للأطفال", "ar", "swim-ar"),
    ("أين دورة السباحة للاطفال", "ar", "swim-ar"),
    ("دورة سباحه للاطفال في ديساو", "ar", "swim-ar"),
    ("уроки фортепиано для ребенка", "ru", "piano"),
    ("где уроки фортепиано", "ru", "piano"),
    ("wo ist das jobcenter", "de", "jobcenter"),
    ("wo ist das Bürgeramt", "de", "buergeramt"),
    ("wo ist die post", "de", "post"),
    ("how do I get a parking permit", "en", "parking-en"),
    ("how do I get a library card", "en", "library"),
    ("kann ich mein auto hier waschen", "de", "carwash"),
    ("Müllabfuhr Termine", "de", "waste"),
    ("wie lange dauert ein reisepass", "de", "passport"),
]


def partition(clusters: list[Cluster], label: dict[str, str]) -> list[set[str]]:
    return [{label[e] for e in c.examples} for c in clusters]


def test_clustering_groups_paraphrases_and_separates_topics(real_brain: Brain) -> None:
    asked = [Asked(text, lang, "escalate") for text, lang, _ in FIXTURE]
    label = {text: topic for text, _, topic in FIXTURE}
    clusters = cluster_questions(asked, weight=matcher_weight(real_brain.matcher))
    groups = partition(clusters, label)
    mixed = [g for g in groups if len(g) > 1]
    assert not mixed, f"different topics merged: {mixed}"
    topics = [t for g in groups for t in g]
    split = sorted({t for t in topics if topics.count(t) > 1})
    assert not split, f"paraphrases split: {split}"
    # Biggest first; every member counted; languages of a mixed-language cluster kept.
    assert [c.count for c in clusters] == sorted((c.count for c in clusters), reverse=True)
    assert sum(c.count for c in clusters) == len(FIXTURE)
    kita = clusters[0]
    assert kita.count == 7 and {lang for lang, _ in kita.languages} == {"de", "uk", "ru", "en"}


def test_threshold_is_inside_the_band_that_separates_the_fixture(real_brain: Brain) -> None:
    # Guard against retuning to an edge: both neighbours of the default must work as well.
    asked = [Asked(text, lang, "escalate") for text, lang, _ in FIXTURE]
    label = {text: topic for text, _, topic in FIXTURE}
    weight = matcher_weight(real_brain.matcher)
    for threshold in (CLUSTER_THRESHOLD - 0.02, CLUSTER_THRESHOLD + 0.02):
        groups = partition(cluster_questions(asked, weight=weight, threshold=threshold), label)
        assert len(groups) == len({t for _, _, t in FIXTURE}), threshold
        assert all(len(g) == 1 for g in groups), threshold


def test_clustering_counts_repeats_and_keeps_the_most_common_spelling() -> None:
    asked = [
        Asked("Angelschein machen", "de", "escalate"),
        Asked("angelschein machen", "uk", "clarify"),
        Asked("Angelschein machen", "de", "escalate"),
        Asked("Angelschein  machen!", "ru", "escalate"),
        Asked("wo ist die post", "de", "escalate"),
        Asked("???", "de", "escalate"),  # nothing left after normalising: not a question
    ]
    clusters = cluster_questions(asked)  # uniform weights: no knowledge base needed
    assert [(c.count, c.label) for c in clusters] == [
        (4, "Angelschein machen"),
        (1, "wo ist die post"),
    ]
    assert clusters[0].languages == (("de", 2), ("ru", 1), ("uk", 1))
    assert clusters[0].reasons == (("escalate", 3), ("clarify", 1))


def test_nearest_entry_averages_the_matcher_scores_and_skips_pseudo_targets() -> None:
    scores = {
        "kita kosten": [("!oos:prices", 0.9), ("childcare", 0.5), ("school", 0.4)],
        "was kostet kita": [("childcare", 0.3), ("school", 0.35)],
    }
    cluster = Cluster(2, (("de", 2),), ("kita kosten", "was kostet kita"), (("escalate", 2),))
    near = nearest_entry(cluster, lambda text: scores[text])
    assert near.nearest == "childcare"
    assert near.nearest_score == pytest.approx(0.4)
    assert nearest_entry(cluster, lambda text: []).nearest is None


def test_unanswered_takes_gaps_and_thumbs_down_but_not_requests_for_a_person() -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)

    def q(qid: int, decision: str, reason: str, entry: str | None = None) -> QuestionRow:
        return QuestionRow(qid, at, "de", f"frage {qid}", decision, entry, 0.5, reason)

    questions = [
        q(1, "escalate", "no-match"),
        q(2, "clarify", "ambiguous"),
        q(3, "escalate", "human"),
        q(4, "answer", "confident", "childcare"),
        q(5, "answer", "confident", "childcare"),
        q(6, "escalate", "out-of-scope"),
    ]
    feedback = [
        FeedbackRow(at, "childcare", "de", False, 4),
        FeedbackRow(at, "childcare", "de", True, 5),
        FeedbackRow(at, "childcare", "de", False, None),
    ]
    found = unanswered(questions, feedback)
    assert [(a.text, a.why) for a in found] == [
        ("frage 1", "escalate"),
        ("frage 2", "clarify"),
        ("frage 4", "thumbs-down"),
        ("frage 6", "escalate"),
    ]


# ------------------------------------------------------------------- figures from a store

NOW = datetime.now(UTC).replace(microsecond=0)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


async def fill_store(path: Path) -> None:
    """A small, fully known question log: 3 days, 4 languages, feedback and tickets."""
    store = await Store.open(path)
    rows = [
        # (hours ago, lang, text, decision, entry, reason)
        (2, "de", "Wo melde ich meine Wohnung an?", "answer", "registration", "confident"),
        (3, "de", "Anmeldung Wohnung", "answer", "registration", "confident"),
        (4, "uk", "kita place", "answer", "childcare", "confident"),
        (5, "de", "Angelschein machen", "escalate", None, "no-match"),
        (6, "uk", "angelschein machen", "escalate", None, "no-match"),
        (26, "ar", "angelschein dessau", "clarify", None, "ambiguous"),
        (27, "de", "<script>alert('x')</script> Angelschein", "escalate", None, "no-match"),
        (28, "en", "I want to talk to a person", "escalate", None, "human"),
        (30, "de", "Kita Platz bekommen", "answer", "childcare", "confident"),
        # Outside the period: must not count anywhere.
        (24 * 9, "de", "Angelschein", "escalate", None, "no-match"),
    ]
    ids = []
    for hours, lang, text, decision, entry, reason in rows:
        ids.append(
            await QuestionLog(store).log_question(
                channel="telegram", lang=lang, text=text, decision=decision, entry=entry,
                candidates=[entry] if entry else [], score=0.8 if entry else 0.1, reason=reason,
                at=NOW - timedelta(hours=hours),
            )
        )  # fmt: skip
    log = QuestionLog(store)
    await log.add_feedback("registration", "de", True, ids[0])
    await log.add_feedback("registration", "de", False, ids[1])  # its question becomes a gap
    await log.add_feedback("childcare", "uk", True, ids[2])
    answered = await TicketStore(store).create_ticket(
        chat_id=1, lang="de", question="?", candidates=[], channels=[]
    )
    closed = await TicketStore(store).create_ticket(
        chat_id=2, lang="uk", question="?", candidates=[], channels=[]
    )
    waiting = await TicketStore(store).create_ticket(
        chat_id=3, lang="ar", question="?", candidates=[], channels=[]
    )
    await store.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE tickets SET created_at = ?, answered_at = ? WHERE id = ?",
            (_stamp(NOW - timedelta(hours=10)), _stamp(NOW - timedelta(hours=8)), answered),
        )
        db.execute(
            "UPDATE tickets SET created_at = ?, answered_at = ?, closed_at = ?, "
            "status = 'closed' WHERE id = ?",
            (
                _stamp(NOW - timedelta(hours=20)),
                _stamp(NOW - timedelta(hours=16)),
                _stamp(NOW - timedelta(hours=12)),
                closed,
            ),
        )
        db.execute(
            "UPDATE tickets SET created_at = ? WHERE id = ?",
            (_stamp(NOW - timedelta(hours=30)), waiting),
        )


@pytest.fixture
async def report_db(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    await fill_store(path)
    return path


async def real_report(path: Path, brain: Brain) -> Report:
    store = await Store.open(path)
    try:
        # Feedback is stamped when given, just now: the period ends a little later.
        end = datetime.now(UTC) + timedelta(minutes=1)
        return await make_report(store, brain.matcher, NOW - timedelta(days=3), end)
    finally:
        await store.close()


async def test_report_figures_from_a_real_store(report_db: Path, real_brain: Brain) -> None:
    report = await real_report(report_db, real_brain)
    assert report.total == 9
    assert dict(report.per_lang) == {"de": 5, "uk": 2, "ar": 1, "en": 1}
    assert report.decisions == (("answer", 4), ("clarify", 1), ("escalate", 4))
    assert report.rate("answer") == pytest.approx(4 / 9)
    # Every local day of the period has a bar, empty days included (4 or 5 calendar days,
    # depending on how close to local midnight the test runs).
    last_moment = report.end - timedelta(microseconds=1)  # the period ends before `end`
    first, last = (moment.astimezone(BERLIN).date() for moment in (report.start, last_moment))
    assert len(report.per_day) == (last - first).days + 1
    assert sum(n for _, langs in report.per_day for _, n in langs) == 9
    assert report.top_entries == (("childcare", 2), ("registration", 2))
    assert {(f.entry, f.up, f.down) for f in report.feedback} == {
        ("registration", 1, 1),
        ("childcare", 1, 0),
    }
    # Gaps: 4 Angelschein questions, and the 👎 one; not the request for a person.
    assert report.unanswered_total == 5
    top = report.clusters[0]
    assert top.count == 4
    assert {lang for lang, _ in top.languages} == {"de", "uk", "ar"}
    assert dict(top.reasons) == {"escalate": 3, "clarify": 1}
    assert top.nearest is not None
    assert any(
        c.label == "Anmeldung Wohnung" and c.nearest == "registration" for c in report.clusters
    )
    t = report.tickets
    assert (t.created, t.answered, t.closed, t.open_now) == (3, 2, 1, 2)
    assert t.median_first_response == timedelta(hours=3)  # 2 h and 4 h
    assert t.median_time_to_close == timedelta(hours=8)
    assert timedelta(hours=30) <= (t.oldest_open or timedelta()) < timedelta(hours=31)


async def test_rows_of_a_period_exclude_later_questions(report_db: Path) -> None:
    store = await Store.open(report_db)
    try:
        rows = await QuestionLog(store).load_rows(
            NOW - timedelta(days=3), NOW - timedelta(hours=25)
        )
    finally:
        await store.close()
    assert {q.text for q in rows.questions} == {
        "angelschein dessau",
        "<script>alert('x')</script> Angelschein",
        "I want to talk to a person",
        "Kita Platz bekommen",
    }
    assert rows.feedback == ()  # all feedback was given "now", after the period


def test_text_report_reads_like_a_sentence(real_brain: Brain) -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    questions = [
        QuestionRow(i, at, lang, text, "escalate", None, 0.1, "no-match")
        for i, (text, lang) in enumerate(
            [("Was kostet die Kita?", "de"), ("kita kosten", "uk"), ("Kita Kosten", "ru")]
            + [("kosten für kita", "ar")] * 34
        )
    ]
    report = build_report(
        Rows(tuple(questions), (), ()),
        at - timedelta(days=1),
        at + timedelta(days=1),
        weight=matcher_weight(real_brain.matcher),
        score=real_brain.matcher.score,
    )
    line = cluster_line(report.clusters[0], real_brain.kb)
    assert line.startswith("37 questions like “kosten für kita” in 4 languages (ar, de, ru, uk)")
    title = real_brain.kb.entries["childcare"].texts["en"].title
    assert f"; nearest entry: childcare “{title}” (" in line
    text = render_text(report, real_brain.kb)
    assert text.splitlines()[0].startswith("37 questions from 2026-11-19")
    assert "escalated 100% (37)" in text
    # In the reader's language, with the plural forms of the numbers and the entry's title there.
    german = render_text(report, real_brain.kb, lang="de")
    assert german.splitlines()[0].startswith("37 Fragen von 2026-11-19")
    assert "37 Fragen wie „kosten für kita“ in 4 Sprachen (ar, de, ru, uk)" in german
    assert "childcare “Kita-Platz finden und anmelden”" in german
    russian = cluster_line(report.clusters[0], real_brain.kb, lang="ru")
    assert russian.startswith("37 вопросов вроде «kosten für kita» на 4 языках")
    one = replace(report.clusters[0], count=1, languages=(("uk", 1),))
    assert cluster_line(one, lang="uk").startswith("1 запитання на кшталт")
    assert cluster_line(one, lang="en").startswith("1 question like “kosten für kita” in uk")


# ------------------------------------------------------------------------------------ HTML


async def test_html_is_self_contained_has_charts_and_escapes(
    report_db: Path, real_brain: Brain
) -> None:
    report = await real_report(report_db, real_brain)
    page = render_html(report, real_brain.kb)
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") == 5  # per day, languages, decisions, top entries, coverage
    assert "Translation coverage" in page and ">registration</text>" in page
    # The question with markup is shown as text, never as markup.
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Angelschein" in page
    # Nothing is fetched: no scripts, stylesheets, images or fonts from anywhere.
    assert not re.search(r"<(?:link|img|script|iframe)\b|src=|url\(|@import", page)


async def test_html_report_in_the_readers_language(report_db: Path, real_brain: Brain) -> None:
    report = await real_report(report_db, real_brain)
    german = render_html(report, real_brain.kb, lang="de")
    assert german.startswith('<!doctype html>\n<html lang="de">')
    assert "Übersetzungsstand" in german and "Translation coverage" not in german
    assert "Unbeantwortete Fragen und 👎, gruppiert" in german
    arabic = render_html(report, real_brain.kb, lang="ar")
    assert '<html lang="ar" dir="rtl">' in arabic and "حالة الترجمة" in arabic
    assert "direction: ltr" in arabic  # charts are drawn left to right, labels included
    assert "&lt;script&gt;" in arabic and "<script" not in arabic  # still escaped
    # The command in the footer stays markup; the translated sentence around it is escaped.
    assert "<code>python run_bot.py report --html</code>" in german


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_run(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--hide-scrollbars", *args,
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed")
async def test_html_report_renders_in_a_real_browser(
    report_db: Path, real_brain: Brain, tmp_path: Path
) -> None:
    browser = _chromium()
    assert browser is not None
    report = await real_report(report_db, real_brain)
    page = tmp_path / "report.html"
    page.write_text(render_html(report, real_brain.kb), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = _chromium_run(
        browser, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()
    )
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2400)
    # A blank page compresses to a few kilobytes; charts, tables and text do not.
    assert len(data) > 60_000
    # The browser's own DOM: charts parsed as SVG, the injected question stayed text.
    dom = _chromium_run(browser, "--dump-dom", page.as_uri()).stdout
    assert dom.count("<svg") == 5
    assert "<script" not in dom
    assert "&lt;script&gt;" in dom


# --------------------------------------------------------------------------------- the CLI


def test_report_command_prints_clusters_and_writes_html(
    write_kb: WriteKB, report_db: Path, tmp_path: Path
) -> None:
    entries = "entries:\n" + entry_yaml(
        "registration",
        ["Wo melde ich meine Wohnung an?", "Anmeldung Wohnung"],
        ["Where do I register my address?"],
        contacts="amt",
    )
    kb = write_kb({"c.yaml": CONTACT, "e.yaml": entries})
    html_path = tmp_path / "out.html"
    result = run(["report", "--days", "3", "--db", str(report_db), "--html", str(html_path)], kb)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("9 questions from ")
    # A two-entry knowledge base knows few words, so "dessau" and "machen" weigh like topic
    # words here and the <script> question stays apart: 3 Angelschein questions, not 4.
    assert re.search(r"3 questions like “[Aa]ngelschein \w+” in 3 languages", result.stdout)
    assert "<script>alert('x')</script> Angelschein" in result.stdout  # plain text: as asked
    assert html_path.read_text(encoding="utf-8").count("<svg") == 5
    german = run(["report", "--days", "3", "--db", str(report_db), "--lang", "de"], kb)
    assert german.returncode == 0, german.stderr
    assert german.stdout.splitlines()[0].startswith("9 Fragen von ")
    missing = run(["report", "--db", str(tmp_path / "nope.sqlite3")], kb)
    assert missing.returncode == 1 and "no question log" in missing.stderr
    assert not (tmp_path / "nope.sqlite3").exists()
    both = run(["report", "--days", "3", "--since", "2026-01-01"], kb)
    assert both.returncode == 2  # argparse: not allowed together


def test_period_since_starts_at_local_midnight() -> None:
    from bot.report import period

    now = datetime(2026, 11, 26, 12, tzinfo=BERLIN)
    start, end = period(now, since=date(2026, 11, 1))
    assert (start, end) == (datetime(2026, 11, 1, tzinfo=BERLIN), now)
    assert period(now, days=7)[0] == now - timedelta(days=7)
    assert period(now)[0] == now - timedelta(days=30)


def test_day_buckets_use_local_dates() -> None:
    # 23:30 UTC on 25 November is 00:30 on the 26th in Berlin.
    at = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    row = QuestionRow(1, at, "de", "x", "answer", "registration", 1.0, "confident")
    report = build_report(Rows((row,), (), ()), at - timedelta(hours=1), at + timedelta(hours=1))
    counts: dict[date, int] = defaultdict(int)
    for day, langs in report.per_day:
        counts[day] += sum(n for _, n in langs)
    assert counts[date(2026, 11, 26)] == 1


def test_report_on_a_fresh_install_is_empty_and_says_what_is_logged(
    write_kb: WriteKB, tmp_path: Path
) -> None:
    kb = write_kb({"c.yaml": CONTACT, "e.yaml": "entries:\n" + entry_yaml("x", ["Frage?"])})
    db_path = tmp_path / "data" / "bot.sqlite3"  # where the bot would create it: not yet
    env = {**os.environ, "KNOWLEDGE_DIR": str(kb), "BOT_DB_PATH": str(db_path)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent.parent / "run_bot.py"), "report"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("0 questions from ")
    assert "only questions asked on Telegram are logged" in result.stderr
    assert not db_path.exists() and not db_path.parent.exists()
