"""Authentication as the API gateway does it: an IAM token or an AK/SK signature.

The AK/SK check is written from the signing algorithm of huaweicloudsdkcore (``SDK-HMAC-SHA256``),
not by calling it, so that the two implementations check each other:

    canonical request = METHOD \\n canonical URI (each segment re-encoded, trailing slash)
                        \\n sorted, encoded query \\n "name:value" per signed header \\n
                        \\n signed header names joined by ";" \\n hex SHA-256 of the body
    string to sign    = "SDK-HMAC-SHA256" \\n X-Sdk-Date \\n hex SHA-256 of the canonical request
    signature         = hex HMAC-SHA256(SK, string to sign)

Messages never echo the token or the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, unquote

from cbr_emulator import errors
from cbr_emulator.clock import real_utc_now
from cbr_emulator.defaults import ProjectCredentials

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class IncomingRequest:
    """What the signature covers, as received (path and query still percent-encoded)."""

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


class Authenticator:
    def __init__(self, credentials: Sequence[ProjectCredentials], clock_skew_seconds: int = 900) -> None:
        self._token_projects = {t: c.project_id for c in credentials for t in c.tokens}
        self._access_keys = {k.ak: (k.sk, c.project_id) for c in credentials for k in c.access_keys}
        self._skew = timedelta(seconds=clock_skew_seconds)

    def authenticate(self, request: IncomingRequest, path_project_id: str) -> str:
        """Return the caller's project, or raise 401 APIGW.0301 / 403 APIGW.0302."""
        token = request.header("X-Auth-Token")
        if token is not None:
            project_id = self._token_projects.get(token.strip())
            if project_id is None:
                raise errors.unauthenticated("the token is invalid or has expired.")
        else:
            authorization = request.header("Authorization")
            if authorization is None:
                raise errors.unauthenticated("neither X-Auth-Token nor an AK/SK signature was provided.")
            project_id = self._verify_signature(request, authorization)
        if project_id != path_project_id:
            raise errors.forbidden()
        return project_id

    def _verify_signature(self, request: IncomingRequest, authorization: str) -> str:
        match = _AUTHORIZATION.match(authorization.strip())
        if match is None:
            raise errors.unauthenticated("the Authorization header is malformed.")
        known = self._access_keys.get(match["access"])
        if known is None:
            raise errors.unauthenticated("the access key does not exist.")
        secret_key, project_id = known
        sdk_date = request.header("X-Sdk-Date")
        if sdk_date is None:
            raise errors.unauthenticated("the X-Sdk-Date header is missing.")
        try:
            signed_at = datetime.strptime(sdk_date.strip(), DATE_FORMAT)
        except ValueError:
            raise errors.unauthenticated("the X-Sdk-Date header is malformed.") from None
        if abs(real_utc_now() - signed_at) > self._skew:
            raise errors.unauthenticated("the request time is outside the allowed window.")
        signed_headers = match["headers"].lower().split(";")
        canonical = canonical_request(request, signed_headers)
        if canonical is None:
            raise errors.unauthenticated("a signed header is missing from the request.")
        expected = sign(secret_key, sdk_date.strip(), canonical)
        if not hmac.compare_digest(expected, match["signature"].lower()):
            raise errors.unauthenticated("verify aksk signature fail.")
        return project_id


def canonical_uri(raw_path: str) -> str:
    segments = [quote(segment, safe="~") for segment in unquote(raw_path).split("/")]
    path = "/".join(segments)
    return path if path.endswith("/") else path + "/"


def canonical_query(raw_query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&") if raw_query else []:
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    pairs.sort()
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)


def canonical_request(request: IncomingRequest, signed_headers: Sequence[str]) -> str | None:
    lines = []
    for name in signed_headers:
        value = request.header(name)
        if value is None:
            return None
        lines.append(f"{name}:{value.strip()}")
    content_hash = request.header("X-Sdk-Content-Sha256")
    if not request.body:
        body_hash = EMPTY_BODY_HASH
    elif content_hash is not None:
        body_hash = content_hash.strip()  # e.g. UNSIGNED-PAYLOAD, as the SDK does
    else:
        body_hash = hashlib.sha256(request.body).hexdigest()
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.raw_path),
            canonical_query(request.raw_query),
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            body_hash,
        ]
    )


def sign(secret_key: str, sdk_date: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{sdk_date}\n{digest}"
    return hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
