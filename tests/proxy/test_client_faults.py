"""A client request the spec forbids is the client's fault, kept apart from the service's; it
is forwarded all the same, unless --enforce asks the proxy to refuse it with a 400 of its own."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cbr_conformance.proxy.app import PROXY_HEADER, REFUSED_CODE
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer
from tests.emulator.sdk_drive import make_client
from tests.proxy.conftest import ProxyFactory, distinct, report_of

PROJECT = DEFAULT_CREDENTIALS[0].project_id
TOKEN = DEFAULT_CREDENTIALS[0].tokens[0]


def vault_of_size(cbr: Any, size: int) -> Any:
    billing = cbr.BillingCreate(
        consistent_level="crash_consistent", object_type="server", protect_type="backup", size=size
    )
    return cbr.CreateVaultRequest(
        body=cbr.VaultCreateReq(vault=cbr.VaultCreate(billing=billing, name="sized", resources=[]))
    )


def vault_count(emulator: EmulatorServer) -> int:
    answer = requests.get(f"{emulator.url}/v3/{PROJECT}/vaults", headers={"X-Auth-Token": TOKEN}, timeout=10)
    count: int = answer.json()["count"]
    return count


def test_a_vault_of_size_0_is_the_clients_fault_and_the_services_refusal_conforms(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    proxy = proxy_to(emulator.url)
    with pytest.raises(ClientRequestException) as raised:
        make_client(cbr, proxy.url, 0).create_vault(vault_of_size(cbr, 0))
    assert (raised.value.status_code, raised.value.error_code) == (400, "BackupService.6101")  # the target's
    written = report_of(proxy)
    assert distinct(written) == [("create_vault", "client_request", "$.vault.billing.size", "client")]
    assert "0 is less than the minimum of 1" in written["violations"][0]["message"]
    assert written["faults"] == {"client": 1, "service": 0}
    # The service answered the broken request as the contract says: its side passes.
    assert written["matrix"]["create_vault"] == {
        "client request": {"violated": 1},
        "service response": {"passed": 1},
    }


def test_an_unknown_enum_value_in_a_query_is_the_clients_fault(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    proxy = proxy_to(emulator.url)
    with pytest.raises(ClientRequestException) as raised:
        make_client(cbr, proxy.url, 0).list_backups(cbr.ListBackupsRequest(own_type="mine"))
    assert raised.value.status_code == 400  # the target's refusal
    written = report_of(proxy)
    assert distinct(written) == [("list_backups", "client_request", "query.own_type", "client")]
    assert "'mine' is not one of" in written["violations"][0]["message"]


def test_with_enforce_a_request_the_contract_forbids_is_refused_and_never_reaches_the_target(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    proxy = proxy_to(emulator.url, enforce=True)
    client = make_client(cbr, proxy.url, 0)
    with pytest.raises(ClientRequestException) as raised:
        client.create_vault(vault_of_size(cbr, 0))
    assert (raised.value.status_code, raised.value.error_code) == (400, REFUSED_CODE)
    assert "cbr-conformance proxy" in raised.value.error_msg
    assert "0 is less than the minimum of 1" in raised.value.error_msg
    assert vault_count(emulator) == 0  # not forwarded
    # A request the contract allows still goes through.
    assert client.create_vault(vault_of_size(cbr, 10)).vault.billing.size == 10
    assert vault_count(emulator) == 1
    written = report_of(proxy)
    assert distinct(written) == [("create_vault", "client_request", "$.vault.billing.size", "client")]
    refused = [p for p in proxy.traffic.proxied if p.refused]
    assert len(refused) == 1 and refused[0].exchange.status is None
    assert proxy.traffic.exchanges() == [p.exchange for p in proxy.traffic.proxied if not p.refused]


def test_the_refusal_is_marked_as_the_proxys_own(emulator: EmulatorServer, proxy_to: ProxyFactory) -> None:
    proxy = proxy_to(emulator.url, enforce=True)
    answer = requests.get(
        f"{proxy.url}/v3/{PROJECT}/vaults", params={"limit": 0}, headers={"X-Auth-Token": TOKEN}, timeout=10
    )
    assert answer.status_code == 400 and answer.headers[PROXY_HEADER] == "refused"
    assert answer.json()["error_code"] == REFUSED_CODE
    assert answer.json()["request_errors"] == ["query parameter limit='0': 0 is less than the minimum of 1"]


def test_without_enforce_the_same_request_is_forwarded(
    emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    proxy = proxy_to(emulator.url)
    answer = requests.get(
        f"{proxy.url}/v3/{PROJECT}/vaults", params={"limit": 0}, headers={"X-Auth-Token": TOKEN}, timeout=10
    )
    assert answer.status_code == 400 and PROXY_HEADER not in answer.headers
    assert answer.json()["error_code"] == "BackupService.9900"  # the target's answer
