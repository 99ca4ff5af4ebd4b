"""Failures grouped into distinct violations: one bug, one entry, and the tests it blocked."""

from __future__ import annotations

from typing import Any

from cbr_conformance.results.violations import distinct_violations


def _test(
    nodeid: str, operation: str, *violations: tuple[str, str, str], outcome: str = "failed"
) -> dict[str, Any]:
    exchanges = [
        {"violations": [{"operation_id": op, "rule": rule, "path": path, "message": f"{path} broke {rule}"}]}
        for op, rule, path in violations
    ]
    return {
        "nodeid": nodeid,
        "outcome": outcome,
        "operations": [operation],
        "exchanges": exchanges,
        "message": "",
    }


def test_the_same_rule_at_the_same_place_is_one_violation_whatever_the_array_index() -> None:
    tests = [
        _test("a", "list_vaults", ("list_vaults", "response_schema", "$.vaults[0].billing.size")),
        _test("b", "list_vaults", ("list_vaults", "response_schema", "$.vaults[3].billing.size")),
    ]
    [entry] = distinct_violations(tests)
    assert entry["path"] == "$.vaults[*].billing.size" and entry["tests"] == ["a", "b"]


def test_a_test_stopped_by_another_operation_is_blocked_by_its_violation() -> None:
    tests = [
        _test("own", "list_vaults", ("list_vaults", "response_schema", "$")),
        _test("fuzz", "show_policy", ("list_vaults", "response_schema", "$"), outcome="error"),
        _test("passed", "show_vault", outcome="passed"),
    ]
    [entry] = distinct_violations(tests)
    assert entry["tests"] == ["own"] and entry["blocked"] == ["fuzz"]
    assert tests[1]["blocked_by"] == ["list_vaults", "response_schema", "$"]
    assert "blocked_by" not in tests[0]


def test_failures_without_a_contract_violation_are_entries_of_their_own() -> None:
    tests = [
        {
            "nodeid": "neg",
            "outcome": "failed",
            "operations": ["create_vault"],
            "test_id": "vault-size",
            "exchanges": [],
            "message": "E   AssertionError: expected 400, got 200",
        },
        _test("other", "show_vault", ("show_vault", "status_documented", "")),
    ]
    entries = distinct_violations(tests)
    assert {(e["operation"], e["rule"]) for e in entries} == {
        ("create_vault", "behaviour (vault-size)"),
        ("show_vault", "status_documented"),
    }
    assert any("expected 400, got 200" in e["message"] for e in entries)


def _stalled(nodeid: str, operation: str, first: bool) -> dict[str, Any]:
    test = _test(nodeid, operation)
    message = "restore point x to become available: not reached within 4 s; last seen: 'protecting'"
    test["stall"] = {
        "operation": "create_checkpoint",
        "state": "protecting",
        "message": message,
        "first": first,
    }
    return test


def test_work_that_never_ends_is_one_violation_and_blocks_the_later_waits() -> None:
    tests = [
        _stalled("first", "create_checkpoint", first=True),
        _stalled("later", "create_checkpoint", first=False),
        _stalled("lister", "list_backups", first=False),
    ]
    [found] = distinct_violations(tests)
    assert (found["operation"], found["rule"], found["path"]) == (
        "create_checkpoint",
        "async work never ended",
        "status protecting",
    )
    assert found["tests"] == ["first"]
    assert found["blocked"] == ["later", "lister"]
    assert "not reached within 4 s" in found["message"]
