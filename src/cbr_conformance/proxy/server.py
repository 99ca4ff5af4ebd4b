"""The validating proxy as a server: uvicorn on a background thread, on a loopback port, in front
of a target URL or of an embedded emulator of its own; and its report, written in a run's format
into a run folder of its own (rewritten each time it is asked for, and when the proxy stops).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.proxy.app import ProxyState, create_app
from cbr_conformance.proxy.forwarding import Upstream
from cbr_conformance.proxy.judging import Judge
from cbr_conformance.proxy.traffic import Traffic
from cbr_conformance.report.html import render_html
from cbr_conformance.results.run_header import RECORDED, RunHeader
from cbr_conformance.results.rundirs import link_latest, new_run_dir
from cbr_conformance.results.summary import RunSummary, verdict
from cbr_conformance.transport.recording import Redactor
from cbr_emulator.config import Settings
from cbr_emulator.server import EmulatorServer, answers_health

LOOPBACK = "127.0.0.1"


class CannotListen(RuntimeError):
    """The proxy's port is taken or not allowed."""


class ProxyServer:
    """``with ProxyServer(contract, target_url=None, report_dir=...) as proxy: ... proxy.url ...``"""

    def __init__(
        self,
        contract: Contract,
        *,
        target_url: str | None,
        report_dir: Path,
        header: RunHeader | None = None,
        port: int = 0,
        enforce: bool = False,
        timeout: float = 30.0,
        secrets: list[str] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.contract = contract
        self.target_url = target_url
        self.report_dir = report_dir
        self.header = header or RunHeader(absent=RECORDED)  # a session's without settings
        self.port = port
        self.enforce = enforce
        self.timeout = timeout
        self.traffic = Traffic(log)
        self.judge = Judge(CheckContext(contract, Catalogue.of(contract)), Redactor(secrets))
        self.emulator: EmulatorServer | None = None  # the embedded one, when there is no target URL
        self.url = ""
        self.upstream_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._run_dir: Path | None = None
        self._report_lock = threading.Lock()
        self.written: RunSummary | None = None  # the summary of the last report written

    def start(self, timeout: float = 10.0) -> ProxyServer:
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small answers, no delayed ACKs
            sock.bind((LOOPBACK, self.port))
        except OSError as exc:
            sock.close()
            raise CannotListen(f"cannot listen on {LOOPBACK}:{self.port}: {exc.strerror}") from None
        self.upstream_url = self.target_url or self._start_emulator()
        state = ProxyState(
            self.judge,
            self.traffic,
            Upstream(self.upstream_url, self.timeout),
            self.enforce,
            self.write_report,
        )
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(state),
            log_level="warning",
            access_log=False,  # the proxy logs each exchange itself, with its verdict
            server_header=False,  # the target's Server and Date headers pass on, not uvicorn's too
            date_header=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cbr-proxy-{port}", daemon=True
        )
        self._thread.start()
        self.url = f"http://{LOOPBACK}:{port}"
        if self.target_url is None:
            target = f"embedded emulator (started by the proxy at {self.upstream_url})"
            self.header = self.header.recording(target_url=target)
        elif not self.header.records("target_url"):
            self.header = self.header.recording(target_url=self.target_url)
        if not answers_health(f"{self.url}/_proxy/health", self._thread, timeout):
            self.stop()
            raise CannotListen(f"the proxy did not start at {self.url}")
        return self

    def _start_emulator(self) -> str:
        self.emulator = EmulatorServer(Settings(db_path=":memory:")).start()
        return self.emulator.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self.emulator is not None:
            self.emulator.stop()
        self._server = self._thread = self.emulator = None

    def summary(self) -> RunSummary:
        return self.traffic.summary(self.header, self.contract)

    def write_report(self) -> dict[str, Any]:
        """Write summary.json and index.html of the traffic so far into the proxy's run folder;
        say where they are, with the verdict, the distinct violations and the matrix."""
        with self._report_lock:
            summary = self.summary()
            if self._run_dir is None:
                self._run_dir = new_run_dir(self.report_dir, dt.datetime.now(dt.UTC))
            summary_path = self._run_dir / "summary.json"
            summary_path.write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
            report_path = self._run_dir / "index.html"
            report_path.write_text(render_html(summary, self.contract), encoding="utf-8")
            link_latest(self.report_dir, self._run_dir)
            self.written = summary
        traffic = summary.proxy or {}
        return {
            "report": str(report_path),
            "summary": str(summary_path),
            "verdict": verdict(summary),
            "exchanges": summary.header.exchanges,
            "faults": traffic.get("faults"),
            "violations": [v.to_dict() for v in summary.violations],
            "unknown_operations": traffic.get("unknown_operations"),
            "matrix": summary.matrix,
            "coverage": summary.coverage,
        }

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_until_stopped(proxy: ProxyServer, announce: Callable[[ProxyServer], None]) -> dict[str, Any]:
    """Run the proxy until SIGINT (Ctrl-C) or SIGTERM; then write its report and return what
    `write_report` says."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        proxy.start()
        announce(proxy)
        while not stopping.wait(0.5):
            pass
    finally:
        proxy.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return proxy.write_report()
