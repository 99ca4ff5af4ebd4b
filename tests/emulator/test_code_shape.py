"""The emulator stays readable in pieces: no module over 400 lines, no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

import cbr_emulator

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
PACKAGE = Path(cbr_emulator.__file__).parent


def _too_long() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE.parent)
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


def test_no_module_nor_function_of_the_emulator_is_over_the_limits() -> None:
    assert list(PACKAGE.rglob("*.py")), f"no module found under {PACKAGE}"
    assert _too_long() == []
