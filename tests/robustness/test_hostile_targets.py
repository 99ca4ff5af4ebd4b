"""The suite against targets that break HTTP itself: it finishes in bounded time, exits 1 or 3, and
says in summary.json what the target did, in a line, without a traceback of the runner.

Each target (tests/robustness/hostile_target.py) answers the runner's preflight (list vaults)
politely and misbehaves on the vault path, so that the suite's own client meets the hostility
inside a test: it never answers, answers a proxy's HTML 502, cuts its JSON, closes mid-body,
drips its answer a byte at a time, redirects to itself, or sends 50 MB.
"""

from __future__ import annotations

import json
import re
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_conformance import cli
from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import fixtures_dir, suite_dir
from cbr_conformance.target.client import CBRClient, TargetUnreachable
from cbr_conformance.transport.auth import TokenAuth
from cbr_conformance.transport.recording import MAX_RECORDED_BODY, Exchange
from cbr_conformance.transport.transfer import MAX_RESPONSE_BYTES
from tests.library.fake_target import Canned, FakeTarget
from tests.robustness.hostile_target import EVERYWHERE, HostileTarget

TOKEN = "hostile-test-token-0123456789abcdef"
TIMEOUT = 1.0  # CBR_TIMEOUT of every run here
RUN_BUDGET = 30.0  # seconds a whole run may take (collection included; typically 2-4)
VAULT_TESTS = str(suite_dir() / "test_vaults.py")  # collect one module, not the suite
ONE_TEST = ["-k", "test_show_unknown_vault_is_not_found", VAULT_TESTS, "-q", "-n", "0"]
UNKNOWN = "00000000-0000-0000-0000-000000000000"

