"""`cbr-conformance diff OLD NEW`, on two synthetic run summaries: each category of change, the
exit code a CI gate reads, and input it cannot compare."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.exchange_facts import ExchangeFacts
from cbr_conformance.contract.spec import Contract
from cbr_conformance.results import Outcome, RunSummary, TestRecord, Violation
from cbr_conformance.results.exercised import contract_coverage
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import read_summary

SHA = "a" * 64
OUTCOMES = {"passed": Outcome.PASSED, "skipped": Outcome.NOT_TESTED}


def _violation(operation: str, rule: str, path: str) -> Violation:
    return Violation(operation, rule, path, f"{rule} broken", tests=("t",))


def _test(test_id: str, outcome: str, message: str = "") -> TestRecord:
    return TestRecord(f"conformance/t.py::{test_id}", OUTCOMES[outcome], test_id=test_id, message=message)


def _summary(
    folder: Path,
    violations: list[Violation],
    tests: list[TestRecord],
    facts: list[ExchangeFacts] | None = None,
    sha: str = SHA,
    profile: str = "errata",
    **header: Any,
) -> Path:
    folder.mkdir(parents=True)
    summary = RunSummary(
        header=RunHeader.from_dict({"spec_sha256": sha, "profile": profile, **header}),
        tests=tuple(tests),
        violations=tuple(violations),
        coverage=contract_coverage(facts or [], Contract.load()),
    )
    (folder / "summary.json").write_text(json.dumps(summary.to_dict()), encoding="utf-8")
    return folder


OLD_BUG = _violation("list_vaults", "response_schema", "$")
KEPT_BUG = _violation("show_vault", "status_documented", "status")
NEW_BUG = _violation("create_policy", "response_schema", "$.policy.id")


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    old = _summary(
        tmp_path / "old",
        [OLD_BUG, KEPT_BUG],
        [_test("vault-show", "passed"), _test("share-add", "skipped", "Skipped: x"), _test("gone", "passed")],
        [ExchangeFacts("show_vault", statuses={200, 404}), ExchangeFacts("list_vaults", statuses={200})],
    )
    new = _summary(
        tmp_path / "new",
        [KEPT_BUG, NEW_BUG],
        [
            _test("vault-show", "skipped", "Skipped: needs a second project\nmore"),
            _test("share-add", "skipped", "Skipped: x"),
            _test("brand-new", "skipped", "Skipped: needs time control"),
        ],
        [ExchangeFacts("show_vault", statuses={200}), ExchangeFacts("list_vaults", statuses={200, 400})],
    )
    return old, new


def test_the_diff_sorts_violations_skips_and_coverage(
    runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = runs
    assert cli.main(["diff", str(old), str(new)]) == cli.EXIT_NONCONFORMANT
    out = capsys.readouterr().out
    section = {
        title: out.split(title, 1)[1].split("\n\n", 1)[0]
        for title in (
            "new violations",
            "fixed violations",
            "violations still present",
            "tests newly not tested",
        )
    }
    assert "create_policy: [response_schema] $.policy.id" in section["new violations"]
    assert "list_vaults" not in section["new violations"] and "show_vault" not in section["new violations"]
    assert "list_vaults: [response_schema] $" in section["fixed violations"]
    assert "show_vault: [status_documented] status" in section["violations still present"]
    # Skipped now and not before (a test that is new counts); one skipped in both does not.
    assert "vault-show: needs a second project" in section["tests newly not tested"]
    assert "brand-new: needs time control" in section["tests newly not tested"]
    assert "share-add" not in section["tests newly not tested"]
    assert "show_vault: responses 40% -> 20% (-404)" in out
    assert "list_vaults: responses 25% -> 50% (+400)" in out
    assert "WARNING" not in out
    assert "1 new violation: the gate fails" in out
    page = (new / "diff.html").read_text()
    assert "create_policy" in page and "the gate fails" in page


def test_a_run_with_only_old_violations_passes_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _summary(tmp_path / "old", [OLD_BUG, KEPT_BUG], [])
    new = _summary(tmp_path / "new", [KEPT_BUG], [])
    html = tmp_path / "elsewhere.html"
    assert cli.main(["diff", str(old / "summary.json"), str(new), "--html", str(html)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "no new violation (1 still present): the gate passes" in out
    assert html.exists() and not (new / "diff.html").exists()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"sha": "b" * 64}, "the spec changed between the runs"),
        ({"profile": "strict"}, "the profile changed"),
    ],
)
def test_a_changed_contract_is_said_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], said: str
) -> None:
    old = _summary(tmp_path / "old", [], [])
    same = _summary(tmp_path / "same", [], [])
    changed = _summary(tmp_path / "changed", [], [], **change)  # type: ignore[arg-type]
    cli.main(["diff", str(old), str(same)])
    assert "WARNING" not in capsys.readouterr().out
    cli.main(["diff", str(old), str(changed)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("WARNING: " + said) and "questionable" in lines[1]


def test_runs_of_other_targets_or_seeds_are_said_first_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same: dict[str, Any] = {"target_url": "http://a", "seed": 7, "read_only": False, "run_prefix": "cbrc-1"}
    old = _summary(tmp_path / "old", [KEPT_BUG], [], **same)
    new = _summary(tmp_path / "new", [KEPT_BUG], [], **{**same, "target_url": "http://b", "seed": 8})
    assert cli.main(["diff", str(old), str(new)]) == cli.EXIT_OK  # the exit code stays the gate's
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:3] == [
        "WARNING: the target differs between the runs (http://a -> http://b): the comparison is questionable",
        "WARNING: the seed differs between the runs (7 -> 8): the comparison is questionable",
    ]
    assert not lines[3].startswith("WARNING")
    # The gate of a run against a baseline says the same, first.
    baseline, run = (read_summary(f) for f in (old, new))
    assert not run.conforms  # it has a violation, the baseline's
    code = cli.gate_on_baseline(cli.EXIT_NONCONFORMANT, run, baseline, "old")
    assert code == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("WARNING: the target differs") and lines[2].startswith("WARNING: the seed")
    assert lines[3].startswith("baseline old: 1 of its violations remain")


def test_an_interrupted_run_named_on_purpose_is_compared_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _summary(tmp_path / "old", [KEPT_BUG], [])
    new = _summary(tmp_path / "new", [], [])
    summary = json.loads((new / "summary.json").read_text())
    (new / "summary.json").write_text(json.dumps({**summary, "interrupted": True}))
    assert cli.main(["diff", str(old), str(new)]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "WARNING: the new run was interrupted: tests it never ran show as changes"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "no run summary at"),
        ("{not json", "is not JSON"),
        ('{"tests": []}', "not a run summary"),
        ('{"header": {}, "tests": [], "violations": []}', "a summary of format 1"),
    ],
)
def test_a_summary_that_cannot_be_read_is_a_usage_error_in_one_line(
    runs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    said: str,
) -> None:
    old, _ = runs
    broken = tmp_path / "broken.json"
    if content is not None:
        broken.write_text(content)
    assert cli.main(["diff", str(old), str(broken)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("content", [None, "{}", "not json"], ids=["missing", "not-a-summary", "not-json"])
def test_a_baseline_that_cannot_be_read_stops_the_run_before_it_starts(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    reports, given = tmp_path / "reports", tmp_path / "given.json"
    reports.mkdir()
    if content is not None:
        given.write_text(content)
    code = cli.main(["run", "--report-dir", str(reports), "--baseline", str(given), "-n", "0"])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "baseline" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list(reports.iterdir())


def test_a_coverage_item_that_followed_the_targets_timing_is_marked_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steady = ExchangeFacts("show_vault", statuses={200})
    polled = ExchangeFacts("show_vault", statuses={404}, timed=True)
    old = _summary(tmp_path / "old", [], [], facts=[steady, polled])
    new = _summary(tmp_path / "new", [], [], facts=[steady])
    cli.main(["diff", str(old), str(new)])
    out = capsys.readouterr().out
    assert "show_vault: responses 40% -> 20% (-404 (timing))" in out
    assert "(timing): exercised only by exchanges that follow the target's timing" in out


def test_parametrized_cases_of_one_test_id_are_compared_case_by_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cases(first: str) -> list[TestRecord]:
        return [
            replace(_test("auth-bad", first, "Skipped: needs a restore"), nodeid="t.py::test_auth[restore]"),
            replace(_test("auth-bad", "passed"), nodeid="t.py::test_auth[list]"),
        ]

    old = _summary(tmp_path / "old", [], cases("skipped"))
    new = _summary(tmp_path / "new", [], cases("skipped"))
    cli.main(["diff", str(old), str(new)])
    assert "tests newly not tested (0)" in capsys.readouterr().out  # the same case skipped in both
    untested = [replace(t, outcome=OUTCOMES["skipped"]) for t in cases("passed")]
    newer = _summary(tmp_path / "newer", [], untested)
    cli.main(["diff", str(new), str(newer)])
    assert "auth-bad[list]: " in capsys.readouterr().out
