"""Behaviours a mutating proxy gives a correct CBR target: each breaks what the service *does*
behind answers that stay valid against the contract (status, Content-Type, schema, catalogued
error code), or changes only what a client must not care about (the benign ones).

A behaviour sees each exchange through `on_request` (before the target) and `on_answer` (before
the caller), with the operation the request names (`Call`). State lives in the behaviour, one
per run; the proxy's threads share it under its lock. `fired` counts the exchanges it changed
(or the side effects it had on the target), so that a mutant shown never to fire is known dead.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from tests.shared_target.mutating_proxy import Exchange

_ID = r"(?P<{}>[^/?]+)"
# (method, path after /v3/{project_id}, operation); the operations a mutant works on
_ROUTES = tuple(
    (method, re.compile(r"^/v3/(?P<project>[^/]+)" + path.format(*(_ID.format(n) for n in names)) + "$"), op)
    for method, path, names, op in (
        ("GET", "/vaults", (), "list_vaults"),
        ("POST", "/vaults", (), "create_vault"),
        ("GET", "/vaults/{}", ("vault",), "show_vault"),
        ("PUT", "/vaults/{}", ("vault",), "update_vault"),
        ("DELETE", "/vaults/{}", ("vault",), "delete_vault"),
        ("POST", "/vaults/{}/addresources", ("vault",), "add_vault_resources"),
        ("POST", "/vaults/{}/removeresources", ("vault",), "remove_vault_resources"),
        ("POST", "/vaults/{}/associatepolicy", ("vault",), "associate_vault_policy"),
        ("POST", "/vaults/{}/dissociatepolicy", ("vault",), "dissociate_vault_policy"),
        ("GET", "/backups", (), "list_backups"),
        ("GET", "/backups/{}", ("backup",), "show_backup"),
        ("DELETE", "/backups/{}", ("backup",), "delete_backup"),
        ("POST", "/backups/{}/restore", ("backup",), "restore_backup"),
        ("GET", "/backups/{}/members", ("backup",), "list_share_members"),
        ("POST", "/backups/{}/members", ("backup",), "add_share_members"),
        ("GET", "/backups/{}/members/{}", ("backup", "member"), "show_share_member"),
        ("PUT", "/backups/{}/members/{}", ("backup", "member"), "update_share_member_status"),
        ("DELETE", "/backups/{}/members/{}", ("backup", "member"), "delete_share_member"),
        ("POST", "/checkpoints", (), "create_checkpoint"),
        ("GET", "/checkpoints/{}", ("checkpoint",), "show_checkpoint"),
        ("GET", "/policies", (), "list_policies"),
        ("POST", "/policies", (), "create_policy"),
        ("GET", "/policies/{}", ("policy",), "show_policy"),
        ("PUT", "/policies/{}", ("policy",), "update_policy"),
        ("DELETE", "/policies/{}", ("policy",), "delete_policy"),
    )
)


@dataclass(frozen=True)
class Call:
    """What a request asks: its operation, the ids in its path, its query."""

    operation: str
    ids: dict[str, str]
    query: dict[str, str]
    path: str  # without the query

    @property
    def key(self) -> str:
        """The resource the path names (a member: its backup and project)."""
        return "/".join(self.ids[name] for name in ("backup", "member") if name in self.ids) or next(
            iter(self.ids.values()), ""
        )


def route(method: str, path: str) -> Call | None:
    bare, _, query = path.partition("?")
    for verb, pattern, operation in _ROUTES:
        found = pattern.match(bare) if verb == method else None
        if found:
            ids = {k: v for k, v in found.groupdict().items() if k != "project"}
            return Call(operation, ids, dict(parse_qsl(query, keep_blank_values=True)), bare)
    return None


@dataclass(frozen=True)
class Resource:
    """Where a kind of resource is read: its show and list operations and their envelopes."""

    show: str
    listing: str | None
    single: str
    plural: str | None

    def key(self, item: dict[str, Any]) -> str:
        if self.single == "member":
            return f"{item.get('backup_id')}/{item.get('dest_project_id')}"
        return str(item.get("id"))


VAULT = Resource("show_vault", "list_vaults", "vault", "vaults")
POLICY = Resource("show_policy", "list_policies", "policy", "policies")
BACKUP = Resource("show_backup", "list_backups", "backup", "backups")
MEMBER = Resource("show_share_member", "list_share_members", "member", "members")
CHECKPOINT = Resource("show_checkpoint", None, "checkpoint", None)
RESOURCES = (VAULT, POLICY, BACKUP, MEMBER, CHECKPOINT)
PAGING = ("limit", "offset", "marker", "sort", "dec")
# What a lost update sets back, of what it changed
_KEPT = MappingProxyType(
    {"vault": ("name", "billing", "auto_bind", "smn_notify", "threshold"), "policy": ("name", "enabled")}
)


def body_of(exchange: Exchange) -> Any:
    try:
        return json.loads(exchange.answer) if exchange.answer else None
    except ValueError:
        return None


def sent_json(exchange: Exchange) -> dict[str, Any]:
    """The request's JSON object; empty when it is none (fuzzing sends bodies of every kind)."""
    try:
        body = json.loads(exchange.body) if exchange.body else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def set_body(exchange: Exchange, body: Any) -> None:
    exchange.answer = json.dumps(body).encode()


