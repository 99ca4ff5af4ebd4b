"""The console a person reads: the run's header, live progress by area with the workers' waits
instead of pytest's dots, and the matrix as a table."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from cbr_conformance import cli
from cbr_conformance.report import console
from cbr_conformance.target.waiters import wait_for
from cbr_conformance.target.workspace import Workspace
from cbr_emulator.defaults import PROJECT_A, PROJECT_B
from tests.library.fake_target import Canned, FakeTarget, Seen

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
    workspace = Workspace(on_wait=told.append)
    seen = iter(["protecting", "available"])
    wait_for(
        lambda: next(seen),
        lambda s: s == "available",
        what="backup b-1",
        timeout=5,
        interval=0.01,
        workspace=workspace,
    )
    assert told == ["backup b-1", None]
    told.clear()
    wait_for(
        lambda: "available",
        lambda s: s == "available",
        what="no wait",
        timeout=5,
        interval=0.01,
        workspace=workspace,
    )
    assert told == []  # done at the first look: nothing to show


def test_pytests_letters_are_blanked_but_counted() -> None:
    progress = console.LiveProgress(Console(file=io.StringIO()), None)
    hook = progress.pytest_report_teststatus(report=None, config=None)  # type: ignore[arg-type]
    next(hook)
    with pytest.raises(StopIteration) as finished:
        hook.send(("failed", "F", "FAILED"))
    assert finished.value.value == ("failed", "", "")


# --- a quiet run prints the suite's report, not pytest's -----------------------------------------

# What pytest and its plugins print on their own, none of which a quiet run shows.
PYTESTS_OWN = (
    "bringing up nodes",  # pytest-xdist
    "Generated html report",  # pytest-html
    "tests.html",
    "short test summary info",
    "warnings summary",
    "FAILED ",
    "PASSED",
    "deselected",
)
PYTESTS_COUNTS = re.compile(r"\d+ (passed|failed|skipped|errors?)\b.* in \d+(\.\d+)?s\b")
TWO_TESTS = "test_show_unknown_vault_is_not_found or test_show_unknown_policy_is_not_found"


def _quiet_run(reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`cbr-conformance run` in a process of its own, from the project's folder (whose pytest
    settings, -ra among them, are not the suite's), with one worker of pytest-xdist."""
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--report-dir", str(reports)]
    return subprocess.run(
        [*command, "--workers", "1", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )


def _one_failure(seen: Seen) -> Canned:
    """A target with one violation: an unknown vault answers 200 with a broken body."""
    path = seen.path.split("?")[0]
    if "/vaults/" in path:
        return Canned.json(200, {"vault": {"id": 1}})
    if "/policies/" in path:
        return Canned.json(
            404, {"error_code": "BackupService.6000", "error_msg": "The policy does not exist."}
        )
    return Canned.json(200, {"vaults": [], "count": 0})


def test_a_quiet_run_prints_no_report_of_pytests_and_only_the_suites_counts(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget
) -> None:
    fake.responder = _one_failure
    ran = _quiet_run(tmp_path, "--target-url", fake.url, "-k", TWO_TESTS)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    assert {t["outcome"] for t in summary["tests"]} == {"passed", "violated"}, ran.stdout
    assert ran.returncode == cli.EXIT_NONCONFORMANT, ran.stderr
    assert ran.stderr == ""
    for line in PYTESTS_OWN:
        assert line not in ran.stdout, line
    assert not PYTESTS_COUNTS.search(ran.stdout), ran.stdout
    # Every count of an outcome on the console is the summary's (the verdict line's).
    shown = {
        outcome: {int(n) for n in re.findall(rf"(\d+) {outcome}\b", ran.stdout)}
        for outcome in summary["totals"]
    }
    assert all(counts <= {summary["totals"][outcome]} for outcome, counts in shown.items()), shown
    assert any(shown.values()), ran.stdout


def test_a_selection_of_no_test_says_so_in_one_line(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    ran = _quiet_run(tmp_path, "-k", "no_test_has_this_name")
    assert ran.returncode == cli.EXIT_USAGE
    assert ran.stderr == "cbr-conformance: no tests selected: the arguments match no test of the suite\n"
    for line in PYTESTS_OWN:
        assert line not in ran.stdout, line
    assert "no tests ran" not in ran.stdout
    assert not list(tmp_path.iterdir())  # and no run folder, whose page a link could name


# pytest's problems of its own, each made by a probe folder (file name: source), and what is said
PYTESTS_PROBLEMS = {
    "unimportable": (
        {"test_probe_unimportable.py": "import no_module_has_this_name\n"},
        ["pytest could not collect", "No module named 'no_module_has_this_name'"],
    ),
    "exit": (
        {
            "test_probe_exit.py": "import pytest\n\n\ndef test_stops():\n"
            "    pytest.exit('the probe stops the run')\n"
        },
        ["pytest stopped: the probe stops the run"],
    ),
    "internal": (
        {
            "conftest.py": "def pytest_collection_modifyitems():\n    raise RuntimeError('a broken hook')\n",
            "test_probe_internal.py": "def test_nothing():\n    pass\n",
        },
        ["pytest stopped on an internal error", "RuntimeError: a broken hook"],
    ),
}


@pytest.mark.parametrize("problem", list(PYTESTS_PROBLEMS))
def test_pytests_problems_of_its_own_still_reach_the_quiet_console(
    problem: str, tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A module that cannot be imported, a pytest.exit, a broken hook: pytest's reason is the only one."""
    files, said = PYTESTS_PROBLEMS[problem]
    probe = tmp_path / "probe"
    probe.mkdir()
    for name, source in files.items():
        (probe / name).write_text(source)
    code = cli.main(["run", "--report-dir", str(tmp_path / "reports"), str(probe), "-n", "0"])
    assert code != cli.EXIT_OK
    err = capsys.readouterr().err
    for words in said:
        assert words in err, err


def test_v_gives_pytests_own_report(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["run", "--report-dir", str(tmp_path), *ONE_AREA, "-v"])
    assert code == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "test_show_unknown_vault_is_not_found PASSED" in out
    assert PYTESTS_COUNTS.search(out), out


def test_pytest_options_of_the_environment_do_not_reach_the_run(
    tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    """PYTEST_ADDOPTS is other projects' tests': an option the suite's run does not know is no error."""
    env.setenv("PYTEST_ADDOPTS", "--no-such-pytest-option -v")
    assert cli.main(["run", "--report-dir", str(tmp_path), *ONE_AREA]) == cli.EXIT_OK


def test_s_gives_what_the_tests_print(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """-s (like --pdb, whose prompt must be seen) asks for pytest's console, not a quiet one."""
    probe = tmp_path / "probe" / "test_probe_prints.py"
    probe.parent.mkdir()
    probe.write_text("def test_prints():\n    print('printed by the test itself')\n")
    code = cli.main(["run", "--report-dir", str(tmp_path / "reports"), str(probe), "-n", "0", "-s"])
    assert code == cli.EXIT_OK
    assert "printed by the test itself" in capsys.readouterr().out
