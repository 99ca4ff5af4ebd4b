"""A connection idle past the servers' keep-alive is opened again rather than reused: a request
sent on one as the server closes it gets no answer, which would read as the target unreachable."""

from __future__ import annotations

import time

import pytest
import requests
import urllib3.connection

from cbr_conformance.transport import transfer
from cbr_emulator.server import EmulatorServer


def test_a_connection_idle_too_long_is_opened_again(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    connect = urllib3.connection.HTTPConnection.connect

    def counted(self: urllib3.connection.HTTPConnection) -> None:
        opened.append(1)
        connect(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", counted)
    monkeypatch.setattr(transfer, "IDLE_REUSE_SECONDS", 0.3)
    with EmulatorServer(async_delay=0.1) as emulator, requests.Session() as session:
        transfer.track(session)
        for pause in (0.0, 0.0, 0.5, 0.0):
            time.sleep(pause)
            assert session.get(f"{emulator.url}/_emulator/health", timeout=5).status_code == 200
    assert len(opened) == 2  # the first, and the one after the pause; the quick ones reused it