def read_items(resource: Resource, call: Call, body: Any, where: frozenset[str]) -> list[dict[str, Any]]:
    """The items of `resource` a 200 answer to a read carries (in place: changing them changes
    the body); none if the call is not one of its reads in `where` ("show", "list")."""
    if not isinstance(body, dict):
        return []
    if call.operation == resource.show and "show" in where and isinstance(body.get(resource.single), dict):
        return [body[resource.single]]
    if call.operation == resource.listing and "list" in where and resource.plural:
        return [item for item in body.get(resource.plural) or [] if isinstance(item, dict)]
    return []


BOTH = frozenset({"show", "list"})
SHOW = frozenset({"show"})
LIST = frozenset({"list"})


def get_path(item: dict[str, Any], dotted: str) -> Any:
    node: Any = item
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def set_path(item: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node: Any = item
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and last in node:
        node[last] = value


def other_id(value: str) -> str:
    """Another id of the same form: a UUID for a UUID, 32 hex digits for a project id."""
    made = uuid.uuid5(uuid.NAMESPACE_URL, f"drift:{value}")
    return made.hex if re.fullmatch(r"[0-9a-f]{32}", value) else str(made)


def later_time(value: str, hours: float = 8) -> str:
    """The same moment's form `hours` later: a time zone's offset lost, say."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    shifted = (moment + timedelta(hours=hours)).isoformat(
        timespec="microseconds" if "." in value else "seconds"
    )
    return shifted.replace("+00:00", "Z") if value.endswith("Z") else shifted


class Behaviour:
    """What the proxy does to each exchange; the base changes nothing."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.lock = threading.RLock()
        self.fired = 0
        self.errors: list[str] = []  # the behaviour's own failures (it then changed nothing)
        self.calls: dict[int, Call | None] = {}  # the exchanges in flight, by id

    # --- the proxy's hooks ----------------------------------------------------------------------

    def on_request(self, exchange: Exchange) -> None:
        call = route(exchange.method, exchange.path)
        before = (exchange.method, exchange.path, exchange.body)
        with self.lock:
            self.calls[id(exchange)] = call
        try:
            self.request(call, exchange)
        except Exception as exc:  # the mutant's own bug: the exchange goes on unchanged
            exchange.method, exchange.path, exchange.body = before
            self.failed(exc)
        if (exchange.method, exchange.path, exchange.body) != before:
            self.fire()

    def on_answer(self, exchange: Exchange) -> None:
        with self.lock:
            call = self.calls.pop(id(exchange), None)
        before = (exchange.status, exchange.answer, list(exchange.headers.items()))
        try:
            self.answer(call, exchange)
        except Exception as exc:  # the mutant's own bug: the answer goes back unchanged
            exchange.status, exchange.answer, exchange.headers = before[0], before[1], dict(before[2])
            self.failed(exc)
        if (exchange.status, exchange.answer, list(exchange.headers.items())) != before:
            self.fire()

    # --- what a behaviour overrides -------------------------------------------------------------

    def request(self, call: Call | None, exchange: Exchange) -> None:
        pass

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        pass

    # --- helpers --------------------------------------------------------------------------------

    def failed(self, exc: Exception) -> None:
        with self.lock:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def fire(self) -> None:
        with self.lock:
            self.fired += 1

    def send(self, method: str, path: str, exchange: Exchange, body: Any = None) -> requests.Response:
        """A call of the target's own, with the caller's credentials (a token)."""
        headers = {k: v for k, v in exchange.request_headers.items() if k.lower() != "host"}
        data = json.dumps(body).encode() if body is not None else None
        return requests.request(method, self.upstream + path, headers=headers, data=data, timeout=30)


# --- behaviour-breaking -------------------------------------------------------------------------


class FirstSeen(Behaviour):
    """A read-through cache: each item's `fields` (all of it: None) as first read, in every later
    read of `where`; the first read of an item fills the cache."""

    def __init__(
        self, upstream: str, resource: Resource, where: frozenset[str], fields: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(upstream)
        self.resource, self.where, self.fields = resource, where, fields
        self.cache: dict[str, dict[str, Any]] = {}

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or exchange.status != 200:
            return
        body = body_of(exchange)
        items = read_items(self.resource, call, body, self.where)
        with self.lock:
            for item in items:
                first = self.cache.setdefault(self.resource.key(item), json.loads(json.dumps(item)))
                if self.fields is None:
                    item.clear()
                    item.update(json.loads(json.dumps(first)))
                else:
                    for name in self.fields:
                        set_path(item, name, get_path(first, name))
        if items:
            set_body(exchange, body)


class Drift(Behaviour):
    """A field that reads differently: in every read of `where` (`later`: from an item's second
    read on), `field` becomes `change(value)`."""

    def __init__(
        self,
        upstream: str,
        resource: Resource,
        where: frozenset[str],
        field: str,
        change: Any,
        *,
        later: bool = False,
    ) -> None:
        super().__init__(upstream)
        self.resource, self.where, self.field, self.change, self.later = resource, where, field, change, later
        self.reads: dict[str, int] = {}

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or exchange.status != 200:
            return
        body = body_of(exchange)
        items = read_items(self.resource, call, body, self.where)
        with self.lock:
            for item in items:
                key = self.resource.key(item)
                self.reads[key] = self.reads.get(key, 0) + 1
                value = get_path(item, self.field)
                if value is not None and (not self.later or self.reads[key] > 1):
                    set_path(item, self.field, self.change(value))
        if items:
            set_body(exchange, body)


class LostWrite(Behaviour):
    """An update answered with its new values, then lost: the second read of the resource after
    it (show or list) finds the old values again, the target having been set back to them."""

    def __init__(self, upstream: str, resource: Resource, update: str) -> None:
        super().__init__(upstream)
        self.resource, self.update = resource, update
        self.old: dict[str, tuple[dict[str, Any], str, Exchange]] = {}  # before the update
        self.pending: dict[str, int] = {}  # reads since an update, by key

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is None:
            return
        if call.operation == self.update:
            shown = self.send("GET", call.path, exchange)
            sent = sent_json(exchange).get(self.resource.single)
            if shown.status_code == 200 and isinstance(sent, dict):
                old = shown.json()[self.resource.single]
                kept = {k: old[k] for k in _KEPT[self.resource.single] if k in sent and k in old}
                if "billing" in kept:
                    kept["billing"] = {"size": old["billing"]["size"]}
                with self.lock:
                    self.old[call.key] = (kept, call.path, exchange)
            return
        if call.operation not in (self.resource.show, self.resource.listing):
            return
        with self.lock:
            due = []
            for key in list(self.pending):
                if call.operation == self.resource.listing or key == call.key:
                    self.pending[key] += 1
                    if self.pending[key] >= 2:
                        due.append((key, self.old.pop(key, None)))
                        del self.pending[key]
        for _key, old in due:
            if old is not None:
                kept, path, update = old
                self.send("PUT", path, update, {self.resource.single: kept})
                self.fire()

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == self.update and exchange.status == 200:
            with self.lock:
                if call.key in self.old:
                    self.pending[call.key] = 0


class MemberStatusNotApplied(Behaviour):
    """update_share_member_status answers the status asked for and changes nothing."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.asked: dict[int, dict[str, Any]] = {}  # by exchange in flight

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == "update_share_member_status":
            with self.lock:
                self.asked[id(exchange)] = sent_json(exchange)
            exchange.method, exchange.body = "GET", b""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        with self.lock:
            asked = self.asked.pop(id(exchange), None)
        if asked is None or exchange.status != 200:
            return
        body = body_of(exchange)
        member = body["member"]
        member["status"] = asked.get("status", member["status"])
        if asked.get("vault_id"):
            member["vault_id"] = asked["vault_id"]
        set_body(exchange, body)


class Ghosts(Behaviour):
    """Deleted, yet still listed: each item of `resource` deleted with a 2xx stays in the lists
    (as last read) that its filters would still select; `where` also keeps shows answering it."""

    def __init__(self, upstream: str, resource: Resource, delete: str, *, shown: bool = False) -> None:
        super().__init__(upstream)
        self.resource, self.delete, self.shown = resource, delete, shown
        self.last: dict[str, dict[str, Any]] = {}
        self.ghosts: dict[str, dict[str, Any]] = {}

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None:
            return
        if call.operation == self.delete and 200 <= exchange.status < 300:
            with self.lock:
                if call.key in self.last:
                    self.ghosts[call.key] = self.last[call.key]
            return
        if exchange.status != 200:
            return
        body = body_of(exchange)
        items = read_items(self.resource, call, body, BOTH)
        with self.lock:
            for item in items:
                self.last[self.resource.key(item)] = json.loads(json.dumps(item))
            if call.operation != self.resource.listing or self.resource.plural is None:
                return
            page = body[self.resource.plural]
            limit = int(call.query.get("limit") or 1000) if call.query.get("limit", "1").isdigit() else 1000
            present = {self.resource.key(item) for item in page}
            extra = [
                ghost
                for key, ghost in self.ghosts.items()
                if key not in present and self._selected(call, ghost) and len(page) < limit
            ][: max(0, limit - len(page))]
        if extra:
            page.extend(extra)
            if isinstance(body.get("count"), int):
                body["count"] += len(extra)
            set_body(exchange, body)

    def _selected(self, call: Call, ghost: dict[str, Any]) -> bool:
        if self.resource is MEMBER and ghost.get("backup_id") != call.ids.get("backup"):
            return False
        filters = {k: v for k, v in call.query.items() if k not in PAGING}
        return all(str(ghost.get(k)) == v for k, v in filters.items())


class KeptInPolicy(Behaviour):
    """A policy's associated vaults keep every vault once associated with it, after `after`
    (dissociate_vault_policy or delete_vault) took it away."""

    def __init__(self, upstream: str, after: str) -> None:
        super().__init__(upstream)
        self.after = after
        self.seen: dict[str, set[str]] = {}  # policy -> vaults read in it
        self.gone: set[str] = set()  # vaults taken away

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None:
            return
        if call.operation == self.after and 200 <= exchange.status < 300:
            with self.lock:
                self.gone.add(call.ids["vault"])
            return
        if exchange.status != 200:
            return
        body = body_of(exchange)
        items = read_items(POLICY, call, body, BOTH)
        changed = False
        with self.lock:
            for policy in items:
                vaults = policy.get("associated_vaults") or []
                held = {v.get("vault_id") for v in vaults}
                seen = self.seen.setdefault(policy["id"], set())
                seen |= {v for v in held if isinstance(v, str)}
                for vault in sorted((seen & self.gone) - held):
                    vaults.append({"vault_id": vault, "destination_vault_id": None})
                    changed = True
                if changed and not policy.get("associated_vaults"):  # null or [], a new list
                    policy["associated_vaults"] = vaults
        if changed:
            set_body(exchange, body)


class RemovedResourceStays(Behaviour):
    """remove_vault_resources answers 200, and the removed resources stay in the vault's reads."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.last: dict[str, dict[str, dict[str, Any]]] = {}  # vault -> resource id -> entry
        self.removed: dict[str, set[str]] = {}

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == "remove_vault_resources":
            asked = sent_json(exchange).get("resource_ids")
            asked = asked if isinstance(asked, list) else []
            with self.lock:
                self.removed.setdefault(call.ids["vault"], set()).update(str(r) for r in asked)

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or exchange.status != 200:
            return
        body = body_of(exchange)
        changed = False
        with self.lock:
            for vault in read_items(VAULT, call, body, BOTH):
                held = {r["id"]: r for r in vault.get("resources") or []}
                last = self.last.setdefault(vault["id"], {})
                last.update(json.loads(json.dumps(held)))
                for resource in sorted(self.removed.get(vault["id"], set()) - set(held)):
                    if resource in last:
                        vault["resources"].append(last[resource])
                        changed = True
        if changed:
            set_body(exchange, body)


class DeletionIgnored(Behaviour):
    """`operation` (a DELETE) answers 204 and deletes nothing: the target is only read."""

    def __init__(self, upstream: str, operation: str) -> None:
        super().__init__(upstream)
        self.operation = operation

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == self.operation:
            exchange.method = "GET"

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == self.operation and exchange.status == 200:
            exchange.status, exchange.answer = 204, b""
            exchange.headers = {k: v for k, v in exchange.headers.items() if k.lower() != "content-type"}


class NotFoundAs(Behaviour):
    """Every 404 of `operation` answered with another catalogued status and code."""

    def __init__(self, upstream: str, operation: str, status: int, code: str, message: str) -> None:
        super().__init__(upstream)
        self.operation, self.status, self.code, self.message = operation, status, code, message

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == self.operation and exchange.status == 404:
            exchange.status = self.status
            set_body(exchange, {"error_code": self.code, "error_msg": self.message})


class QueryChanged(Behaviour):
    """A list operation's query changed before the target sees it: `drop` a filter, or move
    `offset` by `shift` (a page that repeats or skips an item at its boundary)."""

    def __init__(self, upstream: str, operation: str, *, drop: str | None = None, shift: int = 0) -> None:
        super().__init__(upstream)
        self.operation, self.drop, self.shift = operation, drop, shift

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or call.operation != self.operation:
            return
        query = dict(call.query)
        if self.drop is not None:
            query.pop(self.drop, None)
        offset = query.get("offset", "")
        if self.shift and offset.isdigit() and int(offset) > 0:
            query["offset"] = str(max(0, int(offset) + self.shift))
        if query != call.query:
            exchange.path = call.path + ("?" + urlencode(query) if query else "")


class CountIsPageLength(Behaviour):
    """A list's `count` is the length of the page, not the number of items that match."""

    def __init__(self, upstream: str, resource: Resource) -> None:
        super().__init__(upstream)
        self.resource = resource

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or call.operation != self.resource.listing or exchange.status != 200:
            return
        body = body_of(exchange)
        if isinstance(body, dict) and isinstance(body.get("count"), int) and self.resource.plural:
            body["count"] = len(body.get(self.resource.plural) or [])
            set_body(exchange, body)


class SharedHidden(Behaviour):
    """list_backups asked for backups shared with the project (own_type shared or private with
    a member status) answers none."""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or call.operation != "list_backups" or exchange.status != 200:
            return
        if call.query.get("own_type") in ("shared", "all_granted") or "member_status" in call.query:
            body = body_of(exchange)
            if body.get("backups"):
                body["backups"], body["count"] = [], 0
                set_body(exchange, body)


class RestoreNeverEnds(Behaviour):
    """A backup restored from reads `restoring` ever after, in shows and lists."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.restored: set[str] = set()

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or exchange.status >= 300:
            return
        if call.operation == "restore_backup":
            with self.lock:
                self.restored.add(call.ids["backup"])
            return
        body = body_of(exchange)
        items = [i for i in read_items(BACKUP, call, body, BOTH) if i["id"] in self.restored]
        for item in items:
            item["status"] = "restoring"
        if items:
            set_body(exchange, body)


# --- benign -------------------------------------------------------------------------------------


class Latency(Behaviour):
    """Each answer held 20-80 ms."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.random = random.Random(0)

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        with self.lock:
            pause = self.random.uniform(0.02, 0.08)
        time.sleep(pause)
        self.fire()


class Gzip(Behaviour):
    """Each body compressed (Content-Encoding: gzip) when the request accepts it."""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        accepted = next(
            (v for k, v in exchange.request_headers.items() if k.lower() == "accept-encoding"), ""
        )
        if exchange.answer and "gzip" in accepted:
            exchange.answer = gzip.compress(exchange.answer)
            exchange.headers["Content-Encoding"] = "gzip"


class Charset(Behaviour):
    """JSON announced as `application/json;charset=UTF-8`."""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        for name, value in list(exchange.headers.items()):
            if name.lower() == "content-type" and value.split(";")[0].strip() == "application/json":
                exchange.headers[name] = "application/json;charset=UTF-8"


class HeaderOrder(Behaviour):
    """The answer's headers in the reverse order, their names in lower case."""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        exchange.headers = {k.lower(): v for k, v in reversed(list(exchange.headers.items()))}


class ExtraFields(Behaviour):
    """A field the contract does not name in a 2xx body's envelope and in each resource it
    carries, as a new release of the service would add (no schema of the contract sets
    additionalProperties)."""

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        body = body_of(exchange) if 200 <= exchange.status < 300 else None
        if not isinstance(body, dict):
            return
        for value in body.values():
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    item["x_region_hint"] = "emu-1"
        body["x_request_cost"] = 1
        set_body(exchange, body)
