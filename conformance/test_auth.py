"""Authentication and project isolation (reference section 3.2; errata E-AUTH-CODES).

Every operation refuses missing or wrong credentials with 401, and another project's valid
credentials with 403, before it looks at ids or bodies: the requests here name well-formed ids
that no service has issued and carry the reference's example bodies. A project never sees nor
touches another project's vaults and policies through its own path.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonpointer import resolve_pointer

from cbr_conformance.contract.codes import (
    FORBIDDEN,
    POLICY_NOT_FOUND,
    UNAUTHENTICATED,
    UNKNOWN_ID,
    UNKNOWN_PROJECT,
    VAULT_NOT_FOUND,
)
from cbr_conformance.contract.spec import Contract, Operation
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.target.endpoint import Target
from cbr_conformance.testkit.expect import expect_error, expect_status
from cbr_conformance.transport.auth import AkSkAuth, NoAuth, TokenAuth

BAD_CREDENTIALS = ("missing", "bad-token", "bad-signature")  # the keys of the cbr_bad_auths fixture
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
OPERATIONS = Contract.load().operations  # the ids only: requests are built from the run's contract


def _creates(operation: Operation) -> bool:
    """A POST on a collection: the one kind of request that makes something if it is let through."""
    return operation.method == "POST" and operation.path_parameters == ("project_id",)


def _each_operation(test_id: str) -> list[Any]:
    """One parameter per operation of the contract, each marked with its own operation.

    A request to an unknown id changes nothing even if it is wrongly let through, so it is not
    `mutates` (like vault-update-unknown); a creation would make something, so it is.
    """
    return [
        pytest.param(
            op.operation_id,
            marks=pytest.mark.cbr(
                operation=op.operation_id,
                kind="negative",
                mutates=_creates(op),
                id=test_id,
                cross_cutting=True,
            ),
            id=op.operation_id,
        )
        for op in OPERATIONS.values()
    ]


def _example_body(contract: Contract, operation_id: str) -> bytes | None:
    """The operation's first request example of the contract (a body it documents as valid)."""
    request_body = contract.resolve(contract.operations[operation_id].definition.get("requestBody"))
    if not request_body:
        return None
    examples = request_body["content"]["application/json"].get("examples", {})
    for example in examples.values():
        if "value" in example:
            return json.dumps(example["value"]).encode()
        if "externalValue" in example and contract.source is not None:
            return contract.source.parent.joinpath(example["externalValue"]).read_bytes()
    return b"{}"


def _call_unknown(client: CBRClient, operation_id: str, resources: Resources, **kwargs: Any) -> Response:
    """The operation on well-formed unknown ids, with the documented example body.

    Should the request be let through and create something, the contract's link to the delete
    operation of what it made is followed at cleanup.
    """
    contract = client.context.contract
    path = {
        name: UNKNOWN_PROJECT if name == "member_id" else UNKNOWN_ID  # member_id: a project (4.2.2)
        for name in contract.operations[operation_id].path_parameters
        if name != "project_id"
    }
    response = client.call(operation_id, path=path, raw_body=_example_body(contract, operation_id), **kwargs)
    _undo_if_created(resources, operation_id, response)
    return response


def _undo_if_created(resources: Resources, operation_id: str, response: Response) -> None:
    """If a creation was wrongly let through, delete what it made at cleanup, with the owner's
    credentials, by the contract's link from the creation to its delete operation.
    """
    contract = resources.client.context.contract
    if not (200 <= response.status < 300 and _creates(contract.operations[operation_id])):
        return
    prefix = "$response.body#"
    links = (contract.response(operation_id, response.status) or {}).get("links", {})
    for link in links.values():
        if not link["operationId"].startswith("delete_"):
            continue
        path = {
            name: str(resolve_pointer(response.json(), expression.removeprefix(prefix)))
            for name, expression in link["parameters"].items()
            if str(expression).startswith(prefix)
        }
        resources.delete_later(link["operationId"], **path)


def _configured_token(target: Target, project_id: str) -> str | None:
    """A token of the project, as the target's effective configuration gives it (for the embedded
    emulator, the start of the run fills in the emulator's own tokens)."""
    config = target.config
    if project_id == config.project_id and config.token:
        return config.token
    if project_id == config.second_project_id and config.second_token:
        return config.second_token
    return None


