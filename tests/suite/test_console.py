"""The console a person reads: the run's header, live progress by area with the workers' waits
instead of pytest's dots, and the matrix as a table."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from cbr_conformance import cli, console
from cbr_conformance.waiters import wait_for
from cbr_emulator.defaults import PROJECT_A, PROJECT_B
from tests.library.fake_target import FakeTarget

SK = "known-secret-key-for-the-header-test-0123456789"

ONE_AREA = ["-k", "test_show_unknown_vault_is_not_found or test_show_unknown_policy", "-n", "0"]


def test_the_run_prints_its_header_and_no_dots(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["run", "--report-dir", str(tmp_path), "--fuzz-seed", "7", *ONE_AREA])
    assert code == cli.EXIT_OK
    out = capsys.readouterr().out
    for shown in ("the embedded emulator", "profile", "errata", "run prefix", "seed 7", "workers"):
        assert shown in out, shown
    # The emulator's own projects are the ones tested, whatever a URL's settings name.
    assert "p-1" not in out
    assert re.search(rf"project\s+{PROJECT_A} \(AK/SK\)", out), out
    assert re.search(rf"second project\s+{PROJECT_B} \(AK/SK\)", out), out
    assert re.search(r"time control\s+embedded", out), out
    assert re.search(r"inventory\s+the embedded emulator's built-in \(each project: 12 servers", out), out
    header = json.loads((tmp_path / "latest" / "summary.json").read_text())["header"]
    assert header["project_id"] == PROJECT_A and header["second_project_id"] == PROJECT_B
    assert header["auth"] == header["second_auth"] == "AK/SK"
    assert header["time_control"] == "embedded" and header["allow_restore"] is True
    assert header["inventory"]["held"][PROJECT_B]["servers"] == 12
    # progress by area, not pytest's letters
    assert "vaults" in out and "policies" in out
    assert not any(line.strip() and set(line.strip()) <= set(".sFE") for line in out.splitlines()), out
    assert "show_vault" in out and "1 ok" in out  # the matrix


def test_a_url_runs_header_says_read_only_ak_sk_and_no_inventory(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake: FakeTarget
) -> None:
    env.setenv("HUAWEICLOUD_SDK_AK", "AKFORTHEHEADERTEST01")
    env.setenv("HUAWEICLOUD_SDK_SK", SK)
    cli.main(["run", "--report-dir", str(tmp_path), "--target-url", fake.url, "--read-only", *ONE_AREA])
    out = capsys.readouterr().out
    assert re.search(r"project\s+p-1 \(AK/SK\)", out), out
    assert re.search(r"second project\s+none \(sharing and isolation are not tested\)", out), out
    assert re.search(r"mode\s+read-only", out), out
    assert re.search(r"inventory\s+none", out), out
    assert re.search(r"time control\s+none", out), out
    assert re.search(r"restores\s+off \(read-only\)", out), out
    header = json.loads((tmp_path / "latest" / "summary.json").read_text())["header"]
    assert header["read_only"] is True and header["auth"] == "AK/SK" and header["second_auth"] is None
    assert header["inventory"] == {"source": None, "held": {}} and header["time_control"] is None
    assert SK not in json.dumps(header) and "AKFORTHEHEADERTEST01" not in json.dumps(header)


def _render(progress: console.LiveProgress) -> str:
    sink = Console(file=io.StringIO(), width=120, record=True)
    sink.print(progress)
    return sink.export_text()


def _report(nodeid: str, when: str, failed: bool = False) -> SimpleNamespace:
    return SimpleNamespace(nodeid=nodeid, when=when, failed=failed)


def test_progress_counts_finished_tests_by_area_and_shows_waits(tmp_path: Path) -> None:
    progress = console.LiveProgress(Console(file=io.StringIO()), tmp_path)
    progress.pytest_xdist_node_collection_finished(
        None,
        ["conformance/test_vaults.py::a", "conformance/test_vaults.py::b", "conformance/test_policies.py::c"],
    )
    for when in ("setup", "call", "teardown"):
        report: Any = _report("conformance/test_vaults.py::a", when, failed=when == "call")
        progress.pytest_runtest_logreport(report)
    console.note_waiting(tmp_path, "gw1", "restore point r-1 to become available")
    shown = _render(progress)
    assert "vaults" in shown and "1/2" in shown and "1 failed" in shown
    assert "policies" in shown and "0/1" in shown
    assert "gw1: waiting 0 s for restore point r-1 to become available" in shown
    console.note_waiting(tmp_path, "gw1", None)
    assert "waiting" not in _render(progress)


def test_a_wait_says_what_it_waits_for_while_it_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str | None] = []
    monkeypatch.setattr("cbr_conformance.waiters.on_wait", told.append)
    seen = iter(["protecting", "available"])
    wait_for(lambda: next(seen), lambda s: s == "available", what="backup b-1", timeout=5, interval=0.01)
    assert told == ["backup b-1", None]
    told.clear()
    wait_for(lambda: "available", lambda s: s == "available", what="no wait", timeout=5, interval=0.01)
    assert told == []  # done at the first look: nothing to show


def test_pytests_letters_are_blanked_but_counted() -> None:
    progress = console.LiveProgress(Console(file=io.StringIO()), None)
    hook = progress.pytest_report_teststatus(report=None, config=None)  # type: ignore[arg-type]
    next(hook)
    with pytest.raises(StopIteration) as finished:
        hook.send(("failed", "F", "FAILED"))
    assert finished.value.value == ("failed", "", "")
