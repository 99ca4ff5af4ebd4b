"""Targets that break one post-condition behind valid answers, as hooks of the mutating proxy
in front of a correct emulator: each names the rule its read-backs must find broken
(test_postconditions.py)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.helpers import resource
from tests.shared_target.mutant_behaviours import body_of, route, set_body
from tests.shared_target.mutating_proxy import Exchange

FIRST = DEFAULT_CREDENTIALS[0]


@dataclass
class Mutant:
    """A target that answers every call validly and breaks one rule of behaviour behind it."""

    name: str
    breaks: str  # the rule id the read-backs must name
    answer: Callable[[Mutant, Exchange], None] | None = None
    request: Callable[[Mutant, Exchange], None] | None = None
    seen: dict[str, Any] = field(default_factory=dict)  # what the mutant remembers
    lock: threading.Lock = field(default_factory=threading.Lock)


def _edit(exchange: Exchange, change: Callable[[Any], object]) -> None:
    """Change a 200 answer's JSON body in place."""
    body = body_of(exchange) if exchange.status == 200 else None
    if body is not None:
        change(body)
        set_body(exchange, body)


def _is(exchange: Exchange, operation: str) -> bool:
    """The exchange is a call of this operation (routed as the mutant set's behaviours route it)."""
    call = route(exchange.method, exchange.path)
    return call is not None and call.operation == operation


def _last_segment(exchange: Exchange) -> str:
    return exchange.path.split("?")[0].rsplit("/", 1)[-1]


def stale_vault_cache(m: Mutant, e: Exchange) -> None:
    """Serves the first answer of a vault's show ever after: an update seen in its own answer only."""
    if _is(e, "show_vault") and e.status == 200:
        e.answer = m.seen.setdefault(e.path, e.answer)


def name_lost_in_list(m: Mutant, e: Exchange) -> None:
    """The vault list shows each vault's name as it was created (a denormalised copy)."""
    if _is(e, "create_vault"):
        vault = json.loads(e.answer)["vault"]
        m.seen[vault["id"]] = vault["name"]
    if _is(e, "list_vaults"):
        _edit(e, lambda b: [v.update(name=m.seen.get(v["id"], v["name"])) for v in b["vaults"]])


def size_not_applied(m: Mutant, e: Exchange) -> None:
    """Every vault is shown with the size of the emulator's smallest, whatever was asked."""
    if _is(e, "show_vault"):
        _edit(e, lambda b: b["vault"]["billing"].update(size=1))


def created_at_moves(m: Mutant, e: Exchange) -> None:
    """A vault's show gives another creation time at each read."""
    if _is(e, "show_vault"):
        reads = m.seen["reads"] = m.seen.get("reads", 0) + 1
        _edit(e, lambda b: b["vault"].update(created_at=f"2020-01-01T00:00:{reads % 60:02d}Z"))


def backup_vault_drifts(m: Mutant, e: Exchange) -> None:
    """A backup's show names another vault than the backup list does."""
    if _is(e, "show_backup"):
        _edit(e, lambda b: b["backup"].update(vault_id="00000000-0000-4000-8000-000000000001"))


def policy_enabled_lost(m: Mutant, e: Exchange) -> None:
    """A policy's show keeps the enabled flag it first showed."""
    if _is(e, "show_policy"):
        _edit(e, lambda b: b["policy"].update(enabled=m.seen.setdefault(e.path, b["policy"]["enabled"])))


def policy_name_changed(m: Mutant, e: Exchange) -> None:
    """A policy is shown with its name in capitals."""
    if _is(e, "show_policy"):
        _edit(e, lambda b: b["policy"].update(name=b["policy"]["name"].upper()))


def member_status_lost_in_list(m: Mutant, e: Exchange) -> None:
    """The members list shows every member pending, whatever it answered."""
    if _is(e, "list_share_members"):
        _edit(e, lambda b: [x.update(status="pending") for x in b["members"]])


def new_member_not_listed(m: Mutant, e: Exchange) -> None:
    """The members list forgets every member."""
    if _is(e, "list_share_members"):
        _edit(e, lambda b: b.update(members=[], count=0))


def added_resource_not_held(m: Mutant, e: Exchange) -> None:
    """A vault shows only its first resource."""
    if _is(e, "show_vault"):
        _edit(e, lambda b: b["vault"].update(resources=b["vault"]["resources"][:1]))


