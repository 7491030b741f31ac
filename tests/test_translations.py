"""Translations as CSV: export what needs work, import reviewed texts, all or nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from bot.translations import (
    COLUMNS,
    TranslationImportError,
    export_csv,
    import_csv,
    rows_to_translate,
)
from bot.validation import load_knowledge
from tests.conftest import CONTACT, WriteKB
from tests.test_cli import run

ENTRIES = """
# Entries for the translation tests. This comment must survive an import.
entries:
  - id: registration   # the most asked entry
    category: arrival
    contacts: [amt]
    sources: [https://example.org/source]
    checked: 2026-11-26
    text:
      de:
        status: reviewed
        updated: 2026-11-26
        title: Wohnsitz anmelden
        questions:
          - Wo melde ich meine Wohnung an?
          - anmeldung wohnung
        answer: |
          Melden Sie sich innerhalb von 2 Wochen an.
          Termin: https://example.org/termin oder amt@example.org, Tel. 0340 204-2133.
      en:
        status: machine   # machine-made: a person should check it
        updated: 2026-11-26
        title: Register your address
        questions:
          - Where do I register my flat?
        answer: |
          Register within 2 weeks.
          Appointment: https://example.org/termin or amt@example.org, phone 0340 204-2133.
      uk:
        status: reviewed
        updated: 2025-03-01   # made from an older German text: stale
        title: Реєстрація
        questions: ["Де зареєструватися?"]
        answer: Зареєструйтеся.
  - id: childcare
    category: family
    sources: [https://example.org/kita]
    checked: 2026-11-26
    text:
      de:
        status: reviewed
        updated: 2026-10-01
        title: Kita-Platz
        questions: ["Wie bekomme ich einen Kita-Platz?", kita platz]
        answer: |
          Melden Sie {name} im Portal an.
      en: {status: reviewed, updated: 2026-10-01, title: Daycare place,
           questions: [kita place], answer: "Register {name} in the portal."}
      # Ukrainian is still missing here.
"""

UK = {
    ("registration", "title"): "Реєстрація місця проживання",
    ("registration", "questions"): "Де зареєструвати квартиру?\nанмельдунг\n",
    ("registration", "answer"): (
        "Зареєструйтеся протягом 2 тижнів.\r\nЗапис: https://example.org/termin або "
        "amt@example.org, тел. 0340 204 2133."
    ),
    ("childcare", "title"): "Місце в дитсадку",
    ("childcare", "questions"): "Як отримати місце в Kita?\nkita місце",
    ("childcare", "answer"): "Зареєструйте {name} на порталі.",
}


@pytest.fixture
def kb_dir(write_kb: WriteKB) -> Path:
    return write_kb({"contacts.yaml": CONTACT, "entries/main.yaml": ENTRIES})


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def exported(kb_dir: Path, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "uk.csv"
    export_csv(load_knowledge(kb_dir), "uk", path)
    return read(path)


def filled(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "translation": UK[(row["id"], row["field"])]} for row in rows]


def snapshot(kb_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(kb_dir.rglob("*")) if p.is_file()}


def test_export_lists_missing_machine_and_stale_texts(kb_dir: Path, tmp_path: Path) -> None:
    rows = exported(kb_dir, tmp_path)
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["id"], r["field"], r["status"]) for r in rows] == [
        ("registration", "title", "stale"),
        ("registration", "questions", "stale"),
        ("registration", "answer", "stale"),
        ("childcare", "title", "missing"),
        ("childcare", "questions", "missing"),
        ("childcare", "answer", "missing"),
    ]
    questions = rows[1]
    assert questions["german"] == "Wo melde ich meine Wohnung an?\nanmeldung wohnung"
    assert questions["current"] == "Де зареєструватися?"
    assert all(r["translation"] == "" and r["lang"] == "uk" for r in rows)
    kb = load_knowledge(kb_dir)
    # English: registration is machine-made, childcare reviewed and current.
    assert {(r.id, r.status) for r in rows_to_translate(kb, "en")} == {("registration", "machine")}


def test_round_trip_keeps_comments_and_marks_reviewed(kb_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "uk-done.csv"
    write(path, filled(exported(kb_dir, tmp_path)))
    before = (kb_dir / "entries/main.yaml").read_text(encoding="utf-8")
    result = import_csv(kb_dir, path)
    assert result.written and result.blocks == (("childcare", "uk"), ("registration", "uk"))
    after = (kb_dir / "entries/main.yaml").read_text(encoding="utf-8")
    # The curators' comments and untouched texts are exactly as they were.
    for line in before.splitlines():
        if ("#" in line or "en:" in line) and "updated:" not in line:
            assert line in after.splitlines(), line
    assert "status: machine   # machine-made: a person should check it" in after
    assert "        updated: 2026-11-26   # made from an older German text: stale" in after
    kb = load_knowledge(kb_dir)  # still valid
    reg, kita = kb.entries["registration"].texts["uk"], kb.entries["childcare"].texts["uk"]
    assert (reg.status, reg.updated) == ("reviewed", date(2026, 11, 26))
    assert reg.questions == ("Де зареєструвати квартиру?", "анмельдунг")
    assert reg.answer.splitlines()[0] == "Зареєструйтеся протягом 2 тижнів."
    assert (kita.status, kita.updated, kita.title) == (
        "reviewed",
        date(2026, 10, 1),
        UK[("childcare", "title")],
    )
    # The new Ukrainian block follows English (ruamel keeps the entry's closing comment after
    # the last block, now the Ukrainian one).
    assert after.index(
        "      uk:\n        status: reviewed\n        updated: 2026-10-01"
    ) > after.index("      en: {status: reviewed, updated: 2026-10-01")
    # Nothing is left to translate, and validate passes from the command line too.
    assert rows_to_translate(kb, "uk") == []
    assert run(["validate", "--quiet"], kb_dir).returncode == 0


def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_written(
    kb_dir: Path, tmp_path: Path
) -> None:
    rows = filled(exported(kb_dir, tmp_path))
    rows[0]["translation"] = "   "  # row 2: empty
    rows[2]["translation"] = "Зареєструйтеся. Запис: amt@example.org"  # row 4: URL, phone gone
    rows[5]["translation"] = "Зареєструйте {name на порталі {child}."  # row 7: broken
    rows.append({**rows[3], "id": "kindergarten"})  # row 8: unknown id
    rows.append({**rows[3], "field": "description"})  # row 9: unknown field
    rows.append({**rows[3], "lang": "de"})  # row 10: German is the source
    path = tmp_path / "bad.csv"
    write(path, rows)
    before = snapshot(kb_dir)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    messages = [str(e) for e in info.value.errors]
    assert "row 2: empty translation: translate it, or delete the row" in messages
    assert "row 4: web address https://example.org/termin is missing" in messages
    assert "row 4: phone number 0340 204-2133 is missing" in messages
    assert "row 7: placeholder {name} is missing" in messages
    assert "row 7: placeholder {child} is not in the German text" in messages
    assert "row 7: broken placeholder (a lone { or }): write it exactly as in German" in messages
    assert "row 8: unknown entry id 'kindergarten'" in messages
    assert any(m.startswith("row 9: unknown field 'description'") for m in messages)
    assert "row 10: German is the source text: change it in the YAML file" in messages
    assert snapshot(kb_dir) == before
    # The command line says the same and exits with 1.
    result = run(["translations", "import", str(path), "--dir", str(kb_dir)])
    assert result.returncode == 1
    assert "row 8: unknown entry id 'kindergarten'" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(kb_dir) == before


def test_german_changed_since_export_is_refused(kb_dir: Path, tmp_path: Path) -> None:
    rows = filled(exported(kb_dir, tmp_path))
    main = kb_dir / "entries/main.yaml"
    main.write_text(
        main.read_text(encoding="utf-8").replace("title: Kita-Platz", "title: Kita-Platz finden"),
        encoding="utf-8",
    )
    path = tmp_path / "old.csv"
    write(path, rows)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    assert [str(e) for e in info.value.errors] == [
        "row 5: the German text changed since the export: export again and translate the new text"
    ]


def test_a_language_block_is_reviewed_as_a_whole(kb_dir: Path, tmp_path: Path) -> None:
    rows = [r for r in filled(exported(kb_dir, tmp_path)) if r["field"] != "answer"]
    path = tmp_path / "partial.csv"
    write(path, rows)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    messages = [str(e) for e in info.value.errors]
    assert len(messages) == 2
    assert messages[0].startswith("row 2: registration (uk): title, questions and answer")
    assert "add the row(s) for answer" in messages[0]


def test_result_that_would_not_validate_writes_nothing(kb_dir: Path, tmp_path: Path) -> None:
    rows = filled(exported(kb_dir, tmp_path))
    # Longer than a Telegram message can carry: only the full validation on the copy sees it.
    rows[5]["translation"] = "Зареєструйте {name} на порталі. " * 200
    path = tmp_path / "long.csv"
    write(path, rows)
    before = snapshot(kb_dir)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    report = info.value.report()
    assert "after the import the knowledge base would not validate" in report
    assert "knowledge/entries/main.yaml" in report and "childcare" in report
    assert snapshot(kb_dir) == before


def test_check_only_and_lang_filter(kb_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "uk.csv"
    write(path, filled(exported(kb_dir, tmp_path)))
    before = snapshot(kb_dir)
    result = import_csv(kb_dir, path, dry_run=True)
    assert not result.written and len(result.translations) == 6
    assert snapshot(kb_dir) == before
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path, lang="ru")
    assert "row 2: the row is for 'uk', but --lang ru was given" in info.value.report()


def test_semicolon_csv_from_a_german_excel(kb_dir: Path, tmp_path: Path) -> None:
    rows = filled(exported(kb_dir, tmp_path))
    path = tmp_path / "excel.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    assert len(import_csv(kb_dir, path).translations) == 6


def test_cli_export_then_import(kb_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cli.csv"
    export = run(["translations", "export", "--lang", "uk", str(path), "--dir", str(kb_dir)])
    assert export.returncode == 0, export.stderr
    assert "6 texts of 2 entries to translate into uk (1 missing, 0 machine-made, 1 stale)" in (
        export.stdout
    )
    write(path, filled(read(path)))
    result = run(["translations", "import", str(path), "--lang", "uk", "--dir", str(kb_dir)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("6 texts of 2 entries marked reviewed, written to ")
    german = run(["translations", "export", "--lang", "de", str(path), "--dir", str(kb_dir)])
    assert german.returncode == 2


def test_details_travel_with_the_answer(kb_dir: Path, tmp_path: Path) -> None:
    main = kb_dir / "entries/main.yaml"
    termin = "amt@example.org, Tel. 0340 204-2133.\n"
    block = "        details: |\n          Mitbringen: Pass und Wohnungsgeberbestätigung.\n"
    main.write_text(
        main.read_text(encoding="utf-8").replace(termin, termin + block, 1), encoding="utf-8"
    )
    rows = exported(kb_dir, tmp_path)
    fields = [(r["id"], r["field"]) for r in rows]
    # Only registration has details in German, so only it asks for them.
    assert ("registration", "details") in fields and ("childcare", "details") not in fields
    details = next(r for r in rows if r["field"] == "details")
    assert details["german"] == "Mitbringen: Pass und Wohnungsgeberbestätigung."
    without = [r for r in filled_with_details(rows) if r["field"] != "details"]
    path = tmp_path / "no-details.csv"
    write(path, without)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    assert "title, questions, answer and details are marked reviewed together" in str(
        info.value.errors[0]
    )
    extra = [*filled_with_details(rows), {**details, "id": "childcare", "translation": "x"}]
    write(path, extra)
    with pytest.raises(TranslationImportError) as info:
        import_csv(kb_dir, path)
    assert any("has no details: delete this row" in str(e) for e in info.value.errors)
    write(path, filled_with_details(rows))
    import_csv(kb_dir, path)
    uk = load_knowledge(kb_dir).entries["registration"].texts["uk"]
    assert uk.details == "Візьміть паспорт і Wohnungsgeberbestätigung."
    assert "        details: |\n          Візьміть паспорт" in main.read_text(encoding="utf-8")


def filled_with_details(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    extra = {("registration", "details"): "Візьміть паспорт і Wohnungsgeberbestätigung."}
    return [{**row, "translation": {**UK, **extra}[(row["id"], row["field"])]} for row in rows]
