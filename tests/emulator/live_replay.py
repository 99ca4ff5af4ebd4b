"""Replaying recordings of the live CBR service against the emulator, and comparing the answers.

Shared by `bench/live_parity.py` (the public VCR cassettes, read from a folder the user names) and
`tests/emulator/test_live_parity.py` (small fixtures derived from them). A recording is a list of
exchanges; each is kept or left out by the rules of `leave_out`. Replaying one:

1. `seed` makes the world the recording presupposes: the servers, disks and file systems its
   answers name go into the emulator's inventory, then its vaults, backups and policies are made
   through the API, oldest first, so that listings come in the recorded order. A resource recorded
   `protect_status: deleted` is taken out of the inventory again.
2. Each kept exchange is sent with the recorded ids replaced by the emulator's (`IdMap`).
3. `compare` walks the recorded answer: every leaf is a compared field. Ids are mapped as snapshot
   tests do (an id first seen in a recorded answer maps to the id the emulator answered at the same
   place; later it must be that one), times must have the same format, sizes that depend on the
   data stored only the same type; every other value must be equal, type included.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml

PATH_PREFIX = re.compile(r"^/v3/[^/]+")
_ID = r"[^/]+"
# The 27 operations of the reference (method, path after /v3/{project_id}).
OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(f"^{path}$"), name)
    for method, path, name in (
        ("GET", "/vaults", "list_vaults"),
        ("POST", "/vaults", "create_vault"),
        ("GET", f"/vaults/{_ID}", "show_vault"),
        ("PUT", f"/vaults/{_ID}", "update_vault"),
        ("DELETE", f"/vaults/{_ID}", "delete_vault"),
        ("POST", f"/vaults/{_ID}/addresources", "add_vault_resources"),
        ("POST", f"/vaults/{_ID}/removeresources", "remove_vault_resources"),
        ("POST", f"/vaults/{_ID}/associatepolicy", "associate_vault_policy"),
        ("POST", f"/vaults/{_ID}/dissociatepolicy", "dissociate_vault_policy"),
        ("GET", "/policies", "list_policies"),
        ("POST", "/policies", "create_policy"),
        ("GET", f"/policies/{_ID}", "show_policy"),
        ("PUT", f"/policies/{_ID}", "update_policy"),
        ("DELETE", f"/policies/{_ID}", "delete_policy"),
        ("GET", "/backups", "list_backups"),
        ("GET", f"/backups/{_ID}", "show_backup"),
        ("DELETE", f"/backups/{_ID}", "delete_backup"),
        ("POST", f"/backups/{_ID}/restore", "restore_backup"),
        ("GET", f"/backups/{_ID}/members", "list_share_members"),
        ("POST", f"/backups/{_ID}/members", "add_share_members"),
        ("GET", f"/backups/{_ID}/members/{_ID}", "show_share_member"),
        ("PUT", f"/backups/{_ID}/members/{_ID}", "update_share_member_status"),
        ("DELETE", f"/backups/{_ID}/members/{_ID}", "delete_share_member"),
        ("POST", "/checkpoints", "create_checkpoint"),
        ("GET", f"/checkpoints/{_ID}", "show_checkpoint"),
        ("GET", "/operation-logs", "list_operation_logs"),
        ("GET", f"/operation-logs/{_ID}", "show_operation_log"),
    )
)

# An id the live service writes: a UUID, or 32 hex digits (project and user ids).
LIVE_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$")
# Ids that are settings or constants of the service, compared as values.
VALUE_IDS = frozenset({"provider_id", "enterprise_project_id"})
TIME_KEYS = frozenset({"created_at", "updated_at", "expired_at", "protected_at", "start_time", "end_time"})
# Figures that follow the data stored and the history of the account, not the requests: only their
# type is compared. `incremental`: whether a backup is the resource's first in the vault.
DATA_KEYS = frozenset({"used", "backup_size", "backup_count", "incremental"})
# The live gateway answers compact JSON: no whitespace between tokens outside strings.
_BETWEEN_TOKENS = re.compile(r"[\[{,:]\s|\s[\]},:]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')

OBJECT_TYPES = {
    "OS::Nova::Server": "server",
    "OS::Cinder::Volume": "disk",
    "OS::Sfs::Turbo": "turbo",
}
_INVENTORY_SECTIONS = {
    "OS::Nova::Server": "servers",
    "OS::Cinder::Volume": "volumes",
    "OS::Sfs::Turbo": "sfs_turbos",
}


@dataclass(frozen=True)
class Exchange:
    """One recorded interaction with CBR v3. `path` is after /v3/{project_id}."""

    where: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    request: str | None  # the recorded request body, verbatim
    status: int
    answer: str  # the recorded answer body, verbatim

    @property
    def operation(self) -> str | None:
        for method, pattern, name in OPERATIONS:
            if method == self.method and pattern.match(self.path):
                return name
        return None

    def answer_json(self) -> Any:
        return json.loads(self.answer) if self.answer.strip() else None

    def as_fixture(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "request": self.request,
            "status": self.status,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class LeftOut:
    where: str
    operation: str
    rule: str
    detail: str


def read_cassette(text: str, name: str) -> list[Exchange]:
    """The CBR v3 interactions of a VCR cassette (other services' are not CBR's)."""
    document = yaml.safe_load(text) or {}
    found = []
    for index, interaction in enumerate(document.get("interactions") or []):
        request, response = interaction.get("request"), interaction.get("response")
        if not isinstance(request, dict) or not isinstance(response, dict):
            continue  # an interaction recorded without its answer
        url = urlsplit(request["uri"])
        if not url.hostname or not url.hostname.startswith("cbr.") or not PATH_PREFIX.match(url.path):
            continue
        body = response.get("body")
        answer = body.get("string", "") if isinstance(body, dict) else (body or "")
        found.append(
            Exchange(
                where=f"{name}#{index}",
                method=request["method"].upper(),
                path=PATH_PREFIX.sub("", url.path).rstrip("/") or "/",
                query=tuple(parse_qsl(url.query, keep_blank_values=True)),
                request=request.get("body"),
                status=int(response["status"]["code"]),
                answer=answer if isinstance(answer, str) else answer.decode(),
            )
        )
    return found


def read_fixture(document: Mapping[str, Any]) -> list[Exchange]:
    name = str(document["name"])
    return [
        Exchange(
            where=f"{name}#{index}",
            method=item["method"],
            path=item["path"],
            query=tuple((str(k), str(v)) for k, v in item["query"]),
            request=item["request"],
            status=int(item["status"]),
            answer=item["answer"],
        )
        for index, item in enumerate(document["exchanges"])
    ]


# --- which recorded exchanges are the live service's ----------------------------------------------


def _ids_in(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _ids_in(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _ids_in(item, key)
    elif isinstance(value, str) and (key == "id" or key.endswith(("_id", "_ids"))) and key not in VALUE_IDS:
        yield value


def _path_ids(exchange: Exchange) -> list[str]:
    parts = exchange.path.strip("/").split("/")
    return [part for index, part in enumerate(parts) if index % 2 == 1]


def leave_out(exchange: Exchange) -> tuple[str, str] | None:
    """Why an exchange is not the live service's verbatim answer (rule, detail), or None.

    Rules, in order:
    * `other API`: not one of the reference's 27 operations (protectables, vault tags);
    * `request not JSON`: the recorded request body does not parse as JSON (e.g. Python's
      `True` typed into it): no client sent it;
    * `placeholder id`: an id in the path, the request or the answer is neither a UUID nor 32 hex
      digits (`mock_vault_id`, `vault_id`, `new_policy_id1`, a user id of mixed case): the live
      service writes none such;
    * `re-serialised answer`: whitespace between the answer's JSON tokens. The live gateway
      answers compact JSON; spaces come from a person or a script (json.dumps) writing the body;
    * `answer contradicts request`: addresources answering ids it was not given;
    * `empty answer`: a 2xx `{}` where the operation answers its object (update_vault).
    """
    operation = exchange.operation
    if operation is None:
        return "other API", f"{exchange.method} {exchange.path}"
    request: Any = None
    if exchange.request:
        try:
            request = json.loads(exchange.request)
        except ValueError:
            return "request not JSON", exchange.request[:60]
    try:
        answer = exchange.answer_json()
    except ValueError:
        return "re-serialised answer", "the answer is not JSON"
    placeholders = [
        i for i in [*_path_ids(exchange), *_ids_in(request), *_ids_in(answer)] if not LIVE_ID.match(i)
    ]
    if placeholders:
        return "placeholder id", ", ".join(sorted(set(placeholders)))
    text = exchange.answer.strip()
    # strings blanked to their length, so that a place found outside them is a place in `text`
    spaced = _BETWEEN_TOKENS.search(_STRINGS.sub(lambda m: '"' + "x" * (len(m[0]) - 2) + '"', text))
    if spaced:
        return "re-serialised answer", f"...{text[max(0, spaced.start() - 30) : spaced.end() + 10]}..."
    if operation == "add_vault_resources" and isinstance(request, dict) and isinstance(answer, dict):
        given = {r.get("id") for r in request.get("resources", [])}
        answered = set(answer.get("add_resource_ids") or [])
        if not answered <= given:
            return "answer contradicts request", f"answered {sorted(answered - given)}"
    if operation == "update_vault" and exchange.status < 300 and answer == {}:
        return "empty answer", "update_vault answers the vault"
    return None


def split(exchanges: list[Exchange]) -> tuple[list[Exchange], list[LeftOut]]:
    kept: list[Exchange] = []
    left: list[LeftOut] = []
    for exchange in exchanges:
        reason = leave_out(exchange)
        if reason is None:
            kept.append(exchange)
        else:
            left.append(LeftOut(exchange.where, exchange.operation or "-", *reason))
    return kept, left


# --- ids -------------------------------------------------------------------------------------------


@dataclass
class IdMap:
    """Recorded id -> the emulator's, and back (an emulator id stands for one recorded id)."""

    to_emulator: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def add(self, recorded: str, emulated: str) -> None:
        self.to_emulator[recorded] = emulated
        self.taken.add(emulated)

    def match(self, recorded: str, emulated: Any) -> bool:
        """Whether `emulated` stands at the place of `recorded`; a first sighting maps them."""
        if recorded in self.to_emulator:
            return bool(self.to_emulator[recorded] == emulated)
        if not isinstance(emulated, str) or emulated in self.taken:
            return False
        self.add(recorded, emulated)
        return True

    def apply(self, value: Any) -> Any:
        if isinstance(value, str):
            return ",".join(self.to_emulator.get(part, part) for part in value.split(","))
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        return value


