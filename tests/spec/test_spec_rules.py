"""The spec's `x-cbr-rules`: each is of a known kind, names an erratum, and judges requests as the
reference's prose says (contract/spec_rules.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.errata import Erratum
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.spec_rules import KINDS, broken_rules, rules_of


def _policy(*patterns: str) -> dict[str, Any]:
    return {"policy": {"trigger": {"properties": {"pattern": list(patterns)}}}}


def test_every_rule_has_a_known_kind_and_an_erratum(contract: Contract, errata: list[Erratum]) -> None:
    rules = [rule for operation in contract for rule in rules_of(contract.document, operation.operation_id)]
    assert {rule["id"] for rule in rules} >= {"tag-keys-unique", "recurrence-parts", "marker-listed"}
    for rule in rules:
        assert rule["kind"] in KINDS, rule
        assert rule["erratum"] in {e.id for e in errata}, rule
        assert rule["in"] in ("body", "query") and ("at" in rule or "name" in rule), rule


@pytest.mark.parametrize(
    ("operation_id", "query", "body", "broken"),
    [
        ("create_vault", [], {"vault": {"tags": [{"key": "a"}, {"key": "b"}]}}, []),
        ("create_vault", [], {"vault": {"tags": [{"key": "a"}, {"key": "a"}]}}, ["tag-keys-unique"]),
        # bind rules may name one key with several values
        ("create_vault", [], {"vault": {"bind_rules": {"tags": [{"key": "a"}, {"key": "a"}]}}}, []),
        ("create_policy", [], _policy("FREQ=WEEKLY;BYDAY=MO;BYHOUR=14;BYMINUTE=00"), []),
        ("create_policy", [], _policy("FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"), []),
        ("create_policy", [], _policy("BYHOUR=6;BYMINUTE=00;FREQ=DAILY"), []),  # any order (RFC 2445)
        ("create_policy", [], _policy(), []),
        ("update_policy", [], _policy("FREQ=DAILY;BYMINUTE=00"), ["recurrence-parts"]),
        ("update_policy", [], _policy("FREQ=DAILY;FREQ=WEEKLY;BYHOUR=1;BYMINUTE=0"), ["recurrence-parts"]),
        ("create_policy", [], _policy("FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0"), []),
        ("create_policy", [], _policy("FREQ=DAILY;BYHOUR=1;BYMINUTE=0,30"), ["recurrence-spacing"]),
        (
            "create_policy",
            [],
            _policy("FREQ=DAILY;BYHOUR=23;BYMINUTE=30", "FREQ=DAILY;BYHOUR=0;BYMINUTE=10"),
            ["recurrence-spacing"],
        ),
        ("list_backups", [("limit", "10")], None, []),
        ("list_backups", [("marker", "")], None, []),
        ("list_backups", [("marker", "3a7b1f0e-0000-4000-8000-000000000000")], None, ["marker-listed"]),
        ("list_vaults", [("marker", "x")], None, []),  # a rule applies to its own operation only
    ],
)
def test_rules_judge_requests_as_the_reference_says(
    contract: Contract, operation_id: str, query: list[tuple[str, str]], body: Any, broken: list[str]
) -> None:
    assert broken_rules(contract.document, operation_id, query, body) == broken


def test_the_reference_examples_break_no_rule(spec_root: Path) -> None:
    """Every example request of the reference (inline in the bundle) is valid by the rules too."""
    bundle = Contract.load(spec_root / "cbr-v3.bundled.yaml")
    checked = 0
    for operation in bundle:
        body = operation.definition.get("requestBody") or {}
        content = body.get("content", {}).get("application/json", {})
        for example in content.get("examples", {}).values():
            value = example.get("value")
            if value is not None:
                checked += 1
                assert broken_rules(bundle.document, operation.operation_id, [], value) == [], operation
    assert checked > 10
