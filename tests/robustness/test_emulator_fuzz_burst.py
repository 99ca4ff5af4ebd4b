"""A bounded burst of hostile requests over real HTTP: malformed JSON, bodies of megabytes, wrong
content types and charsets, odd percent-encodings in paths and queries, mangled credentials.

Whatever the input, the emulator never answers 5xx (nor drops the connection), and every error is
the documented `{"error_code", "error_msg"}` body with a code the catalogue has for its status.
tests/emulator/test_robustness.py covers weird JSON values through Starlette's TestClient; this goes
through uvicorn, where headers and raw paths are real (a 404 whose detail header ended in a space
was once dropped there: see test_a_blank_id_is_an_ordinary_404).
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from cbr_conformance.contract.catalogue import Catalogue
from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.server import EmulatorServer
from tests.emulator.helpers import policy_body, resource, vault_body
from tests.robustness.emulator_http import expect, http_api

TOKEN = "FAKE-TOKEN-PROJECT-A"
UNKNOWN = "00000000-0000-0000-0000-000000000000"
JSON = "application/json"
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    method: str
    target: str  # path and query, sent byte for byte
    body: bytes = b""
    content_type: str | None = JSON
    headers: tuple[tuple[str, str], ...] = (("X-Auth-Token", TOKEN),)

    def __str__(self) -> str:
        return f"{self.method} {self.target[:120]} ({len(self.body)} bytes, {self.content_type})"


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Ids:
    vault: str
    policy: str


@pytest.fixture(scope="module")
def emulator() -> Iterator[tuple[str, Ids]]:
    with EmulatorServer(async_delay=0) as server:
        api = http_api(server.url)
        vault = expect(api.post("/vaults", json=vault_body("disk", [resource(PROJECT_A, "volumes", 0)])), 200)
        policy = expect(api.post("/policies", json=policy_body()), 200)
        yield server.url, Ids(vault["vault"]["id"], policy["policy"]["id"])


def send(url: str, case: Case) -> Answer:
    """One request on a fresh connection, the path exactly as given (no normalisation, no quoting)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(case.method, case.target, skip_accept_encoding=True)
        for name, value in case.headers:
            connection.putheader(name, value)
        if case.content_type is not None:
            connection.putheader("Content-Type", case.content_type)
        connection.putheader("Content-Length", str(len(case.body)))
        connection.endheaders(case.body or None)
        response = connection.getresponse()
        return Answer(response.status, response.getheader("Content-Type") or "", response.read())
    finally:
        connection.close()


def body_routes(ids: Ids) -> list[tuple[str, str]]:
    return [
        ("POST", "/vaults"),
        ("PUT", f"/vaults/{ids.vault}"),
        ("POST", f"/vaults/{ids.vault}/addresources"),
        ("POST", f"/vaults/{ids.vault}/associatepolicy"),
        ("POST", "/policies"),
        ("PUT", f"/policies/{ids.policy}"),
        ("POST", "/checkpoints"),
        ("POST", f"/backups/{UNKNOWN}/restore"),
        ("POST", f"/backups/{UNKNOWN}/members"),
    ]


MALFORMED_JSON = [
    b"{",
    b'{"vault": ',
    b"{'vault': {}}",
    b'{"vault": {"name": "a",}}',
    b"[" * 200_000,
    b'{"a":' * 50_000,
    b"NaN",
    b'{"vault": {"billing": {"size": Infinity}}}',
    b'{"vault": {"billing": {"size": 1' + b"0" * 5000 + b"}}}",
    b'{"vault": {"name": "\xff\xfe"}}',  # not UTF-8
    b'{"vault": {"name": "\\ud800"}}',  # a lone surrogate
    b"\xef\xbb\xbf{}",  # a byte-order mark
    json.dumps({"policy": {"name": "p"}}).encode("utf-16"),
    gzip.compress(b"{}"),
    b"\x00" * 1000,
]
CONTENT_TYPES = [
    None,
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "application/json; charset=no-such-charset",
]
ODD_SEGMENTS = [
    "%00",
    "%FF",
    "%C0%AF",  # overlong UTF-8 for "/"
    "%2F",
    "%252F",  # double-encoded
    "%2E%2E",
    "..",
    "%20",
    "%09",
    "%0D%0A",
    "%E2%80%AE",  # right-to-left override
    "%F0%9F%92%A9",
    "%EF%BC%91",  # fullwidth digit one
    "%u0041",
    "%",
    "x" * 4000,
    UNKNOWN.upper(),
    f"{UNKNOWN};a=b",
]
QUERY_PARAMETERS = ["limit", "offset", "marker", "sort", "status", "start_time", "name", "vault_id"]


