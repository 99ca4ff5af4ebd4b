"""The proxy's report is a run's report: summary.json that `cbr-conformance report` renders, with
the matrix by operation, the distinct violations (whose fault each is) and every exchange with
its curl; and no credential of any client appears in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from cbr_conformance import cli
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer
from tests.emulator.sdk_drive import make_client
from tests.proxy.conftest import ProxyFactory, report_of

FIRST = DEFAULT_CREDENTIALS[0]
TOKEN, AK, SK = FIRST.tokens[0], FIRST.access_keys[0].ak, FIRST.access_keys[0].sk


def test_no_credential_of_a_client_is_written_anywhere(
    cbr: Any, emulator: EmulatorServer, proxy_to: ProxyFactory, tmp_path: Path
) -> None:
    proxy = proxy_to(emulator.url)
    client = make_client(cbr, proxy.url, 0)  # AK/SK signed
    client.list_vault(cbr.ListVaultRequest(limit=5))
    headers = {"X-Auth-Token": TOKEN}
    # The token sent in a header is also found, and hidden, where a careless client repeats it.
    requests.get(f"{proxy.url}/v3/{FIRST.project_id}/vaults", params={"name": TOKEN}, headers=headers)
    body = {"vault": {"name": TOKEN, "billing": {"size": 0}}}
    requests.post(f"{proxy.url}/v3/{FIRST.project_id}/vaults", json=body, headers=headers)
    written = report_of(proxy)
    folder = Path(written["summary"]).parent
    files = {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}
    assert set(files) == {"summary.json", "index.html"}
    for name, text in files.items():
        for secret in (TOKEN, AK, SK, "Signature="):
            assert secret not in text, (name, secret)
    assert "***" in files["summary.json"]  # the credential headers are there, hidden
    tests = json.loads(files["summary.json"])["tests"]
    curls = [exchange["curl"] for test in tests for exchange in test["exchanges"]]
    # Each curl reproduces its request with placeholders where the credentials were.
    assert any("<authorization>" in curl for curl in curls) and any(
        "<x-auth-token>" in curl for curl in curls
    )


def test_the_report_is_a_runs_report_that_the_report_command_renders(
    emulator: EmulatorServer, proxy_to: ProxyFactory
) -> None:
    proxy = proxy_to(emulator.url)
    headers = {"X-Auth-Token": TOKEN}
    requests.get(f"{proxy.url}/v3/{FIRST.project_id}/vaults", params={"limit": 0}, headers=headers)
    requests.get(f"{proxy.url}/v3/{FIRST.project_id}/policies", headers=headers)
    written = report_of(proxy)
    folder = Path(written["summary"]).parent
    assert (folder.parent / "latest").resolve() == folder.resolve()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["header"]["mode"] == "proxy" and summary["header"]["exchanges"] == 2
    assert summary["kinds"] == ["client request", "service response"]
    [entry] = summary["violations"]
    assert entry["fault"] == "client" and entry["exchange"]["curl"].startswith("curl -i -X GET")
    html = (folder / "index.html").read_text(encoding="utf-8")
    for shown in (
        "Conformance matrix",
        "client request",
        "service response",
        "list_policies",
        "the client&#x27;s fault: its request",
        "1 exchange failed on it",
        "reproduce",
    ):
        assert shown in html, shown
    (folder / "index.html").unlink()
    assert cli.main(["report", str(folder)]) == cli.EXIT_OK
    assert (folder / "index.html").read_text(encoding="utf-8") == html
    # Asked again, the report is rewritten in the same folder, with the traffic since.
    requests.get(f"{proxy.url}/v3/{FIRST.project_id}/policies", headers=headers)
    again = report_of(proxy)
    assert again["summary"] == written["summary"] and again["exchanges"] == 3
