"""Behaviours that break what a CBR service does on its own as time passes (its scheduler, its
retention) or what a restore keeps, behind answers that stay valid against the contract.

A proxy cannot make a service fire late or delete early; it shows clients what such a service
would show. Two means, each kept consistent across every read of the thing changed:
- a policy's field run otherwise than asked (`Redefined`): the target gets the changed value and
  runs it, while every answer about the policy (its create, update, show and list) carries the
  value asked, and the backups it makes show the expiry asked;
- backups seen otherwise (`BackupReads.seen`): hidden from show_backup (404 BackupService.6200)
  and from list_backups, or changed in both, list_backups' pages and count made again over the
  backups as shown, so that paging, counting and filtering stay consistent with the shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.shared_target.mutant_behaviours import (
    BACKUP,
    BOTH,
    POLICY,
    Behaviour,
    Call,
    body_of,
    get_path,
    later_time,
    other_id,
    read_items,
    sent_json,
    set_body,
    set_path,
)
from tests.shared_target.mutating_proxy import Exchange

_PAGE = 1000  # list_backups' largest limit (4.5.2)
_NOT_FOUND = {"error_code": "BackupService.6200", "error_msg": "The backup does not exist."}


def automatic(backup: dict[str, Any]) -> bool:
    """A backup a policy made (4.5.2, Table 4-165: extend_info.auto_trigger)."""
    return (backup.get("extend_info") or {}).get("auto_trigger") is True


class Lookup:
    """The target's own reads a behaviour needs while it answers one exchange, each made once."""

    def __init__(self, behaviour: Behaviour, call: Call, exchange: Exchange) -> None:
        self.behaviour, self.exchange = behaviour, exchange
        self.prefix = "/".join(call.path.split("/")[:3])  # /v3/{project_id}
        self.cache: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        """The body of a 200 to GET `path` (under the project), None for any other answer."""
        if path not in self.cache:
            answer = self.behaviour.send("GET", self.prefix + path, self.exchange)
            self.cache[path] = answer.json() if answer.status_code == 200 else None
        return self.cache[path]

    def vault_backups(self, vault_id: str) -> list[dict[str, Any]]:
        listed = self.get("/backups?" + urlencode({"vault_id": vault_id, "limit": _PAGE}))
        return list(listed["backups"]) if listed else []

    def vault_resources(self, vault_id: str) -> list[str]:
        shown = self.get(f"/vaults/{vault_id}")
        return [r["id"] for r in shown["vault"].get("resources") or []] if shown else []


class BackupReads(Behaviour):
    """Backups shown as `seen` says, in show_backup, list_backups and delete_backup alike."""

    refiltered: tuple[str, ...] = ()  # fields `seen` changes: their filters apply to what it shows

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.vault_policies: dict[str, list[str]] = {}  # vault -> policies applied to it, last last
        self.hidden_deletes: set[int] = set()  # deletions of hidden backups in flight

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        """The backup as clients see it (a copy, changed or not), or None: hidden."""
        return backup

    def active(self) -> bool:
        """Whether `seen` may change anything yet (until then lists are passed on as they are)."""
        return bool(self.vault_policies)

    def request(self, call: Call | None, exchange: Exchange) -> None:
        if call is None or call.operation != "delete_backup" or not self.active():
            return
        shown = self.send("GET", call.path, exchange)
        if (
            shown.status_code == 200
            and self.seen(shown.json()["backup"], Lookup(self, call, exchange)) is None
        ):
            with self.lock:
                self.hidden_deletes.add(id(exchange))
            exchange.method = "GET"

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is None:
            return
        with self.lock:
            hidden_delete = id(exchange) in self.hidden_deletes
            self.hidden_deletes.discard(id(exchange))
        if hidden_delete:
            exchange.status = 404
            set_body(exchange, _NOT_FOUND)
            return
        if call.operation == "associate_vault_policy" and exchange.status == 200:
            policy = sent_json(exchange).get("policy_id")
            with self.lock:
                self.vault_policies.setdefault(call.ids["vault"], []).append(str(policy))
        if exchange.status != 200 or not self.active():
            return
        if call.operation == BACKUP.show:
            body = body_of(exchange)
            shown = self.seen(json.loads(json.dumps(body["backup"])), Lookup(self, call, exchange))
            if shown is None:
                exchange.status = 404
                set_body(exchange, _NOT_FOUND)
            elif shown != body["backup"]:
                set_body(exchange, {**body, "backup": shown})
        elif call.operation == BACKUP.listing:
            self._listed_again(call, exchange)

    def _listed_again(self, call: Call, exchange: Exchange) -> None:
        """The page asked for, made again over every backup the query selects, as shown."""
        body = body_of(exchange)
        lookup = Lookup(self, call, exchange)
        # the query as sent: a filter may be given more than once (status=available&status=error)
        pairs = parse_qsl(exchange.path.partition("?")[2], keep_blank_values=True)
        query = [(k, v) for k, v in pairs if k not in ("limit", "offset", "marker", *self.refiltered)]
        wanted: dict[str, set[str]] = {}
        for name, value in pairs:
            if name in self.refiltered:
                wanted.setdefault(name, set()).add(value)
        marker, after_marker = call.query.get("marker"), 0
        shown: list[dict[str, Any]] = []
        for backup in self._every(lookup, query):
            seen = self.seen(json.loads(json.dumps(backup)), lookup)
            if seen is not None and all(str(get_path(seen, k)) in v for k, v in wanted.items()):
                shown.append(seen)
            if backup.get("id") == marker:
                after_marker = len(shown)
        start = after_marker + int(body.get("offset") or 0)
        page = shown[start : start + int(body.get("limit") or _PAGE)]
        if page != body["backups"] or body.get("count") != len(shown):
            set_body(exchange, {**body, "backups": page, "count": len(shown)})

    def _every(self, lookup: Lookup, query: list[tuple[str, str]]) -> list[dict[str, Any]]:
        every: list[dict[str, Any]] = []
        while True:
            page = [("limit", str(_PAGE)), ("offset", str(len(every)))]
            listed = lookup.get("/backups?" + urlencode(query + page))
            if listed is None:
                raise RuntimeError(f"list_backups {query} failed on the target itself")
            every += listed["backups"]
            if len(listed["backups"]) < _PAGE:
                return every