# behaviour -> (exit code, what the failure message must say)
EXPECTED = {
    "hang": (cli.EXIT_UNREACHABLE, f"no complete response within {TIMEOUT:g} s"),
    "html-502": (cli.EXIT_NONCONFORMANT, "status 502 is not documented"),
    "truncated-json": (cli.EXIT_NONCONFORMANT, "the body is not JSON"),
    "short-body": (cli.EXIT_UNREACHABLE, "IncompleteRead"),
    "drip": (cli.EXIT_UNREACHABLE, f"no complete response within {TIMEOUT:g} s"),
    "redirect-loop": (cli.EXIT_NONCONFORMANT, "status 302 is not documented"),
    "huge-body": (cli.EXIT_NONCONFORMANT, f"the body is larger than {MAX_RESPONSE_BYTES} bytes"),
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "CBR_TARGET_URL",
        "CBR_CONFIG",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "CBR_SECOND_PROJECT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CBR_PROJECT_ID", "p-1")
    monkeypatch.setenv("CBR_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("CBR_TIMEOUT", str(TIMEOUT))
    return monkeypatch


def run(url: str, report_dir: Path) -> tuple[int, float]:
    started = time.monotonic()
    code = cli.main(["run", "--target-url", url, "--report-dir", str(report_dir), *ONE_TEST])
    return code, time.monotonic() - started


def assert_no_runner_traceback(output: str) -> None:
    assert "Traceback (most recent call last)" not in output
    assert "INTERNALERROR" not in output


@pytest.mark.parametrize("behaviour", list(EXPECTED))
def test_a_hostile_target_fails_the_run_cleanly(
    behaviour: str, tmp_path: Path, env: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    code_expected, said = EXPECTED[behaviour]
    with HostileTarget(behaviour) as target:
        code, elapsed = run(target.url, tmp_path)
        vault_requests = [r for r in target.requests if "/vaults/" in r[1]]
    out, err = capfd.readouterr()
    assert code == code_expected, out[-3000:]
    assert elapsed < RUN_BUDGET
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    assert not summary["conforms"]
    [result] = summary["tests"]
    assert result["test_id"] == "vault-show-unknown" and result["outcome"] == "violated"
    # The reason is one line of the message, naming the request and what went wrong.
    [line] = [line for line in result["message"].splitlines() if said in line]
    assert f"/vaults/{UNKNOWN[:8]}" in line or "show_vault" in line, line
    assert_no_runner_traceback(out + err)
    # One request only: no retry, no redirect followed.
    assert len(vault_requests) == 1
    # The exchange is in the report, its body clipped and its credentials hidden.
    [exchange] = result["exchanges"]
    assert len(exchange["response_body"] or "") <= MAX_RECORDED_BODY + 100
    assert TOKEN not in json.dumps(summary)


@pytest.mark.parametrize("behaviour", ["hang", "drip"])
def test_a_target_that_never_completes_an_answer_stops_the_preflight(
    behaviour: str, tmp_path: Path, env: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Hostile on every path: the preflight gives up after the timeout and the run exits 3 at once."""
    with HostileTarget(behaviour, hostile=EVERYWHERE) as target:
        code, elapsed = run(target.url, tmp_path)
    out, err = capfd.readouterr()
    assert code == cli.EXIT_UNREACHABLE
    assert elapsed < TIMEOUT + 5
    [line] = err.strip().splitlines()
    assert line.startswith("cbr-conformance: the target does not answer: GET ")
    assert f"no complete response within {TIMEOUT:g} s" in line
    assert_no_runner_traceback(out + err)


# --- the client alone -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(Contract.load(), Catalogue.load())


def client(url: str, context: CheckContext, recorded: list[Exchange] | None = None) -> CBRClient:
    on_exchange = recorded.append if recorded is not None else None
    return CBRClient(url, "p-1", TokenAuth(TOKEN), context, timeout=TIMEOUT, on_exchange=on_exchange)


def test_a_drip_cannot_outlast_the_timeout(context: CheckContext) -> None:
    """requests' timeout bounds each read; the client bounds the whole exchange."""
    with HostileTarget("drip") as target:
        started = time.monotonic()
        with pytest.raises(TargetUnreachable, match="no complete response within 1 s"):
            client(target.url, context).call("show_vault", path={"vault_id": UNKNOWN})
        assert time.monotonic() - started < TIMEOUT + 0.5


def test_a_huge_body_is_cut_off_not_read_into_memory(context: CheckContext) -> None:
    recorded: list[Exchange] = []
    with HostileTarget("huge-body") as target:
        tracemalloc.start()
        try:
            response = client(target.url, context, recorded).call(
                "show_vault", path={"vault_id": UNKNOWN}, check=False
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # The client keeps at most MAX_RESPONSE_BYTES of it (as bytes, then as text): far from 50 MB.
    assert peak < 3 * MAX_RESPONSE_BYTES < 50 * 1024 * 1024
    assert response.status == 404
    assert [v.rule for v in response.exchange.violations] == ["response_size"]
    assert len(recorded[0].response_text) <= MAX_RECORDED_BODY + 100


def test_a_large_valid_body_is_checked_and_read_whole(context: CheckContext) -> None:
    """A body longer than what reports record (64 KiB) is still whole to the checks and the tests:
    only the recorded copy is clipped. (A page of list_backups easily passes 64 KiB.)"""
    example = json.loads(
        (fixtures_dir() / "reference-examples" / "list_backups.response.200.json").read_text()
    )
    body: dict[str, Any] = {**example, "backups": example["backups"] * 300, "count": 300}
    assert len(json.dumps(body)) > 2 * MAX_RECORDED_BODY
    recorded: list[Exchange] = []
    with FakeTarget() as fake:
        fake.answer = Canned.json(200, body)
        response = client(fake.url, context, recorded).call("list_backups")  # raises on any violation
    assert response.json() == body
    assert recorded[0].response_text.endswith("more characters not recorded]")


def test_an_abandoned_transfer_does_not_block_the_next_request(context: CheckContext) -> None:
    with HostileTarget("drip") as target:
        cbr = client(target.url, context)
        with pytest.raises(TargetUnreachable):
            cbr.call("show_vault", path={"vault_id": UNKNOWN})
        # the same client (and session) goes on; the polite path still answers at once
        assert cbr.call("list_vaults", check=False).status == 200


def _transfer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cbr-client-transfer" and t.is_alive()]


def test_an_abandoned_transfer_lets_go_of_its_connection_at_once(context: CheckContext) -> None:
    """Cut off while the status line and headers still drip in, the transfer's socket is shut:
    its helper thread ends now, not when the target stops dripping."""
    with HostileTarget("drip") as target:
        with pytest.raises(TargetUnreachable):
            client(target.url, context).call("show_vault", path={"vault_id": UNKNOWN})
        deadline = time.monotonic() + 2
        while _transfer_threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _transfer_threads() == [], "the helper thread still waits on the dripping target"
        assert not target.stopping.is_set()  # the target was still dripping all along


def test_an_abandoned_transfer_through_an_http_proxy_lets_go_at_once(context: CheckContext) -> None:
    """The same cut-off when the target is reached through an HTTP proxy that drips."""
    with HostileTarget("drip", hostile=re.compile(r"^http://cbr\.invalid/")) as proxy:
        session = requests.Session()
        session.proxies = {"http": proxy.url}
        cbr = CBRClient(
            "http://cbr.invalid", "p-1", TokenAuth(TOKEN), context, timeout=TIMEOUT, session=session
        )
        with pytest.raises(TargetUnreachable):
            cbr.call("show_vault", path={"vault_id": UNKNOWN})
        assert proxy.requests and proxy.requests[0][1].startswith("http://cbr.invalid/v3/p-1/vaults/")
        deadline = time.monotonic() + 2
        while _transfer_threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _transfer_threads() == [], "the helper thread still waits on the dripping proxy"