def removed_resource_held(m: Mutant, e: Exchange) -> None:
    """A vault shows every resource it ever held."""
    if _is(e, "show_vault"):

        def keep(body: Any) -> None:
            held = m.seen.setdefault(e.path, {})
            held.update({r["id"]: r for r in body["vault"]["resources"]})
            body["vault"]["resources"] = list(held.values())

        _edit(e, keep)


def policy_forgets_vaults(m: Mutant, e: Exchange) -> None:
    """A policy shows no associated vault."""
    if _is(e, "show_policy"):
        _edit(e, lambda b: b["policy"].update(associated_vaults=[]))


def policy_filter_ignored(m: Mutant, e: Exchange) -> None:
    """The vault list ignores its policy_id filter: a dissociated vault is still listed by it."""
    e.path = re.sub(r"([?&])policy_id=[^&]*&?", r"\1", e.path).rstrip("?&")


def checkpoint_in_another_vault(m: Mutant, e: Exchange) -> None:
    """A restore point's show names another vault than its creation answered."""
    if _is(e, "show_checkpoint"):
        _edit(e, lambda b: b["checkpoint"]["vault"].update(id="00000000-0000-4000-8000-000000000002"))


def checkpoint_of_foreign_resource(m: Mutant, e: Exchange) -> None:
    """A restore point's show says it backs up a resource its vault does not hold."""
    if _is(e, "show_checkpoint"):
        foreign = resource(FIRST.project_id, "servers", 5)["id"]
        _edit(e, lambda b: b["checkpoint"]["vault"]["resources"][0].update(id=foreign))


def _still_listed(listing: str, key: str, id_field: str) -> Callable[[Mutant, Exchange], None]:
    """The list `listing` keeps listing what it listed once and was deleted since (a list filtered
    by id, the deleted item's only)."""

    def mutate(m: Mutant, e: Exchange) -> None:
        if e.method == "DELETE" and 200 <= e.status < 300:
            m.seen.setdefault("deleted", set()).add(_last_segment(e))
        if not _is(e, listing):
            return

        def keep(body: Any) -> None:
            with m.lock:
                held = m.seen.setdefault(listing, {})
                held.update({item[id_field]: item for item in body[key]})
                gone = m.seen.get("deleted", set())
                by_id = parse_qs(e.path.partition("?")[2]).get("id")
                kept = [x for i, x in held.items() if i in gone and (by_id is None or i in by_id)]
                body[key] += [x for x in kept if x not in body[key]]

        _edit(e, keep)

    return mutate


def deleted_vault_kept_in_policy(m: Mutant, e: Exchange) -> None:
    """A policy keeps naming a vault that applied it once the vault is deleted (the association is
    not removed with its vault); a dissociation is applied."""
    call = route(e.method, e.path)
    vault = call.ids.get("vault", "") if call is not None else ""
    with m.lock:
        applied, ghosts = m.seen.setdefault("applied", {}), m.seen.setdefault("ghosts", {})
        if _is(e, "associate_vault_policy") and e.status == 200:
            applied[vault] = json.loads(e.body)["policy_id"]
        elif _is(e, "dissociate_vault_policy") and e.status == 200:
            applied.pop(vault, None)
        elif _is(e, "delete_vault") and 200 <= e.status < 300 and vault in applied:
            ghosts[vault] = applied.pop(vault)

    def keep(policies: list[dict[str, Any]]) -> None:
        for policy in policies:
            held = policy.get("associated_vaults") or []
            named = {v["vault_id"] for v in held}
            kept = [v for v, p in ghosts.items() if p == policy["id"] and v not in named]
            policy["associated_vaults"] = held + [{"vault_id": v, "destination_vault_id": None} for v in kept]

    if _is(e, "list_policies"):
        _edit(e, lambda b: keep(b["policies"]))
    elif _is(e, "show_policy"):
        _edit(e, lambda b: keep([b["policy"]]))


def _in_zone(value: str, hours: int, *, convert: bool) -> str:
    """A time the emulator prints without a zone (UTC's) in the form of UTC+`hours`: the same
    instant (`convert`), or the same wall time labelled with the zone, an instant `hours` earlier."""
    zone = timezone(timedelta(hours=hours))
    moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return (moment.astimezone(zone) if convert else moment.replace(tzinfo=zone)).isoformat()


