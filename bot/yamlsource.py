"""Read YAML into plain values that remember the line they came from.

Every scalar is read as text (no YAML 1.1 surprises: ``no`` stays "no", ``08:00`` stays "08:00"),
mappings refuse duplicate keys, and each value knows its line so that a curator is pointed to the
exact place of a problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import Problem


class YStr(str):
    """A string that knows its line (1-based)."""

    line: int

    def __new__(cls, value: str, line: int) -> YStr:
        obj = super().__new__(cls, value)
        obj.line = line
        return obj


class YList(list[Any]):
    """A list that knows its line."""

    line: int


class YDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


def line_of(value: object, default: int = 1) -> int:
    """The line a value was read from, or ``default`` for values that were not read from YAML."""
    return getattr(value, "line", default)


def key_line(mapping: object, key: str, default: int = 1) -> int:
    """The line of ``key`` in ``mapping``, falling back to the mapping's line."""
    lines = getattr(mapping, "key_lines", None)
    if lines and key in lines:
        return lines[key]
    return line_of(mapping, default)


MAX_NODES = 200_000  # far beyond any real knowledge file; stops "billion laughs" alias bombs


class _TooLarge(Exception):
    pass


def _convert(
    node: yaml.Node, file: str, problems: list[Problem], path: str, budget: list[int]
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null" or (node.value == "" and node.style is None):
            return None
        return YStr(node.value, line)
    if isinstance(node, yaml.SequenceNode):
        seq = YList(
            _convert(item, file, problems, f"{path}[{i}]", budget)
            for i, item in enumerate(node.value)
        )
        seq.line = line
        return seq
    if isinstance(node, yaml.MappingNode):
        mapping = YDict()
        mapping.line = line
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(file, key_node.start_mark.line + 1, path, "a key must be plain text")
                )
                continue
            key = key_node.value
            child_path = f"{path}.{key}" if path else key
            if key in mapping:
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        child_path,
                        f"duplicate key (first on line {mapping.key_lines[key]})",
                    )
                )
                continue
            mapping.key_lines[key] = key_node.start_mark.line + 1
            mapping[key] = _convert(value_node, file, problems, child_path, budget)
        return mapping
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover - composer guarantees


def load_text(text: str, file: str, problems: list[Problem]) -> Any:
    """Parse ``text`` (named ``file`` in messages); syntax errors go to ``problems``."""
    try:
        # compose() only builds the node graph: no object construction, no tags executed.
        # The C parser (libyaml) when PyYAML has it: about 8x faster start-up, same node marks.
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(file, line, "", f"YAML syntax error: {exc.problem or exc}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(file, 1, "", f"YAML error: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(file, 1, "", "YAML nested too deeply"))
        return None
    if node is None:
        return None
    try:
        return _convert(node, file, problems, "", [MAX_NODES])
    except (_TooLarge, RecursionError):
        problems.append(
            Problem(file, 1, "", f"YAML too large or nested too deeply (over {MAX_NODES} values)")
        )
        return None


def load_file(path: Path, display: str, problems: list[Problem]) -> Any:
    """Read and parse one file; unreadable or non-UTF-8 files are reported, not raised."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(display, 1, "", f"not valid UTF-8 text ({exc.reason})"))
        return None
    except OSError as exc:
        problems.append(Problem(display, 1, "", f"cannot read file: {exc.strerror}"))
        return None
    return load_text(text, display, problems)
