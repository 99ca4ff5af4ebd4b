"""The proxy is never in the way: a request reaches the target byte for byte, an unknown one is
forwarded and listed, and an answer reaches the client whole, whatever the checks keep of it."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cbr_conformance.proxy.app import PROXY_HEADER
from cbr_conformance.transport.transfer import MAX_RESPONSE_BYTES
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer
from tests.library.fake_target import Canned, FakeTarget, Seen, serve
from tests.proxy.conftest import ProxyFactory, distinct, report_of

PROJECT = DEFAULT_CREDENTIALS[0].project_id
TOKEN = DEFAULT_CREDENTIALS[0].tokens[0]
EMPTY_LIST = {"vaults": [], "count": 0, "limit": 1000, "offset": 0}


@pytest.fixture
def fake() -> Iterator[FakeTarget]:
    yield from serve()


def test_a_request_reaches_the_target_byte_for_byte(fake: FakeTarget, proxy_to: ProxyFactory) -> None:
    proxy = proxy_to(fake.url)
    fake.answer = Canned.json(200, {"add_resource_ids": []})
    body = b'{"resources": [], "note": "caf\xc3\xa9 \xff"}'  # not even UTF-8: bytes are bytes
    target = "/v3/p-1/vaults/a%2Fb%20c/addresources?x=%7E&y=1"
    sent = {
        "Host": "cbr.example.test:8443",  # the host a client signed, not the proxy's
        "X-Sdk-Date": "20260101T000000Z",
        "Authorization": "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-sdk-date, Signature=ab12",
        "Content-Type": "application/json;charset=UTF-8",
        "Content-Length": str(len(body)),
        "Connection": "keep-alive, X-Hop",
        "X-Hop": "for the proxy only",
    }
    connection = http.client.HTTPConnection(proxy.url.removeprefix("http://"), timeout=10)
    connection.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
    for name, value in sent.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    assert connection.getresponse().status == 200
    [seen] = fake.seen
    assert (seen.method, seen.path, seen.body) == ("POST", target, body)
    received = {name.lower(): value for name, value in seen.headers.items()}
    # The end-to-end headers, as they were: nothing added, the connection's own ones left out.
    expected = {k.lower(): v for k, v in sent.items() if k not in ("Connection", "X-Hop")}
    assert received == expected


def test_a_request_the_spec_does_not_know_is_forwarded_and_listed(
    emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    proxy = proxy_to(emulator.url)
    headers = {"X-Auth-Token": TOKEN}
    answer = requests.get(f"{proxy.url}/v3/{PROJECT}/replications", headers=headers, timeout=10)
    assert (answer.status_code, answer.json()["error_code"]) == (404, "APIGW.0101")  # the target's
    answer = requests.put(f"{proxy.url}/v3/{PROJECT}/vaults", headers=headers, json={}, timeout=10)
    assert answer.status_code == 405 and PROXY_HEADER not in answer.headers
    written = report_of(proxy)
    assert written["unknown_operations"] == [
        f"0001 GET /v3/{PROJECT}/replications",
        f"0002 PUT /v3/{PROJECT}/vaults",
    ]
    assert written["violations"] == [] and written["verdict"] == "CONFORMS"
    skips = json.loads(Path(written["summary"]).read_text(encoding="utf-8"))["skips"]
    unknown = f"not applicable: unknown operation: the spec has no GET /v3/{PROJECT}/replications"
    assert any(reason.startswith(unknown) for reason in skips)


def test_an_unreachable_target_gets_an_answer_marked_as_the_proxys(proxy_to: ProxyFactory) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    proxy = proxy_to(f"http://127.0.0.1:{closed}")
    answer = requests.get(f"{proxy.url}/v3/p-1/vaults", timeout=10)
    assert answer.status_code == 502 and answer.headers[PROXY_HEADER] == "unreachable"
    assert distinct(report_of(proxy)) == [("list_vaults", "unreachable", "", "service")]


def test_a_target_slower_than_the_timeout_gets_a_504_of_the_proxys(
    fake: FakeTarget, proxy_to: ProxyFactory
) -> None:
    def slow(seen: Seen) -> Canned:
        time.sleep(1.5)
        return Canned.json(200, EMPTY_LIST)

    fake.responder = slow
    # Its late answer finds the connection closed: nothing to print about it.
    fake.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    proxy = proxy_to(fake.url, timeout=0.3)
    started = time.monotonic()
    answer = requests.get(f"{proxy.url}/v3/p-1/vaults", timeout=10)
    assert answer.status_code == 504 and answer.headers[PROXY_HEADER] == "unreachable"
    assert time.monotonic() - started < 1.2
    assert "no response within 0.3 s" in answer.json()["error_msg"]


def test_an_answer_larger_than_the_checks_keep_reaches_the_client_whole(
    fake: FakeTarget, proxy_to: ProxyFactory
) -> None:
    body = json.dumps({**EMPTY_LIST, "pad": "x" * MAX_RESPONSE_BYTES}).encode()
    fake.answer = Canned(200, body)
    proxy = proxy_to(fake.url)
    answer = requests.get(f"{proxy.url}/v3/p-1/vaults", timeout=30)
    assert answer.status_code == 200 and answer.content == body
    assert distinct(report_of(proxy)) == [("list_vaults", "response_size", "body", "service")]


@pytest.mark.parametrize("count", [0, "none"])
def test_a_compressed_answer_passes_on_compressed_and_is_checked_decompressed(
    fake: FakeTarget, proxy_to: ProxyFactory, count: object
) -> None:
    body = gzip.compress(json.dumps({**EMPTY_LIST, "count": count}).encode())
    fake.answer = Canned(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    proxy = proxy_to(fake.url)
    answer = requests.get(f"{proxy.url}/v3/p-1/vaults", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert answer.raw.read() == body  # as the target sent it
    expected = [] if count == 0 else [("list_vaults", "response_schema", "$.count", "service")]
    assert distinct(report_of(proxy)) == expected
