"""Forwarding one request to the target unchanged, and passing its answer on as it arrives.

The request goes out with the client's own headers (the Host header included) and its body byte
for byte, on the path and query exactly as the client sent them: an AK/SK signature covers all
of these, so any change would break it. Only the hop-by-hop headers, which concern the
connection to the proxy and not the request (RFC 9110, 7.6.1), and Expect (the proxy has read
the body already) are left out.

As in the suite's client, one deadline bounds the whole exchange (a target sending one byte at a
time cannot hold a client for ever), and at most MAX_RESPONSE_BYTES of a body are kept for the
checks; the client still receives all of it, chunk by chunk, as the target sends it.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx

from cbr_conformance.transport.transfer import MAX_RESPONSE_BYTES

RawHeaders = Sequence[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        # The proxy has read the whole body before forwarding: there is nothing left to wait for.
        b"expect",
    }
)


class Unreachable(Exception):
    """The target gave no answer in time (504), or none at all (502); the message says which."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


def end_to_end(headers: RawHeaders) -> list[tuple[bytes, bytes]]:
    """The headers that belong to the message, not to one connection: all but the hop-by-hop
    ones and those the Connection header names."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP | named]


@dataclass
class Body:
    """What the proxy kept of an answer's body while passing it on."""

    kept: bytearray = field(default_factory=bytearray, repr=False)
    cut: bool = False  # longer than MAX_RESPONSE_BYTES: the rest went to the client unkept
    error: str | None = None  # the transfer broke off before its end

    def keep(self, chunk: bytes) -> None:
        room = MAX_RESPONSE_BYTES - len(self.kept)
        if len(chunk) > room:
            self.cut = True
        self.kept += chunk[: max(room, 0)]


def decoded(raw: bytes, content_encoding: str) -> bytes | None:
    """The body under its Content-Encoding (forwarded as it came), or None when the encoding is
    one the checks cannot read."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            return zlib.decompress(raw, wbits=47)  # a gzip or a zlib header, whichever is there
        except zlib.error:
            try:
                return zlib.decompress(raw, wbits=-15)  # "deflate" sent without its zlib header
            except zlib.error:
                return None
    return None


class Upstream:
    """The target the proxy forwards to, over one pool of connections."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = httpx.URL(base_url)
        self.timeout = timeout
        # No default headers, redirects or retries of its own: the proxy adds nothing to a request.
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False)

    def url(self, raw_path: bytes, query: bytes) -> httpx.URL:
        """The target's URL (with a gateway's path prefix, if it has one) for the path as sent."""
        target = self.base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        return self.base.copy_with(raw_path=target)

    async def open(
        self, method: str, url: httpx.URL, headers: RawHeaders, body: bytes, deadline: float
    ) -> httpx.Response:
        """Send the request and wait for the answer's head; its body is read by `relay`."""
        # httpx.Request, not client.build_request: the client's default headers stay out of it.
        request = httpx.Request(method, url, headers=end_to_end(headers), content=body or None)
        try:
            async with asyncio.timeout_at(deadline):
                return await self.client.send(request, stream=True)
        except TimeoutError:
            raise Unreachable(f"no response within {self.timeout:g} s", 504) from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from None

    async def relay(self, response: httpx.Response, deadline: float, body: Body) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive, raw (a compressed body stays so), keeping a copy."""
        chunks = response.aiter_raw()
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                body.error = f"no complete response within {self.timeout:g} s"
                raise Unreachable(body.error, 504) from None
            except httpx.HTTPError as exc:
                body.error = f"{type(exc).__name__}: {exc}"
                raise Unreachable(body.error) from None
            body.keep(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.client.aclose()


def response_headers(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    """The answer's headers to pass on: the body is passed on as it came, so its Content-Length
    and Content-Encoding stay true."""
    return end_to_end(response.headers.raw)
