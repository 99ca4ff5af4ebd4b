"""Credentials applied to outgoing requests: an IAM token, or AK/SK signing.

AK/SK requests are signed by the official SDK's signer (huaweicloudsdkcore), so the suite signs
exactly as real clients do.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Protocol
from urllib.parse import urlsplit


class Auth(Protocol):
    def apply(
        self, method: str, url: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None
    ) -> str:
        """Add credentials to `headers`; return the path-and-query to send."""
        ...

    def secrets(self) -> list[str]:
        """Values that must never be written anywhere."""
        ...


def _path_and_query(url: str, query: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    path = urlsplit(url).path
    return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class TokenAuth:
    token: str

    def apply(
        self, method: str, url: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None
    ) -> str:
        headers["X-Auth-Token"] = self.token
        return _path_and_query(url, query)

    def secrets(self) -> list[str]:
        return [self.token]

    def __repr__(self) -> str:
        return "TokenAuth(token=***)"


@dataclass(frozen=True)
class AkSkAuth:
    ak: str
    sk: str

    def apply(
        self, method: str, url: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None
    ) -> str:
        from huaweicloudsdkcore.sdk_request import SdkRequest
        from huaweicloudsdkcore.signer.signer import Signer

        parts = urlsplit(url)
        request = SdkRequest(
            method=method,
            schema=parts.scheme,
            host=parts.netloc,
            resource_path=parts.path,
            query_params=list(query),
            header_params=headers,
            body=body or b"",
        )
        Signer(SimpleNamespace(ak=self.ak, sk=self.sk)).sign(request)
        return str(request.uri)

    def secrets(self) -> list[str]:
        return [self.sk, self.ak]

    def __repr__(self) -> str:
        return f"AkSkAuth(ak={self.ak[:4]}***, sk=***)"


@dataclass(frozen=True)
class NoAuth:
    """Sends no credentials (for the negative authentication tests)."""

    def apply(
        self, method: str, url: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None
    ) -> str:
        return _path_and_query(url, query)

    def secrets(self) -> list[str]:
        return []
