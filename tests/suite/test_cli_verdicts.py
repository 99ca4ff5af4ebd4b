"""Verdicts that cannot lie, and configuration mistakes that are errors, never verdicts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.cli.common import config_of
from cbr_conformance.cli.run import pytest_argv
from cbr_conformance.results import Origin, Outcome, TestRecord, Why, build_summary, verdict
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.settings.registry import RUN
from cbr_emulator.defaults import PROJECT_A, PROJECT_B
from tests.library.fake_target import Canned, FakeTarget

ONE_TEST = ["-k", "test_show_unknown_vault_is_not_found", "-q", "-n", "0"]


def _run(reports: Path, *args: str) -> int:
    return cli.main(["run", "--report-dir", str(reports), *args])


def test_a_selection_that_matches_no_test_is_a_usage_error(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, "-k", "nosuchtest", "-q", "-n", "0") == cli.EXIT_USAGE
    assert "no tests selected" in capsys.readouterr().err
    assert not (tmp_path / "latest").exists()
    assert not [p for p in tmp_path.iterdir()]  # no half-written run folder either


def test_a_wrong_flag_leaves_the_latest_report_as_it_was(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    assert _run(tmp_path, *ONE_TEST) == cli.EXIT_OK
    before = os.readlink(tmp_path / "latest")
    assert _run(tmp_path, "--max-wait=-1", *ONE_TEST) == cli.EXIT_USAGE
    assert _run(tmp_path, "--no-such-pytest-flag", *ONE_TEST) == cli.EXIT_USAGE
    assert os.readlink(tmp_path / "latest") == before
    assert os.readlink(tmp_path / "last") == before
    assert len([p for p in tmp_path.iterdir() if p.name not in ("latest", "last")]) == 1


def test_a_suite_module_is_found_from_any_folder(
    tmp_path: Path, env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for module in ("conformance/test_vaults.py", "test_vaults.py"):
        code = _run(tmp_path / "reports", f"{module}::test_show_unknown_vault_is_not_found", "-q", "-n", "0")
        assert code == cli.EXIT_OK
        summary = json.loads((tmp_path / "reports" / "latest" / "summary.json").read_text())
        assert summary["totals"]["passed"] == 1


@pytest.mark.parametrize("value", ["treu", "maybe", "2"])
def test_an_unclear_read_only_value_sends_nothing(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget, value: str
) -> None:
    env.setenv("CBR_READ_ONLY", value)
    assert _run(tmp_path, "--target-url", fake.url, *ONE_TEST) == cli.EXIT_USAGE
    assert not fake.seen


def test_a_target_url_without_a_scheme_is_a_usage_error(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    assert _run(tmp_path, "--target-url", "cbr.example.com", *ONE_TEST) == cli.EXIT_USAGE


def test_a_gateway_prefix_is_kept_once(tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget) -> None:
    fake.answer = Canned.json(200, {"vaults": [], "count": 0})
    _run(tmp_path, "--target-url", fake.url + "/cbr/", *ONE_TEST)
    assert fake.seen and all(seen.path.startswith("/cbr/v3/p-1/") for seen in fake.seen)


def test_a_target_that_is_not_cbr_exits_3(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    # What `python3 -m http.server` answers to a path it does not have.
    fake.answer = Canned(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
    assert _run(tmp_path, "--target-url", fake.url) == cli.EXIT_UNREACHABLE
    assert "not a CBR endpoint" in capsys.readouterr().err
    assert len(fake.seen) == 1  # the preflight only: no run of 300 tests against it


def test_the_second_projects_credentials_are_checked_before_the_run(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    def answer(seen: object) -> Canned:
        refused = "second-token" in str(getattr(seen, "headers", {}))
        if refused:
            return Canned.json(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication"})
        return Canned.json(200, {"vaults": [], "count": 0})

    fake.responder = answer
    env.setenv("CBR_SECOND_PROJECT_ID", "p-2")
    env.setenv("CBR_SECOND_AUTH_TOKEN", "second-token")
    assert _run(tmp_path, "--target-url", fake.url, *ONE_TEST) == cli.EXIT_UNREACHABLE
    assert "refuses the credentials of the second project" in capsys.readouterr().err


def _result(outcome: Outcome, message: str = "", **fields: object) -> TestRecord:
    return TestRecord(
        f"t::{outcome}{len(message)}", outcome=outcome, message=message, operations=("list_vaults",),
        kind="contract", **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_verdicts_say_how_much_was_not_tested() -> None:
    second = "Skipped: needs a second project"
    ran = [
        _result(Outcome.PASSED),
        _result(Outcome.NOT_TESTED, second, why=Why.SECOND_PROJECT),
        _result(Outcome.NOT_TESTED, second + " ", why=Why.SECOND_PROJECT),
    ]
    summary = build_summary(ran, RunHeader())
    assert verdict(summary) == "CONFORMS (partial: 2 of 3 tests not tested)"
    assert summary.skips == {"needs a second project": 2}
    assert verdict(build_summary([_result(Outcome.PASSED)], RunHeader())) == "CONFORMS"
    violated = _result(Outcome.VIOLATED, "E   assert 1 == 2", origin=Origin.VIOLATION)
    assert verdict(build_summary([_result(Outcome.PASSED), violated], RunHeader())) == (
        "DOES NOT CONFORM: 1 distinct violation"
    )


def test_an_interrupted_run_never_conforms() -> None:
    summary = build_summary([_result(Outcome.PASSED)], RunHeader(), interrupted=True)
    assert not summary.conforms and verdict(summary) == "INTERRUPTED"
    assert not build_summary([], RunHeader()).conforms


INTERRUPTED_PROBE = """
import pytest

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-ok")
def test_a_first_test_passes(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 200

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-ctrl-c")
def test_then_the_user_presses_ctrl_c():
    raise KeyboardInterrupt
"""


def test_a_run_cut_short_says_interrupted_everywhere(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = tmp_path / "probe" / "test_probe_interrupted.py"
    probe.parent.mkdir()
    probe.write_text(INTERRUPTED_PROBE)
    reports = tmp_path / "reports"
    assert _run(reports, f"{probe}::test_a_first_test_passes", "-q", "-n", "0") == cli.EXIT_OK
    complete = os.readlink(reports / "latest")
    assert _run(reports, str(probe), "-q", "-n", "0") == cli.EXIT_INTERRUPTED
    # The interrupted run is `last`, never `latest`: diff, --baseline and the next run's layout
    # read the complete run.
    assert os.readlink(reports / "latest") == complete
    last = reports / "last"
    assert os.readlink(last) != complete
    summary = json.loads((last / "summary.json").read_text())
    assert summary["interrupted"] and not summary["conforms"]
    assert "interrupted" in (last / "index.html").read_text().lower()
    assert "conforms</span>" not in (last / "index.html").read_text()
    out = capsys.readouterr().out
    assert f"the run did not finish (it was interrupted): {reports / 'latest'} still names {complete}" in out
    assert f"cleanup --run {last.resolve()}" in out


CUT_SHORT_PROBE = """
import pytest

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-fails")
def test_a_first_test_fails():
    assert False, "a violation"

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-never-runs")
def test_a_second_test_never_runs(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 200
"""


def test_a_run_stopped_at_its_first_failure_does_not_become_latest(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = tmp_path / "probe" / "test_probe_cut_short.py"
    probe.parent.mkdir()
    probe.write_text(CUT_SHORT_PROBE)
    reports = tmp_path / "reports"
    assert _run(reports, str(probe), "-x", "-q", "-n", "0") == cli.EXIT_NONCONFORMANT
    assert not (reports / "latest").exists() and (reports / "last" / "summary.json").exists()
    assert "the run did not finish (1 selected tests never ran)" in capsys.readouterr().out
    assert _run(reports, str(probe), "-q", "-n", "0") == cli.EXIT_NONCONFORMANT  # every test ran
    assert os.readlink(reports / "latest") == os.readlink(reports / "last")


def test_durations_are_never_read_from_an_interrupted_run(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even when `latest` names one (a report folder of an older version of the suite); a summary
    there that cannot be read is said in one line, and lays nothing out."""
    reports = tmp_path / "reports"
    for name, stopped in (("complete", False), ("interrupted", True)):
        (reports / name).mkdir(parents=True)
        summary = build_summary([_result(Outcome.PASSED)], RunHeader(), interrupted=stopped)
        (reports / name / "summary.json").write_text(json.dumps(summary.to_dict()))
    (reports / "older").mkdir()
    (reports / "older" / "summary.json").write_text(json.dumps({"interrupted": False, "tests": []}))
    args, _ = cli.build_parser().parse_known_args(["run", "--report-dir", str(reports)])
    config = config_of(args, RUN)

    def durations_from(latest: str) -> str | None:
        (reports / "latest").unlink(missing_ok=True)
        (reports / "latest").symlink_to(latest)
        argv = pytest_argv(args, config, tmp_path / "run", "cbrc-x", [])
        return argv[argv.index("--durations-from") + 1] if "--durations-from" in argv else None

    assert durations_from("complete") == str((reports / "complete" / "summary.json").resolve())
    assert durations_from("interrupted") is None
    capsys.readouterr()
    assert durations_from("older") is None
    said = capsys.readouterr().err.splitlines()
    assert said == [
        "the tests are laid out without the latest run's durations: "
        f"{(reports / 'latest' / 'summary.json')}: not a run summary (no header and tests)"
    ]


def test_the_plan_says_what_a_run_would_do_without_calling_the_target(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, "--target-url", fake.url, "--plan", "-k", "test_vaults") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert not fake.seen and not list(tmp_path.iterdir())
    assert "none created or resized over --max-vault-size (200 GB)" in out
    assert "restores: off (--allow-restore)" in out and "GB of vaults" in out
    assert "POST   create_vault" in out and "none (its tests skip)" in out
    assert (
        _run(tmp_path, "--target-url", fake.url, "--plan", "--max-vault-size", "50", "--allow-restore") == 0
    )
    assert "over --max-vault-size (50 GB)" in capsys.readouterr().out


def test_the_plan_of_an_embedded_run_names_the_emulators_projects(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, "--plan", "-k", "test_show_unknown_vault") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"projects: {PROJECT_A}; second: {PROJECT_B}" in out and "p-1" not in out


SKIPPING_PROBE = """
import pytest

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-ran")
def test_one_that_runs(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 200

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-skipped")
def test_one_that_cannot_run_here():
    pytest.skip("needs something this target lacks")
"""


def test_require_complete_makes_a_skip_fail_the_gate(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = tmp_path / "probe" / "test_probe_partial.py"
    probe.parent.mkdir()
    probe.write_text(SKIPPING_PROBE)
    assert _run(tmp_path / "reports", str(probe), "-q", "-n", "0") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "CONFORMS (partial, selection: 26 of 27 operations not exercised; 1 of 2 tests not tested)" in out
    assert "needs something this target lacks" in out
    code = _run(tmp_path / "reports", str(probe), "-q", "-n", "0", "--require-complete")
    assert code == cli.EXIT_NONCONFORMANT
    assert "INCOMPLETE: 26 of 27 operations not exercised; 1 of 2 tests not tested" in capsys.readouterr().out
    html = (tmp_path / "reports" / "latest" / "index.html").read_text()
    assert "incomplete" in html and "needs something this target lacks" in html
