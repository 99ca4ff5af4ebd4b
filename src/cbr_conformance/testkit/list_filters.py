"""Every documented query filter of every list operation, as data: the value that includes one of
the run's items and the one that excludes another, and what every listed item must then satisfy.

The run's items are named by role (`Run.items`): `disk` and `server` are the run's shared disk and
server vaults, backups and their backup tasks; `child` a disk backup of the server backup;
`linked` the vault a policy of the run applies to, and `policy` that policy; `member` a share
member of a backup of the run (`shared` that backup).

What is asserted is what every reading of the reference, the official SDK and the errata agrees
on: a name filter may match a part of the name, in any case (the reference says "Backup name",
nothing more); a time filter may bound any of an item's times; a filter whose per-item meaning is
unsettled (a vault's policy, a member's vault) is checked only by the item it must leave out
(spec/errata.yaml, E-LIST-FILTER-READINGS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cbr_conformance.contract.codes import UNKNOWN_ID
from cbr_conformance.outcome import Why
from cbr_conformance.target.moments import moment

Item = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    """A list operation: where its items are in the answer and how it pages."""

    operation: str
    key: str  # the answer's array of items
    section: str  # where the reference gives its query and answer
    paging: tuple[str, ...] = ()  # "offset", "marker": the walks it allows
    path_role: str | None = None  # the role whose id is the path's backup_id


LISTINGS: dict[str, Listing] = {
    listing.operation: listing
    for listing in (
        Listing("list_vaults", "vaults", "4.4.3 (Tables 4-110, 4-112)", ("offset",)),
        Listing("list_backups", "backups", "4.5.2 (Tables 4-158, 4-160)", ("offset", "marker")),
        Listing("list_operation_logs", "operation_logs", "4.1.2 (Tables 4-17, 4-19)", ("offset",)),
        Listing("list_policies", "policies", "4.6.3 (Tables 4-194, 4-196)"),
        Listing("list_share_members", "members", "4.2.4 (Tables 4-58, 4-60)", ("offset", "marker"), "shared"),
    )
}


@dataclass(frozen=True)
class Run:
    """The run's items by role, and their lists' items by role (a role may be of several lists:
    `disk` is a vault in list_vaults and a backup in list_backups)."""

    items: Mapping[str, Mapping[str, Item]]  # operation -> role -> item

    def item(self, operation: str, role: str) -> Item | None:
        return self.items.get(operation, {}).get(role)


@dataclass(frozen=True)
class Value:
    """A filter's value: a `literal`, or read from the item of `role` at `path` (dotted; `[0]`
    takes the first of a list). A time takes the earliest or latest of the item's times, moved
    by `seconds`."""

    literal: Any = None
    role: str | None = None
    path: str = ""
    time: str | None = None  # "earliest" or "latest"
    seconds: int = 0
    source: str | None = None  # the list whose role is read: the filter's own unless given

    def of(self, run: Run, operation: str) -> Any:
        if self.role is None:
            return self.literal
        item = run.item(self.source or operation, self.role)
        if item is None:
            return None
        if self.time is not None:
            times = [moment(t) for t in times_of(item)]
            edge = min(times) if self.time == "earliest" else max(times)
            return query_time(edge + timedelta(seconds=self.seconds))
        return read(item, self.path)


def role(name: str, path: str, source: str | None = None) -> Value:
    return Value(role=name, path=path, source=source)


def literal(value: Any) -> Value:
    return Value(literal=value)


@dataclass(frozen=True)
class Match:
    """How a listed item matches a value. `equals`: the field is the value; `contains`: the
    field holds the value, ignoring case; `among`: the value is one of the field's list (or of
    `key` in its objects); `from`/`until`: one of the item's times is at or after the value / at
    or before it, to the second; `none`: no reading says which field an item shows it in."""

    how: str = "none"
    field: str = ""
    key: str = ""

    def holds(self, item: Item, value: Any) -> bool | None:
        """Whether the item matches; None where the item does not show the field."""
        if self.how == "none":
            return None
        if self.how in ("from", "until"):
            times = [moment(t) for t in times_of(item)]
            bound = moment(str(value))
            if self.how == "from":
                return any(t >= bound for t in times)
            # a query's time has whole seconds: an item within the bound's second may be read as at it
            return any(t < bound + timedelta(seconds=1) for t in times)
        shown = read(item, self.field)
        if shown is None:
            return None
        if self.how == "equals":
            return str(shown) in ([str(v) for v in value] if isinstance(value, list) else [str(value)])
        if self.how == "contains":
            return str(value).casefold() in str(shown).casefold()
        listed = (
            [x.get(self.key) if isinstance(x, dict) else x for x in shown] if isinstance(shown, list) else []
        )
        return str(value) in [str(x) for x in listed]


@dataclass(frozen=True)
class Filter:
    """One documented query parameter of a list operation and how it is tried.

    The query with `value` lists the `includes` role's item (when given) and never the
    `excludes` role's; with `excluding` (a second value) the `excludes` role's item is left out
    of that query's list instead. Every item of either list matches its value by `match`.
    `untestable`: why the filter cannot exclude anything the run made (what is checked of it
    still is, then the case is not tested)."""

    operation: str
    param: str
    section: str
    match: Match
    value: Value
    includes: str | None = None
    excludes: str | None = None
    excluding: Value | None = None
    untestable: tuple[Why, str] | None = None
    needs: tuple[str, ...] = field(default=())  # roles the case needs besides those above

    @property
    def name(self) -> str:
        return f"{self.operation}-{self.param}"


EQ, HAS, NAME = "equals", "among", "contains"
V, B, T, P, M = "list_vaults", "list_backups", "list_operation_logs", "list_policies", "list_share_members"
SECTIONS = {
    V: "4.4.3 (Table 4-110)",
    B: "4.5.2 (Table 4-158)",
    T: "4.1.2 (Table 4-17)",
    P: "4.6.3 (Table 4-194)",
    M: "4.2.4 (Table 4-58)",
}
ONE_ENTERPRISE = "the run makes everything in the project's default enterprise project: none to leave out"


def pair(operation: str, param: str, match: Match, value: Value) -> Filter:
    """The run's disk item's value: it lists the disk item, not the server item (of another)."""
    return Filter(operation, param, SECTIONS[operation], match, value, includes="disk", excludes="server")


def apart(
    operation: str, param: str, match: Match, value: Value, excluding: Value, who: str = "disk"
) -> Filter:
    """`value` lists the `who` item, `excluding` (a value it has not) leaves it out."""
    section = SECTIONS[operation]
    return Filter(operation, param, section, match, value, includes=who, excludes=who, excluding=excluding)


def only(operation: str, param: str, match: Match, value: Value, why: str) -> Filter:
    """A filter that lists the disk item and can leave out nothing the run made (`why`)."""
    section = SECTIONS[operation]
    return Filter(
        operation, param, section, match, value, includes="disk", untestable=(Why.NOT_APPLICABLE, why)
    )


def _time_filters(operation: str) -> tuple[Filter, ...]:
    """start_time lists the item from its earliest time, not from 2 s after its latest;
    end_time lists it up to 1 s after its latest time, not up to 1 s before its earliest."""

    def at(edge: str, seconds: int) -> Value:
        return Value(role="disk", time=edge, seconds=seconds)

    return (
        apart(operation, "start_time", Match("from"), at("earliest", 0), at("latest", 2)),
        apart(operation, "end_time", Match("until"), at("latest", 1), at("earliest", -1)),
    )


def _vault_filters() -> tuple[Filter, ...]:
    policy = role("policy", "id", P)
    return (
        pair(V, "id", Match(EQ, "id"), role("disk", "id")),
        pair(V, "name", Match(NAME, "name"), role("disk", "name")),
        pair(V, "object_type", Match(EQ, "billing.object_type"), role("disk", "billing.object_type")),
        pair(V, "resource_ids", Match(HAS, "resources", "id"), role("disk", "resources[0].id")),
        Filter(V, "policy_id", SECTIONS[V], Match(), policy, includes="linked", excludes="disk"),
        apart(V, "status", Match(EQ, "billing.status"), role("disk", "billing.status"), literal("error")),
        apart(V, "protect_type", Match(EQ, "billing.protect_type"), role("disk", "billing.protect_type"),
              literal("replication")),
        only(V, "cloud_type", Match(EQ, "billing.cloud_type"), literal("public"),
             "cloud_type has one documented value, public: none to leave out"),
        only(V, "enterprise_project_id", Match(EQ, "enterprise_project_id"),
             role("disk", "enterprise_project_id"), ONE_ENTERPRISE),
    )  # fmt: skip


def _backup_filters() -> tuple[Filter, ...]:
    return (
        pair(B, "checkpoint_id", Match(EQ, "checkpoint_id"), role("disk", "checkpoint_id")),
        pair(B, "name", Match(NAME, "name"), role("disk", "name")),
        pair(B, "resource_az", Match(EQ, "resource_az"), role("disk", "resource_az")),
        pair(B, "resource_id", Match(EQ, "resource_id"), role("disk", "resource_id")),
        pair(B, "resource_name", Match(NAME, "resource_name"), role("disk", "resource_name")),
        pair(B, "resource_type", Match(EQ, "resource_type"), role("disk", "resource_type")),
        pair(B, "vault_id", Match(EQ, "vault_id"), role("disk", "vault_id")),
        Filter(B, "parent_id", SECTIONS[B], Match(EQ, "parent_id"), role("server", "id"),
               includes="child", excludes="disk"),
        apart(B, "status", Match(EQ, "status"), literal(["available"]), literal(["error"])),
        apart(B, "own_type", Match(), literal("private"), literal("shared")),
        # a backup shared with nobody has no member of any status; whether the project's own
        # shared backups are listed with their members' status, no reading settles
        Filter(B, "member_status", SECTIONS[B], Match(), literal("accepted"), excludes="disk"),
        # a vault not full holds no backup "who occupied 100%" of it
        Filter(B, "used_percent", SECTIONS[B], Match(), literal("100"), excludes="disk", needs=("not_full",)),
        only(B, "image_type", Match(EQ, "image_type"), literal("backup"),
             "image_type has one documented value, backup: none to leave out"),
        only(B, "dec", Match(), literal(False),
             'dec ("Dedicated cloud") does not say which backups it leaves out: none to leave out for sure'),
        only(B, "enterprise_project_id", Match(EQ, "enterprise_project_id"), literal("0"), ONE_ENTERPRISE),
        *_time_filters(B),
    )  # fmt: skip


def _task_filters() -> tuple[Filter, ...]:
    return (
        pair(T, "vault_id", Match(EQ, "vault_id"), role("disk", "vault_id")),
        pair(T, "vault_name", Match(NAME, "vault_name"), role("disk", "vault_name")),
        pair(T, "provider_id", Match(EQ, "provider_id"), role("disk", "provider_id")),
        pair(T, "resource_id", Match(EQ, "extra_info.resource.id"), role("disk", "resource_id", B)),
        pair(T, "resource_name", Match(NAME, "extra_info.resource.name"), role("disk", "resource_name", B)),
        apart(T, "operation_type", Match(EQ, "operation_type"), literal("backup"), literal("delete")),
        apart(T, "status", Match(EQ, "status"), literal("success"), literal("failed")),
        only(T, "enterprise_project_id", Match(), literal("0"), ONE_ENTERPRISE),
        *_time_filters(T),
    )


def _policy_and_member_filters() -> tuple[Filter, ...]:
    return (
        apart(P, "operation_type", Match(EQ, "operation_type"), literal("backup"), literal("replication"),
              "policy"),
        apart(P, "vault_id", Match(HAS, "associated_vaults", "vault_id"), role("linked", "id"),
              role("disk", "id", V), "policy"),
        apart(M, "dest_project_id", Match(EQ, "dest_project_id"), role("member", "dest_project_id"),
              role("shared", "project_id", B), "member"),
        apart(M, "status", Match(EQ, "status"), role("member", "status"), literal("rejected"), "member"),
        # "the vault where the shared backup is stored": the owner's or the member's, no reading settles
        Filter(M, "vault_id", SECTIONS[M], Match(), role("disk", "vault_id", B), excludes="member"),
        Filter(M, "image_id", SECTIONS[M], Match(EQ, "image_id"), literal(UNKNOWN_ID), excludes="member"),
    )  # fmt: skip


def _filters() -> tuple[Filter, ...]:
    return _vault_filters() + _backup_filters() + _task_filters() + _policy_and_member_filters()


FILTERS: tuple[Filter, ...] = _filters()


def read(item: Any, path: str) -> Any:
    """The value at a dotted path (`a.b[0].c`); None where any step is missing."""
    for step in path.split("."):
        name, _, index = step.partition("[")
        item = item.get(name) if isinstance(item, dict) else None
        if index:
            item = item[int(index.rstrip("]"))] if isinstance(item, list) and item else None
    return item


def times_of(item: Item) -> list[str]:
    """The times an item shows (a time filter may bound any of them)."""
    names = ("created_at", "protected_at", "updated_at", "started_at", "ended_at")
    return [str(item[n]) for n in names if item.get(n)]


def query_time(when: datetime) -> str:
    """A query's time (Tables 4-17, 4-158; E-QUERY-TIME-FORMAT), whole seconds in UTC."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
