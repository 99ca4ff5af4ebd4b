"""Whatever the suite cannot test says why, in a kind a user can act on: the suite and the library
stop a test with `not_tested(Why.X, message)`, never with a bare `pytest.skip`, whose reason the
results could only guess from its words."""

from __future__ import annotations

import ast
from pathlib import Path

from cbr_conformance.paths import suite_dir

LIBRARY = Path(__file__).resolve().parents[2] / "src" / "cbr_conformance"


def bare_skips(path: Path) -> list[str]:
    """`file:line` of each use of pytest's skip (a call, its exception, `from pytest import skip`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "skip":
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("pytest", "outcomes"):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module in ("pytest", "_pytest.outcomes"):
            lines += [node.lineno for alias in node.names if alias.name == "skip"]
    return [f"{path.parent.name}/{path.name}:{line}" for line in sorted(set(lines))]


def test_no_module_of_the_suite_or_library_skips_without_a_kind_of_reason() -> None:
    modules = sorted(suite_dir().glob("*.py")) + sorted(LIBRARY.rglob("*.py"))
    assert len(modules) > 50, f"the suite's modules are not where expected: {suite_dir()}, {LIBRARY}"
    found = [place for module in modules for place in bare_skips(module)]
    assert found == [], "\n".join(["skips without a kind of reason: use not_tested(Why.X, ...)", *found])


def test_a_bare_skip_is_found_in_each_of_its_forms(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text(
        "import pytest\n"
        "from pytest import skip\n"
        "from cbr_conformance.outcome import Why, not_tested\n"
        "def test_one():\n"
        "    pytest.skip('no volume')\n"
        "def test_two():\n"
        "    try:\n"
        "        pass\n"
        "    except pytest.skip.Exception:\n"
        "        pass\n"
        "def test_three():\n"
        "    not_tested(Why.INVENTORY, 'no volume')\n",
        encoding="utf-8",
    )
    assert bare_skips(module) == [f"{tmp_path.name}/test_example.py:{n}" for n in (2, 5, 9)]
