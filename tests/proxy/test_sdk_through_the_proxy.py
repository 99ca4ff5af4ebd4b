"""The official SDK (AK/SK signed) calls all 27 operations through the proxy: signatures still
verify at the target, and the proxy judges every exchange; a target broken in one field shows
exactly that violation, as the service's fault."""

from __future__ import annotations

import json
from typing import Any

from cbr_conformance.contract.spec import Contract
from cbr_conformance.proxy.server import ProxyServer
from cbr_emulator.server import EmulatorServer
from tests.emulator.sdk_drive import drive_all_operations, make_client
from tests.proxy.conftest import ProxyFactory, advancer, distinct, report_of
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy


def drive(cbr: Any, proxy: ProxyServer, emulator: EmulatorServer) -> set[str]:
    client_a, client_b = make_client(cbr, proxy.url, 0), make_client(cbr, proxy.url, 1)
    return drive_all_operations(cbr, client_a, client_b, advancer(emulator))


def test_the_sdk_drives_all_27_operations_through_the_proxy_without_a_violation(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory, contract: Contract
) -> None:
    proxy = proxy_to(emulator.url)
    assert len(drive(cbr, proxy, emulator)) == 27
    written = report_of(proxy)
    assert written["violations"] == [] and written["verdict"] == "CONFORMS"
    assert written["faults"] == {"client": 0, "service": 0}
    # 27/27: every operation of the contract has both of its verdicts in the matrix, all passed.
    assert set(written["matrix"]) == set(contract.operations)
    for operation, kinds in written["matrix"].items():
        assert set(kinds) == {"client request", "service response"}, operation
        assert all(set(counts) == {"passed"} for counts in kinds.values()), (operation, kinds)
    # The requests were signed with AK/SK, and the target took every signature as valid.
    exchanges = proxy.traffic.exchanges()
    assert exchanges and all(e.status not in (401, 403) for e in exchanges)
    assert all(e.request_headers.get("authorization") == "***" for e in exchanges)
    assert all("x-sdk-date" in e.request_headers for e in exchanges)
    # The traffic's coverage of the contract, as a run's: each operation answered at least once.
    coverage = written["coverage"]["operations"]
    assert set(coverage) == set(contract.operations)
    assert all(figures["responses"]["hit"] >= 1 for figures in coverage.values()), coverage


def break_policy_type(exchange: Exchange) -> None:
    """The target answers list_policies with an operation type the contract does not have."""
    if (
        exchange.method == "GET"
        and exchange.path.split("?")[0].endswith("/policies")
        and exchange.status == 200
    ):
        body = json.loads(exchange.answer)
        for policy in body["policies"]:
            policy["operation_type"] = "archive"
        exchange.answer = json.dumps(body).encode()


def test_a_target_that_breaks_one_field_shows_exactly_that_violation(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    with MutatingProxy(emulator.url, on_answer=break_policy_type) as broken:
        proxy = proxy_to(broken.url)
        assert len(drive(cbr, proxy, emulator)) == 27
        written = report_of(proxy)
    assert distinct(written) == [
        ("list_policies", "response_schema", "$.policies[*].operation_type", "service")
    ]
    assert "'archive' is not one of ['backup', 'replication']" in written["violations"][0]["message"]
    assert written["faults"] == {"client": 0, "service": 1}
    assert written["matrix"]["list_policies"]["service response"] == {"violated": 1}
    assert written["matrix"]["list_policies"]["client request"] == {"passed": 1}
    assert written["verdict"] == "DOES NOT CONFORM: 1 distinct violation"
