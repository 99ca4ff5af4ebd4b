"""Backups (reference section 4.5, application case 5.3): show, list, delete and restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cbr_conformance.contract.codes import BACKUP_NOT_FOUND, UNKNOWN_ID
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.backups import BEING_RESTORED, show_backup, wait_gone
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.moments import moment
from cbr_conformance.testkit.bodies import server_restore_body
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset
from cbr_conformance.testkit.paging import page_query


def _list(cbr: CBRClient, **query: Any) -> dict[str, Any]:
    body: dict[str, Any] = expect_status(cbr.call("list_backups", query=page_query(**query)), 200)
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [b["id"] for b in body["backups"]]


def _top_level(backups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Backups of the resources themselves (a server's disk backups name it as their parent)."""
    return [b for b in backups if not b.get("parent_id")]


def _query_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _multi_volume_backups(cbr_resources: Resources, count: int) -> tuple[dict[str, Any], list[str]]:
    """A disk vault of `count` disks backed up once: the vault and its backups' ids."""
    volumes = [cbr_resources.lease(VOLUME) for _ in range(count)]
    vault = cbr_resources.vault("disk", volumes)
    first = cbr_resources.backup(vault["id"])
    backups = _top_level(cbr_resources.backups_of(first["checkpoint_id"]))
    assert len(backups) == count, (
        f"setup, 4.3.2: a restore point of {count} disks makes {count} backups, got {len(backups)}"
    )
    return vault, [b["id"] for b in backups]


# --- show_backup --------------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="show_backup",
    kind="contract",
    mutates=True,
    id="backup-show-server-children",
    needs={SERVER: 1},
)
def test_show_server_backup_lists_its_disk_backups(cbr: CBRClient, cbr_shared_backups: SharedBackups) -> None:
    """4.5.1 (Table 4-152): a server backup shows its fields, and its disks' backups as children."""
    shared = cbr_shared_backups.server()  # read only: made once for the run
    vault, server, made = shared.vault, shared.resource, shared.backup
    backup = show_backup(cbr, made["id"])
    expect_subset(
        backup,
        {
            "id": made["id"],
            "checkpoint_id": made["checkpoint_id"],
            "vault_id": vault["id"],
            "project_id": cbr.project_id,
            "resource_id": server["id"],
            "resource_type": SERVER,
            "image_type": "backup",
            "status": "available",
        },
        "$.backup",
    )
    assert not backup.get("parent_id"), (
        f"4.5.1 (Table 4-152): a server backup has no parent_id, got {backup.get('parent_id')!r}"
    )
    children = backup.get("children") or []
    assert children, (
        "4.5.1 (Table 4-152): a server backup lists the backups of its disks as children, got none"
    )
    for child in children:
        assert child["parent_id"] == made["id"], (
            f"4.5.1 (Table 4-154): a child's parent_id is the server backup, got {child['parent_id']!r}"
        )
        assert child["resource_type"] == VOLUME, (
            f"4.5.1 (Table 4-154): a child is a disk backup ({VOLUME}), got {child['resource_type']!r}"
        )
        assert child["checkpoint_id"] == made["checkpoint_id"] and child["vault_id"] == vault["id"], (
            "4.5.1 (Table 4-154): a child has its parent's checkpoint_id and vault_id, "
            f"got {child['checkpoint_id']!r}, {child['vault_id']!r}"
        )
    if server["volumes"]:  # the inventory names the server's disks: each has its backup
        disks = sorted(v["id"] for v in server["volumes"])
        assert sorted(c["resource_id"] for c in children) == disks, (
            "4.5.1 (Table 4-154): the children back up the server's disks "
            f"{disks}, got {sorted(c['resource_id'] for c in children)}"
        )


@pytest.mark.cbr(
    operation="show_backup",
    kind="contract",
    mutates=True,
    id="backup-show-disk-echoes-input",
    needs={VOLUME: 1},
)
def test_show_disk_backup_echoes_the_backup_request(
    cbr: CBRClient, cbr_shared_backups: SharedBackups
) -> None:
    """4.5.1 (Table 4-152): a disk backup has the name and description given, and no parent or children."""
    shared = cbr_shared_backups.disk()  # read only: made once for the run
    made = shared.backup
    backup = show_backup(cbr, made["id"])
    expect_subset(
        backup,
        {
            "id": made["id"],
            "name": shared.name,
            "description": shared.description,
            "vault_id": shared.vault["id"],
            "resource_id": shared.resource["id"],
            "resource_type": VOLUME,
            "status": "available",
        },
        "$.backup",
    )
    assert not backup.get("parent_id") and not backup.get("children"), (
        "4.5.1 (Table 4-152): a disk backup has no parent_id and no children, "
        f"got {backup.get('parent_id')!r}, {backup.get('children')!r}"
    )


