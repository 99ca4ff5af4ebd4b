"""One HTTP exchange bounded as a whole by a deadline.

requests' own timeout bounds each socket read only, which a target sending one byte at a time
never triggers; so the transfer runs on a helper thread and is cut off at the deadline. The
session's pools record which connection each helper thread holds (`ConnectionsInUse`, one per
session, which the client that owns the session hands each of its transfers), so that the cut
shuts that socket under it, whatever phase the exchange is in, and the thread ends at once
instead of waiting for as long as a dripping target keeps sending.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_encoding_from_headers
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager


class TargetUnreachable(RuntimeError):
    """The target did not answer (connection refused, timeout, TLS failure...)."""


# A response body is read up to this size (no CBR answer comes near it: a page of 1000 backups is
# about 2 MB); a hostile target sending more is cut off there instead of filling the memory.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class ConnectionsInUse:
    """Which urllib3 connection each helper thread of a session holds, to cut a hung transfer."""

    def __init__(self) -> None:
        self._held: dict[int, Any] = {}  # helper thread id -> its connection
        self._lock = threading.Lock()

    def hold(self, connection: Any) -> None:
        with self._lock:
            self._held[threading.get_ident()] = connection

    def release(self, thread_id: int) -> None:
        with self._lock:
            self._held.pop(thread_id, None)

    def cut(self, thread_id: int) -> bool:
        """Shut the socket the thread is using; False when it holds none."""
        with self._lock:
            connection = self._held.get(thread_id)
        sock = getattr(connection, "sock", None)
        if sock is None:
            return False
        with contextlib.suppress(OSError):  # already closed by its own thread
            sock.shutdown(socket.SHUT_RDWR)
        return True


# A connection idle for longer is not reused but opened again. Servers and load balancers close
# idle keep-alive connections (uvicorn after 5 s, many balancers after 60 s); a request sent on one
# just as the server closes it is lost with no answer ("Remote end closed connection"), and sending
# it again is unsafe for a create. A new connection after a wait costs one handshake.
IDLE_REUSE_SECONDS = 2.0
_IDLE_SINCE = "_cbr_idle_since"


class _Tracking:
    in_use: ConnectionsInUse  # the session's, set on the pool classes its adapter makes

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        idle_since = getattr(connection, _IDLE_SINCE, None)
        if idle_since is not None and time.monotonic() - idle_since > IDLE_REUSE_SECONDS:
            connection.close()  # urllib3 connects it again when the request is sent
        self.in_use.hold(connection)
        return connection

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            setattr(conn, _IDLE_SINCE, time.monotonic())
        super()._put_conn(conn)  # type: ignore[misc]


class _TrackingHTTPPool(_Tracking, HTTPConnectionPool):
    pass


class _TrackingHTTPSPool(_Tracking, HTTPSConnectionPool):
    pass


class _TrackingAdapter(HTTPAdapter):
    def __init__(self, in_use: ConnectionsInUse) -> None:
        self.in_use = in_use
        # urllib3 makes a pool from its class and the request's keywords: the classes carry the record
        self.pools: dict[str, type[HTTPConnectionPool]] = {
            "http": type("TrackedHTTPPool", (_TrackingHTTPPool,), {"in_use": in_use}),
            "https": type("TrackedHTTPSPool", (_TrackingHTTPSPool,), {"in_use": in_use}),
        }
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # an HTTP(S) proxy; SOCKS pools stay as they are
            manager.pool_classes_by_scheme = self.pools
        return manager


def track(session: requests.Session) -> ConnectionsInUse:
    """Have the session's connections tracked, direct or through an HTTP proxy (through a SOCKS
    proxy they are not: a transfer cut off there ends at the proxy's next read instead); the record
    its transfers are cut with (the same for a session tracked already)."""
    mounted = session.adapters.get("http://")
    in_use = mounted.in_use if isinstance(mounted, _TrackingAdapter) else ConnectionsInUse()
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), _TrackingAdapter):
            session.mount(prefix, _TrackingAdapter(in_use))
    return in_use


@dataclass
class Transfer:
    """One HTTP exchange on a helper thread, so that a deadline bounds all of it."""

    session: requests.Session
    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    body: bytes | None = field(repr=False)
    timeout: float
    # the session's record of its connections (`track`); a session not tracked is cut on its response
    in_use: ConnectionsInUse = field(default_factory=ConnectionsInUse, repr=False)
    response: requests.Response | None = None
    received: bytearray = field(default_factory=bytearray, repr=False)
    oversized: bool = False
    error: str | None = None
    abandoned: bool = False
    done: threading.Event = field(default_factory=threading.Event, repr=False)
    thread_id: int | None = None

    def run(self) -> bool:
        """Perform the exchange; False if it did not finish within the timeout (it is then cut off)."""
        worker = threading.Thread(target=self._work, name="cbr-client-transfer", daemon=True)
        worker.start()
        if self.done.wait(self.timeout):
            return True
        self.abandoned = True
        # Shut the socket under the worker, whether it waits on the headers or on the body.
        if not (self.thread_id is not None and self.in_use.cut(self.thread_id)) and self.response is not None:
            with contextlib.suppress(Exception):  # best effort: the worker ends at its next read anyway
                self.response.raw.shutdown()
        return False

    def _work(self) -> None:
        self.thread_id = threading.get_ident()
        try:
            response = self.session.request(
                self.method,
                self.url,
                headers=self.headers,
                data=self.body,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            self.response = response
            with response:
                for chunk in response.iter_content(_CHUNK_BYTES):
                    if self.abandoned:
                        return
                    room = MAX_RESPONSE_BYTES - len(self.received)
                    if len(chunk) > room:
                        self.received += chunk[:room]
                        self.oversized = True
                        return  # leaving the `with` drops the connection with the rest unread
                    self.received += chunk
        except requests.Timeout:
            # requests' own timeout of one socket read: under load it can fire just before the
            # exchange's deadline does, and it is the same event
            self.error = f"no complete response within {self.timeout:g} s"
        except requests.RequestException as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # reported, rather than lost on a helper thread
            self.error = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            self.in_use.release(threading.get_ident())
            self.done.set()


def decode(body: bytes | bytearray, headers: Mapping[str, str]) -> str:
    """The body as text: the charset the headers give, else UTF-8 (as JSON is); never raises."""
    encoding = get_encoding_from_headers(headers) or "utf-8"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