def _signing_credentials(cbr: CBRClient) -> AkSkAuth:
    if not isinstance(cbr.auth, AkSkAuth):
        not_tested(
            Why.CREDENTIALS,
            "the project's credentials are a token: configure an AK/SK pair to test signatures",
        )
    return cbr.auth


# --- 401: no, or wrong, credentials ---------------------------------------------------------


@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
@pytest.mark.parametrize("operation_id", _each_operation("auth-bad-credentials"))
def test_bad_credentials_are_unauthenticated(
    cbr: CBRClient,
    cbr_resources: Resources,
    cbr_bad_auths: dict[str, Any],
    operation_id: str,
    credential: str,
) -> None:
    """3.2 (E-AUTH-CODES): missing or wrong credentials answer 401 APIGW.0301, on every operation."""
    response = _call_unknown(cbr, operation_id, cbr_resources, auth=cbr_bad_auths[credential])
    expect_error(response, 401, UNAUTHENTICATED)


@pytest.mark.cbr(operation="list_vaults", kind="negative", id="auth-expired-signature")
@pytest.mark.parametrize("hours", [pytest.param(-1, id="an-hour-ago"), pytest.param(1, id="an-hour-ahead")])
def test_a_signature_dated_an_hour_off_is_unauthenticated(cbr: CBRClient, hours: int) -> None:
    """3.1, 3.2 (E-AUTH-CODES): an AK/SK signature whose X-Sdk-Date is an hour off answers 401."""
    _signing_credentials(cbr)
    expect_status(cbr.call("list_vaults", query={"limit": 1}), 200)  # the same request, signed now
    dated = (datetime.now(UTC) + timedelta(hours=hours)).strftime(SDK_DATE_FORMAT)
    # The SDK's signer signs with an X-Sdk-Date already present: a correct signature, but not now.
    response = cbr.call("list_vaults", query={"limit": 1}, headers={"X-Sdk-Date": dated})
    expect_error(response, 401, UNAUTHENTICATED)


@pytest.mark.cbr(operation="list_vaults", kind="negative", id="auth-wrong-secret-key")
def test_a_known_access_key_with_a_wrong_secret_is_unauthenticated(cbr: CBRClient) -> None:
    """3.2 (E-AUTH-CODES): a known AK signed with a wrong SK answers 401 APIGW.0301."""
    credentials = _signing_credentials(cbr)
    wrong = AkSkAuth(credentials.ak, credentials.sk[::-1] + "-wrong")
    expect_error(cbr.call("list_vaults", auth=wrong), 401, UNAUTHENTICATED)


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="auth-signature-covers-body")
def test_a_body_changed_after_signing_is_unauthenticated(cbr: CBRClient, cbr_resources: Resources) -> None:
    """3.2: the signature keeps the request from being modified: a body changed after it answers 401."""
    credentials = _signing_credentials(cbr)
    signed = cbr_resources.vault_body("disk")
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    credentials.apply("POST", cbr.url_for("create_vault"), [], headers, json.dumps(signed).encode())
    tampered = json.loads(json.dumps(signed))
    tampered["vault"]["billing"]["size"] = 10240  # what a man in the middle would send instead
    # 3.2: the signature "prevents the request from being modified"; NoAuth adds nothing to it.
    response = cbr.call("create_vault", json_body=tampered, headers=headers, auth=NoAuth())
    _undo_if_created(cbr_resources, "create_vault", response)
    expect_error(response, 401, UNAUTHENTICATED)


# --- 403: valid credentials of another project ----------------------------------------------


@pytest.mark.parametrize("operation_id", _each_operation("auth-other-project-forbidden"))
def test_another_projects_credentials_are_forbidden(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources, operation_id: str
) -> None:
    """3.2 (E-AUTH-CODES): another project's valid credentials answer 403 APIGW.0302, on every operation."""
    intruder = cbr.with_auth(cbr_second.auth)  # the first project's paths, the second's credentials
    expect_error(_call_unknown(intruder, operation_id, cbr_resources), 403, FORBIDDEN)


