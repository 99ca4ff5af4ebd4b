"""Failures grouped into distinct violations: one bug, one entry, and the tests it blocked."""

from __future__ import annotations

from cbr_conformance.results import Origin, Outcome, TestRecord, build_summary
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import cell_outcomes
from cbr_conformance.results.violations import judge


def _test(
    nodeid: str,
    operation: str | tuple[str, ...],
    *violations: tuple[str, str, str],
    outcome: Outcome = Outcome.VIOLATED,
    **fields: object,
) -> TestRecord:
    exchanges = tuple(
        {"violations": [{"operation_id": op, "rule": rule, "path": path, "message": f"{path} broke {rule}"}]}
        for op, rule, path in violations
    )
    operations = (operation,) if isinstance(operation, str) else operation
    origin = Origin.VIOLATION if outcome is Outcome.VIOLATED else None
    fields.setdefault("kind", "contract")
    return TestRecord(
        nodeid, outcome, operations=operations, exchanges=exchanges, origin=origin,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_same_rule_at_the_same_place_is_one_violation_whatever_the_array_index() -> None:
    tests = [
        _test("a", "list_vaults", ("list_vaults", "response_schema", "$.vaults[0].billing.size")),
        _test("b", "list_vaults", ("list_vaults", "response_schema", "$.vaults[3].billing.size")),
    ]
    [entry], _ = judge(tests)
    assert entry.path == "$.vaults[*].billing.size" and entry.tests == ("a", "b")


def test_a_test_stopped_by_another_operation_is_blocked_by_its_violation() -> None:
    tests = [
        _test("own", "list_vaults", ("list_vaults", "response_schema", "$")),
        _test("fuzz", "show_policy", ("list_vaults", "response_schema", "$")),
        _test("passed", "show_vault", outcome=Outcome.PASSED),
    ]
    [entry], judged = judge(tests)
    assert entry.tests == ("own",) and entry.blocked == ("fuzz",)
    assert judged[1].outcome is Outcome.BLOCKED
    assert judged[1].blocked_by == ("list_vaults", "response_schema", "$")
    assert judged[0].outcome is Outcome.VIOLATED and judged[0].blocked_by is None


def test_failures_without_a_contract_violation_are_entries_of_their_own() -> None:
    tests = [
        _test(
            "neg", "create_vault", test_id="vault-size", message="E   AssertionError: expected 400, got 200"
        ),
        _test("other", "show_vault", ("show_vault", "status_documented", "")),
    ]
    entries, _ = judge(tests)
    assert {(e.operation, e.rule) for e in entries} == {
        ("create_vault", "behaviour (vault-size)"),
        ("show_vault", "status_documented"),
    }
    assert any("expected 400, got 2" in e.message for e in entries)


def test_a_set_up_stopped_by_another_operations_answer_is_blocked() -> None:
    tests = [
        _test("setup", "show_backup", failed_operation="create_vault", message="E   expected 200, got 400")
    ]
    [entry], [judged] = judge(tests)
    assert entry.key == ("create_vault", "unexpected answer in a test's set-up", "")
    assert entry.blocked == ("setup",) and judged.outcome is Outcome.BLOCKED


def test_suite_errors_and_untested_tests_are_never_violations() -> None:
    tests = [
        _test("bug", "show_vault", outcome=Outcome.SUITE_ERROR, message="KeyError: 'x'"),
        _test("skip", "show_vault", outcome=Outcome.NOT_TESTED, message="Skipped: no inventory"),
    ]
    entries, judged = judge(tests)
    assert entries == [] and [t.outcome for t in judged] == [Outcome.SUITE_ERROR, Outcome.NOT_TESTED]


def _stalled(nodeid: str, operation: str, first: bool) -> TestRecord:
    message = "restore point x to become available: not reached within 4 s; last seen: 'protecting'"
    stall = {"operation": "create_checkpoint", "state": "protecting", "message": message, "first": first}
    return _test(nodeid, operation, stall=stall)


def test_work_that_never_ends_is_one_violation_and_blocks_the_later_waits() -> None:
    tests = [
        _stalled("first", "create_checkpoint", first=True),
        _stalled("later", "create_checkpoint", first=False),
        _stalled("lister", "list_backups", first=False),
    ]
    [found], _ = judge(tests)
    assert found.key == ("create_checkpoint", "async work never ended", "status protecting")
    assert found.tests == ("first",)
    assert found.blocked == ("later", "lister")
    assert "not reached within 4 s" in found.message


CHAIN = ("create_vault", "show_vault", "update_vault", "delete_vault")


def test_a_chain_that_stops_on_one_operations_violation_blocks_its_other_cells() -> None:
    broken = ("show_vault", "response_schema", "$.vault.billing.size")
    chain = _test("chain", CHAIN, broken, kind="stateful", credited=CHAIN[:3])
    own = _test("contract", "show_vault", broken)
    summary = build_summary([chain, own], RunHeader())
    [judged_chain] = [t for t in summary.tests if t.nodeid == "chain"]
    assert cell_outcomes(judged_chain) == {
        "create_vault": Outcome.BLOCKED,
        "show_vault": Outcome.VIOLATED,
        "update_vault": Outcome.BLOCKED,  # delete_vault: not credited, the chain never reached it
    }
    red = {
        (op, kind)
        for op, kinds in summary.matrix.items()
        for kind, cell in kinds.items()
        if "violated" in cell
    }
    assert red == {("show_vault", "stateful"), ("show_vault", "contract")}


def test_a_chain_blocked_by_another_operations_violation_has_no_red_cell() -> None:
    chain = _test("scenario", CHAIN[:2], ("list_vaults", "response_schema", "$"), kind="scenario")
    [judged] = build_summary([chain], RunHeader()).tests
    assert judged.outcome is Outcome.BLOCKED
    assert set(cell_outcomes(judged).values()) == {Outcome.BLOCKED}
