"""Contract coverage counts what exchanges did, item by item: each fact can be absent, and then
the item is named as never exercised."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cbr_conformance.contract.exchange_facts import ExchangeFacts, FactFinder, FactSheet
from cbr_conformance.contract.spec import Contract
from cbr_conformance.results.exercised import (
    contract_coverage,
    coverage_line,
    coverage_of_exchanges,
    never_exercised,
)
from cbr_conformance.transport.recording import Exchange

BASE = "http://target.example/gw/v3/p-1"  # a gateway's prefix before the spec's paths
VAULT = "6a1b0c8e-5b0e-4d47-9f39-2f1a1a0e0c01"


@pytest.fixture
def contract() -> Contract:
    return Contract.load()


@pytest.fixture
def finder(contract: Contract) -> FactFinder:
    return FactFinder(contract)


def _exchange(
    operation: str | None, method: str, path: str, status: int, answer: Any, body: Any = None
) -> Exchange:
    return Exchange(
        operation,
        method,
        BASE + path,
        {},
        json.dumps(body) if body is not None else None,
        status=status,
        response_text=json.dumps(answer),
    )


def _vault_body(size: Any = 100, object_type: str = "server") -> dict[str, Any]:
    billing = {
        "consistent_level": "crash_consistent",
        "object_type": object_type,
        "protect_type": "backup",
        "size": size,
    }
    return {"vault": {"name": "v", "billing": billing, "resources": []}}


def _created(vault_id: str = VAULT) -> dict[str, Any]:
    return {"vault": {"id": vault_id, "billing": {"status": "available"}, "resources": []}}


def test_an_exchange_gives_its_status_code_parameters_and_values(finder: FactFinder) -> None:
    facts = finder.facts(_exchange("create_vault", "POST", "/vaults", 200, _created(), _vault_body()))
    assert facts is not None and facts.operation == "create_vault"
    assert facts.statuses == {200} and not facts.error_codes
    assert {"body.vault.billing.size", "body.vault.name", "path.project_id"} <= facts.valid
    assert not facts.invalid
    assert "body.vault.billing.object_type=server" in facts.sent
    assert "vault.billing.status=available" in facts.seen


def test_an_invalid_value_is_charged_to_its_own_parameter_only(finder: FactFinder) -> None:
    refused = {"error_code": "BackupService.9900", "error_msg": "bad size"}
    facts = finder.facts(_exchange("create_vault", "POST", "/vaults", 400, refused, _vault_body(size=0)))
    assert facts is not None
    assert facts.invalid == {"body.vault.billing.size"}
    assert "body.vault.billing.size" not in facts.valid and "body.vault.billing" not in facts.valid
    assert "body.vault.name" in facts.valid  # a sibling's value is still one the spec allows
    assert facts.error_codes == {"BackupService.9900"}
    assert not facts.seen  # an error answer shows no enum value of a 2xx body


def test_query_parameters_are_judged_as_their_schema_types(finder: FactFinder) -> None:
    good = finder.facts(_exchange("list_vaults", "GET", "/vaults?limit=10", 200, {"vaults": [], "count": 0}))
    bad = finder.facts(_exchange("list_vaults", "GET", "/vaults?limit=0", 400, {"error_code": "x"}))
    assert good is not None and bad is not None
    assert "query.limit" in good.valid and "query.limit" not in good.invalid
    assert "query.limit" in bad.invalid and "query.limit" not in bad.valid


def test_a_link_is_followed_only_with_a_value_its_source_answered(finder: FactFinder) -> None:
    before = finder.facts(_exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created()))
    assert before is not None and not before.links  # no create answered this id yet
    finder.facts(_exchange("create_vault", "POST", "/vaults", 200, _created(), _vault_body()))
    other = finder.facts(_exchange("show_vault", "GET", "/vaults/another-id", 404, {"error_code": "x"}))
    after = finder.facts(_exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created()))
    assert other is not None and not other.links
    assert after is not None and after.links == {"create_vault 200 -> show_vault"}


def test_an_exchange_without_an_operation_id_is_found_by_its_route(finder: FactFinder) -> None:
    facts = finder.facts(_exchange(None, "POST", f"/vaults/{VAULT}/addresources", 200, {}))
    assert facts is not None and facts.operation == "add_vault_resources"
    assert finder.facts(_exchange(None, "GET", "/no-such-route", 404, {})) is None


def test_facts_merge_by_operation_and_survive_their_json_form() -> None:
    sheet = FactSheet()
    sheet.add(ExchangeFacts("show_vault", statuses={200}))
    sheet.add(ExchangeFacts("show_vault", statuses={404}, error_codes={"BackupService.6105"}))
    carried = sheet.drain()
    assert not sheet and len(carried) == 1
    back = ExchangeFacts.from_json(json.loads(json.dumps(carried))[0])
    assert back.statuses == {200, 404} and back.error_codes == {"BackupService.6105"}


def test_coverage_counts_only_what_exchanges_showed(contract: Contract, finder: FactFinder) -> None:
    facts = [
        finder.facts(_exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created())),
        finder.facts(
            _exchange("show_vault", "GET", f"/vaults/{VAULT}", 404, {"error_code": "BackupService.6105"})
        ),
    ]
    coverage = contract_coverage([f for f in facts if f is not None], contract)
    show = coverage["operations"]["show_vault"]
    assert show["responses"] == {"hit": 2, "of": 5, "percent": 40.0, "missing": ["400", "401", "403"]}
    assert "500" not in show["responses"]["missing"]  # a server error is nothing to provoke
    assert show["error_codes"]["hit"] == 1 and "BackupService.6105" not in show["error_codes"]["missing"]
    assert "BackupService.9900" in show["error_codes"]["missing"]
    assert "BackupService.6200" not in show["error_codes"]["missing"]  # a backup's code: not show_vault's
    assert "seen vault.billing.status=error" in show["values"]["missing"]
    untouched = coverage["operations"]["delete_vault"]
    assert untouched["responses"]["hit"] == 0 and untouched["percent"] == 0.0
    assert untouched["links"]["percent"] is None  # nothing to follow from it: not a gap
    assert coverage["overall"]["responses"]["hit"] == 2
    assert ("delete_vault", "responses", ["204", "400", "401", "403", "404"]) in never_exercised(coverage)
    assert coverage_line(coverage).startswith("contract coverage ")


def test_no_exchange_covers_nothing(contract: Contract) -> None:
    coverage = contract_coverage([], contract)
    assert len(coverage["operations"]) == len(contract.operations)
    assert all(coverage["overall"][c]["hit"] == 0 for c in coverage["categories"])
    assert coverage["overall"]["percent"] == 0.0


def test_coverage_of_exchanges_follows_links_in_the_order_they_were_made(contract: Contract) -> None:
    create = _exchange("create_vault", "POST", "/vaults", 200, _created(), _vault_body())
    show = _exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created())
    followed = coverage_of_exchanges([create, show], contract)["operations"]["create_vault"]["links"]
    backwards = coverage_of_exchanges([show, create], contract)["operations"]["create_vault"]["links"]
    assert "create_vault 200 -> show_vault" not in followed["missing"]
    assert "create_vault 200 -> show_vault" in backwards["missing"]


def test_timed_facts_stay_apart_through_their_json_form() -> None:
    sheet = FactSheet()
    sheet.add(ExchangeFacts("show_vault", statuses={200}))
    sheet.add(ExchangeFacts("show_vault", statuses={404}, timed=True))
    carried = json.loads(json.dumps(sheet.drain()))
    back = [ExchangeFacts.from_json(item) for item in carried]
    assert [(f.statuses, f.timed) for f in back] == [({200}, False), ({404}, True)]
    whole = FactSheet()
    whole.add(ExchangeFacts("show_vault", statuses={200}))
    assert [f["timed"] for f in whole.drain(timed=True)] == [True]  # a test whose whole course was


def test_coverage_names_what_only_timed_exchanges_exercised(contract: Contract, finder: FactFinder) -> None:
    steady = finder.facts(_exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created()))
    polled = finder.facts(_exchange("show_vault", "GET", f"/vaults/{VAULT}", 200, _created()))
    refused = finder.facts(
        _exchange("show_vault", "GET", f"/vaults/{VAULT}", 404, {"error_code": "BackupService.6105"})
    )
    assert steady is not None and polled is not None and refused is not None
    polled.timed = refused.timed = True
    coverage = contract_coverage([steady, polled, refused], contract)
    show = coverage["operations"]["show_vault"]
    assert show["responses"]["hit"] == 2  # the figures count every exchange
    assert coverage["timed"] == [
        {"operation": "show_vault", "category": "responses", "item": "404"},
        {"operation": "show_vault", "category": "error_codes", "item": "BackupService.6105"},
    ]  # 200 was answered to a steady exchange too
    assert "2 of the items exercised depend on the target's timing" in coverage_line(coverage)
    assert contract_coverage([steady], contract)["timed"] == []
