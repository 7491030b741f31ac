"""Events: recurrence (year ends, daylight saving), time windows, questions in ten languages."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant, Brain
from bot.cli import match_lines
from bot.clock import BERLIN
from bot.events import (
    TIME_WORDS,
    WINDOWS,
    EventAnswer,
    answer_window,
    event_list,
    event_question,
    next_occurrence,
    occurrences,
    reminder_time,
    time_window,
    weekend_window,
)
from bot.knowledge import KnowledgeBase
from bot.normalize import normalize
from bot.render import PLAIN, render_event_answer
from bot.validation import load_knowledge
from tests.conftest import WriteKB, entry_yaml


def event_yaml(
    eid: str, start: str, end: str | None = None, repeat: str | None = None, *, title: str = ""
) -> str:
    lines = [f"  - id: {eid}", f"    start: {start}"]
    if end:
        lines.append(f"    end: {end}")
    if repeat:
        lines.append(f"    repeat: {repeat}")
    lines += [
        "    place: Markt 1, 06844 Dessau-Roßlau",
        "    sources: [https://example.org/events]",
        "    checked: 2026-11-26",
        "    text:",
        f"      de: {{status: reviewed, updated: 2026-11-26, title: {title or eid}}}",
    ]
    return "\n".join(lines) + "\n"


def kb_with(write_kb: WriteKB, *events: str) -> KnowledgeBase:
    entries = "entries:\n" + entry_yaml("events", ["Was ist los?"], ["What's on?"])
    return load_knowledge(
        write_kb({"e.yaml": entries, "events.yaml": "events:\n" + "".join(events)})
    )


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


# ------------------------------------------------------------------------- recurrence


def test_weekly_event_continues_across_the_year_end(write_kb: WriteKB) -> None:
    kb = kb_with(write_kb, event_yaml("cafe", "2026-12-02 18:00", "2026-12-02 20:00",
                                      "FREQ=WEEKLY;BYDAY=WE"))  # fmt: skip
    found = occurrences(kb.events["cafe"], at("2026-12-20"), at("2027-01-14"))
    assert [o.start for o in found] == [
        at("2026-12-23", "18:00"), at("2026-12-30", "18:00"), at("2027-01-06", "18:00"),
        at("2027-01-13", "18:00"),
    ]  # fmt: skip
    assert all(o.end - o.start == timedelta(hours=2) for o in found)


def test_an_event_over_new_year_is_shown_while_it_lasts(write_kb: WriteKB) -> None:
    kb = kb_with(
        write_kb,
        event_yaml("silvester", "2026-12-31", "2027-01-01", "FREQ=YEARLY"),
        event_yaml("last-day", "2026-11-30", repeat="FREQ=MONTHLY;BYMONTHDAY=-1"),
    )
    silvester = kb.events["silvester"]
    ongoing = next_occurrence(silvester, at("2027-01-01", "10:00"))
    assert ongoing is not None and ongoing.start == at("2026-12-31", "00:00")
    assert next_occurrence(silvester, at("2027-01-02")).start.date() == date(2027, 12, 31)  # type: ignore[union-attr]
    months = occurrences(kb.events["last-day"], at("2026-12-15"), at("2027-03-01"))
    assert [o.start.date() for o in months] == [
        date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "change"),
    [("2027-03-14", date(2027, 3, 28)), ("2027-10-17", date(2027, 10, 31))],
    ids=["spring-forward", "fall-back"],
)
def test_an_18_oclock_event_stays_at_18_local_across_daylight_saving(
    write_kb: WriteKB, first: str, change: date
) -> None:
    kb = kb_with(write_kb, event_yaml("konzert", f"{first} 18:00", f"{first} 19:30",
                                      "FREQ=WEEKLY;BYDAY=SU"))  # fmt: skip
    found = occurrences(kb.events["konzert"], at(first, "00:00"), at(first) + timedelta(days=28))
    assert len(found) == 4
    assert {(o.start.hour, o.start.minute, o.end.hour, o.end.minute) for o in found} == {
        (18, 0, 19, 30)
    }
    offsets = {o.start.date() >= change: o.start.utcoffset() for o in found}
    assert offsets[False] != offsets[True]  # CET and CEST: the UTC time moves, not the local one
    assert {o.start.utcoffset() for o in found} == {timedelta(hours=1), timedelta(hours=2)}


# ----------------------------------------------------------------------------- windows


WEEK = [date(2027, 3, 22) + timedelta(days=i) for i in range(7)]  # Monday … Sunday (DST change)


@pytest.mark.parametrize("day", WEEK, ids=[d.strftime("%a") for d in WEEK])
@pytest.mark.parametrize("clock", [time(9, 0), time(18, 0)], ids=["morning", "evening"])
def test_this_weekend_on_every_weekday(day: date, clock: time) -> None:
    now = datetime.combine(day, clock, BERLIN)
    start, end = weekend_window(now)
    friday_evening = datetime.combine(date(2027, 3, 26), time(17, 0), BERLIN)
    assert end == datetime.combine(date(2027, 3, 29), time.min, BERLIN)  # Monday 00:00
    if day.weekday() < 4 or (day.weekday() == 4 and clock < time(17, 0)):
        assert start == friday_evening  # the coming weekend, Friday evening included
    else:
        assert start == now  # the rest of the weekend under way


def test_this_weekend_lists_friday_evening_to_sunday(write_kb: WriteKB) -> None:
    kb = kb_with(
        write_kb,
        event_yaml("thursday", "2027-03-25 19:00"),
        event_yaml("friday-afternoon", "2027-03-26 14:00"),
        event_yaml("friday-evening", "2027-03-26 19:00"),
        event_yaml("saturday", "2027-03-27"),
        event_yaml("sunday", "2027-03-28 18:00"),
        event_yaml("monday", "2027-03-29 10:00"),
    )
    for day in WEEK[:5]:
        answer = answer_window(kb, "weekend", datetime.combine(day, time(9, 0), BERLIN))
        assert [o.event.id for o in answer.occurrences] == [
            "friday-evening", "saturday", "sunday",
        ], day  # fmt: skip
    sunday = answer_window(kb, "weekend", at("2027-03-28", "19:00"))
    assert [o.event.id for o in sunday.occurrences] == ["sunday"]  # 18:00–20:00, still on


def test_past_events_never_appear(write_kb: WriteKB) -> None:
    kb = kb_with(
        write_kb,
        event_yaml("yesterday", "2027-05-09 18:00"),
        event_yaml("ended-an-hour-ago", "2027-05-10 09:00", "2027-05-10 11:00"),
        event_yaml("running", "2027-05-10 10:00", "2027-05-10 14:00"),
        event_yaml("tonight", "2027-05-10 20:00"),
        event_yaml("series-over", "2027-01-04 10:00", repeat="FREQ=WEEKLY;COUNT=3"),
    )
    now = at("2027-05-10")
    shown = {o.event.id for o in event_list(kb, now)}
    assert shown == {"running", "tonight"}
    today = answer_window(kb, "today", now)
    assert [o.event.id for o in today.occurrences] == ["running", "tonight"]
    assert next_occurrence(kb.events["series-over"], now) is None
    text = render_event_answer(answer_window(kb, "all", now), kb, "en", PLAIN)
    assert "yesterday" not in text and "ended-an-hour-ago" not in text


def test_empty_window_shows_the_next_dates(write_kb: WriteKB) -> None:
    kb = kb_with(write_kb, event_yaml("later", "2027-06-01 18:00"))
    answer = answer_window(kb, "weekend", at("2027-05-10"))
    assert answer.occurrences == ()
    assert [o.event.id for o in answer.later] == ["later"]
    text = render_event_answer(answer, kb, "en", PLAIN)
    assert "no events in this period" in text and "later" in text


def test_pages_of_five(write_kb: WriteKB) -> None:
    kb = kb_with(write_kb, event_yaml("daily", "2027-05-01 10:00", repeat="FREQ=DAILY;COUNT=12"))
    answer = answer_window(kb, "all", at("2027-05-01", "08:00"))
    assert answer.page(0)[:2] == (0, 3)
    assert len(answer.page(2)[2]) == 2
    assert answer.page(99)[0] == 2  # a stale page number shows the last page
    text = render_event_answer(answer, kb, "de", PLAIN, page=1)
    assert "6. 🎉" in text and "10. 🎉" in text and "11. 🎉" not in text


def test_reminder_is_the_day_before_at_nine_berlin_time(write_kb: WriteKB) -> None:
    kb = kb_with(write_kb, event_yaml("fest", "2027-03-28 18:00"))  # the day DST begins
    occurrence = next_occurrence(kb.events["fest"], at("2027-03-01"))
    assert occurrence is not None
    assert reminder_time(occurrence) == datetime(2027, 3, 27, 9, 0, tzinfo=BERLIN)


# ------------------------------------------------------------------- time words, routing


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Was ist am Wochenende los?", "weekend"),
        ("was ist heute los", "today"),
        ("what's on this weekend", "weekend"),
        ("anything tonight?", "today"),
        ("що відбувається на вихідних", "weekend"),
        ("что будет завтра", "tomorrow"),
        ("ماذا يحدث في عطلة نهاية الأسبوع", "weekend"),
        ("امروز چه خبر است", "today"),
        ("bu hafta sonu ne var", "weekend"),
        ("bu hafta etkinlik", "week"),
        ("ce se întâmplă în weekendul ăsta", "weekend"),
        ("co jest jutro w dessau", "tomorrow"),
        ("cuối tuần này có gì", "weekend"),
        ("tuần này có gì", "week"),
        ("Veranstaltungen in Dessau", None),
    ],
)
def test_time_words_in_ten_languages(text: str, window: str | None) -> None:
    assert time_window(text) == window


def _time_window_reference(text: str) -> str | None:
    """The definition the patterns implement: a phrase's words in a row, the last one with any
    ending when the phrase ends in "*"; the first window in WINDOWS order wins."""
    words = normalize(text).split()
    for window in WINDOWS:
        for lang_words in TIME_WORDS.values():
            for phrase in lang_words.get(window, ()):
                tokens = normalize(phrase.rstrip("*")).split()
                for i in range(len(words) - len(tokens) + 1):
                    *head, last = words[i : i + len(tokens)]
                    if head == tokens[:-1] and (
                        last == tokens[-1] or (phrase.endswith("*") and last.startswith(tokens[-1]))
                    ):
                        return window
    return None


_TIME_TOKENS = sorted({w for ws in TIME_WORDS.values() for ps in ws.values() for p in ps
                       for w in p.rstrip("*").split()})  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(_TIME_TOKENS).map(lambda w: w + "n")
        | st.sampled_from(_TIME_TOKENS)
        | st.sampled_from(["was", "ist", "los", "am", "this", "de", "is"]),
        max_size=6,
    )
)
def test_time_window_finds_exactly_the_phrases_in_a_row(words: list[str]) -> None:
    text = " ".join(words)
    assert time_window(text) == _time_window_reference(text)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("what's on this weekend", "weekend"),
        ("was ist heute los", "today"),
        ("Was ist am Wochenende in Dessau los?", "weekend"),
        ("що відбувається на вихідних", "weekend"),
        ("что сегодня происходит", "today"),
        ("ماذا يحدث في عطلة نهاية الأسبوع", "weekend"),
        ("این آخر هفته چه خبر است", "weekend"),
        ("bu hafta sonu ne var", "weekend"),
        ("ce se întâmplă în weekend", "weekend"),
        ("co się dzieje w weekend", "weekend"),
        ("cuối tuần này có gì", "weekend"),
        ("events today", "today"),  # the matcher hesitates; the time word settles it
        ("veranstaltungen", "soon"),
    ],
)
def test_event_questions_route_to_the_window_asked_for(
    real_assistant: Assistant, text: str, window: str
) -> None:
    decision = real_assistant.match(text)
    answer = event_question(real_assistant.kb, text, decision, at("2027-06-30"))
    assert answer is not None, decision
    assert answer.window == window


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("когда Stadtfest?", "stadtfest"),
        ("Bauhausfest date", "bauhausfest"),
        ("Wann ist das Bauhausfest?", "bauhausfest"),
        ("when is the kurt weill fest", "kurt-weill-fest"),
        ("Stadtfestes Programm", "stadtfest"),
        ("коли Schifferfest", "schifferfest-rosslau"),
    ],
)
def test_questions_naming_an_event_get_that_event(
    real_assistant: Assistant, text: str, event: str
) -> None:
    decision = real_assistant.match(text)
    assert (decision.decision, decision.entry) == ("answer", f"event:{event}")
    answer = event_question(real_assistant.kb, text, decision, at("2027-06-30"))
    assert answer == EventAnswer("event", answer.occurrences, event_id=event)  # type: ignore[union-attr]
    assert answer.occurrences[0].event.id == event  # type: ignore[union-attr]


def test_other_questions_are_not_event_questions(real_assistant: Assistant) -> None:
    for text in ("Wo melde ich meine Wohnung an?", "kita platz heute", "dessau festivals"):
        decision = real_assistant.match(text)
        answer = event_question(real_assistant.kb, text, decision, at("2027-06-30"))
        assert answer is None or answer.window != "event", (text, decision)
    text = "Wo melde ich meine Wohnung an?"
    assert (
        event_question(real_assistant.kb, text, real_assistant.match(text), at("2027-06-30"))
        is None
    )


def test_match_jsonl_reports_a_named_event(real_brain: Brain) -> None:
    assistant = Assistant(real_brain, Path("knowledge"))
    source = StringIO(json.dumps({"text": "когда Stadtfest?"}) + "\n")
    out, err = StringIO(), StringIO()
    assert match_lines(assistant, source, out, err) == 0
    result = json.loads(out.getvalue())
    assert result["decision"] == "answer"
    assert result["entry"] == "event:stadtfest"
    assert result["candidates"][0] == "event:stadtfest"


async def test_console_pages_events_and_answers_event_questions(
    real_assistant: Assistant,
) -> None:
    from bot.console import Console

    lines = iter(["/lang de", "/events", "/events 2", "wann ist das stadtfest", "/events 99"])
    out: list[str] = []

    async def read(prompt: str) -> str | None:
        return next(lines, None)

    await Console(real_assistant, read=read, write=out.append).run()
    first, second = out[2], out[4]
    assert "1. 🎉" in first and "6. 🎉" not in first
    assert out[3].endswith("/events 2")  # how to see the next page
    assert "6. 🎉" in second and "1. 🎉" not in second
    assert out[5].startswith("🎉 Dessauer Stadtfest\n🗓 ")
    assert "🗓 Fr., " in out[5] and " Juli 20" in out[5]  # Babel, in German, with weekdays
    assert "6. 🎉" in out[6]  # a page past the end shows the last one


# Every dated occurrence of a recurring event in the city facts file (section "sample-events"),
# as (event id, first day, last day or None, how the rule must meet it): "exact" = an occurrence
# starts (and ends) on those days; "within" = an occurrence covers them; "overlaps" = for events
# whose local programme days vary around a fixed week (Interkulturelle Woche).
FACTS_DATED = [
    ("kurt-weill-fest", date(2025, 2, 28), date(2025, 3, 16), "exact"),
    ("kurt-weill-fest", date(2026, 2, 28), None, "within"),  # premiere of "Alma" at the festival
    ("stadtfest", date(2023, 6, 30), date(2023, 7, 2), "exact"),
    ("interkulturelle-woche", date(2018, 9, 22), date(2018, 10, 3), "overlaps"),
    ("interkulturelle-woche", date(2019, 9, 20), date(2019, 10, 3), "overlaps"),
    ("interkulturelle-woche", date(2020, 9, 28), date(2020, 10, 2), "overlaps"),
    ("interkulturelle-woche", date(2021, 9, 27), date(2021, 10, 4), "overlaps"),
    ("campusfest-hochschule", date(2024, 7, 12), date(2024, 7, 13), "within"),
    ("vorlesetag", date(2021, 11, 19), None, "exact"),
    ("vorlesetag", date(2024, 11, 15), None, "exact"),
]
# Recurring events the facts file gives no dated occurrence for (only "1st September weekend",
# "August", "2nd Saturday in August").
NOT_DATED = {"bauhausfest", "schifferfest-rosslau", "gartenreichtag"}


def _in_year(event_id: str, kb: KnowledgeBase, year: int) -> list[tuple[date, date]]:
    """The event's occurrences in ``year`` as (first day, last day), its rule anchored the year
    before (the knowledge base starts each rule at its next edition)."""
    import dataclasses

    event = kb.events[event_id]
    shift = event.start.year - (year - 1)  # type: ignore[union-attr]
    start = event.start.replace(year=event.start.year - shift)  # type: ignore[union-attr]
    # Same length as the edition in the file (a leap day in between must not stretch it).
    end = start + (event.end - event.start) if event.end else None  # type: ignore[operator]
    anchored = dataclasses.replace(event, start=start, end=end)
    found = occurrences(
        anchored, datetime(year, 1, 1, tzinfo=BERLIN), datetime(year + 1, 1, 1, tzinfo=BERLIN)
    )
    return [(o.start.date(), (o.end - timedelta(seconds=1)).date()) for o in found]


def test_every_recurrence_meets_every_dated_occurrence_in_the_facts_file(real_brain: Brain) -> None:
    kb = real_brain.kb
    recurring = {e.id for e in kb.events.values() if e.repeat}
    assert recurring == {row[0] for row in FACTS_DATED} | NOT_DATED
    for event_id, first, last, how in FACTS_DATED:
        last = last or first
        spans = _in_year(event_id, kb, first.year)
        if how == "exact":
            ok = (first, last) in spans
        elif how == "within":
            ok = any(a <= first and last <= b for a, b in spans)
        else:
            ok = any(a <= last and first <= b for a, b in spans)
        assert ok, f"{event_id} {first}–{last} ({how}): the rule gives {spans}"


def test_stadtfest_is_the_weekend_of_the_first_sunday_in_july(real_brain: Brain) -> None:
    for year in range(2023, 2040):
        ((first, last),) = _in_year("stadtfest", real_brain.kb, year)
        assert first.weekday() == 4 and (last - first).days == 2
        assert last.month == 7 and last.day <= 7, (year, first, last)
