"""No credential reaches a report file, the console or the log, even when the target echoes the
request's headers back, in bodies and in response headers, and whichever way a test ends.

tests/suite/test_cli.py checks one failing run signed with AK/SK. This runs both kinds of
credentials through a target that echoes them in a passing answer, a failing answer, and a request
that never completes (whose traceback once showed the request headers as a function argument),
with pytest's locals in tracebacks (-l --tb=long), the most talkative failure report there is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.paths import suite_dir
from tests.library.fake_target import Canned, FakeTarget, Seen

TOKEN = "echoed-token-0123456789-abcdefghij"
AK = "ECHOEDACCESSKEY00001"
SK = "echoed-secret-key-0123456789-abcdefghij"
VAULT_TESTS = str(suite_dir() / "test_vaults.py")
# show (the target answers the expected 404), update (it answers 400: a failure), delete (no answer)
SELECTION = (
    "test_show_unknown_vault_is_not_found or test_update_unknown_vault_is_not_found "
    "or test_delete_unknown_vault_is_not_found"
)


def echo_target(release: threading.Event) -> FakeTarget:
    fake = FakeTarget()

    def respond(seen: Seen) -> Canned:
        echoed = json.dumps(seen.headers)
        headers = {"Content-Type": "application/json", "X-Echo": echoed.replace("\n", " ")}
        if seen.method == "GET" and seen.path.split("?")[0].endswith("/vaults"):
            return Canned(200, json.dumps({"vaults": [], "count": 0, "echo": echoed}).encode(), headers)
        if seen.method == "DELETE":
            release.wait(10)  # past the run's timeout: the client gives up first
        status, code = (404, "BackupService.6105") if seen.method == "GET" else (400, "BackupService.9900")
        body = {"error_code": code, "error_msg": f"you sent {echoed}"}
        return Canned(status, json.dumps(body).encode(), headers)

    fake.responder = respond
    return fake


@pytest.fixture
def target() -> Iterator[FakeTarget]:
    release = threading.Event()
    with echo_target(release) as fake:
        yield fake
        release.set()


@pytest.mark.parametrize("credentials", ["token", "ak-sk"])
def test_echoed_credentials_reach_no_report_console_or_log(
    credentials: str,
    target: FakeTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name in ("CBR_TARGET_URL", "CBR_CONFIG", "HUAWEICLOUD_SDK_PROJECT_ID", "CBR_SECOND_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CBR_PROJECT_ID", "p-1")
    monkeypatch.setenv("CBR_TIMEOUT", "1")
    if credentials == "token":
        monkeypatch.setenv("CBR_AUTH_TOKEN", TOKEN)
        monkeypatch.delenv("HUAWEICLOUD_SDK_AK", raising=False)
        monkeypatch.delenv("HUAWEICLOUD_SDK_SK", raising=False)
    else:
        monkeypatch.delenv("CBR_AUTH_TOKEN", raising=False)
        monkeypatch.setenv("HUAWEICLOUD_SDK_AK", AK)
        monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    argv = ["run", "--target-url", target.url, "--report-dir", str(tmp_path), "-k", SELECTION, VAULT_TESTS]
    code = cli.main([*argv, "-n", "0", "-l", "--tb=long", "-rA"])

    # The target did get the credentials, and echoed them back.
    sent = json.dumps([seen.headers for seen in target.seen])
    assert (TOKEN if credentials == "token" else AK) in sent
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    outcomes = {t["test_id"]: t["outcome"] for t in summary["tests"]}
    assert outcomes == {
        "vault-show-unknown": "passed",
        "vault-update-unknown": "violated",
        "vault-delete-unknown": "violated",
    }
    assert code == cli.EXIT_NONCONFORMANT
    # Yet they are nowhere: not in any file of the report folder...
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {"summary.json", "junit.xml", "index.html"}
    for path in files:
        text = path.read_text(errors="replace")
        for secret in (TOKEN, AK, SK):
            assert secret not in text, f"{secret} in {path.name}"
    # ...nor on the console, nor in the log.
    out, err = capfd.readouterr()
    for secret in (TOKEN, AK, SK):
        assert secret not in out and secret not in err and secret not in caplog.text
    # What the report shows instead: the placeholders.
    failed = next(t for t in summary["tests"] if t["test_id"] == "vault-update-unknown")
    [exchange] = failed["exchanges"]
    assert "***" in exchange["response_body"] and "***" in json.dumps(exchange["response_headers"])
