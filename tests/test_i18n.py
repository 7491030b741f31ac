"""Gettext catalogs: complete, not fuzzy, placeholders intact, and in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, catalog_path, days_text, gettext_for
from bot.language import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def code_messages() -> set[str]:
    """Every message id the code marks for translation, extracted the way pybabel does."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_template_is_in_step_with_the_code() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    template_ids = {i if isinstance(i, str) else i[0] for i in template}
    missing = code_messages() - template_ids
    assert not missing, f"run pybabel extract + update; not in messages.pot: {sorted(missing)[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(lang: str) -> None:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(strings):
            problems.append(f"empty: {msgid!r}")
        elif any(sorted(_PLACEHOLDER.findall(s)) != sorted(_PLACEHOLDER.findall(msgid))
                 for s in strings):  # fmt: skip
            problems.append(f"placeholders differ: {msgid!r}")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = code_messages() - ids
    problems += [f"missing: {m!r}" for m in sorted(missing)]
    assert not problems, f"{lang}: " + "; ".join(problems[:10])


def test_translations_are_used() -> None:
    assert gettext_for("de")("Did you mean…") != "Did you mean…"
    assert gettext_for("uk")("Did you mean…") != "Did you mean…"
    assert gettext_for("en")("Did you mean…") == "Did you mean…"


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("en", 1, "1 day"), ("en", 30, "30 days"), ("de", 1, "1 Tag"), ("de", 180, "180 Tage"),
        ("ru", 1, "1 день"), ("ru", 3, "3 дня"), ("ru", 11, "11 дней"), ("ru", 21, "21 день"),
        ("uk", 2, "2 дні"), ("uk", 30, "30 днів"), ("pl", 1, "1 dzień"), ("pl", 22, "22 dni"),
        ("ro", 1, "1 zi"), ("ro", 14, "14 zile"), ("ro", 30, "30 de zile"),
        ("ar", 3, "3 أيام"), ("ar", 30, "30 يومًا"), ("ar", 100, "100 يوم"),
        ("tr", 30, "30 gün"), ("vi", 30, "30 ngày"), ("fa", 30, "30 روز"),
    ],
)  # fmt: skip
def test_day_counts_take_the_plural_form_of_their_number(lang: str, n: int, expected: str) -> None:
    assert days_text(lang, n) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_day_count_names_its_number(lang: str) -> None:
    assert all(str(n) in days_text(lang, n) for n in range(1000))
