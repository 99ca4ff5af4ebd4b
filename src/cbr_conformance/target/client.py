"""The one HTTP client of the suite: builds requests from operation ids, signs them, records them,
and checks every response against the contract before a test sees it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import requests

from cbr_conformance.contract.checks import ALL_CHECKS, Check, CheckContext, response_violations
from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.contract.spec import Contract
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.settings.registry import ProjectAccess
from cbr_conformance.target.made import Made, births
from cbr_conformance.target.workspace import Workspace
from cbr_conformance.transport.auth import Auth
from cbr_conformance.transport.recording import REDACTED, SECRET_HEADERS, Exchange, Redactor, clip
from cbr_conformance.transport.transfer import MAX_RESPONSE_BYTES, TargetUnreachable, Transfer, decode, track

if TYPE_CHECKING:
    from cbr_conformance.postconditions.checking import PostConditions

__all__ = [
    "CBRClient",
    "ContractViolation",
    "OptInRequired",
    "ReadOnlyRefusal",
    "Response",
    "TargetUnreachable",
]

_UNSET: Any = object()
QueryValue = str | int | float | bool | Sequence[str]


class ReadOnlyRefusal(AssertionError):
    """A read-only run was asked to send something other than GET: refused before sending."""


class OptInRequired(RuntimeError):
    """The request would overwrite a resource or bill beyond the run's budget, and the user has not
    opted in: it is not sent, and the test asking for it skips (see the plugin's guard), saying
    which setting allows it."""


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
    # The whole body (redacted); the exchange records at most MAX_RECORDED_BODY characters of it.
    text: str | None = None

    @property
    def status(self) -> int:
        assert self.exchange.status is not None
        return self.exchange.status

    def json(self) -> Any:
        """The body as JSON (the whole body, not the recorded clip); raises ValueError if it is not."""
        return json.loads(self.text) if self.text is not None else self.exchange.json()

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
        read_only: bool = False,
        on_made: Callable[[Made, CBRClient], None] | None = None,
        allow_restore: bool = False,
        max_vault_size: int | None = None,
        workspace: Workspace | None = None,
        postconditions: PostConditions | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.read_only = read_only
        self.on_made = on_made
        self.allow_restore = allow_restore
        self.max_vault_size = max_vault_size
        self.workspace = workspace or Workspace()  # the run's, in this process: waits and stalls
        # What a checked 2xx implies about later reads is read back (postconditions/checking.py).
        self.postconditions = postconditions
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
        self.in_use = track(self.session)  # its connections by helper thread, to cut a hung transfer

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
            read_only=self.read_only,
            on_made=self.on_made,
            allow_restore=self.allow_restore,
            max_vault_size=self.max_vault_size,
            workspace=self.workspace,
            postconditions=self.postconditions,
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
        invalid: bool = False,
    ) -> Response:
        """Send the operation's request; check the response against the contract.

        A broken contract raises ContractViolation unless `check` is False (the violations are
        still recorded on the exchange). What makes the request one the spec does not allow is
        recorded too; `invalid` says that is deliberate.
        """
        __tracebackhide__ = True  # a violation is reported from the test's call, not from in here
        operation = self.context.contract.operations[operation_id]
        self.check_opt_ins(operation_id, json_body)
        url = self.url_for(operation_id, path)
        pairs = query_pairs(query or {})
        body: bytes | None = raw_body
        request_headers = _Headers({"Accept": "application/json"})
        if json_body is not _UNSET:
            body = json.dumps(json_body).encode()
        if body is not None:
            request_headers["Content-Type"] = "application/json;charset=UTF-8"
        request_headers.update(headers or {})
        path_and_query = (auth or self.auth).apply(operation.method, url, pairs, request_headers, body)
        # The path sent carries the base URL's own path (a gateway's prefix) already.
        full_url = _origin(self.base_url) + path_and_query
        problems = request_errors(
            self.context.contract, operation_id, {"project_id": self.project_id, **(path or {})}, pairs, body
        )
        # Post-conditions follow the contract's checks: not for an answer the caller judges itself,
        # nor for a request the spec does not allow.
        hook = self.postconditions if check and not invalid and not problems else None
        before = hook.before(self, operation_id, path or {}, json_body) if hook is not None else None
        exchange, text = self._send(
            operation_id, operation.method, full_url, request_headers, body, problems, invalid
        )
        response = Response(exchange, text)
        if self.on_made is not None and 200 <= (exchange.status or 0) < 300:
            # Registered before the answer is judged: a create with a broken body is still deleted.
            for made in births(operation_id, path or {}, response, self.project_id):
                self.on_made(made, self)
        if check and exchange.violations:
            raise ContractViolation(exchange)
        if hook is not None and 200 <= response.status < 300:
            hook.after(self, operation_id, path or {}, json_body, response, before)
        return response

    def check_opt_ins(self, operation_id: str, json_body: Any) -> None:
        """Destructive and billable requests reach a target only with the user's consent."""
        if operation_id == "restore_backup" and not self.allow_restore:
            raise OptInRequired(
                "a restore overwrites the server or disk restored onto: needs --allow-restore "
                '(CBR_ALLOW_RESTORE) and inventory resources marked "restore_target": true'
            )
        size = vault_size(operation_id, json_body)
        if size is not None and self.max_vault_size is not None and size > self.max_vault_size:
            raise OptInRequired(
                f"a vault of {size} GB is over the run's budget of {self.max_vault_size} GB "
                "(--max-vault-size, CBR_MAX_VAULT_SIZE)"
            )

    def _send(
        self,
        operation_id: str | None,
        method: str,
        url: str,
        headers: _Headers,
        body: bytes | None,
        problems: list[str] | None = None,
        invalid: bool = False,
    ) -> tuple[Exchange, str]:
        """Send one request; return its recorded exchange and the whole (redacted) response body.

        A read-only client sends GET requests only, whatever it is asked: the guarantee lives
        here, under every test, fixture, fuzzer and cleanup.

        The whole exchange (connecting, sending, the headers and the body) must fit in `timeout`:
        requests' own timeout bounds each socket read only, which a target sending one byte at a
        time never triggers, so the transfer runs on a helper thread and is abandoned at the deadline.
        """
        if self.read_only and method.upper() != "GET":
            raise ReadOnlyRefusal(f"read-only run: refused to send {method} {self.redactor.text(url)}")
        exchange = Exchange(
            operation_id=operation_id,
            method=method,
            url=self.redactor.text(url),
            request_headers=self.redactor.headers(headers),
            request_body=self.redactor.text(clip(body.decode(errors="replace"))) if body else None,
            request_errors=[self.redactor.text(problem) for problem in problems or []],
            deliberately_invalid=invalid,
        )
        transfer = Transfer(self.session, method, url, dict(headers), body, self.timeout, self.in_use)
        started = time.perf_counter()
        finished = transfer.run()
        exchange.elapsed = time.perf_counter() - started
        response = transfer.response
        if not finished:
            got = f" after HTTP {response.status_code} and {len(transfer.received)} bytes" if response else ""
            transfer.error = f"no complete response within {self.timeout:g} s{got}"
        if transfer.error is not None or response is None:
            exchange.error = self.redactor.text(transfer.error or "no response")
            self._record(exchange)
            # No chained exception: the frames inside requests hold the request's credentials.
            raise TargetUnreachable(exchange.summary()) from None
        text = self.redactor.text(decode(transfer.received, response.headers))
        exchange.status = response.status_code
        exchange.response_headers = self.redactor.headers(dict(response.headers))
        exchange.response_text = text
        exchange.violations = response_violations(
            self.context, exchange, self.checks, cut_at=MAX_RESPONSE_BYTES if transfer.oversized else None
        )
        # Checks and tests see the whole body; records and reports keep a clip of it.
        exchange.response_text = clip(text)
        self._record(exchange)
        return exchange, text

    def _record(self, exchange: Exchange) -> None:
        if self.on_exchange is not None:
            self.on_exchange(exchange)


class _Headers(dict[str, str]):
    """Request headers, credentials included: their repr (in a traceback, with pytest's -l...)
    shows credential headers as ***.
    """

    def __repr__(self) -> str:
        return repr({k: REDACTED if k.lower() in SECRET_HEADERS else v for k, v in self.items()})


def query_pairs(query: Mapping[str, QueryValue | None]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((name, text))
    return pairs


def vault_size(operation_id: str, json_body: Any) -> int | None:
    """The size a create_vault or update_vault body asks for, if it asks for one."""
    if operation_id not in ("create_vault", "update_vault") or not isinstance(json_body, dict):
        return None
    vault = json_body.get("vault")
    billing = vault.get("billing") if isinstance(vault, dict) else None
    size = billing.get("size") if isinstance(billing, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def client_for(
    config: SuiteConfig,
    contract: Contract,
    *,
    timeout: float | None = None,
    access: ProjectAccess | None = None,
) -> CBRClient:
    """A client of the configured target and project (or `access`'s), outside a pytest run."""
    from cbr_conformance.contract.catalogue import Catalogue

    access = access or config.primary()
    assert config.target_url is not None
    return CBRClient(
        config.target_url,
        access.project_id,
        access.auth,
        CheckContext(contract, Catalogue.of(contract)),
        timeout=timeout or config.request_timeout,
        redactor=Redactor(config.secrets()),
        read_only=config.read_only,
        allow_restore=config.allow_restore,
        max_vault_size=config.max_vault_size,
    )