def cases(ids: Ids) -> list[Case]:
    found: list[Case] = []
    v3 = f"/v3/{PROJECT_A}"
    for method, path in body_routes(ids):
        found += [Case(method, v3 + path, body) for body in MALFORMED_JSON]
        found += [Case(method, v3 + path, b'{"vault": {"name": "\xe9"}}', ctype) for ctype in CONTENT_TYPES]
    big_name = json.dumps(vault_body(name="x" * (3 * MB))).encode()
    big_list = json.dumps({"vault": {"resources": [{"id": UNKNOWN, "type": "OS::Nova::Server"}] * 60_000}})
    found += [
        Case("POST", f"{v3}/vaults", big_name),
        Case("POST", f"{v3}/vaults", big_list.encode()),
        Case("PUT", f"{v3}/vaults/{ids.vault}", big_name, "text/plain"),
        Case("POST", f"{v3}/policies", b" " * (3 * MB) + b"{}"),
        Case("POST", f"{v3}/checkpoints", b"0" * (13 * MB)),  # beyond the 12 MB request limit
        Case("GET", f"{v3}/vaults", b"x" * (2 * MB)),  # a body where none belongs
    ]
    for segment in ODD_SEGMENTS:
        for template in (
            f"{v3}/vaults/{segment}",
            f"/v3/{segment}/vaults",
            f"{v3}/backups/{segment}/members/{segment}",
            f"{v3}/policies/{segment}",
            f"{v3}/checkpoints/{segment}",
            f"{v3}/operation-logs/{segment}",
        ):
            found += [Case("GET", template, content_type=None), Case("DELETE", template, content_type=None)]
        query = "&".join(f"{name}={segment}" for name in QUERY_PARAMETERS)
        for path in ("/vaults", "/backups", "/policies", "/operation-logs"):
            found.append(Case("GET", f"{v3}{path}?{query}", content_type=None))
    found += [
        Case("GET", f"{v3}/vaults?limit=1&limit=2&limit=", content_type=None),
        Case("GET", f"{v3}/backups?limit=1e3&offset=-0&dec=maybe", content_type=None),
        Case("GET", f"{v3}/vaults?%=%&&==", content_type=None),
        Case("PATCH", f"{v3}/vaults/{ids.vault}", b"{}"),
    ]
    for headers in (
        (),
        (("X-Auth-Token", "FAKE-TOKEN-PROJECT-B"),),
        (("X-Auth-Token", "x" * 8000),),
        (("Authorization", "SDK-HMAC-SHA256"),),
        (("Authorization", "SDK-HMAC-SHA256 Access=FAKEAKPROJECTA000001, SignedHeaders=, Signature="),),
        (
            (
                "Authorization",
                "SDK-HMAC-SHA256 Access=FAKEAKPROJECTA000001, SignedHeaders=host, Signature=zz",
            ),
            ("X-Sdk-Date", "99999999T999999Z"),
        ),
        (("Authorization", "Basic dXNlcjpwYXNz"),),
    ):
        found.append(Case("POST", f"{v3}/vaults", b"{", headers=headers))
    return found


def test_a_burst_of_hostile_requests_gets_only_documented_errors(emulator: tuple[str, Ids]) -> None:
    url, ids = emulator
    catalogue = Catalogue.load()
    burst = cases(ids)
    assert 300 <= len(burst) <= 600  # bounded
    problems: list[str] = []
    for case in burst:
        try:
            answer = send(url, case)
        except (http.client.HTTPException, OSError) as exc:
            problems.append(f"{case} -> no answer: {exc!r}")
            continue
        if answer.status >= 500:
            problems.append(f"{case} -> {answer.status} {answer.body[:200]!r}")
            continue
        if answer.status < 400:
            continue
        try:
            body = json.loads(answer.body)
        except ValueError:
            problems.append(f"{case} -> {answer.status} with a body that is not JSON: {answer.body[:200]!r}")
            continue
        if not answer.content_type.startswith(JSON) or not isinstance(body, dict):
            problems.append(f"{case} -> {answer.status} {answer.content_type}: {answer.body[:200]!r}")
        elif set(body) != {"error_code", "error_msg"}:
            problems.append(f"{case} -> {answer.status} with fields {sorted(body)}")
        elif problem := catalogue.problem(answer.status, str(body["error_code"])):
            problems.append(f"{case} -> {problem}")
    assert problems == [], "\n".join(problems)
    # And the emulator is none the worse for it.
    assert expect(http_api(url).get(f"/vaults/{ids.vault}"), 200)["vault"]["id"] == ids.vault


def test_a_blank_id_is_an_ordinary_404(emulator: tuple[str, Ids]) -> None:
    """/vaults/%20 once made the error-detail header end in a space, which h11 refuses to send:
    the connection was dropped without an answer instead of a 404."""
    url, _ = emulator
    for target, code in (
        (f"/v3/{PROJECT_A}/vaults/%20", "BackupService.6105"),
        (f"/v3/{PROJECT_A}/backups/%20/members/%20", "BackupService.6200"),
    ):
        answer = send(url, Case("GET", target, content_type=None))
        assert (answer.status, json.loads(answer.body)["error_code"]) == (404, code)


def test_a_request_line_that_is_not_http_is_refused_before_the_api(emulator: tuple[str, Ids]) -> None:
    """Raw non-ASCII bytes in the request line are not HTTP/1.1 (RFC 9112 3.2): uvicorn's parser
    refuses them with its own plain-text 400 before the API sees them, as a gateway would."""
    url, ids = emulator
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET /v3/{PROJECT_A}/vaults/".encode() + b"\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
    assert expect(http_api(url).get(f"/vaults/{ids.vault}"), 200)["vault"]["id"] == ids.vault