def zone_label_in_list(m: Mutant, e: Exchange) -> None:
    """The vault list labels each creation time with UTC+8 without converting it."""
    if _is(e, "list_vaults"):
        _edit(
            e,
            lambda b: [v.update(created_at=_in_zone(v["created_at"], 8, convert=False)) for v in b["vaults"]],
        )


def zone_converted_in_show(m: Mutant, e: Exchange) -> None:
    """Benign: a vault's show gives its creation time in UTC+8's form, the same instant."""
    if _is(e, "show_vault"):
        _edit(e, lambda b: b["vault"].update(created_at=_in_zone(b["vault"]["created_at"], 8, convert=True)))


def deleted_policy_answers_vault_code(m: Mutant, e: Exchange) -> None:
    """A deleted policy is not found with the vault's code (6105), not its own (6000)."""
    if _is(e, "show_policy") and e.status == 404:
        e.answer = json.dumps({"error_code": "BackupService.6105", "error_msg": "Vault not found."}).encode()


def restored_backup_lost(m: Mutant, e: Exchange) -> None:
    """A backup that was restored is not found any more (the restore consumed it), though
    nothing deleted it."""
    if _is(e, "restore_backup") and 200 <= e.status < 300:
        m.seen.setdefault("restored", set()).add(e.path.split("?")[0].split("/")[-2])
    elif _is(e, "show_backup") and _last_segment(e) in m.seen.get("restored", set()):
        e.status = 404
        e.answer = json.dumps({"error_code": "BackupService.6200", "error_msg": "Backup not found."}).encode()


MUTANTS = (
    Mutant("a stale cache serves the old vault after an update", "update_vault.read_back", stale_vault_cache),
    Mutant("a name change shown by show but lost in the list", "update_vault.read_back", name_lost_in_list),
    Mutant("the size asked for is not applied", "create_vault.read_back", size_not_applied),
    Mutant("a vault's created_at changes between reads", "show_vault.immutable", created_at_moves),
    Mutant("a backup's vault differs between list and show", "show_backup.immutable", backup_vault_drifts),
    Mutant("a policy update's enabled flag is lost", "update_policy.read_back", policy_enabled_lost),
    Mutant("a policy's name is shown otherwise than sent", "create_policy.read_back", policy_name_changed),
    Mutant(
        "a member's new status is lost in the list",
        "update_share_member_status.read_back",
        member_status_lost_in_list,
    ),
    Mutant("a member added is not listed", "add_share_members.listed", new_member_not_listed),
    Mutant("a resource added is not held", "add_vault_resources.held", added_resource_not_held),
    Mutant("a resource removed is still held", "remove_vault_resources.gone", removed_resource_held),
    Mutant(
        "a policy forgets the vaults it is applied to",
        "associate_vault_policy.both_ways",
        policy_forgets_vaults,
    ),
    Mutant(
        "the vaults of a policy still list a dissociated vault",
        "dissociate_vault_policy.both_ways",
        request=policy_filter_ignored,
    ),
    Mutant(
        "a restore point is shown in another vault", "show_checkpoint.immutable", checkpoint_in_another_vault
    ),
    Mutant(
        "a restore point backs up a resource not in its vault",
        "create_checkpoint.vault",
        checkpoint_of_foreign_resource,
    ),
    Mutant(
        "a deleted member is still listed",
        "delete_share_member.gone",
        _still_listed("list_share_members", "members", "dest_project_id"),
    ),
    Mutant(
        "a deleted backup is still listed",
        "delete_backup.gone",
        _still_listed("list_backups", "backups", "id"),
    ),
    Mutant(
        "a deleted policy is still listed",
        "delete_policy.gone",
        _still_listed("list_policies", "policies", "id"),
    ),
    Mutant(
        "a deleted vault is still listed", "delete_vault.gone", _still_listed("list_vaults", "vaults", "id")
    ),
    Mutant("a deleted vault stays in its policy", "delete_vault.gone", deleted_vault_kept_in_policy),
    Mutant("a creation time listed in a zone it is not in", "list_vaults.immutable", zone_label_in_list),
    Mutant(
        "a deleted policy answers another resource's not-found",
        "delete_policy.gone",
        deleted_policy_answers_vault_code,
    ),
    Mutant("a restored backup is no longer found", "restore_backup.kept", restored_backup_lost),
)
