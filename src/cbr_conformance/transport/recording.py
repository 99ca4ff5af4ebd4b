"""Recorded HTTP exchanges, with secrets redacted before anything is stored or shown.

Every request the suite sends is kept as an `Exchange` for the report: the request, the response,
the contract violations found, and a curl command that reproduces it without its credentials.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

# Headers whose values are credentials; never written anywhere.
SECRET_HEADERS = frozenset({"x-auth-token", "authorization", "x-security-token", "cookie", "x-subject-token"})
REDACTED = "***"
# Bodies longer than this are cut in records and reports (a hostile target may send megabytes).
MAX_RECORDED_BODY = 64 * 1024


class Redactor:
    """Removes known secret values (tokens, AK/SK) from any text and header map."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            name: REDACTED if name.lower() in SECRET_HEADERS else self.text(value)
            for name, value in headers.items()
        }


@dataclass(frozen=True)
class Violation:
    """One broken rule of the contract, found in one exchange."""

    rule: str
    operation_id: str
    path: str
    message: str
    schema: str = ""  # the spec's component schema at fault, e.g. #/components/schemas/BackupResp
    reference: str = ""  # the reference's tables that schema transcribes, e.g. "4.5.2 Table 4-161"

    def __str__(self) -> str:
        cited = f" (reference: {self.reference})" if self.reference else ""
        return f"{self.operation_id}: [{self.rule}] at {self.path}: {self.message}{cited}"


@dataclass
class Exchange:
    """One request and its response (or the transport error instead of a response)."""

    operation_id: str | None
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_text: str = ""
    elapsed: float = 0.0
    error: str | None = None
    violations: list[Violation] = field(default_factory=list)
    request_errors: list[str] = field(default_factory=list)  # what the spec forbids in the request
    deliberately_invalid: bool = False  # the test meant to send a request the spec forbids

    @property
    def content_type(self) -> str:
        for name, value in self.response_headers.items():
            if name.lower() == "content-type":
                return value
        return ""

    def json(self) -> Any:
        """The response body as JSON; raises ValueError if it is not JSON."""
        return json.loads(self.response_text)

    def curl(self) -> str:
        """A shell command reproducing the request; credentials become placeholders."""
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers.items():
            if name.lower() in ("host", "content-length"):
                continue
            shown = f"<{name}>" if name.lower() in SECRET_HEADERS or value == REDACTED else value
            parts += ["-H", f"{name}: {shown}"]
        if self.request_body:
            parts += ["--data-binary", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(part) for part in parts)

    def summary(self) -> str:
        outcome = f"HTTP {self.status}" if self.status is not None else f"no response ({self.error})"
        return f"{self.method} {self.url} -> {outcome}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": self.operation_id,
            "method": self.method,
            "url": self.url,
            "request_headers": self.request_headers,
            "request_body": self.request_body,
            "status": self.status,
            "response_headers": self.response_headers,
            "response_body": self.response_text,
            "elapsed": round(self.elapsed, 4),
            "error": self.error,
            "violations": [vars(v) for v in self.violations],
            "request_errors": self.request_errors,
            "curl": self.curl(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        """The exchange `to_dict` wrote (for one that crossed to another process)."""
        return cls(
            data["operation_id"],
            data["method"],
            data["url"],
            dict(data["request_headers"]),
            data["request_body"],
            data["status"],
            dict(data["response_headers"]),
            data["response_body"],
            data["elapsed"],
            data["error"],
            [Violation(**v) for v in data["violations"]],
            list(data["request_errors"]),
        )


def clip(text: str) -> str:
    if len(text) <= MAX_RECORDED_BODY:
        return text
    return text[:MAX_RECORDED_BODY] + f"... [{len(text) - MAX_RECORDED_BODY} more characters not recorded]"
