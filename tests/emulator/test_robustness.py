"""No input yields a 500 or a stack trace: every error has the documented body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.helpers import Api, assert_error

ID = "00000000-0000-0000-0000-000000000000"
BODY_ROUTES = [
    ("POST", "/vaults"),
    ("PUT", f"/vaults/{ID}"),
    ("POST", f"/vaults/{ID}/addresources"),
    ("POST", f"/vaults/{ID}/removeresources"),
    ("POST", f"/vaults/{ID}/associatepolicy"),
    ("POST", f"/vaults/{ID}/dissociatepolicy"),
    ("POST", "/policies"),
    ("PUT", f"/policies/{ID}"),
    ("POST", "/checkpoints"),
    ("POST", f"/backups/{ID}/restore"),
    ("POST", f"/backups/{ID}/members"),
    ("PUT", f"/backups/{ID}/members/{PROJECT_A}"),
]
WEIRD_BODIES: list[Any] = [
    None,
    0,
    -1,
    1e308,
    "text",
    [],
    [{}],
    {},
    {"vault": None},
    {"vault": []},
    {"vault": "x"},
    {"policy": {"trigger": {"properties": {"pattern": [None]}}}},
    {"checkpoint": {"vault_id": 7}},
    {"restore": {"mappings": "x"}},
    {"members": [1, 2]},
    {"status": {}},
    {"vault": {"billing": {"size": 10**40}, "name": "\u0000\ud7ff", "resources": [[]]}},
    json.loads("[" * 50 + "]" * 50),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_weird_bodies_never_answer_500(api_a: Api, method: str, path: str) -> None:
    for body in WEIRD_BODIES:
        answer = api_a.call(method, path, content=json.dumps(body).encode())
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert set(answer.json()) == {"error_code", "error_msg"}


def test_lone_surrogates_answer_9900(api_a: Api) -> None:
    assert_error(api_a.post("/vaults", content=b'{"vault": {"name": "\\ud800"}}'), 400, "BackupService.9900")
    body = b'{"vault": {"resources": [{"extra_info": {"a": "\\udc00"}}]}}'
    assert_error(api_a.post("/vaults", content=body), 400, "BackupService.9900")


def test_deeply_nested_json_answers_9900(api_a: Api) -> None:
    assert_error(api_a.post("/vaults", content=b"[" * 100000), 400, "BackupService.9900")


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "vault",
                        "policy",
                        "billing",
                        "name",
                        "size",
                        "resources",
                        "id",
                        "type",
                        "trigger",
                        "properties",
                        "pattern",
                        "checkpoint",
                        "vault_id",
                        "parameters",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    ),
    route=st.sampled_from(BODY_ROUTES),
)
def test_generated_bodies_never_answer_500(api_a: Api, body: Any, route: tuple[str, str]) -> None:
    answer = api_a.call(route[0], route[1], json=body)
    assert answer.status_code < 500, answer.text


WEIRD_QUERIES = [
    "limit=%FF",
    "offset=1e3",
    "limit=99999999999999999999",
    "status=%00",
    "sort=%",
    "start_time=yesterday",
    "used_percent=-5",
    "marker=x",
    "own_type=x",
    "dec=maybe",
    "limit",
]


@pytest.mark.parametrize(
    "path", ["/vaults", "/backups", "/operation-logs", "/policies", f"/backups/{ID}/members"]
)
def test_weird_queries_never_answer_500(client: TestClient, path: str) -> None:
    for query in WEIRD_QUERIES:
        answer = client.get(
            f"/v3/{PROJECT_A}{path}?{query}", headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"}
        )
        assert answer.status_code < 500, (query, answer.text)


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    assert client.get("/_emulator/health").headers["X-Request-Id"]
    assert client.get("/nowhere").headers["X-Request-Id"]


def test_error_detail_header_explains_a_9900(api_a: Api) -> None:
    answer = api_a.post("/vaults", json={"vault": {}})
    assert (
        "billing" in answer.headers["X-Emulator-Error-Detail"]
        or "name" in answer.headers["X-Emulator-Error-Detail"]
    )
