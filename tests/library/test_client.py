"""The client builds requests from the contract, authenticates them and records them redacted."""

from __future__ import annotations

import json

import pytest
import requests

from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.target.client import CBRClient, ReadOnlyRefusal, TargetUnreachable
from cbr_conformance.transport.auth import AkSkAuth, TokenAuth
from cbr_conformance.transport.recording import Exchange
from cbr_conformance.transport.transfer import Transfer

from .conftest import TOKEN
from .fake_target import Canned, FakeTarget


def test_paths_queries_and_bodies_come_from_the_operation(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(200, {"backups": [], "count": 0})
    client.call(
        "list_backups", query={"status": ["available", "error"], "limit": 5, "dec": False, "vault_id": None}
    )
    seen = fake.seen[-1]
    assert seen.method == "GET"
    assert seen.path == "/v3/p-1/backups?status=available&status=error&limit=5&dec=false"
    assert seen.headers["X-Auth-Token"] == TOKEN


def test_path_values_are_escaped(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(404, {"error_code": "BackupService.6105", "error_msg": "x"})
    client.call("show_vault", path={"vault_id": "../a b"})
    assert fake.seen[-1].path == "/v3/p-1/vaults/..%2Fa%20b"


def test_json_bodies_are_sent_as_json(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(400, {"error_code": "BackupService.9900", "error_msg": "x"})
    client.call("create_policy", json_body={"policy": {"name": "p"}})
    seen = fake.seen[-1]
    assert json.loads(seen.body) == {"policy": {"name": "p"}}
    assert seen.headers["Content-Type"].startswith("application/json")


def test_aksk_requests_are_signed_as_the_sdk_signs(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(200, {"vaults": [], "count": 0})
    signed = client.with_auth(AkSkAuth("AKEXAMPLE0000000001", "SK-secret-value-000000000001"))
    signed.call("list_vaults", query={"limit": 10})
    headers = fake.seen[-1].headers
    assert headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=AKEXAMPLE0000000001, SignedHeaders=")
    assert len(headers["X-Sdk-Date"]) == 16 and headers["X-Sdk-Date"].endswith("Z")
    assert fake.seen[-1].path == "/v3/p-1/vaults?limit=10"


def test_recorded_exchanges_never_hold_secrets(
    client: CBRClient, fake: FakeTarget, recorded: list[Exchange]
) -> None:
    sk = "SK-secret-value-000000000001"
    signed = client.with_auth(AkSkAuth("AKEXAMPLE0000000001", sk))
    # A hostile target echoes the credentials back.
    fake.answer = Canned.json(400, {"error_code": "BackupService.9900", "error_msg": f"bad {TOKEN} {sk}"})
    client.call("list_vaults")
    signed.call("list_vaults")
    dumped = json.dumps([e.to_dict() for e in recorded])
    assert TOKEN not in dumped and sk not in dumped and "AKEXAMPLE0000000001" not in dumped
    assert dumped.count("***") >= 4


def test_an_unreachable_target_raises_a_clear_error(client: CBRClient, fake: FakeTarget) -> None:
    fake.server.shutdown()
    fake.server.server_close()
    with pytest.raises(TargetUnreachable, match=r"GET .*/v3/p-1/vaults -> no response"):
        client.call("list_vaults")


def test_a_read_only_client_sends_nothing_but_get(fake: FakeTarget, context: CheckContext) -> None:
    fake.answer = Canned.json(200, {"vaults": [], "count": 0})
    client = CBRClient(fake.url, "p-1", TokenAuth("a-token-0123456789"), context, timeout=5, read_only=True)
    assert client.call("list_vaults").status == 200
    for operation, kwargs in (
        ("create_vault", {"json_body": {"vault": {}}, "invalid": True}),
        ("delete_vault", {"path": {"vault_id": "v-1"}}),
        ("update_policy", {"path": {"policy_id": "p-1"}, "json_body": {}, "invalid": True}),
    ):
        with pytest.raises(ReadOnlyRefusal, match="read-only run: refused"):
            client.call(operation, check=False, **kwargs)
    # with other credentials too
    with pytest.raises(ReadOnlyRefusal):
        client.with_auth(TokenAuth("another-token-012345")).call("delete_vault", path={"vault_id": "v"})
    assert [seen.method for seen in fake.seen] == ["GET"]


def test_a_refusal_that_did_not_come_names_the_rule_the_request_broke(
    client: CBRClient, fake: FakeTarget
) -> None:
    from cbr_conformance.testkit.expect import expect_error

    fake.answer = Canned.json(200, {"vaults": [], "count": 0})
    response = client.call("list_vaults", query={"limit": 0}, check=False)
    with pytest.raises(AssertionError) as caught:
        expect_error(response, 400)
    message = str(caught.value)
    assert "expected 400, got 200" in message
    assert "the request breaks: query parameter limit='0': 0 is less than the minimum of 1" in message


class _ReadTimesOut:
    """A session whose socket read times out: requests' own timeout, the exchange's deadline not yet."""

    def request(self, *args: object, **kwargs: object) -> None:
        raise requests.ReadTimeout("HTTPConnectionPool(host='cbr', port=80): Read timed out.")


def test_a_read_that_times_out_is_said_like_the_exchanges_deadline() -> None:
    """Whichever fires first under load, requests' per-read timeout or the exchange's deadline,
    the failure says the same thing."""
    transfer = Transfer(_ReadTimesOut(), "GET", "http://cbr/v3/p/vaults", {}, None, 2.0)  # type: ignore[arg-type]
    assert transfer.run()
    assert transfer.error == "no complete response within 2 s"
