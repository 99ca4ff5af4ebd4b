"""Which connection each transfer thread is using, so that a transfer cut off at its deadline can
have its socket shut under it: the blocked read returns at once and the helper thread ends,
instead of waiting for as long as a dripping target keeps sending.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_IN_USE: dict[int, Any] = {}  # helper thread id -> the urllib3 connection it holds
_LOCK = threading.Lock()


class _Tracking:
    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        with _LOCK:
            _IN_USE[threading.get_ident()] = connection
        return connection


class _TrackingHTTPPool(_Tracking, HTTPConnectionPool):
    pass


class _TrackingHTTPSPool(_Tracking, HTTPSConnectionPool):
    pass


class _TrackingAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackingHTTPPool, "https": _TrackingHTTPSPool}


def track(session: requests.Session) -> None:
    """Have the session's direct connections tracked (through a proxy they are not: a transfer
    cut off there ends at the proxy's next read instead)."""
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), _TrackingAdapter):
            session.mount(prefix, _TrackingAdapter())


def release(thread_id: int) -> None:
    with _LOCK:
        _IN_USE.pop(thread_id, None)


def cut(thread_id: int) -> bool:
    """Shut the socket the thread is using; False when it holds none."""
    with _LOCK:
        connection = _IN_USE.get(thread_id)
    sock = getattr(connection, "sock", None)
    if sock is None:
        return False
    with contextlib.suppress(OSError):  # already closed by its own thread
        sock.shutdown(socket.SHUT_RDWR)
    return True