@pytest.mark.cbr(operation="show_backup", kind="negative", id="backup-show-unknown")
def test_show_unknown_backup_is_not_found(cbr: CBRClient) -> None:
    """4.5.1, 7.2: an unknown backup id answers 404 BackupService.6200."""
    expect_error(cbr.call("show_backup", path={"backup_id": UNKNOWN_ID}), 404, BACKUP_NOT_FOUND)


@pytest.mark.cbr(
    operation=("show_backup", "delete_backup", "list_backups"),
    kind="negative",
    mutates=True,
    id="backup-other-project-unknown",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_backup_of_another_project_is_unknown_to_it(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """1.5, 4.5: another project neither shows, deletes nor lists a backup: 404 BackupService.6200."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    path = {"backup_id": made["id"]}
    expect_error(cbr_second.call("show_backup", path=path), 404, BACKUP_NOT_FOUND)
    expect_error(cbr_second.call("delete_backup", path=path), 404, BACKUP_NOT_FOUND)
    listed = expect_status(cbr_second.call("list_backups", query={"vault_id": vault["id"]}), 200)
    assert listed["backups"] == [] and listed["count"] == 0, (
        "1.5, 4.5.2: projects are isolated: another project lists none of this vault's backups, "
        f"got {_ids(listed)}, count {listed['count']}"
    )
    assert show_backup(cbr, made["id"])["status"] == "available", (
        "1.5, 4.5.3: projects are isolated: another project's delete_backup must leave the backup available"
    )


# --- list_backups -------------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-by-checkpoint-and-name",
    needs={SERVER: 1, VOLUME: 1},
)
def test_list_backups_by_checkpoint_and_name(cbr: CBRClient, cbr_shared_backups: SharedBackups) -> None:
    """4.5.2 (Table 4-158): checkpoint_id= and name= list the one matching backup, as shown by id."""
    # read only: the run's shared backups; the server's is another backup the filters must leave out
    disk, server = cbr_shared_backups.disk(), cbr_shared_backups.server()
    made = disk.backup

    body = _list(cbr, checkpoint_id=made["checkpoint_id"])
    assert _ids(body) == [made["id"]] and body["count"] == 1, (
        "4.5.2 (Tables 4-158, 4-160): checkpoint_id= lists its one backup, count 1, "
        f"got {_ids(body)}, count {body['count']}"
    )
    listed = body["backups"][0]
    shown = show_backup(cbr, made["id"])
    for field in ("name", "status", "checkpoint_id", "vault_id", "resource_id", "resource_type"):
        assert listed[field] == shown[field], (
            f"4.5.2 (Table 4-161), 4.5.1 (Table 4-152): list and show agree on {field}: "
            f"listed {listed[field]!r}, shown {shown[field]!r}"
        )
    assert listed["resource_id"] == disk.resource["id"], (
        f"4.5.2 (Table 4-161): resource_id is the disk backed up, got {listed['resource_id']!r}"
    )
    assert moment(listed["created_at"]) == moment(shown["created_at"]), (
        "4.5.2 (Table 4-161), 4.5.1 (Table 4-152): list and show agree on created_at: "
        f"listed {listed['created_at']!r}, shown {shown['created_at']!r}"
    )
    body = _list(cbr, checkpoint_id=server.backup["checkpoint_id"])
    assert server.backup["id"] in _ids(body) and made["id"] not in _ids(body), (
        "4.5.2 (Table 4-158): checkpoint_id= lists that restore point's backups, not another's, "
        f"got {_ids(body)}"
    )

    body = _list(cbr, name=disk.name)
    assert _ids(body) == [made["id"]] and body["count"] == 1, (
        "4.5.2 (Tables 4-158, 4-160): name= lists its one backup, count 1, "
        f"got {_ids(body)}, count {body['count']}"
    )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-by-vault-and-resource",
    needs={VOLUME: 2},
    creates={"vault": 1, "disk_backup": 2},
)
def test_list_backups_by_vault_and_resource(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.2 (Table 4-158): vault_id, resource_id and resource_type list exactly the matching backups."""
    held = [cbr_resources.lease(VOLUME), cbr_resources.lease(VOLUME)]
    vault = cbr_resources.vault("disk", held)
    first, second = held  # the disks the vault holds: another client's vault may hold one leased
    checkpoint = cbr_resources.backup(vault["id"])["checkpoint_id"]
    by_resource = {b["resource_id"]: b["id"] for b in _top_level(cbr_resources.backups_of(checkpoint))}
    assert sorted(by_resource) == sorted([first.id, second.id]), (
        f"setup, 4.3.2: a restore point of 2 disks backs up each, got backups of {sorted(by_resource)}"
    )

    body = _list(cbr, vault_id=vault["id"])
    assert sorted(_ids(body)) == sorted(by_resource.values()) and body["count"] == 2, (
        "4.5.2 (Tables 4-158, 4-160): vault_id= lists the vault's 2 backups, count 2, "
        f"got {_ids(body)}, count {body['count']}"
    )

    body = _list(cbr, resource_id=first.id)
    assert by_resource[first.id] in _ids(body) and by_resource[second.id] not in _ids(body), (
        f"4.5.2 (Table 4-158): resource_id= lists that disk's backup, not the other's, got {_ids(body)}"
    )
    assert all(b["resource_id"] == first.id for b in body["backups"]), (
        "4.5.2 (Table 4-158): resource_id= lists backups of that resource only, "
        f"got {sorted({str(b['resource_id']) for b in body['backups']})}"
    )

    body = _list(cbr, vault_id=vault["id"], resource_type=VOLUME)
    assert sorted(_ids(body)) == sorted(by_resource.values()), (
        f"4.5.2 (Table 4-158): resource_type={VOLUME} lists the vault's 2 disk backups, got {_ids(body)}"
    )
    body = _list(cbr, vault_id=vault["id"], resource_type=SERVER)
    assert body["backups"] == [] and body["count"] == 0, (
        f"4.5.2 (Tables 4-158, 4-160): resource_type={SERVER} lists none of a disk vault, "
        f"got {_ids(body)}, count {body['count']}"
    )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-by-parent",
    needs={SERVER: 1},
)
def test_list_backups_by_parent_gives_the_disk_backups(
    cbr: CBRClient, cbr_shared_backups: SharedBackups
) -> None:
    """4.5.2 (Table 4-158): parent_id= lists a server backup's disk backups, its children."""
    made = cbr_shared_backups.server().backup  # read only: made once for the run
    children = show_backup(cbr, made["id"]).get("children") or []
    assert children, (
        "4.5.1 (Table 4-152): a server backup lists the backups of its disks as children, got none"
    )
    body = _list(cbr, parent_id=made["id"])
    assert sorted(_ids(body)) == sorted(c["id"] for c in children), (
        f"4.5.2 (Table 4-158): parent_id= lists the backup's children {sorted(c['id'] for c in children)}, "
        f"got {sorted(_ids(body))}"
    )
    assert body["count"] == len(children), (
        f"4.5.2 (Table 4-160): count is the {len(children)} children listed, got {body['count']}"
    )
    assert all(b["parent_id"] == made["id"] for b in body["backups"]), (
        "4.5.2 (Table 4-158): parent_id= lists only that parent's children, "
        f"got parents {[b['parent_id'] for b in body['backups']]}"
    )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-by-status-and-owner",
    needs={VOLUME: 1},
)
def test_list_backups_by_status_and_ownership(cbr: CBRClient, cbr_shared_backups: SharedBackups) -> None:
    """4.5.2 (Table 4-158): repeated status filters; own_type private by default, all_granted, shared."""
    shared = cbr_shared_backups.disk()  # read only: made once for the run (and shared with nobody)
    vault, made = shared.vault, shared.backup

    body = _list(cbr, vault_id=vault["id"], status=["available", "error"])
    assert _ids(body) == [made["id"]], (
        f"4.5.2 (Table 4-158): status=available&status=error lists the available backup, got {_ids(body)}"
    )
    body = _list(cbr, status=["available", "error"], sort="created_at:desc", limit=1000)
    assert made["id"] in _ids(body), (
        "4.5.2 (Table 4-158): status=available&status=error, newest first, lists the newest available backup"
    )
    assert all(b["status"] in ("available", "error") for b in body["backups"]), (
        "4.5.2 (Table 4-158): status=available&status=error lists those statuses only, "
        f"got {sorted({str(b['status']) for b in body['backups']})}"
    )
    body = _list(cbr, vault_id=vault["id"], status=["protecting", "error"])
    assert body["backups"] == [] and body["count"] == 0, (
        "4.5.2 (Tables 4-158, 4-160): status=protecting&status=error lists no available backup, "
        f"got {_ids(body)}, count {body['count']}"
    )

    assert _ids(_list(cbr, vault_id=vault["id"])) == [made["id"]], (  # private by default
        "4.5.2 (Table 4-158): own_type is private by default: the project's own backup is listed"
    )
    assert _ids(_list(cbr, vault_id=vault["id"], own_type="private")) == [made["id"]], (
        "4.5.2 (Table 4-158): own_type=private lists the project's own backup"
    )
    assert _ids(_list(cbr, vault_id=vault["id"], own_type="all_granted")) == [made["id"]], (
        "4.5.2 (Table 4-158): own_type=all_granted lists the project's own backup too"
    )
    assert _list(cbr, vault_id=vault["id"], own_type="shared")["backups"] == [], (  # shared with nobody
        "4.5.2 (Table 4-158): own_type=shared lists no backup of the project's own"
    )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-by-time-and-usage",
    needs={VOLUME: 1},
)
def test_list_backups_by_time_and_vault_usage(cbr: CBRClient, cbr_shared_backups: SharedBackups) -> None:
    """4.5.2 (Table 4-158): start_time and end_time bound the backups listed; used_percent filters."""
    shared = cbr_shared_backups.disk()  # read only: its vault holds this one backup
    vault, made = shared.vault, shared.backup

    started = moment(made["created_at"]).replace(microsecond=0)  # queries have whole seconds
    # "end_time" may bound when the backup ended rather than began: the window covers both
    events = [moment(made[f]) for f in ("created_at", "protected_at", "updated_at") if made.get(f)]
    ended = max(events).replace(microsecond=0) + timedelta(seconds=1)
    window = {"start_time": _query_time(started), "end_time": _query_time(ended)}
    assert _ids(_list(cbr, vault_id=vault["id"], **window)) == [made["id"]], (
        f"4.5.2 (Table 4-158): start_time={window['start_time']}&end_time={window['end_time']} lists it"
    )
    later = _query_time(started + timedelta(seconds=2))
    assert _list(cbr, vault_id=vault["id"], start_time=later)["backups"] == [], (
        f"4.5.2 (Table 4-158): start_time={later}, after the backup, lists none"
    )
    earlier = _query_time(started - timedelta(seconds=1))
    assert _list(cbr, vault_id=vault["id"], end_time=earlier)["backups"] == [], (
        f"4.5.2 (Table 4-158): end_time={earlier}, before the backup, lists none"
    )

    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    used_mb, size_gb = shown["billing"]["used"], shown["billing"]["size"]
    assert used_mb < size_gb * 1024, (
        f"setup: one disk backup must not fill the vault (Table 4-101): used {used_mb} MB of {size_gb} GB"
    )
    # a vault that is not full is not 100 % used
    assert _list(cbr, vault_id=vault["id"], used_percent="100")["backups"] == [], (
        f"4.5.2 (Table 4-158): used_percent=100 lists none of a vault using {used_mb} MB of {size_gb} GB"
    )
    if used_mb * 100 >= size_gb * 1024:  # at least 1 % used: the backup is listed at 1 %
        assert _ids(_list(cbr, vault_id=vault["id"], used_percent="1")) == [made["id"]], (
            f"4.5.2 (Table 4-158): used_percent=1 lists the backup, vault using {used_mb} MB of {size_gb} GB"
        )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-sort-created-at",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 2},
)
def test_list_backups_sorted_by_creation_time(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.2 (Table 4-158): sort=created_at orders ascending or descending, descending by default."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    older = cbr_resources.backup(vault["id"])
    newer = cbr_resources.backup(vault["id"])
    assert moment(older["created_at"]) < moment(newer["created_at"]), (
        "setup, 4.5.1 (Table 4-152): the second backup is created later, "
        f"got created_at {older['created_at']} then {newer['created_at']}"
    )
    ascending = _list(cbr, vault_id=vault["id"], sort="created_at:asc")
    assert _ids(ascending) == [older["id"], newer["id"]], (
        f"4.5.2 (Table 4-158): sort=created_at:asc lists the older backup first, got {_ids(ascending)}"
    )
    descending = _list(cbr, vault_id=vault["id"], sort="created_at:desc")
    assert _ids(descending) == [newer["id"], older["id"]], (
        f"4.5.2 (Table 4-158): sort=created_at:desc lists the newer backup first, got {_ids(descending)}"
    )
    default_direction = _list(cbr, vault_id=vault["id"], sort="created_at")  # desc unless told
    assert _ids(default_direction) == [newer["id"], older["id"]], (
        f"4.5.2 (Table 4-158): the default direction is desc: newer first, got {_ids(default_direction)}"
    )
    for direction in ("asc", "desc"):  # the order holds over the project's whole first page too
        body = _list(cbr, sort=f"created_at:{direction}", limit=1000)
        times = [moment(b["created_at"]) for b in body["backups"]]
        assert times == sorted(times, reverse=direction == "desc"), (
            f"4.5.2 (Table 4-158): sort=created_at:{direction} must order the project's first page"
        )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-paging-offset",
    needs={VOLUME: 3},
    creates={"vault": 1, "disk_backup": 3},
)
def test_list_backups_pages_with_limit_and_offset(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.2 (Tables 4-158, 4-160), 5.3: limit=1 at offsets 0 to 2 lists each of 3 backups once."""
    vault, made = _multi_volume_backups(cbr_resources, 3)
    seen: list[str] = []
    for offset in range(3):
        page = _list(cbr, vault_id=vault["id"], limit=1, offset=offset)
        assert len(page["backups"]) == 1, (
            f"4.5.2 (Table 4-158): limit=1 at offset {offset} of 3 lists 1 backup, got {len(page['backups'])}"
        )
        assert page["count"] == 3, (
            f"4.5.2 (Table 4-160): count is the 3 backups matched, got {page['count']} at offset {offset}"
        )
        assert page.get("limit", 1) == 1 and page.get("offset", offset) == offset, (
            f"4.5.2 (Table 4-160): limit and offset are those of the query (1, {offset}), "
            f"got {page.get('limit')}, {page.get('offset')}"
        )
        seen += _ids(page)
    assert len(seen) == len(set(seen)) == 3, (
        f"4.5.2 (Table 4-158): pages at offsets 0, 1, 2 hold 3 distinct backups, got {seen}"
    )
    assert sorted(seen) == sorted(made), (
        f"4.5.2 (Table 4-158): the pages hold the vault's 3 backups {sorted(made)}, got {sorted(seen)}"
    )
    beyond = _list(cbr, vault_id=vault["id"], limit=2, offset=3)
    assert beyond["backups"] == [] and beyond["count"] == 3, (
        "4.5.2 (Tables 4-158, 4-160): offset 3 of 3 backups lists none, count 3, "
        f"got {_ids(beyond)}, count {beyond['count']}"
    )


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="backup-list-paging-marker",
    needs={VOLUME: 3},
    creates={"vault": 1, "disk_backup": 3},
)
def test_list_backups_pages_with_a_marker(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.2 (Table 4-158): marker pages on from the previous page's last backup, without overlap."""
    vault, made = _multi_volume_backups(cbr_resources, 3)
    seen: list[str] = []
    marker: str | None = None
    for _ in range(3):
        page = _list(cbr, vault_id=vault["id"], limit=2, marker=marker)
        assert len(page["backups"]) <= 2 and page["count"] == 3, (
            "4.5.2 (Tables 4-158, 4-160): limit=2 lists at most 2 backups, count 3, "
            f"got {len(page['backups'])}, count {page['count']}"
        )
        seen += _ids(page)
        if len(seen) >= 3:
            break
        marker = seen[-1]
    assert len(seen) == len(set(seen)) == 3, (
        f"4.5.2 (Table 4-158): pages by marker hold 3 distinct backups, got {seen}"
    )
    assert sorted(seen) == sorted(made), (
        f"4.5.2 (Table 4-158): the pages hold the vault's 3 backups {sorted(made)}, got {sorted(seen)}"
    )
    last = _list(cbr, vault_id=vault["id"], marker=seen[-1])
    assert last["backups"] == [], (
        f"4.5.2 (Table 4-158): the page after the marker of the last backup is empty, got {_ids(last)}"
    )


@pytest.mark.cbr(operation="list_backups", kind="negative", id="backup-list-invalid-query")
@pytest.mark.parametrize(
    "query",
    [
        {"status": "finished"},
        {"status": ["available", "finished"]},
        {"sort": "size:asc"},
        {"sort": "created_at:up"},
        {"used_percent": "0"},
        {"used_percent": "101"},
        {"used_percent": "most"},
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"offset": -1},
        {"own_type": "mine"},
        {"resource_type": "OS::Nova::Flavor"},
        {"member_status": "maybe"},
        {"start_time": "yesterday"},
    ],
    ids=lambda query: "&".join(f"{key}={value}" for key, value in query.items()),
)
def test_list_backups_with_invalid_query_is_refused(cbr: CBRClient, query: dict[str, Any]) -> None:
    """4.5.2 (Table 4-158; E-LIMIT-MAX): a query value out of its enumeration, range or format is refused."""
    expect_error(cbr.call("list_backups", query=query), 400)


