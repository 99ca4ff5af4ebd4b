"""Contract coverage of real runs against the embedded emulator: it comes from what was sent and
received, so an operation no selected test calls stays at 0, whatever the tests declare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import cli


def _run(reports: Path, *args: str, workers: str = "0") -> tuple[int, dict[str, Any]]:
    code = cli.main(["run", "--report-dir", str(reports), "-q", "-n", workers, *args])
    return code, json.loads((reports / "latest" / "summary.json").read_text())


def _exercised(summary: dict[str, Any], operation: str) -> int:
    entry = summary["coverage"]["operations"][operation]
    return sum(entry[category]["hit"] for category in summary["coverage"]["categories"])


def test_an_operation_whose_tests_are_deselected_is_not_covered(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two workers: the facts travel from them to the controller, and stay out of junit.xml.
    code, summary = _run(tmp_path / "all", "test_tasks.py", workers="2")
    assert code == cli.EXIT_OK
    assert _exercised(summary, "show_operation_log") > 0
    assert "cbr_facts" not in (tmp_path / "all" / "latest" / "junit.xml").read_text()
    capsys.readouterr()

    # Both tests of show_operation_log: test_show_operation_log_... and test_show_unknown_operation_log_...
    code, summary = _run(tmp_path / "without", "test_tasks.py", "-k", "not test_show")
    assert code == cli.EXIT_OK
    show = summary["coverage"]["operations"]["show_operation_log"]
    assert _exercised(summary, "show_operation_log") == 0 and show["percent"] == 0.0
    assert show["responses"]["missing"] == ["200", "400", "401", "403", "404"]
    assert _exercised(summary, "list_operation_logs") > 0
    # The same figures on the console and in the report, gaps listed for a person to act on.
    out = capsys.readouterr().out
    assert "contract coverage " in out and "responses " in out and "links " in out
    page = (tmp_path / "without" / "latest" / "index.html").read_text()
    assert "Contract coverage" in page and "Never exercised" in page and "show_operation_log" in page


def test_what_only_the_state_machine_exercised_is_named_as_timing_dependent(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Whatever the machine's verdict (its path is the target's timing's), its facts are timed.
    _, summary = _run(tmp_path, "-k", "test_state_machine_along_links", "--fuzz-seconds", "5")
    timed = summary["coverage"]["timed"]
    assert timed and all(set(item) == {"operation", "category", "item"} for item in timed)
    for item in timed:  # counted in the figures all the same
        entry = summary["coverage"]["operations"][item["operation"]][item["category"]]
        assert item["item"] not in entry["missing"]
    assert "of the items exercised depend on the target's timing" in capsys.readouterr().out
    assert "Depending on the target's timing" in (tmp_path / "latest" / "index.html").read_text()


MARKED_BUT_NOT_CALLING = """
import pytest

@pytest.mark.cbr(operation="show_vault", kind="contract", id="probe-marked-show-vault")
def test_marked_for_show_vault_but_only_lists(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 200
"""


def test_a_test_marked_for_an_operation_it_never_calls_adds_nothing(
    tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    probe = tmp_path / "probe" / "test_probe_marked.py"
    probe.parent.mkdir()
    probe.write_text(MARKED_BUT_NOT_CALLING)
    code, summary = _run(tmp_path / "reports", str(probe))
    assert code == cli.EXIT_OK
    assert summary["matrix"]["show_vault"]["contract"] == {"passed": 1}  # what the marker claims
    assert _exercised(summary, "show_vault") == 0  # what the exchanges show
    listed = summary["coverage"]["operations"]["list_vaults"]
    assert listed["responses"]["hit"] == 1 and "query.limit valid" not in listed["parameters"]["missing"]
