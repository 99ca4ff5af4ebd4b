"""The one HTTP client of the suite: builds requests from operation ids, signs them, records them,
and checks every response against the contract before a test sees it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from cbr_conformance.auth import Auth
from cbr_conformance.checks import ALL_CHECKS, Check, CheckContext, run_checks
from cbr_conformance.recording import Exchange, Redactor, Violation, clip

_UNSET: Any = object()
QueryValue = str | int | float | bool | Sequence[str]


class TargetUnreachable(RuntimeError):
    """The target did not answer (connection refused, timeout, TLS failure...)."""


class ContractViolation(AssertionError):
    """A response broke the contract; the message lists every rule broken and the request."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        lines = [f"the response breaks the contract: {exchange.summary()}"]
        lines += [f"  - {violation}" for violation in exchange.violations]
        lines.append(f"  reproduce: {exchange.curl()}")
        super().__init__("\n".join(lines))


@dataclass
class Response:
    exchange: Exchange

    @property
    def status(self) -> int:
        assert self.exchange.status is not None
        return self.exchange.status

    def json(self) -> Any:
        return self.exchange.json()

    @property
    def error_code(self) -> str | None:
        try:
            body = self.json()
        except ValueError:
            return None
        return body.get("error_code") if isinstance(body, dict) else None

    def __repr__(self) -> str:
        return f"Response({self.exchange.summary()})"


class CBRClient:
    """A client bound to one target, one project and one set of credentials."""

    def __init__(
        self,
        base_url: str,
        project_id: str,
        auth: Auth,
        context: CheckContext,
        *,
        timeout: float = 30.0,
        redactor: Redactor | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        checks: Sequence[Check] = ALL_CHECKS,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.project_id = project_id
        self.auth = auth
        self.context = context
        self.timeout = timeout
        self.redactor = redactor or Redactor()
        for secret in auth.secrets():
            self.redactor.add(secret)
        self.on_exchange = on_exchange
        self.checks = checks
        self.session = session or requests.Session()

    def with_auth(self, auth: Auth, project_id: str | None = None) -> CBRClient:
        """The same target and recorder with other credentials (and perhaps another project)."""
        return CBRClient(
            self.base_url,
            project_id or self.project_id,
            auth,
            self.context,
            timeout=self.timeout,
            redactor=self.redactor,
            on_exchange=self.on_exchange,
            checks=self.checks,
            session=self.session,
        )

    def url_for(self, operation_id: str, path: Mapping[str, str] | None = None) -> str:
        template = self.context.contract.operations[operation_id].path
        values = {"project_id": self.project_id, **(path or {})}
        for name, value in values.items():
            template = template.replace("{" + name + "}", quote(str(value), safe=""))
        return self.base_url + template

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue | None] | None = None,
        json_body: Any = _UNSET,
        raw_body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth | None = None,
        check: bool = True,
    ) -> Response:
        """Send the operation's request; check the response against the contract.

        A broken contract raises ContractViolation unless `check` is False (the violations are
        still recorded on the exchange).
        """
        operation = self.context.contract.operations[operation_id]
        url = self.url_for(operation_id, path)
        pairs = _query_pairs(query or {})
        body: bytes | None = raw_body
        request_headers = {"Accept": "application/json"}
        if json_body is not _UNSET:
            body = json.dumps(json_body).encode()
        if body is not None:
            request_headers["Content-Type"] = "application/json;charset=UTF-8"
        request_headers.update(headers or {})
        path_and_query = (auth or self.auth).apply(operation.method, url, pairs, request_headers, body)
        full_url = self.base_url + path_and_query
        exchange = self._send(operation_id, operation.method, full_url, request_headers, body)
        if check and exchange.violations:
            raise ContractViolation(exchange)
        return Response(exchange)

    def _send(
        self, operation_id: str | None, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> Exchange:
        exchange = Exchange(
            operation_id=operation_id,
            method=method,
            url=self.redactor.text(url),
            request_headers=self.redactor.headers(headers),
            request_body=self.redactor.text(clip(body.decode(errors="replace"))) if body else None,
        )
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, url, headers=headers, data=body, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            exchange.elapsed = time.perf_counter() - started
            exchange.error = self.redactor.text(f"{type(exc).__name__}: {exc}")
            self._record(exchange)
            raise TargetUnreachable(f"{exchange.summary()}") from exc
        exchange.elapsed = time.perf_counter() - started
        exchange.status = response.status_code
        exchange.response_headers = self.redactor.headers(dict(response.headers))
        exchange.response_text = self.redactor.text(clip(response.text))
        exchange.violations = _dedupe(run_checks(self.context, exchange, self.checks))
        self._record(exchange)
        return exchange

    def _record(self, exchange: Exchange) -> None:
        if self.on_exchange is not None:
            self.on_exchange(exchange)


def _query_pairs(query: Mapping[str, QueryValue | None]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((name, text))
    return pairs


def _dedupe(violations: list[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))
