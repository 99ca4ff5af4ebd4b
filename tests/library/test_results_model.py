"""The typed results: one record per test, crossing processes as one property, read back whole;
summaries of another format refused in one line; origins decided by the exception's type."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator

from cbr_conformance.plugin.guard import UnintendedInvalidRequest
from cbr_conformance.plugin.reporting import origin_of
from cbr_conformance.plugin.workspace import PluginNotConfigured, workspace_of
from cbr_conformance.resources.provision import UndeclaredNeed
from cbr_conformance.results import (
    Origin,
    Outcome,
    RunHeader,
    RunSummary,
    TestRecord,
    UnreadableSummary,
    Untested,
    Why,
    build_summary,
)
from cbr_conformance.results.record import PhaseFacts
from cbr_conformance.results.summary import SCHEMA_FILE, Scope
from cbr_conformance.target.client import ContractViolation, ReadOnlyRefusal, TargetUnreachable
from cbr_conformance.transport.recording import Exchange

VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def _summary() -> RunSummary:
    records = [
        TestRecord("a", Outcome.PASSED, 0.5, ("list_vaults",), "contract", test_id="a-id"),
        TestRecord(
            "b", Outcome.VIOLATED, 1.0, ("show_vault",), "contract", origin=Origin.VIOLATION,
            exchanges=({"violations": [{"operation_id": "show_vault", "rule": "r", "path": "$.x",
                                        "message": "m"}]},),
        ),
        TestRecord(
            "c", Outcome.NOT_TESTED, 0.0, ("create_vault", "show_vault"), "stateful", why=Why.GENERATION,
            message="Skipped: no case", untested={"create_vault": Untested(Why.INVENTORY, "no server")},
        ),
    ]  # fmt: skip
    return build_summary(records, RunHeader(target_url="x"), operations=("list_vaults", "show_vault"))


def test_a_summary_reads_back_as_it_was_written_and_follows_its_schema() -> None:
    summary = _summary()
    data = json.loads(json.dumps(summary.to_dict()))
    assert not list(VALIDATOR.iter_errors(data))
    again = RunSummary.from_dict(data)
    assert again == summary and again.to_dict() == summary.to_dict()
    assert [t.outcome for t in again.tests] == [Outcome.PASSED, Outcome.VIOLATED, Outcome.NOT_TESTED]


def test_the_schema_refuses_what_no_summary_holds() -> None:
    data = _summary().to_dict()
    data["tests"][0]["outcome"] = "failed"  # pytest's word, not an outcome of the suite's
    assert list(VALIDATOR.iter_errors(data))
    data = _summary().to_dict()
    del data["verdict"]
    assert list(VALIDATOR.iter_errors(data))


def test_a_summary_of_another_format_is_refused_in_one_line() -> None:
    old = {"header": {}, "tests": [{"nodeid": "a", "outcome": "failed"}], "violations": []}
    with pytest.raises(UnreadableSummary, match="a summary of format 1; this suite reads format 2") as told:
        RunSummary.from_dict(old)
    assert "\n" not in str(told.value)
    with pytest.raises(UnreadableSummary, match="not a run summary"):
        RunSummary.from_dict([1, 2])


def test_what_a_phase_carries_crosses_as_one_property() -> None:
    facts = PhaseFacts(
        operations=("show_vault",), kind="contract", mutates=False, test_id="x", origin=Origin.SUITE,
        untested={"show_vault": Untested(Why.SECOND_PROJECT, "set CBR_SECOND_PROJECT_ID")}, lease_wait=0.5,
    )  # fmt: skip
    assert PhaseFacts.from_json(facts.to_json()) == facts
    assert PhaseFacts.from_json(PhaseFacts().to_json()) == PhaseFacts()


def _exchange() -> Exchange:
    return Exchange("show_vault", "GET", "http://t/v3/p/vaults/v", {}, None, 200, {}, "{}", 0.1)


@pytest.mark.parametrize(
    ("error", "origin"),
    [
        (AssertionError("4.4.1: expected 200"), Origin.VIOLATION),
        (ContractViolation(_exchange()), Origin.VIOLATION),
        (TargetUnreachable("connection refused"), Origin.UNREACHABLE),
        (UnintendedInvalidRequest("the test sent what the spec forbids"), Origin.SUITE),
        (ReadOnlyRefusal("POST in a read-only run"), Origin.SUITE),
        (UndeclaredNeed("leased an OS::Cinder::Volume it did not declare"), Origin.SUITE),
        (KeyError("vault"), Origin.SUITE),
        (TypeError("bad operand"), Origin.SUITE),
        (ExceptionGroup("chain", [KeyError("x"), AssertionError("rule")]), Origin.VIOLATION),
        (ExceptionGroup("chain", [KeyError("x"), ValueError("y")]), Origin.SUITE),
    ],
)
def test_a_failure_is_judged_by_where_it_came_from(error: BaseException, origin: Origin) -> None:
    assert origin_of(error) is origin


def test_a_read_only_or_selected_run_is_partial_even_when_everything_passed() -> None:
    passed = TestRecord("a", Outcome.PASSED, operations=("list_vaults",), kind="contract")
    ops = ("list_vaults", "create_vault")
    read_only = build_summary([passed], RunHeader(), operations=ops, scope=Scope(read_only=True))
    assert read_only.conforms and read_only.partial
    assert read_only.to_dict()["verdict"] == "CONFORMS (partial, read-only: 1 of 2 operations not exercised)"
    whole = build_summary([passed], RunHeader(), operations=("list_vaults",))
    assert whole.to_dict()["verdict"] == "CONFORMS" and not whole.partial


def test_what_a_summary_derives_is_counted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from cbr_conformance.results import summary as module

    counted: list[int] = []

    def matrix_of(tests: object) -> dict[str, dict[str, dict[str, int]]]:
        counted.append(1)
        return real(tests)  # type: ignore[arg-type]

    real = module.matrix_of
    monkeypatch.setattr(module, "matrix_of", matrix_of)
    summary = _summary()
    data = summary.to_dict()
    assert summary.partial and module.verdict(summary) == data["verdict"]
    assert summary.matrix is summary.matrix and len(counted) == 1


def test_the_untested_reasons_leave_out_what_cannot_exist() -> None:
    applicable = TestRecord("a", Outcome.NOT_TESTED, why=Why.INVENTORY, message="Skipped: no server")
    cannot = TestRecord("b", Outcome.NOT_TESTED, why=Why.NOT_APPLICABLE, message="nothing to break")
    summary = build_summary([applicable, cannot], RunHeader())
    assert summary.untested_reasons == {"no server": 1}
    assert summary.skips == {"no server": 1, "nothing to break": 1}


def test_a_process_without_the_plugins_workspace_is_the_suites_error_not_a_fresh_one() -> None:
    """A workspace made up on the spot would lose the run's leases, stalls and ledger unnoticed."""
    unconfigured = SimpleNamespace(stash=pytest.Stash())
    with pytest.raises(PluginNotConfigured, match="no workspace in this process") as told:
        workspace_of(unconfigured)  # type: ignore[arg-type]
    assert origin_of(told.value) is Origin.SUITE