# --- delete_backup ------------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="delete_backup",
    kind="contract",
    mutates=True,
    id="backup-delete-then-gone",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_delete_backup_makes_it_unknown(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.3: a deleted backup answers 204, then 404 BackupService.6200, and is listed nowhere."""
    vault, _ = cbr_resources.vault_with_resource(SERVER)
    made = cbr_resources.backup(vault["id"])
    expect_status(cbr.call("delete_backup", path={"backup_id": made["id"]}), 204)
    expect_error(wait_gone(cbr, cbr_resources, made["id"]), 404, BACKUP_NOT_FOUND)
    assert made["id"] not in _ids(_list(cbr, vault_id=vault["id"])), (
        "4.5.2 (Table 4-158): vault_id= must not list a backup deleted (4.5.3)"
    )
    assert made["id"] not in _ids(_list(cbr, checkpoint_id=made["checkpoint_id"])), (
        "4.5.2 (Table 4-158): checkpoint_id= must not list a backup deleted (4.5.3)"
    )
    expect_error(cbr.call("delete_backup", path={"backup_id": made["id"]}), 404, BACKUP_NOT_FOUND)


@pytest.mark.cbr(
    operation="delete_backup",
    kind="contract",
    mutates=True,
    id="backup-delete-keeps-others",
    needs={VOLUME: 2},
    creates={"vault": 1, "disk_backup": 2},
)
def test_delete_backup_keeps_the_other_backups(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.3: deleting a single backup leaves the vault's other backup available."""
    vault, made = _multi_volume_backups(cbr_resources, 2)
    gone, kept = made
    expect_status(cbr.call("delete_backup", path={"backup_id": gone}), 204)
    wait_gone(cbr, cbr_resources, gone)
    assert _ids(_list(cbr, vault_id=vault["id"])) == [kept], (
        "4.5.3: deleting a single backup leaves the vault's other backup listed, alone"
    )
    assert show_backup(cbr, kept)["status"] == "available", (
        "4.5.3: deleting a single backup leaves the other one available"
    )


@pytest.mark.cbr(operation="delete_backup", kind="negative", id="backup-delete-unknown")
def test_delete_unknown_backup_is_not_found(cbr: CBRClient) -> None:
    """4.5.3, 7.2: deleting an unknown backup answers 404 BackupService.6200."""
    expect_error(cbr.call("delete_backup", path={"backup_id": UNKNOWN_ID}), 404, BACKUP_NOT_FOUND)


# --- restore_backup -----------------------------------------------------------------------------


def _restore_and_wait(
    cbr: CBRClient, cbr_resources: Resources, backup_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = cbr.call("restore_backup", path={"backup_id": backup_id}, json_body=body)
    assert expect_status(response, 202) is None, "4.5.4: a restore answers 202 Accepted, without a body"
    status = show_backup(cbr, backup_id)["status"]
    assert status in BEING_RESTORED, (
        f"4.5.1 (Table 4-152): a backup being restored (4.5.4) is {sorted(BEING_RESTORED)}, got {status!r}"
    )
    return cbr_resources.wait_backup(backup_id)


def _expect_refused(cbr: CBRClient, cbr_resources: Resources, backup_id: str, cases: dict[str, Any]) -> None:
    """Each body (bytes are sent as they are) is refused with 400; nothing starts restoring."""
    for case, body in cases.items():
        path = {"backup_id": backup_id}
        if isinstance(body, bytes):
            response = cbr.call("restore_backup", path=path, raw_body=body)
        else:
            response = cbr.call("restore_backup", path=path, json_body=body)
        if response.status == 202:  # wrongly accepted: let it end before the backup goes
            cbr_resources.wait_backup(backup_id)
        assert response.status == 400, (
            f"4.5.4 (Tables 4-169 to 4-171): {case} is refused with 400, got {response.exchange.summary()}"
        )
        expect_error(response, 400)


@pytest.mark.cbr(
    operation="restore_backup",
    kind="contract",
    mutates=True,
    id="backup-restore-server",
    needs={SERVER: 1},
    restores=True,
    creates={"vault": 1, "server_backup": 1, "restore": 1},
)
def test_restore_server_backup_onto_its_server(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.4 (Tables 4-170, 4-171): a server backup restores onto its server: 202, then available."""
    vault, _ = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    backup = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    assert backup.get("children"), (
        "4.5.1 (Table 4-152): a server backup lists its disk backups as children, for the mappings of 4.5.4"
    )
    restored = _restore_and_wait(cbr, cbr_resources, backup["id"], server_restore_body(backup, power_on=True))
    assert restored["status"] == "available", (
        f"4.5.1 (Table 4-152): a restored backup (4.5.4) is available again, got {restored['status']!r}"
    )


@pytest.mark.cbr(
    operation="restore_backup",
    kind="contract",
    mutates=True,
    id="backup-restore-disk",
    needs={VOLUME: 1},
    restores=True,
    creates={"vault": 1, "disk_backup": 1, "restore": 1},
)
def test_restore_disk_backup_onto_its_disk(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.4 (Table 4-170): a disk backup restores onto its disk by volume_id: 202, then available."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME, for_restore=True)
    made = cbr_resources.backup(vault["id"])
    restored = _restore_and_wait(cbr, cbr_resources, made["id"], {"restore": {"volume_id": volume.id}})
    assert restored["status"] == "available", (
        f"4.5.1 (Table 4-152): a restored backup (4.5.4) is available again, got {restored['status']!r}"
    )


@pytest.mark.cbr(
    operation="restore_backup",
    kind="negative",
    mutates=True,
    id="backup-restore-server-without-targets",
    needs={SERVER: 1},
    restores=True,
    creates={"vault": 1, "server_backup": 1},
)
def test_restore_server_backup_without_its_targets_is_refused(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.5.4 (Tables 4-170, 4-171): a server restore without server_id or disk mappings is refused."""
    vault, _ = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    backup = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    valid = server_restore_body(backup, power_on=True)["restore"]
    server_id, mappings = valid["server_id"], valid["mappings"]
    cases = {
        "no server_id": {"restore": {"mappings": mappings}},
        "no mappings": {"restore": {"server_id": server_id}},
        "empty mappings": {"restore": {"server_id": server_id, "mappings": []}},
        "mapping without volume_id": {
            "restore": {"server_id": server_id, "mappings": [{"backup_id": mappings[0]["backup_id"]}]}
        },
    }
    _expect_refused(cbr, cbr_resources, backup["id"], cases)


@pytest.mark.cbr(
    operation="restore_backup",
    kind="negative",
    mutates=True,
    id="backup-restore-invalid-body",
    needs={VOLUME: 1},
    restores=True,
    creates={"vault": 1, "disk_backup": 1},
)
def test_restore_disk_backup_with_invalid_body_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.5.4 (Tables 4-169, 4-170): a disk restore without volume_id, or malformed, is refused with 400."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME, for_restore=True)
    made = cbr_resources.backup(vault["id"])
    cases = {
        "no volume_id": {"restore": {}},
        "no restore": {},
        "power_on not boolean": {"restore": {"volume_id": volume.id, "power_on": "yes"}},
        "malformed JSON": b'{"restore": {"volume_id": ',
    }
    _expect_refused(cbr, cbr_resources, made["id"], cases)


@pytest.mark.cbr(operation="restore_backup", kind="negative", id="backup-restore-unknown")
def test_restore_unknown_backup_is_not_found(cbr: CBRClient) -> None:
    """4.5.4, 7.2: restoring an unknown backup answers 404 BackupService.6200."""
    body = {"restore": {"volume_id": UNKNOWN_ID}}
    expect_error(
        cbr.call("restore_backup", path={"backup_id": UNKNOWN_ID}, json_body=body), 404, BACKUP_NOT_FOUND
    )
