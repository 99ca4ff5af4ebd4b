"""A raw-socket HTTP server on loopback that misbehaves on purpose.

tests/library/fake_target.py answers well-formed HTTP with whatever body a test wants; this one
breaks HTTP itself: it never answers, drips bytes, cuts a body short, loops redirects or sends
tens of megabytes. Requests whose path `hostile` matches get the misbehaviour; others get a quiet
`200 {"vaults": [], "count": 0}`, so that the runner's preflight passes and the suite's own
client meets the hostility inside a test.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import threading
from collections.abc import Callable

# A path of show_vault, delete_vault...: /v3/{project}/vaults/{vault_id} (not the list)
VAULT_PATH = re.compile(r"^/v3/[^/]+/vaults/[^/?]+")
EVERYWHERE = re.compile(r"")

NOT_FOUND = json.dumps(
    {"error_code": "BackupService.6105", "error_msg": "The vault does not exist."}
).encode()
QUIET = json.dumps({"vaults": [], "count": 0}).encode()
HUGE_BYTES = 50 * 1024 * 1024
DRIP_INTERVAL = 0.05  # seconds between two bytes: far below any per-read timeout


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_head(status: str, length: int) -> bytes:
    return head(status, {"Content-Type": "application/json", "Content-Length": str(length)})


Behaviour = Callable[["HostileTarget", socket.socket, str], None]


def hang(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """Accept, read the request, and never answer."""
    target.stopping.wait()


def html_502(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """A proxy's error page instead of the API."""
    body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    headers = {"Content-Type": "text/html", "Content-Length": str(len(body))}
    sock.sendall(head("502 Bad Gateway", headers) + body)


def truncated_json(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """A well-framed response whose JSON body stops in the middle."""
    body = NOT_FOUND[: len(NOT_FOUND) // 2]
    sock.sendall(json_head("404 Not Found", len(body)) + body)


def short_body(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """Content-Length promises the whole body; the connection closes halfway through it."""
    sock.sendall(json_head("404 Not Found", len(NOT_FOUND)) + NOT_FOUND[: len(NOT_FOUND) // 2])


def drip(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """A valid answer, status line included, one byte at a time: each read is quick, the whole is not."""
    for byte in json_head("404 Not Found", len(NOT_FOUND)) + NOT_FOUND:
        if target.stopping.wait(DRIP_INTERVAL):
            return
        sock.sendall(bytes([byte]))


def redirect_loop(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """302 to the very same URL, for ever."""
    sock.sendall(head("302 Found", {"Location": f"{target.url}{path}", "Content-Length": "0"}))


def huge_body(target: HostileTarget, sock: socket.socket, path: str) -> None:
    """A 50 MB error body (valid JSON, if anybody read it all)."""
    prefix = b'{"error_code": "BackupService.6105", "error_msg": "'
    suffix = b'"}'
    filler = HUGE_BYTES - len(prefix) - len(suffix)
    sock.sendall(json_head("404 Not Found", HUGE_BYTES) + prefix)
    chunk = b"x" * (1024 * 1024)
    while filler > 0 and not target.stopping.is_set():
        piece = chunk[: min(filler, len(chunk))]
        sock.sendall(piece)
        filler -= len(piece)
    sock.sendall(suffix)


BEHAVIOURS: dict[str, Behaviour] = {
    "hang": hang,
    "html-502": html_502,
    "truncated-json": truncated_json,
    "short-body": short_body,
    "drip": drip,
    "redirect-loop": redirect_loop,
    "huge-body": huge_body,
}


class HostileTarget:
    """``with HostileTarget("drip") as target: ... target.url ...``"""

    def __init__(self, behaviour: str, hostile: re.Pattern[str] = VAULT_PATH) -> None:
        self.behaviour = BEHAVIOURS[behaviour]
        self.hostile = hostile
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.bytes_sent = 0
        target = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(10)
                try:
                    while not target.stopping.is_set():
                        request = _read_request(sock)
                        if request is None:
                            return
                        path = request[1]
                        target.requests.append(request)
                        if target.hostile.match(path):
                            target.behaviour(target, sock, path)
                            return  # the connection is spoilt: close it
                        sock.sendall(json_head("200 OK", len(QUIET)) + QUIET)
                except OSError:
                    return  # the client went away, as it should

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> HostileTarget:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def _read_request(sock: socket.socket) -> tuple[str, str, dict[str, str]] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    raw_head, _, rest = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    missing = int(headers.get("content-length") or 0) - len(rest)
    while missing > 0:
        chunk = sock.recv(min(missing, 65536))
        if not chunk:
            return None
        missing -= len(chunk)
    return method, path, headers
