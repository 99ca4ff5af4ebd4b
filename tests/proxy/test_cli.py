"""`cbr-conformance proxy` as a user runs it: in front of a fresh embedded emulator by default,
one console line per exchange, the report written when stopped (Ctrl-C or SIGTERM), and exit 1
when the traffic broke the contract; bad input is one line and exit 2."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_conformance import cli
from cbr_emulator.defaults import DEFAULT_CREDENTIALS

FIRST = DEFAULT_CREDENTIALS[0]


def start_proxy(reports: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """The command in a process of its own; its URL, read from what it announces."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CBR_", "HUAWEICLOUD_SDK_"))}
    command = [sys.executable, "-u", "-m", "cbr_conformance.cli", "proxy", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--report-dir", str(reports), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.match(r"cbr-conformance proxy: (http://127\.0\.0\.1:\d+) -> embedded emulator", first)
    if found is None:
        process.kill()
        raise AssertionError(f"the proxy did not start: {first}{process.stdout.read()}")
    return process, found.group(1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_command_fronts_an_embedded_emulator_and_reports_when_stopped(
    tmp_path: Path, stop: signal.Signals
) -> None:
    process, url = start_proxy(tmp_path)
    headers = {"X-Auth-Token": FIRST.tokens[0]}
    listed = requests.get(f"{url}/v3/{FIRST.project_id}/vaults", headers=headers, timeout=10)
    assert listed.status_code == 200 and listed.json()["count"] == 0  # the emulator's answer
    requests.get(f"{url}/v3/{FIRST.project_id}/vaults", params={"limit": 0}, headers=headers, timeout=10)
    time.sleep(0.2)  # the second line is printed once the exchange is judged
    process.send_signal(stop)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == cli.EXIT_NONCONFORMANT, output
    lines = output.splitlines()
    assert any(re.search(r"^0001 GET /v3/\w+/vaults  list_vaults  200  ok$", line) for line in lines), output
    assert any(
        line.startswith("0002 GET") and "list_vaults  400  CLIENT'S FAULT: query parameter limit='0'" in line
        for line in lines
    ), output
    assert "DOES NOT CONFORM: 1 distinct violation" in output and "Traceback" not in output
    report = Path(re.findall(r"^report: (.+)$", output, re.MULTILINE)[-1])
    assert report.is_file() and (report.parent / "summary.json").is_file()


def test_a_stop_with_only_conforming_traffic_exits_0(tmp_path: Path) -> None:
    process, url = start_proxy(tmp_path)
    requests.get(
        f"{url}/v3/{FIRST.project_id}/policies", headers={"X-Auth-Token": FIRST.tokens[0]}, timeout=10
    )
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == cli.EXIT_OK, output
    assert "CONFORMS" in output


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "--port = '70000': must be a TCP port"),
        (["--target-url", "ftp://example.com"], "--target-url = 'ftp://example.com': must be an http"),
        (["--request-timeout", "-1"], "--request-timeout = '-1': must be a positive number"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str, capsys: Any) -> None:
    assert cli.main(["proxy", *argv]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, capsys: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(
            [
                "proxy",
                "--port",
                str(port),
                "--target-url",
                "http://127.0.0.1:9",
                "--report-dir",
                str(tmp_path),
            ]
        )
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1
