"""No hidden per-process state in the library: per-run state lives on the run's objects (its
Workspace, a client, pytest's stash), never in a module's variable. A module may hold constant
tables, dicts included, as long as nothing changes them; what is flagged is a module-level dict,
list or set that its module changes (an item set or deleted, a changing method called), and any
`global` statement. A change made from another module through an import is not seen by this check."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import cbr_conformance

LIBRARY = Path(str(cbr_conformance.__file__)).parent
MUTABLE_CALLS = frozenset(
    {"dict", "list", "set", "defaultdict", "Counter", "deque", "OrderedDict", "bytearray"}
)
CHANGING_METHODS = frozenset({
    "append", "extend", "add", "update", "pop", "setdefault", "clear", "remove", "insert",
    "discard", "popitem", "appendleft", "extendleft", "sort", "reverse",
})  # fmt: skip
_MUTABLE_LITERALS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def _mutable(value: ast.expr | None) -> bool:
    if isinstance(value, _MUTABLE_LITERALS):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in MUTABLE_CALLS


def _module_mutables(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _mutable(node.value):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and _mutable(node.value) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def module_state(source: str) -> Iterator[str]:
    """Where a module keeps state of its own: line, and what it does."""
    tree = ast.parse(source)
    names = _module_mutables(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            yield from (f"{node.lineno}: global {name}" for name in node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in CHANGING_METHODS and isinstance(owner, ast.Name) and owner.id in names:
                yield f"{node.lineno}: {owner.id}.{node.func.attr}()"
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and _root(target) in names:
                yield f"{target.lineno}: {_root(target)}[...] changed"


def test_no_module_of_the_library_keeps_state_of_its_own() -> None:
    found = [
        f"{path.relative_to(LIBRARY.parent)}:{where}"
        for path in sorted(LIBRARY.rglob("*.py"))
        for where in module_state(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("_IN_USE: dict[int, object] = {}\ndef f(n):\n    _IN_USE[n] = 1\n", ["3: _IN_USE[...] changed"]),
        ("SEEN = set()\ndef f(n):\n    SEEN.add(n)\n", ["3: SEEN.add()"]),
        ("_current = None\ndef f(n):\n    global _current\n    _current = n\n", ["3: global _current"]),
        ("KINDS = {'a': 1}\nTABLE = frozenset({1})\ndef f(n):\n    return KINDS[n]\n", []),
        ("def f():\n    seen = {}\n    seen[1] = 2\n    return seen\n", []),
    ],
)
def test_what_the_check_flags_and_what_it_leaves(source: str, said: list[str]) -> None:
    assert list(module_state(source)) == said
