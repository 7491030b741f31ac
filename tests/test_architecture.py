"""The import structure of ``bot/``: no import cycles between modules, none between packages.

Every ``import`` and ``from … import`` counts, also those inside functions and under
``TYPE_CHECKING``: a cycle hidden in a function is still a cycle for the reader (and for the
import order at run time). Read with ``ast``, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "bot"

# Package imports that still close a cycle, each with the reason; empty when all is well.
KNOWN_PACKAGE_EDGES: frozenset[tuple[str, str]] = frozenset()
# The modules besides bot.telegram and bot.web that may import them: the command line starts both.
ALLOWED_TRANSPORT_IMPORTERS = frozenset({"bot.cli"})


def modules(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name → (file, whether it is a package)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _owner(name: str, known: Mapping[str, object]) -> str | None:
    """The module that ``name`` (a module, or a name defined in one) belongs to."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the modules of the package it imports (anywhere in its file)."""
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, is_package) in known.items():
        here = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # "from bot.telegram import keyboards" imports a module, else a name of one
                targets = [
                    f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                    for alias in node.names
                ]
            for target in targets:
                owner = _owner(target, known)
                if owner is not None and owner != name:
                    graph[name].add(owner)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(component: list[str], graph: Mapping[str, Iterable[str]]) -> str:
    """One line per member: what it imports inside the cycle."""
    members = set(component)
    return "\n".join(f"  {m} -> {', '.join(sorted(set(graph[m]) & members))}" for m in component)


def package_graph(graph: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Subpackage of ``bot`` → the other subpackages its modules import."""
    known = modules()

    def package_of(name: str) -> str | None:
        top = ".".join(name.split(".")[:2])
        return top if known.get(top, (None, False))[1] and top != PACKAGE else None

    packages: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        mine = package_of(source)
        if mine is None:
            continue
        packages[mine]
        for target in targets:
            theirs = package_of(target)
            if theirs is not None and theirs != mine:
                packages[mine].add(theirs)
    return dict(packages)


def test_no_module_takes_part_in_an_import_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles in bot/:\n" + "\n".join(describe(c, graph) for c in found)


def test_no_two_packages_import_each_other() -> None:
    packages = package_graph(import_graph())
    for source, target in KNOWN_PACKAGE_EDGES:
        packages.get(source, set()).discard(target)
    found = cycles(packages)
    assert not found, "packages of bot/ in a cycle:\n" + "\n".join(
        describe(c, packages) for c in found
    )


def test_only_the_command_line_imports_the_transports() -> None:
    """The domain knows neither Telegram nor HTTP: outside ``bot.telegram`` and ``bot.web`` only
    the command line (which starts them) imports them."""
    transports = ("bot.telegram", "bot.web")
    found = {
        source: sorted(t for t in targets if t.startswith(transports))
        for source, targets in import_graph().items()
        if not source.startswith(transports) and source not in ALLOWED_TRANSPORT_IMPORTERS
    }
    assert not {s: t for s, t in found.items() if t}


def test_the_walk_sees_imports_inside_functions_and_type_checking(tmp_path: Path) -> None:
    (tmp_path / PACKAGE / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "def f():\n    from bot.b import g\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot import c\n",
        "c.py": "from .sub import d\n",
        "sub/__init__.py": "",
        "sub/d.py": "from ..a import f\nimport os\n",
    }
    for name, text in files.items():
        (tmp_path / PACKAGE / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["bot.a"] == {"bot.b"} and graph["bot.b"] == {"bot.c"}
    assert graph["bot.c"] == {"bot.sub.d"} and graph["bot.sub.d"] == {"bot.a"}
    assert cycles(graph) == [["bot.a", "bot.b", "bot.c", "bot.sub.d"]]
