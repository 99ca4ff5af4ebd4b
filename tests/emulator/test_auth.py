"""Authentication (3.2): tokens and AK/SK signatures, checked against the official SDK's signer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from cbr_emulator.auth import canonical_query, canonical_uri
from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A, PROJECT_B
from tests.emulator.helpers import assert_error, vault_body

KEY_A = DEFAULT_CREDENTIALS[0].access_keys[0]
KEY_B = DEFAULT_CREDENTIALS[1].access_keys[0]


def signed(
    method: str,
    path: str,
    *,
    ak: str = KEY_A.ak,
    sk: str = KEY_A.sk,
    body: Any = None,
    query: list[tuple[str, Any]] | None = None,
    date: datetime | None = None,
) -> dict[str, Any]:
    """Sign with huaweicloudsdkcore's own Signer; return the kwargs for TestClient.request."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    headers = {"Content-Type": "application/json"}
    if date is not None:
        headers["X-Sdk-Date"] = date.strftime("%Y%m%dT%H%M%SZ")
    raw = None if body is None else json.dumps(body)
    request = SdkRequest(
        method=method,
        schema="http",
        host="testserver",
        resource_path=path,
        query_params=list(query or []),
        header_params=headers,
        body=raw,
    )
    Signer(BasicCredentials(ak, sk)).sign(request)
    return {
        "method": method,
        "url": request.uri,
        "headers": dict(request.header_params),
        "content": request.body,
    }


def send(client: TestClient, kwargs: dict[str, Any]) -> Any:
    return client.request(kwargs.pop("method"), kwargs.pop("url"), **kwargs)


def test_token_of_the_path_project_is_accepted(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_A}/vaults", headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"})
    assert answer.status_code == 200


def test_missing_credentials_answer_401_apigw_0301(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_A}/vaults")
    assert answer.status_code == 401
    assert answer.json()["error_code"] == "APIGW.0301"
    assert answer.json()["error_msg"].startswith("Incorrect IAM authentication information: ")


def test_unknown_token_answers_401_without_echoing_it(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_A}/vaults", headers={"X-Auth-Token": "not-a-token-xyz"})
    assert answer.status_code == 401
    assert answer.json()["error_code"] == "APIGW.0301"
    assert "not-a-token-xyz" not in answer.text


def test_token_of_another_project_answers_403_apigw_0302(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_B}/vaults", headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"})
    assert answer.status_code == 403
    assert answer.json() == {
        "error_code": "APIGW.0302",
        "error_msg": "The IAM user is not authorized to access the API.",
    }


def test_authentication_comes_before_body_validation(client: TestClient) -> None:
    answer = client.post(f"/v3/{PROJECT_A}/vaults", content=b"{not json")
    assert answer.status_code == 401


def test_aksk_signed_get_with_query_is_accepted(client: TestClient) -> None:
    request = signed("GET", f"/v3/{PROJECT_A}/vaults", query=[("limit", 5), ("name", "a b/c"), ("offset", 0)])
    answer = send(client, request)
    assert answer.status_code == 200, answer.text
    assert answer.json()["limit"] == 5


def test_aksk_signed_post_with_body_is_accepted(client: TestClient) -> None:
    answer = send(client, signed("POST", f"/v3/{PROJECT_A}/vaults", body=vault_body()))
    assert answer.status_code == 200, answer.text


def test_aksk_with_wrong_secret_answers_401(client: TestClient) -> None:
    answer = send(client, signed("GET", f"/v3/{PROJECT_A}/vaults", sk="wrong-secret"))
    assert answer.status_code == 401
    assert answer.json()["error_code"] == "APIGW.0301"
    assert "Signature=" not in answer.text


def test_aksk_with_unknown_access_key_answers_401(client: TestClient) -> None:
    answer = send(client, signed("GET", f"/v3/{PROJECT_A}/vaults", ak="UNKNOWNAK"))
    assert_status(answer, 401)


def test_aksk_with_tampered_body_answers_401(client: TestClient) -> None:
    request = signed("POST", f"/v3/{PROJECT_A}/vaults", body=vault_body())
    request["content"] = json.dumps(vault_body(name="other")).encode()
    assert_status(send(client, request), 401)


def test_aksk_with_tampered_query_answers_401(client: TestClient) -> None:
    request = signed("GET", f"/v3/{PROJECT_A}/vaults", query=[("limit", 5)])
    request["url"] = request["url"].replace("limit=5", "limit=6")
    assert_status(send(client, request), 401)


@pytest.mark.parametrize("minutes", [-16, 16])
def test_aksk_outside_the_15_minute_window_answers_401(client: TestClient, minutes: int) -> None:
    moment = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=minutes)
    assert_status(send(client, signed("GET", f"/v3/{PROJECT_A}/vaults", date=moment)), 401)


def test_aksk_within_the_window_is_accepted(client: TestClient) -> None:
    moment = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=14)
    assert_status(send(client, signed("GET", f"/v3/{PROJECT_A}/vaults", date=moment)), 200)


def test_aksk_of_another_project_answers_403(client: TestClient) -> None:
    answer = send(client, signed("GET", f"/v3/{PROJECT_B}/vaults"))
    assert_status(answer, 403)
    assert answer.json()["error_code"] == "APIGW.0302"


def test_aksk_of_project_b_on_its_own_path(client: TestClient) -> None:
    assert_status(send(client, signed("GET", f"/v3/{PROJECT_B}/vaults", ak=KEY_B.ak, sk=KEY_B.sk)), 200)


def test_malformed_authorization_header_answers_401(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_A}/vaults", headers={"Authorization": "Basic abc"})
    assert_status(answer, 401)


def test_unknown_route_answers_404_apigw_0101_even_without_credentials(client: TestClient) -> None:
    assert_error(client.get(f"/v3/{PROJECT_A}/nothing-here"), 404, "APIGW.0101")
    assert_error(client.get("/"), 404, "APIGW.0101")


def test_trailing_slash_is_an_unknown_route(client: TestClient) -> None:
    answer = client.get(f"/v3/{PROJECT_A}/vaults/", headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"})
    assert_error(answer, 404, "APIGW.0101")


def test_known_route_with_wrong_method_answers_405_apigw_0101(client: TestClient) -> None:
    answer = client.patch(f"/v3/{PROJECT_A}/vaults", headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"})
    assert_error(answer, 405, "APIGW.0101")
    assert answer.headers["Allow"] == "GET, POST"  # RFC 9110: a 405 lists the methods the path allows


def test_canonical_uri_and_query_follow_the_sdk() -> None:
    assert canonical_uri("/v3/p/vaults") == "/v3/p/vaults/"
    assert canonical_uri("/v3/p/a%20b") == "/v3/p/a%20b/"
    assert canonical_query("b=2&a=x%2Fy&a=1") == "a=1&a=x%2Fy&b=2"
    assert canonical_query("") == ""


def assert_status(answer: Any, status: int) -> None:
    assert answer.status_code == status, answer.text
