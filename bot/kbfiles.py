"""Writing the curated YAML back: the translations import, the translation drafts and the
calendar import change knowledge-base files the way a curator would.

- ``load_round_trip`` parses a file with ruamel.yaml so that dumping it again reproduces it
  unchanged (comments, quotes, long lines, the file's own indentation);
- ``check_copy`` loads the knowledge base as it would be after the change, from a temporary
  copy, and refuses the change with every problem found: nothing half-valid is ever written;
- ``replace_file`` writes next to the file and renames over it: a crash leaves the old file or
  the new one, never half of it.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.errors import KnowledgeError
from bot.validation import load_knowledge

NOT_VALID = "after the import the knowledge base would not validate:"


def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines the curators wrote on one line
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def load_round_trip(text: str) -> tuple[YAML, Any, bool]:
    """Parse ``text`` with the indentation that reproduces it unchanged, if one does."""
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, block_seq_indent = load_yaml_guess_indent(text)
    for config in ((2, 4, 2), (indent, indent, block_seq_indent or 0)):
        yaml = _yaml(*config)
        data = yaml.load(text)
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        if buffer.getvalue() == text:
            return yaml, data, True
    yaml = _yaml()
    return yaml, yaml.load(text), False


def check_copy(
    directory: Path,
    changed: Mapping[Path, str],
    refused: Callable[[KnowledgeError], Exception],
) -> None:
    """Load the knowledge base as it would be with ``changed`` (path → new text) written, from a
    temporary copy; raise ``refused(problems)`` if it would not validate."""
    with tempfile.TemporaryDirectory(prefix="kb-check-") as tmp:
        # Same folder name, so that problems name files as curators know them.
        copy = Path(tmp) / directory.resolve().name
        shutil.copytree(directory, copy)
        for path, text in changed.items():
            relative = path.resolve().relative_to(directory.resolve())
            (copy / relative).write_text(text, encoding="utf-8")
        try:
            load_knowledge(copy)
        except KnowledgeError as exc:
            raise refused(exc) from exc


def replace_file(path: Path, text: str) -> None:
    """Write next to the file, then rename over it: a crash leaves the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