# --- the scheduler --------------------------------------------------------------------------------


class Redefined(BackupReads):
    """A policy whose `field` the service runs as `run(asked)`, while every answer about the policy
    carries the value asked (absent from a create: `default`); for retention_duration_days, the
    backups the policy makes also show the expiry asked (created_at plus the days asked)."""

    def __init__(self, upstream: str, field: str, run: Callable[[Any], Any], default: Any = None) -> None:
        super().__init__(upstream)
        self.field, self.run, self.default = field, run, default
        self.policies: dict[str, tuple[Any, Any]] = {}  # policy -> (value run, value asked)
        self.writes: dict[int, tuple[Any, Any]] = {}  # create and update in flight

    def request(self, call: Call | None, exchange: Exchange) -> None:
        super().request(call, exchange)
        if call is None or call.operation not in ("create_policy", "update_policy"):
            return
        body = sent_json(exchange)
        policy = body.get("policy")
        if not isinstance(policy, dict):
            return
        asked = get_path(policy, self.field)
        if asked is None and call.operation == "create_policy":
            asked = self.default
        if asked is None:
            return
        ran = self.run(asked)
        with self.lock:
            self.writes[id(exchange)] = (ran, asked)
        if ran == asked:
            return
        *parents, last = self.field.split(".")
        node = policy
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = ran
        exchange.body = json.dumps(body).encode()

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        with self.lock:
            written = self.writes.pop(id(exchange), None)
        super().answer(call, exchange)
        if call is None or exchange.status != 200:
            return
        body = body_of(exchange)
        if not isinstance(body, dict):
            return
        if written is not None and isinstance(body.get("policy"), dict):
            with self.lock:  # a write run as asked leaves nothing to translate back
                if written[0] == written[1]:
                    self.policies.pop(body["policy"]["id"], None)
                else:
                    self.policies[body["policy"]["id"]] = written
        policies = read_items(POLICY, call, body, BOTH)
        if call.operation in ("create_policy", "update_policy"):
            policies = [body["policy"]]
        changed = False
        for policy in policies:
            ran, asked = self.policies.get(str(policy.get("id")), (None, None))
            if ran is not None and get_path(policy, self.field) == ran:
                set_path(policy, self.field, asked)
                changed = True
        checkpoint = body.get("checkpoint") if call.operation == "show_checkpoint" else None
        if isinstance(checkpoint, dict) and self._expiring():
            info = checkpoint.get("extra_info") or {}
            asked = self._asked(str(get_path(checkpoint, "vault.id")), info.get("retention_duration"))
            if asked is not None:
                info["retention_duration"] = asked
                changed = True
        if changed:
            set_body(exchange, body)

    def _expiring(self) -> bool:
        return self.field.endswith("retention_duration_days")

    def active(self) -> bool:
        # only retention by days changes what backups show; KeepsOldest hides some too
        return self._expiring() and bool(self.policies) and super().active()

    def _asked(self, vault_id: str, ran: Any) -> Any:
        """What was asked of the policies applied to the vault, where they ran `ran` instead."""
        with self.lock:
            for policy in reversed(self.vault_policies.get(vault_id, [])):
                if policy in self.policies and self.policies[policy][0] == ran:
                    return self.policies[policy][1]
        return None

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        if not self._expiring() or not automatic(backup):
            return backup
        expired, created = backup.get("expired_at"), str(backup.get("created_at"))
        lived = None if expired is None else _days_between(created, str(expired))
        asked = self._asked(str(backup.get("vault_id")), -1 if expired is None else lived)
        if isinstance(asked, int) and asked > 0:
            backup["expired_at"] = later_time(created, hours=24 * asked)
        return backup


