"""The code stays readable in pieces: no module over 400 lines, no function over 60, in the suite's
library and in the emulator; and the library's top holds at most a dozen modules, the rest being
in packages by concern (the README draws them as layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cbr_conformance
import cbr_emulator

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_TOP_MODULES = 12
PACKAGES = {
    package.__name__: Path(str(package.__file__)).parent for package in (cbr_conformance, cbr_emulator)
}


def _too_long(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(package.parent)
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{where}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    return found


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_no_module_nor_function_is_over_the_limits(name: str) -> None:
    assert list(PACKAGES[name].rglob("*.py")), f"no module found under {PACKAGES[name]}"
    assert _too_long(PACKAGES[name]) == []


def test_the_librarys_top_holds_a_dozen_modules_at_most() -> None:
    top = sorted(path.name for path in PACKAGES["cbr_conformance"].glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top