# --- the world a recording presupposes -------------------------------------------------------------


class Emulator:
    """A project of the emulator (token auth) and its control API, over an httpx client (a
    starlette TestClient is one)."""

    def __init__(self, client: httpx.Client, project_id: str, token: str, async_delay: float) -> None:
        self.client = client
        self.project_id = project_id
        self.token = token
        self.async_delay = async_delay

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"X-Auth-Token": self.token}
        return self.client.request(method, f"/v3/{self.project_id}{path}", headers=headers, **kwargs)

    def must(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"seeding {method} {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.text else None

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.client.request(method, f"/_emulator{path}", **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"control {method} {path}: {answer.status_code} {answer.text}")
        return answer.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", json={"seconds": seconds})


@dataclass
class World:
    vaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    backups: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


def world_of(exchanges: list[Exchange]) -> World:
    """Everything the recorded answers show as existing."""
    world = World()
    for exchange in exchanges:
        answer = exchange.answer_json()
        if not isinstance(answer, dict):
            continue
        for vault in [*answer.get("vaults", []), *([answer["vault"]] if "vault" in answer else [])]:
            world.vaults.setdefault(vault["id"], vault)
            for resource in vault.get("resources", []):
                world.resources.setdefault(resource["id"], {**resource, "az": None})
                if resource.get("protect_status") == "deleted":
                    world.deleted.add(resource["id"])
        for backup in [*answer.get("backups", []), *([answer["backup"]] if "backup" in answer else [])]:
            world.backups.setdefault(backup["id"], backup)
            known = world.resources.setdefault(
                backup["resource_id"],
                {
                    "id": backup["resource_id"],
                    "type": backup["resource_type"],
                    "name": backup["resource_name"],
                    "size": backup["resource_size"],
                },
            )
            known["az"] = known.get("az") or backup.get("resource_az")
        for policy in [*answer.get("policies", []), *([answer["policy"]] if "policy" in answer else [])]:
            world.policies.setdefault(policy["id"], policy)
    return world


def _inventory_item(resource: Mapping[str, Any]) -> dict[str, Any]:
    az = resource.get("az") or "ap-southeast-1a"
    item: dict[str, Any] = {"id": resource["id"], "name": resource["name"], "az": az}
    if resource["type"] == "OS::Nova::Server":
        disk = str(uuid.uuid5(uuid.NAMESPACE_URL, resource["id"]))
        item["status"] = "ACTIVE"
        item["volumes"] = [
            {"id": disk, "name": f"{resource['name']}-sys", "size": resource["size"], "bootable": True}
        ]
    elif resource["type"] == "OS::Cinder::Volume":
        item.update(status="available", size=resource["size"], bootable=False)
    else:
        item.update(status="available", size=resource["size"])
    return item


def _with_resources(
    inventory: dict[str, Any], project_id: str, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    project = inventory["projects"].setdefault(project_id, {})
    for resource in resources:
        section = _INVENTORY_SECTIONS.get(resource["type"])
        if section is not None:
            project.setdefault(section, []).append(_inventory_item(resource))
    return inventory


def _vault_body(vault: Mapping[str, Any]) -> dict[str, Any]:
    billing = vault["billing"]
    body: dict[str, Any] = {
        "name": vault["name"],
        "billing": {
            key: billing[key]
            for key in (
                "consistent_level",
                "object_type",
                "protect_type",
                "size",
                "charging_mode",
                "cloud_type",
            )
            if billing.get(key) is not None
        },
        "resources": [{"id": r["id"], "type": r["type"]} for r in vault.get("resources", [])],
    }
    if billing.get("is_multi_az"):
        body["billing"]["is_multi_az"] = True
    for key in (
        "description",
        "enterprise_project_id",
        "auto_bind",
        "smn_notify",
        "threshold",
        "tags",
        "backup_name_prefix",
        "demand_billing",
        "availability_zone",
        "sys_lock_source_service",
        "locked",
    ):
        if vault.get(key) not in (None, ""):
            body[key] = vault[key]
    if vault.get("bind_rules"):
        body["bind_rules"] = vault["bind_rules"]
    if not body.get("tags"):
        body.pop("tags", None)
    return {"vault": body}


def _created_order(items: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(items.items(), key=lambda kv: str(kv[1].get("created_at") or ""))


def seed(emulator: Emulator, exchanges: list[Exchange], ids: IdMap) -> None:
    """Make, through the emulator's API, the vaults, backups and policies the recording shows."""
    world = world_of(exchanges)
    inventory = emulator.control("GET", "/inventory")
    resources = list(world.resources.values())
    emulator.control("PUT", "/inventory", json=_with_resources(inventory, emulator.project_id, resources))
    for recorded_id, vault in _created_order(world.vaults):
        made = emulator.must("POST", "/vaults", json=_vault_body(vault))["vault"]
        ids.add(recorded_id, made["id"])
        if vault.get("auto_expand"):
            emulator.must("PUT", f"/vaults/{made['id']}", json={"vault": {"auto_expand": True}})
        emulator.advance(1)
    for recorded_id, backup in _created_order(world.backups):
        vault_id = ids.to_emulator.get(backup["vault_id"])
        if vault_id is None:
            resource = world.resources[backup["resource_id"]]
            vault = {
                "name": f"vault-of-{resource['name']}",
                "billing": {
                    "consistent_level": "crash_consistent",
                    "object_type": OBJECT_TYPES[resource["type"]],
                    "protect_type": "backup",
                    "size": max(100, 2 * int(resource["size"])),
                },
                "resources": [resource],
            }
            vault_id = emulator.must("POST", "/vaults", json=_vault_body(vault))["vault"]["id"]
            ids.add(backup["vault_id"], vault_id)
        parameters: dict[str, Any] = {"resources": [backup["resource_id"]], "name": backup["name"]}
        if backup.get("description") is not None:
            parameters["description"] = backup["description"]
        checkpoint = emulator.must(
            "POST", "/checkpoints", json={"checkpoint": {"vault_id": vault_id, "parameters": parameters}}
        )["checkpoint"]
        emulator.advance(emulator.async_delay + 1)
        [made] = emulator.must("GET", "/backups", params={"checkpoint_id": checkpoint["id"]})["backups"]
        ids.add(recorded_id, made["id"])
        ids.add(backup["checkpoint_id"], checkpoint["id"])
    for recorded_id, policy in sorted(
        world.policies.items(), key=lambda kv: kv[1]["trigger"]["properties"]["start_time"]
    ):
        definition = {k: v for k, v in policy["operation_definition"].items() if k != "created_by"}
        properties = {k: v for k, v in policy["trigger"]["properties"].items() if k != "start_time"}
        body = {
            "name": policy["name"],
            "operation_type": policy["operation_type"],
            "operation_definition": definition,
            "enabled": policy["enabled"],
            "trigger": {"properties": properties},
        }
        made = emulator.must("POST", "/policies", json={"policy": body})["policy"]
        ids.add(recorded_id, made["id"])
        for association in policy.get("associated_vaults") or []:
            apply: dict[str, Any] = {"policy_id": made["id"]}
            if association.get("destination_vault_id"):
                apply["destination_vault_id"] = ids.apply(association["destination_vault_id"])
            emulator.must("POST", f"/vaults/{ids.apply(association['vault_id'])}/associatepolicy", json=apply)
    if world.deleted:
        inventory = emulator.control("GET", "/inventory")
        for items in inventory["projects"][emulator.project_id].values():
            items[:] = [item for item in items if item["id"] not in world.deleted]
        emulator.control("PUT", "/inventory", json=inventory)


# --- divergences kept on purpose ------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    operation: str
    path: str
    why: str


# Divergences kept on purpose, with the evidence. A divergence not listed here is new: fix the
# emulator, or list it with its evidence. `(status)` is the answer's status code.
KNOWN: tuple[Known, ...] = (
    Known(
        "list_backups",
        "backups[].protected_at",
        "the recorded disk backups (3 of 3, available) have protected_at null, the server backups a "
        "time; the reference (table 4-161) and the SDK call it the backup time, which the emulator "
        "gives every completed backup",
    ),
    Known(
        "list_vaults",
        "vaults[].user_id",
        "the recorded vaults were made by two IAM users of one project; the emulator has one user "
        "per project, so the second user's vaults show the first's id",
    ),
    Known(
        "delete_backup",
        "(status)",
        "one recording answers 200 {} where the reference says 204, its headers copied from the "
        "listing before it (spec/errata.yaml E-LIVE-DELETE-BACKUP-200)",
    ),
)


def known_at(operation: str, path: str) -> Known | None:
    return next((k for k in KNOWN if k.operation == operation and k.path == path), None)


# --- comparing --------------------------------------------------------------------------------------

MISSING = object()


@dataclass(frozen=True)
class Compared:
    """One leaf of a recorded answer beside the emulator's value at the same place."""

    operation: str
    path: str  # indices as []
    kind: str  # id, time, data, value
    recorded: Any
    emulated: Any
    present: bool
    same_type: bool
    equal: bool


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _time_shape(value: str) -> str:
    return re.sub(r"\d", "9", value)


def _kind(key: str) -> str:
    if key in VALUE_IDS:
        return "value"
    if key == "id" or key.endswith("_id"):
        return "id"
    if key in TIME_KEYS:
        return "time"
    if key in DATA_KEYS:
        return "data"
    return "value"


def _leaf(operation: str, path: str, key: str, recorded: Any, emulated: Any, ids: IdMap) -> Compared:
    present = emulated is not MISSING
    same_type = present and _json_type(recorded) == _json_type(emulated)
    kind = _kind(key)
    if not present:
        equal = False
    elif kind == "id" and isinstance(recorded, str):
        equal = ids.match(recorded, emulated)
    elif kind == "time" and isinstance(recorded, str):
        equal = isinstance(emulated, str) and _time_shape(recorded) == _time_shape(emulated)
    elif kind == "data":
        equal = same_type
    else:
        equal = same_type and recorded == emulated
    shown = None if emulated is MISSING else emulated
    return Compared(operation, path, kind, recorded, shown, present, same_type, equal)


def compare(
    operation: str, recorded: Any, emulated: Any, ids: IdMap, path: str = "", key: str = ""
) -> list[Compared]:
    """Every leaf of `recorded` (a scalar, or an empty object or array) beside `emulated`."""
    if isinstance(recorded, dict) and recorded:
        inner = emulated if isinstance(emulated, dict) else {}
        return [
            c
            for k, v in recorded.items()
            for c in compare(operation, v, inner.get(k, MISSING), ids, f"{path}.{k}" if path else k, k)
        ]
    if isinstance(recorded, list) and recorded:
        inner_list = emulated if isinstance(emulated, list) else []
        element_key = key[:-1] if key.endswith("_ids") else key
        return [
            c
            for index, v in enumerate(recorded)
            for c in compare(
                operation,
                v,
                inner_list[index] if index < len(inner_list) else MISSING,
                ids,
                f"{path}[]",
                element_key,
            )
        ]
    return [_leaf(operation, path, key, recorded, emulated, ids)]


def extras(recorded: Any, emulated: Any, path: str = "") -> list[str]:
    """Paths the emulator answers that the recording does not have (objects only)."""
    if isinstance(recorded, dict) and isinstance(emulated, dict):
        found = [f"{path}.{k}" if path else k for k in emulated if k not in recorded]
        for k, v in recorded.items():
            if k in emulated:
                found += extras(v, emulated[k], f"{path}.{k}" if path else k)
        return found
    if isinstance(recorded, list) and isinstance(emulated, list):
        return [p for r, e in zip(recorded, emulated, strict=False) for p in extras(r, e, f"{path}[]")]
    return []


@dataclass
class Replayed:
    """One exchange sent again: statuses and compared fields."""

    exchange: Exchange
    status: int
    fields: list[Compared]
    only_emulated: list[str]


def replay(emulator: Emulator, exchanges: list[Exchange]) -> list[Replayed]:
    """Seed the world of `exchanges` (the kept ones of one recording), then send each again."""
    ids = IdMap()
    seed(emulator, exchanges, ids)
    done = []
    for exchange in exchanges:
        operation = exchange.operation or "-"
        path = "/".join(ids.apply(part) for part in exchange.path.split("/"))
        params = [(k, ids.apply(v)) for k, v in exchange.query]
        kwargs: dict[str, Any] = {"params": params}
        if exchange.request:
            kwargs["json"] = ids.apply(json.loads(exchange.request))
        answer = emulator.call(exchange.method, path, **kwargs)
        emulated = answer.json() if answer.text else None
        recorded = exchange.answer_json()
        fields = compare(operation, recorded, emulated, ids) if recorded not in (None, {}) else []
        done.append(Replayed(exchange, answer.status_code, fields, extras(recorded, emulated)))
    return done


def reset(emulator: Emulator, inventory: dict[str, Any]) -> None:
    emulator.control("POST", "/reset")
    emulator.control("PUT", "/inventory", json=inventory)


@dataclass
class Tally:
    """Parity of one operation (or of all): exchanges and statuses agreeing, fields compared."""

    exchanges: int = 0
    statuses_equal: int = 0
    fields: int = 0
    present: int = 0
    same_type: int = 0
    equal: int = 0

    def add(self, replayed: Replayed) -> None:
        self.exchanges += 1
        self.statuses_equal += replayed.status == replayed.exchange.status
        self.fields += len(replayed.fields)
        self.present += sum(f.present for f in replayed.fields)
        self.same_type += sum(f.same_type for f in replayed.fields)
        self.equal += sum(f.equal for f in replayed.fields)

    @property
    def share_equal(self) -> float:
        return self.equal / self.fields if self.fields else 1.0


def tally(done: list[Replayed]) -> tuple[dict[str, Tally], Tally]:
    """Per operation, and overall."""
    per_operation: dict[str, Tally] = {}
    overall = Tally()
    for replayed in done:
        per_operation.setdefault(replayed.exchange.operation or "-", Tally()).add(replayed)
        overall.add(replayed)
    return dict(sorted(per_operation.items())), overall
