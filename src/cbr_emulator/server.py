"""Run the emulator in-process: uvicorn on a background thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from types import TracebackType
from typing import Any

import uvicorn

from cbr_emulator.app import create_app
from cbr_emulator.config import Settings
from cbr_emulator.models.backend import Backend


def answers_health(url: str, thread: threading.Thread | None, timeout: float) -> bool:
    """Whether a server started on `thread` answers 200 at `url` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if thread is not None and not thread.is_alive():
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.02)
    return False


class EmulatorServer:
    """``with EmulatorServer(async_delay=0.05) as emulator: ... emulator.url ...``

    Keyword arguments override fields of ``settings`` (port 0, the default, picks a free port).
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = (settings or Settings()).with_overrides(**overrides)
        self.backend = Backend(self.settings)
        self.app = create_app(backend=self.backend)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it small answers wait ~40 ms on delayed ACKs.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.settings.host, self.settings.port))
        host, port = sock.getsockname()[:2]
        self._socket = sock
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cbr-emulator-{port}", daemon=True
        )
        self._thread.start()
        self.url = f"http://{host}:{port}"
        self._wait_until_healthy(timeout)
        return self

    def _wait_until_healthy(self, timeout: float) -> None:
        if not answers_health(f"{self.url}/_emulator/health", self._thread, timeout):
            self.stop()
            raise RuntimeError(f"the emulator did not become healthy at {self.url}")

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.backend.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
