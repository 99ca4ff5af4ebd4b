"""Compact facts of recorded exchanges: what each one exercised of the contract.

A run sends thousands of exchanges; coverage needs only a few facts of each (the operation, the
status, the error code of an error body, which parameters were sent with a valid or an invalid
value, which enum values went out and came back, which link it followed). `FactFinder` reads them
from an `Exchange`, as recorded, so that anything that sees exchanges (the suite's clients, a
proxy in front of a target) can feed the same coverage (results/exercised.py). Facts of one operation
merge into one `ExchangeFacts`: a test's facts travel to the controller deduplicated.

Facts of exchanges whose course depends on the target's timing or the run's order (a poll of an
asynchronous state, a cleanup that waits for one, a vault refused for a resource another test
still holds, the state machine's path, a fuzz test out of time) are kept apart, `timed`: what only they
showed may come and go between two runs of the same seed, and the coverage says which it is.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.request_check import body_errors, parameter_errors
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.surface import ITEM, Link, Surface, dotted, enum_text, surfaces
from cbr_conformance.transport.recording import Exchange

# Values remembered per link parameter, to tell a later request that used one: the newest win.
LINK_MEMORY = 256


@dataclass
class ExchangeFacts:
    """What exchanges of one operation showed. Sets merge; the JSON form lists each sorted."""

    operation: str
    statuses: set[int] = field(default_factory=set)
    error_codes: set[str] = field(default_factory=set)
    valid: set[str] = field(default_factory=set)  # parameters sent with a value the spec allows
    invalid: set[str] = field(default_factory=set)  # ... with a value breaking its own rule
    sent: set[str] = field(default_factory=set)  # "query.status=available": enum values sent
    seen: set[str] = field(default_factory=set)  # "vault.billing.status=available": answered
    links: set[str] = field(default_factory=set)  # ids of the links this operation was reached by
    timed: bool = False  # shown by an exchange whose course depends on the target's timing

    def merge(self, other: ExchangeFacts) -> None:
        for name in _SETS:
            getattr(self, name).update(getattr(other, name))

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"operation": self.operation}
        if self.timed:
            shown["timed"] = True
        for name in _SETS:
            if getattr(self, name):
                shown[name] = sorted(getattr(self, name))
        return shown

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExchangeFacts:
        facts = cls(str(data["operation"]), timed=data.get("timed") is True)
        for name in _SETS:
            getattr(facts, name).update(data.get(name, ()))
        return facts


_SETS = tuple(f.name for f in fields(ExchangeFacts) if f.name not in ("operation", "timed"))


class FactSheet:
    """Facts merged by operation: what a test (or a whole run) exercised; those of exchanges that
    depend on the target's timing apart (`timed`)."""

    def __init__(self) -> None:
        self.by_operation: dict[str, ExchangeFacts] = {}
        self.timed: dict[str, ExchangeFacts] = {}

    def add(self, facts: ExchangeFacts | None) -> None:
        if facts is None:
            return
        kept = self.timed if facts.timed else self.by_operation
        mine = kept.get(facts.operation)
        if mine is None:
            kept[facts.operation] = mine = ExchangeFacts(facts.operation, timed=facts.timed)
        mine.merge(facts)

    def extend(self, many: Iterable[ExchangeFacts]) -> None:
        for facts in many:
            self.add(facts)

    def __bool__(self) -> bool:
        return bool(self.by_operation or self.timed)

    def drain(self, timed: bool = False) -> list[dict[str, Any]]:
        """The facts as JSON, emptying the sheet; with `timed`, every one of them is (the whole
        course of a test depended on the target's timing)."""
        shown = [
            {**facts.to_json(), **({"timed": True} if timed else {})}
            for kept in (self.by_operation, self.timed)
            for _, facts in sorted(kept.items())
        ]
        self.by_operation.clear()
        self.timed.clear()
        return shown

    def facts(self) -> list[ExchangeFacts]:
        return [*self.by_operation.values(), *self.timed.values()]

    def merged(self) -> dict[str, ExchangeFacts]:
        """Every operation's facts, timed or not, merged."""
        merged = {operation: ExchangeFacts(operation) for operation in [*self.by_operation, *self.timed]}
        for kept in (self.by_operation, self.timed):
            for operation, facts in kept.items():
                merged[operation].merge(facts)
        return merged


