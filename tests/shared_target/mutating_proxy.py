"""An HTTP reverse proxy on loopback that breaks one thing of a correct target's behaviour.

It forwards each request to the emulator (Host header and body unchanged unless a hook changes
them) and lets a test rewrite the request or the answer: a create answered with a broken body,
an invalid request made valid before the target sees it (so the target "accepts" it), or the
connection dropped for a while.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from cbr_conformance.transport.transfer import track


@dataclass
class Exchange:
    method: str
    path: str
    body: bytes
    status: int = 0
    answer: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # the request's, as forwarded (a hook may change them, or read the caller's token from them)
    request_headers: dict[str, str] = field(default_factory=dict)


RequestHook = Callable[[Exchange], None]  # may change method, path or body before forwarding
AnswerHook = Callable[[Exchange], None]  # may change status, answer or headers before returning
DropHook = Callable[[Exchange], bool]  # True: close the connection without an answer


class MutatingProxy:
    def __init__(
        self,
        upstream: str,
        *,
        on_request: RequestHook | None = None,
        on_answer: AnswerHook | None = None,
        drop: DropHook | None = None,
    ) -> None:
        self.upstream = upstream
        self.on_request = on_request
        self.on_answer = on_answer
        self.drop = drop
        self.seen = 0
        proxy = self
        session = requests.Session()
        # as the suite's client does: a pooled connection idle past the emulator's keep-alive is
        # opened again, not reused (a request sent as the emulator closes it would be lost)
        track(session)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # An answer's head and body are two writes: without this, each waits for the client's
            # delayed acknowledgement of the first (~40 ms an exchange on loopback).
            disable_nagle_algorithm = True

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                exchange = Exchange(self.command, self.path, self.rfile.read(length) if length else b"")
                exchange.request_headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")
                }
                with lock:
                    proxy.seen += 1
                if proxy.drop is not None and proxy.drop(exchange):
                    self.close_connection = True
                    self.connection.close()
                    return
                if proxy.on_request is not None:
                    proxy.on_request(exchange)
                answer = session.request(
                    exchange.method,
                    proxy.upstream + exchange.path,
                    data=exchange.body or None,
                    headers=exchange.request_headers,
                    timeout=60,
                    allow_redirects=False,
                )
                exchange.status, exchange.answer = answer.status_code, answer.content
                exchange.headers = {
                    k: v
                    for k, v in answer.headers.items()
                    if k.lower()
                    not in ("content-length", "connection", "transfer-encoding", "content-encoding")
                }
                if proxy.on_answer is not None:
                    proxy.on_answer(exchange)
                self.send_response(exchange.status)
                for name, value in exchange.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(exchange.answer)))
                self.end_headers()
                self.wfile.write(exchange.answer)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> MutatingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
