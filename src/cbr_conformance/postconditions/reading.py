"""Reading a write back: the write as the rules see it (what was sent, answered and read before
it), and the reads every rule makes (show, list, compare), with the two ways a rule can be left
undecided (`Unsettled`) or broken for good (`Misreported`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cbr_conformance.target.client import Response
from cbr_conformance.transport.recording import Exchange

MISSING: Any = object()  # a field a body does not carry
Reader = Callable[..., Response]  # (operation_id, path, **query): a read-back


class Unsettled(Exception):
    """The rule cannot be decided from what the target shows now; `final`: nor later (what it
    compares with could not be read), so it is not read again."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.final = final


class Misreported(Exception):
    """A read answered what no later read can mend (neither the resource nor its documented
    not-found): the rule is broken at once, not waited for."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class Write:
    """A write that answered 2xx, as its rules see it."""

    reader: Reader  # reads back (unchecked: the rule judges the answer)
    operation_id: str
    path: Mapping[str, str]
    body: Any  # the request's
    answer: Any  # the answer's body
    before: Any  # the resource read before the write was sent (BEFORE), or None
    reads: list[Exchange] = field(default_factory=list)  # this attempt's read-backs

    def read(self, operation_id: str, path: Mapping[str, str], **query: Any) -> Response:
        answer = self.reader(operation_id, path, **query)
        self.reads.append(answer.exchange)
        return answer


# --- reading bodies ----------------------------------------------------------------------------


def json_of(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def item_of(response: Response, key: str) -> dict[str, Any] | None:
    body = json_of(response)
    item = body.get(key) if isinstance(body, dict) else None
    return item if isinstance(item, dict) else None


def get(item: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        if not isinstance(item, dict) or name not in item:
            return MISSING
        item = item[name]
    return item


def normal(name: str, value: Any) -> Any:
    """A timestamp as the instant it names, to the second (E-TIMESTAMPS: the reference prints the
    same field with a T or a space, with or without a fraction, with or without a zone; a time
    without a zone is UTC's, as the examples that show both forms of one field read); else as it
    is. A time that does not parse is compared as its text."""
    if not (name.endswith("_at") and isinstance(value, str)):
        return value
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def sent_value(body: Any, *path: str) -> Any:
    """A field of a request body; an explicit null is the field left out (E-NULL-AS-ABSENT)."""
    value = get(body, ".".join(path))
    return MISSING if value is None else value


# --- the rules -----------------------------------------------------------------------------------

# Reads made before a write (its operation: the show and the body key it reads).
BEFORE: Mapping[str, tuple[str, str]] = {
    "update_vault": ("show_vault", "vault"),
    "add_vault_resources": ("show_vault", "vault"),
    "update_policy": ("show_policy", "policy"),
    "update_share_member_status": ("show_share_member", "member"),
    "delete_backup": ("show_backup", "backup"),
    "restore_backup": ("show_backup", "backup"),
}
LISTS = {"vault": ("list_vaults", "vaults"), "policy": ("list_policies", "policies")}


def shown_item(write: Write, show: str, path: Mapping[str, str], key: str, what: str) -> dict[str, Any]:
    answer = write.read(show, path)
    item = item_of(answer, key) if answer.status == 200 else None
    if item is None:
        raise Mismatch([f"{show} answered {answer.status} {answer.error_code or ''} for {what}"])
    return item


def listed_item(
    write: Write,
    list_op: str,
    path: Mapping[str, str],
    key: str,
    wanted: str,
    id_field: str = "id",
    **query: Any,
) -> dict[str, Any] | None:
    """The item of a list answer whose `id_field` is `wanted` (None: not listed). A list that did
    not filter by the query and holds more pages than it answered cannot tell: unsettled."""
    answer = write.read(list_op, path, **query)
    body = json_of(answer)
    items = body.get(key) if isinstance(body, dict) and answer.status == 200 else None
    if not isinstance(items, list):
        raise Mismatch([f"{list_op} answered {answer.status} {answer.error_code or ''}"])
    for item in items:
        if isinstance(item, dict) and item.get(id_field) == wanted:
            return item
    count = body.get("count")
    if isinstance(count, int) and count > len(items):
        raise Unsettled(f"{list_op} holds {count} items over several pages; the first did not show {wanted}")
    return None


class Mismatch(Exception):
    """What a read shows breaks the rule (the problems); read again until the wait is over."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def judged(judge: Callable[[Write], list[str]]) -> Callable[[Write], list[str]]:
    def run(write: Write) -> list[str]:
        try:
            return judge(write)
        except Mismatch as mismatch:
            return mismatch.problems

    return run


def differences(item: Mapping[str, Any], expected: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    for name, value in expected.items():
        shown = get(item, name)
        if value is not MISSING and shown is not MISSING and shown != value:
            problems.append(f"{where}: {name} is {shown!r}, expected {value!r}")
    return problems


def show_and_list(write: Write, kind: str, item_id: str, expected: Mapping[str, Any]) -> list[str]:
    show = {"vault": "show_vault", "policy": "show_policy"}[kind]
    shown = shown_item(write, show, {f"{kind}_id": item_id}, kind, f"{kind} {item_id}")
    problems = differences(shown, expected, f"{show} {item_id}")
    list_op, key = LISTS[kind]
    listed = listed_item(write, list_op, {}, key, item_id, **({"id": item_id} if kind == "vault" else {}))
    if listed is None:
        problems.append(f"{list_op} does not list {kind} {item_id}")
    else:
        problems += differences(listed, expected, f"{list_op} item {item_id}")
    return problems
