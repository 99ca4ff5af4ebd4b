"""A connection idle past the servers' keep-alive is opened again rather than reused: a request
sent on one as the server closes it gets no answer, which would read as the target unreachable."""

from __future__ import annotations

import threading
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


class _Socket:
    def __init__(self) -> None:
        self.shut = False

    def shutdown(self, how: int) -> None:
        self.shut = True


class _Connection:
    def __init__(self) -> None:
        self.sock = _Socket()


def test_each_session_keeps_its_own_record_of_the_connections_its_transfers_use() -> None:
    """A hung transfer is cut on the connection its own session's record names: another client's
    session (another test's, another thread's) neither knows nor cuts it."""
    with EmulatorServer(async_delay=0.1) as emulator, requests.Session() as one, requests.Session() as two:
        first, second = transfer.track(one), transfer.track(two)
        assert transfer.track(one) is first and first is not second
        done = transfer.Transfer(one, "GET", f"{emulator.url}/_emulator/health", {}, None, 5.0, first)
        assert done.run() and done.response is not None and done.response.status_code == 200
    connection, me = _Connection(), threading.get_ident()
    first.hold(connection)  # as the session's pool does on the transfer's helper thread
    assert not second.cut(me) and not connection.sock.shut
    assert first.cut(me) and connection.sock.shut
    first.release(me)
    assert not first.cut(me)