# --- isolation: a project's own path shows none of another project's data --------------------


@pytest.mark.cbr(
    operation="list_vaults",
    kind="negative",
    mutates=True,
    id="auth-isolation-list-vaults",
    creates={"vault": 1},
)
def test_another_projects_vault_is_not_listed(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """1.5, 4.4.3: a project's vault list holds none of another project's vaults."""
    vault = cbr_resources.vault("disk")
    own = expect_status(cbr.call("list_vaults", query={"name": vault["name"]}), 200)
    assert vault["id"] in {v["id"] for v in own["vaults"]}, (  # the owner does see it
        f"4.4.3 (Table 4-110): name= lists the owner's vault {vault['id']} to the owner"
    )
    for query in ({"name": vault["name"]}, {"limit": 1000}):
        other = expect_status(cbr_second.call("list_vaults", query=query), 200)
        assert vault["id"] not in {v["id"] for v in other["vaults"]}, (
            f"1.5, 4.4.3: projects are isolated: another project must not list the vault under {query}"
        )
        assert all(v.get("project_id") in (None, cbr_second.project_id) for v in other["vaults"]), (
            "1.5, 4.4.3 (Table 4-113): a project lists only vaults of its own project_id, "
            f"got {sorted({str(v.get('project_id')) for v in other['vaults']})}"
        )


@pytest.mark.cbr(
    operation="show_vault",
    kind="negative",
    mutates=True,
    id="auth-isolation-show-vault",
    creates={"vault": 1},
)
def test_another_projects_vault_is_not_found(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """1.5, 4.4.2: another project's vault id answers 404 BackupService.6105."""
    vault = cbr_resources.vault("disk")
    response = cbr_second.call("show_vault", path={"vault_id": vault["id"]})
    expect_error(response, 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(
    operation="delete_vault",
    kind="negative",
    mutates=True,
    id="auth-isolation-delete-vault",
    creates={"vault": 1},
)
def test_another_projects_vault_cannot_be_deleted(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """1.5, 4.4.5: deleting another project's vault answers 404 BackupService.6105; it stays."""
    vault = cbr_resources.vault("disk")
    response = cbr_second.call("delete_vault", path={"vault_id": vault["id"]})
    expect_error(response, 404, VAULT_NOT_FOUND)
    expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)


@pytest.mark.cbr(
    operation="show_policy",
    kind="negative",
    mutates=True,
    id="auth-isolation-show-policy",
    creates={"policy": 1},
)
def test_another_projects_policy_is_not_found(cbr_second: CBRClient, cbr_resources: Resources) -> None:
    """1.5, 4.6.2: another project's policy id answers 404 BackupService.6000."""
    policy = cbr_resources.policy()
    response = cbr_second.call("show_policy", path={"policy_id": policy["id"]})
    expect_error(response, 404, POLICY_NOT_FOUND)


# --- token authentication -------------------------------------------------------------------


@pytest.mark.cbr(operation="list_vaults", kind="contract", id="auth-token-accepted")
def test_a_project_token_is_accepted(cbr: CBRClient, cbr_target: Target) -> None:
    """3.2: a token of the project, in X-Auth-Token, is accepted."""
    token = _configured_token(cbr_target, cbr.project_id)
    if token is None:
        not_tested(Why.CREDENTIALS, "no token configured for the project (CBR_AUTH_TOKEN)")
    expect_status(cbr.with_auth(TokenAuth(token)).call("list_vaults", query={"limit": 1}), 200)


@pytest.mark.cbr(operation="list_vaults", kind="negative", id="auth-token-other-project-forbidden")
def test_another_projects_token_is_forbidden(
    cbr: CBRClient, cbr_second: CBRClient, cbr_target: Target
) -> None:
    """3.2 (E-AUTH-CODES): another project's token answers 403 APIGW.0302."""
    token = _configured_token(cbr_target, cbr_second.project_id)
    if token is None:
        not_tested(Why.CREDENTIALS, "no token configured for the second project (CBR_SECOND_AUTH_TOKEN)")
    response = cbr.with_auth(TokenAuth(token)).call("list_vaults", query={"limit": 1})
    expect_error(response, 403, FORBIDDEN)
