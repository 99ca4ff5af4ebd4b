"""A seed's fuzz cases do not depend on which tests ran before them in the same worker.

hypothesis draws some values from the constants of the project's modules loaded when it draws
(where the suite is installed from a checkout), and loading `cbr_conformance.generation.stateful` changes
the cases it generates for create_vault with the same seed. The generating tests import their
modules lazily (a worker that runs none never loads schemathesis), so they import them together,
through `cbr_conformance.generation.suite_tests`.
"""

from __future__ import annotations

import re

import pytest

from cbr_conformance.paths import suite_dir


@pytest.mark.parametrize("module", ["test_fuzz.py", "test_stateful.py"])
def test_the_generating_tests_load_the_fuzzer_and_the_state_machine_together(module: str) -> None:
    source = (suite_dir() / module).read_text(encoding="utf-8")
    assert not re.findall(r"from cbr_conformance\.(?:fuzzing|stateful) import", source), module
    assert "from cbr_conformance.generation.suite_tests import" in source, module