def _values_at(document: Any) -> dict[str, list[Any]]:
    """Every value of a (small) JSON document by its dotted location, arrays as `[]`; containers
    included, the root at ""."""
    found: dict[str, list[Any]] = {}
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        location, value = stack.pop()
        found.setdefault(location, []).append(value)
        if isinstance(value, dict):
            stack += [(f"{location}.{key}" if location else str(key), sub) for key, sub in value.items()]
        elif isinstance(value, list):
            stack += [(location + ITEM, sub) for sub in value]
    return found


def _tokens(location: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\[\]|[^.\[\]]+", location))


def _pick(document: Any, tokens: tuple[str, ...]) -> list[Any]:
    """The values at one location of a JSON document (an answer may list a thousand items: only
    the branches on the way are visited)."""
    values = [document]
    for token in tokens:
        if token == ITEM:
            values = [item for value in values if isinstance(value, list) for item in value]
        else:
            values = [value[token] for value in values if isinstance(value, dict) and token in value]
    return values


def _route(template: str) -> re.Pattern[str]:
    """A path template as a pattern matching the end of a URL's path (a gateway prefix before it)."""
    pattern = re.sub(r"\\\{([A-Za-z_][A-Za-z0-9_]*)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern + "$")


class _LinkMemory:
    """The values link sources answered, by (link, target parameter); the newest are kept."""

    def __init__(self, size: int = LINK_MEMORY) -> None:
        self.size = size
        self.values: dict[tuple[str, str], OrderedDict[str, None]] = {}

    def remember(self, link: Link, parameter: str, values: Iterable[Any]) -> None:
        kept = self.values.setdefault((link.id, parameter), OrderedDict())
        for value in values:
            if isinstance(value, str | int) and not isinstance(value, bool):
                kept[str(value)] = None
                kept.move_to_end(str(value))
        while len(kept) > self.size:
            kept.popitem(last=False)

    def holds(self, link: Link, parameter: str, value: str | None) -> bool:
        return value is not None and value in self.values.get((link.id, parameter), {})


class FactFinder:
    """Reads the facts of exchanges of one contract. Keep one per target and process: it remembers
    what link sources answered, so that a later request built from an answer counts as the link
    followed, whichever test sends it."""

    def __init__(self, contract: Contract, catalogue: Catalogue | None = None) -> None:
        self.contract = contract
        self.surfaces = surfaces(contract, catalogue)
        self.routes = sorted(
            ((op.operation_id, op.method, _route(op.path)) for op in contract),
            key=lambda route: -len(route[2].pattern),  # /vaults/{id}/addresources before /vaults/{id}
        )
        self.links_to: dict[str, list[Link]] = {}
        for surface in self.surfaces.values():
            for link in surface.links:
                self.links_to.setdefault(link.target, []).append(link)
        self.memory = _LinkMemory()
        self.answer_tokens = {
            location: _tokens(location) for s in self.surfaces.values() for location in s.response_enums
        }
        self.answer_tokens.update(
            {
                where[1]: _tokens(where[1])
                for s in self.surfaces.values()
                for link in s.links
                for _, where in link.fills
            }
        )

    def operation_of(self, method: str, url: str) -> str | None:
        """The operation a request names, by method and path (for exchanges recorded without one)."""
        path = urlsplit(url).path
        for operation_id, route_method, pattern in self.routes:
            if route_method == method.upper() and pattern.search(path):
                return operation_id
        return None

    def facts(self, exchange: Exchange) -> ExchangeFacts | None:
        """The facts of one exchange; None for one of no documented operation."""
        operation_id = exchange.operation_id or self.operation_of(exchange.method, exchange.url)
        surface = self.surfaces.get(operation_id or "")
        if surface is None:
            return None
        facts = ExchangeFacts(surface.operation_id)
        operation = self.contract.operations[surface.operation_id]
        parts = urlsplit(exchange.url)
        found = _route(operation.path).search(parts.path)
        path = {name: unquote(value) for name, value in (found.groupdict() if found else {}).items()}
        query = parse_qsl(parts.query, keep_blank_values=True)
        given = self._parameters(surface, facts, path, query)
        if exchange.request_body:
            self._body(surface, facts, exchange.request_body)
        answer = _json(exchange.response_text) if exchange.status is not None else _ABSENT
        if exchange.status is not None:
            facts.statuses.add(exchange.status)
            code = answer.get("error_code") if isinstance(answer, dict) else None
            if exchange.status >= 400 and isinstance(code, str):
                facts.error_codes.add(code)
            if answer is not _ABSENT and exchange.status < 400:
                self._seen(surface, facts, answer)
        for link in self.links_to.get(surface.operation_id, []):
            # A link that fills nothing of its own is followed by any call after an answer of its source.
            fills = link.fills or ((_ANSWERED, ("", "")),)
            if all(self.memory.holds(link, target, given.get(target, _ANSWERED)) for target, _ in fills):
                facts.links.add(link.id)
        if exchange.status is not None:
            self._remember(surface, exchange.status, path, query, answer)
        return facts

    def _parameters(
        self, surface: Surface, facts: ExchangeFacts, path: dict[str, str], query: list[tuple[str, str]]
    ) -> dict[str, str]:
        """Judge each path and query parameter sent; return the values sent, by parameter."""
        given: dict[str, str] = {}
        for parameter in surface.parameters.values():
            if parameter.definition is None:
                continue
            where, name = parameter.name.split(".", 1)
            values = [path[name]] if where == "path" and name in path else []
            if where == "query":
                values = [value for key, value in query if key == name]
            if not values:
                continue
            given[parameter.name] = values[0]
            errors = parameter_errors(self.contract, parameter.definition, values)
            (facts.invalid if errors else facts.valid).add(parameter.name)
            allowed = surface.request_enums.get(parameter.name, ())
            facts.sent.update(f"{parameter.name}={v}" for v in values if v in allowed)
        return given

    def _body(self, surface: Surface, facts: ExchangeFacts, text: str) -> None:
        errors = body_errors(self.contract, surface.operation_id, text)
        if errors is None:
            return  # not JSON, or the operation takes no body: no parameter of it was sent
        body = json.loads(text)
        broken: set[str] = set()  # every location at or above an error
        for error in errors:
            tokens = tuple(ITEM if isinstance(p, int) else str(p) for p in error.path)
            for end in range(len(tokens), 0, -1):
                broken.add("body." + dotted(tokens[:end]))
            # The deepest documented parameter at or above the error is the one sent invalid.
            while tokens and "body." + dotted(tokens) not in surface.parameters:
                tokens = tokens[:-1]
            if tokens:
                facts.invalid.add("body." + dotted(tokens))
        for location, values in _values_at(body).items():
            name = "body." + location
            if location and name in surface.parameters and name not in broken:
                facts.valid.add(name)
            allowed = surface.request_enums.get(name)
            if allowed:
                facts.sent.update(f"{name}={enum_text(v)}" for v in values if _member(v, allowed))

    def _seen(self, surface: Surface, facts: ExchangeFacts, answer: Any) -> None:
        for location, allowed in surface.response_enums.items():
            values = _pick(answer, self.answer_tokens[location])
            facts.seen.update(f"{location}={enum_text(v)}" for v in values if _member(v, allowed))

    def _remember(
        self, surface: Surface, status: int, path: dict[str, str], query: list[tuple[str, str]], answer: Any
    ) -> None:
        for link in surface.links:
            if link.status != status:
                continue
            if not link.fills:
                self.memory.remember(link, _ANSWERED, [_ANSWERED])
            for target, (where, name) in link.fills:
                if where == "response":
                    self.memory.remember(link, target, _pick(answer, self.answer_tokens[name]))
                elif where == "path":
                    self.memory.remember(link, target, [path[name]] if name in path else [])
                else:
                    self.memory.remember(link, target, [v for k, v in query if k == name])


_ABSENT: Any = object()
_ANSWERED = "answered"  # the key and value that say a link's source answered


def _json(text: str | None) -> Any:
    if not text:
        return _ABSENT
    try:
        return json.loads(text)
    except ValueError:
        return _ABSENT


def _member(value: Any, allowed: tuple[str, ...]) -> bool:
    return not isinstance(value, dict | list) and value is not None and enum_text(value) in allowed
