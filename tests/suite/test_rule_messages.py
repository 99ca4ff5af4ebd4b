"""Every check of the conformance suite says which rule of the reference it holds the target to.

The people who read a failure run the target, not this suite: `assert 3 == 4` tells them nothing.
So each `assert` in conformance/ carries a message (the rule, the section and table it comes from,
what was seen; "setup:" where it checks the suite's own precondition), and each test function a
docstring whose first line, which a report can show, names the behaviour and its section.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cbr_conformance.paths import suite_dir

SECTION = re.compile(r"\b\d\.\d")  # a section of the reference: 3.2, 4.4.3, "4.1 to 4.6"


def _has_message(node: ast.Assert) -> bool:
    message = node.msg
    if message is None:
        return False
    if isinstance(message, ast.Constant):
        return bool(str(message.value).strip())
    return not (isinstance(message, ast.JoinedStr) and not message.values)


def defects(path: Path) -> list[str]:
    """`folder/file:line: what is missing`, for each assert without a message and each test
    function without a docstring that names its section, in the order of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and not _has_message(node):
            found.append((node.lineno, "assert without a message (the rule, its section, what was seen)"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
            docstring = ast.get_docstring(node)
            if not docstring:
                found.append((node.lineno, f"{node.name} has no docstring (its behaviour and section)"))
            elif not SECTION.search(docstring.splitlines()[0]):
                found.append((node.lineno, f"{node.name}: the docstring's first line names no section"))
    return [f"{path.parent.name}/{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_every_assert_of_the_suite_states_its_rule_and_every_test_its_section() -> None:
    modules = sorted(suite_dir().glob("*.py"))
    assert len(modules) > 10, f"the conformance modules are not in {suite_dir()}"
    found = [defect for module in modules for defect in defects(module)]
    assert found == [], "\n".join(
        ["checks of the conformance suite that do not say what they check:", *found]
    )


def test_a_bare_assert_and_a_test_without_docstring_are_named_by_file_and_line(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text(
        '"""A conformance module with one check of each kind, good and bad."""\n'
        "\n"
        "\n"
        "def test_with_docstring() -> None:\n"
        '    """4.4.3 (Table 4-110): limit=3 lists 3 vaults."""\n'
        "    page = [1, 2, 3]\n"
        '    assert len(page) == 3, f"4.4.3 (Table 4-110): limit=3 lists 3 vaults, got {len(page)}"\n'
        "    assert 3 == 4\n"
        '    assert page, ""\n'
        "\n"
        "\n"
        "def test_without_docstring() -> None:\n"
        '    assert True, "setup: nothing to set up"\n'
        "\n"
        "\n"
        "def test_without_section() -> None:\n"
        '    """limit=4 lists 4 vaults."""\n'
        "\n"
        "\n"
        "def _helper() -> None:\n"
        "    assert 1\n",
        encoding="utf-8",
    )
    where = f"{tmp_path.name}/test_example.py"
    assert defects(module) == [
        f"{where}:8: assert without a message (the rule, its section, what was seen)",
        f"{where}:9: assert without a message (the rule, its section, what was seen)",
        f"{where}:12: test_without_docstring has no docstring (its behaviour and section)",
        f"{where}:16: test_without_section: the docstring's first line names no section",
        f"{where}:21: assert without a message (the rule, its section, what was seen)",
    ]