def _days_between(start: str, end: str) -> int | None:
    try:
        lived = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(
            start.replace("Z", "+00:00")
        )
    except ValueError:
        return None
    return lived.days if lived.seconds == 0 and lived.microseconds == 0 else None


def _limit(asked: Any) -> bool:
    """A valid limit of a retention rule (4.6.1, Table 4-176: 1 to 99999): only a request the
    target would take is changed, so that what it refuses stays refused."""
    return isinstance(asked, int) and not isinstance(asked, bool) and 1 <= asked <= 99999


def unlimited(asked: Any) -> Any:
    """A retention rule turned off (-1)."""
    return -1 if _limit(asked) else asked


def one_less(asked: Any) -> Any:
    """A retention rule that keeps one less than asked (where one can be kept)."""
    return asked - 1 if _limit(asked) and asked > 1 else asked


def disabled(asked: Any) -> Any:
    """A policy enabled (true) run as disabled; any other value passed on as sent."""
    return False if asked is True else asked


class KeepsOldest(Redefined):
    """Retention by max_backups N that removes the newest: per resource of a vault, only the N
    oldest of the policy's backups are seen (the service having removed the others)."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream, "operation_definition.max_backups", unlimited)

    def active(self) -> bool:
        return bool(self.policies) and bool(self.vault_policies)

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        vault = str(backup.get("vault_id"))
        keep = self._asked(vault, -1)
        if not automatic(backup) or not isinstance(keep, int):
            return backup
        mine = sorted(
            (
                b
                for b in lookup.vault_backups(vault)
                if automatic(b) and b["resource_id"] == backup["resource_id"]
            ),
            key=lambda b: (str(b["created_at"]), str(b["id"])),
        )
        return backup if backup["id"] in {b["id"] for b in mine[:keep]} else None


class ForeignResource(BackupReads):
    """The scheduler backs up a resource the vault does not hold: each backup a policy made names
    another resource (one no vault holds) in show_backup and list_backups alike."""

    refiltered = ("resource_id",)

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        if automatic(backup):
            backup["resource_id"] = other_id(str(backup["resource_id"]))
        return backup


class FirstResourceOnly(BackupReads):
    """The scheduler backs up only the first resource of a vault that holds several: the policy's
    backups of the others are never seen."""

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        held = lookup.vault_resources(str(backup.get("vault_id"))) if automatic(backup) else []
        return None if len(held) > 1 and backup.get("resource_id") != held[0] else backup


# --- restores ---------------------------------------------------------------------------------------


class Restored(BackupReads):
    """A backup restored from is lost (`moved` None: no longer found, in shows and lists) or, with
    `moved`, shown ever after in another vault."""

    def __init__(self, upstream: str, *, moved: bool = False) -> None:
        super().__init__(upstream)
        self.moved = moved
        self.restored: set[str] = set()
        if moved:
            self.refiltered = ("vault_id",)

    def active(self) -> bool:
        return bool(self.restored)

    def answer(self, call: Call | None, exchange: Exchange) -> None:
        if call is not None and call.operation == "restore_backup" and 200 <= exchange.status < 300:
            with self.lock:
                self.restored.add(call.ids["backup"])
        super().answer(call, exchange)

    def seen(self, backup: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
        if backup.get("id") not in self.restored:
            return backup
        if not self.moved:
            return None
        backup["vault_id"] = other_id(str(backup["vault_id"]))
        return backup
