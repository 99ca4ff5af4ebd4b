"""Scenarios of paged queries (reference 5.3, 4.5.2, 4.4.3, 4.1.2): walking the backup, vault and task
lists page by page, with their filters and sort orders.

Exact counts are asserted only on walks confined to what the scenario made (its vault, or a policy
applied only to its vaults), so that other data of the project cannot disturb them. The waiters
always wait for asynchronous work; on a target with time control its clock is also moved past the
work's delay.
"""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.moments import moment
from cbr_conformance.target.waiters import wait_for
from cbr_conformance.testkit.expect import expect_status
from cbr_conformance.testkit.paging import page_query
from cbr_conformance.testkit.scenario import Settle, Steps

NAME_ORDER = "cadbe"  # the rounds' names, in an order that is not the order of creation
Item = dict[str, Any]
# Where the reference gives each list's query parameters and response body, for failure messages.
RULES = {
    "list_backups": "4.5.2 (Tables 4-158, 4-160)",
    "list_vaults": "4.4.3 (Tables 4-110, 4-112)",
    "list_operation_logs": "4.1.2 (Tables 4-17, 4-19)",
}


def _page(cbr: CBRClient, operation: str, key: str, **query: Any) -> tuple[list[Item], int]:
    body = expect_status(cbr.call(operation, query=page_query(**query)), 200)
    items: list[Item] = body[key]
    assert len(items) <= query.get("limit", 1000), (
        f"{RULES[operation]}: a page holds at most limit={query.get('limit', 1000)} items, got {len(items)}"
    )
    for echoed in ("limit", "offset"):
        if echoed in query and body.get(echoed) is not None:
            assert body[echoed] == query[echoed], (
                f"{RULES[operation]}: {echoed} is the {query[echoed]} sent, got {body[echoed]}"
            )
    return items, int(body["count"])


def _walk(
    cbr: CBRClient, operation: str, key: str, limit: int, marker: bool = False, **query: Any
) -> list[Item]:
    """Every page in turn (by offset, or by marker); checks each page against the whole, unpaged list."""
    everything, total = _page(cbr, operation, key, **query)
    assert total == len(everything), (
        f"{RULES[operation]} (E-LIST-COUNTS): count is the {len(everything)} items of the unpaged list, "
        f"got {total}"
    )
    seen: list[Item] = []
    for _ in range(total // limit + 2):
        if marker:
            after = {"marker": seen[-1]["id"]} if seen else {}
            items, count = _page(cbr, operation, key, limit=limit, **after, **query)
        else:
            items, count = _page(cbr, operation, key, limit=limit, offset=len(seen), **query)
        assert count == total, (
            f"{RULES[operation]}: count is the {total} matched on every page, "
            f"got {count} after {len(seen)} items"
        )
        seen += items
        if len(items) < limit:
            break
    ids = [i["id"] for i in seen]
    assert len(ids) == len(set(ids)), (
        f"{RULES[operation]}: pages must not overlap, got {[i for i in ids if ids.count(i) > 1]} twice"
    )
    assert ids == [i["id"] for i in everything], (
        f"{RULES[operation]}: the pages, in turn, are the unpaged list in its order"
    )
    return seen


def _backups(cbr: CBRClient, **query: Any) -> list[Item]:
    return _page(cbr, "list_backups", "backups", **query)[0]


def _ids(items: list[Item]) -> list[str]:
    return [i["id"] for i in items]


def _rounds(cbr: CBRClient, resources: Resources, cbr_settle: Settle, plan: list[tuple[Item, str]]) -> None:
    """Back up each vault once per letter of its names, a round at a time; wait until all are available."""
    for round_ in range(max(len(names) for _, names in plan)):
        checkpoints = [
            resources.checkpoint(vault["id"], name=f"{resources.prefix}-page-{names[round_]}")
            for vault, names in plan
            if round_ < len(names)
        ]
        for checkpoint in checkpoints:
            assert not checkpoint["vault"].get("skipped_resources"), (
                "setup, 4.3.2 (Table 4-80): no resource is skipped, "
                f"got {checkpoint['vault']['skipped_resources']}"
            )
        cbr_settle()
        for checkpoint in checkpoints:
            resources.wait_checkpoint(checkpoint["id"])
    for vault, names in plan:
        _wait_available(cbr, resources, vault["id"], len(names) * len(vault["resources"]))


def _wait_available(cbr: CBRClient, resources: Resources, vault_id: str, expected: int) -> None:
    wait_for(
        lambda: _backups(cbr, vault_id=vault_id, status="available"),
        lambda done: len(done) == expected,
        what=f"the {expected} backups of vault {vault_id} to be available",
        timeout=resources.max_wait,
        interval=resources.poll_interval,
        workspace=cbr.workspace,
        describe=lambda done: f"{len(done)} available",
    )


@pytest.mark.cbr(
    operation=("list_backups", "create_checkpoint"),
    kind="scenario",
    mutates=True,
    id="scenario-paging-backups",
    needs={SERVER: 1, VOLUME: 5},
    creates={"vault": 2, "server_backup": 2, "disk_backup": 25},
)
def test_page_through_backups_as_in_application_case_5_3(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """5.3, 4.5.2: 25 backups walked by offset and by marker, sorted, filtered by type and status."""
    disks = cbr_resources.vault("disk", [cbr_resources.lease(VOLUME) for _ in range(5)])
    servers = cbr_resources.vault("server", [cbr_resources.lease(SERVER)])
    _rounds(cbr, cbr_resources, cbr_settle, [(disks, NAME_ORDER), (servers, NAME_ORDER[:2])])
    mine = {"vault_id": disks["id"]}
    cbr_steps(
        f"made 25 backups of 5 disks in vault {disks['id']}, 2 of a server in another, named {NAME_ORDER}"
    )

    for limit in (7, 25):
        assert len(_walk(cbr, "list_backups", "backups", limit, **mine)) == 25, (
            f"5.3, 4.5.2 (Table 4-158): the pages of {limit} together hold the vault's 25 backups"
        )
    cbr_steps("limit/offset walks (7 and 25 a page): disjoint pages, union = all, count 25 on each page")
    walked = _walk(cbr, "list_backups", "backups", 7, marker=True, **mine)
    assert len(walked) == 25, (
        f"4.5.2 (Table 4-158): the pages by marker hold the 25 backups, got {len(walked)}"
    )
    cbr_steps("marker walk (7 a page): the same 25 backups, in the same order")
    assert _ids(_backups(cbr, **mine)) == _ids(walked), (
        "4.5.2 (Table 4-158): the same query lists the backups in the same order each time"
    )

    times = {
        direction: [moment(b["created_at"]) for b in _backups(cbr, sort=f"created_at:{direction}", **mine)]
        for direction in ("asc", "desc")
    }
    assert times["asc"] == sorted(times["asc"]) and len(times["asc"]) == 25, (
        "4.5.2 (Table 4-158): sort=created_at:asc lists the 25 backups oldest first"
    )
    assert times["desc"] == sorted(times["desc"], reverse=True), (
        "4.5.2 (Table 4-158): sort=created_at:desc lists the backups newest first"
    )
    for direction in ("asc", "desc"):
        named = _walk(cbr, "list_backups", "backups", 10, sort=f"name:{direction}", **mine)
        letters = "".join(dict.fromkeys(b["name"].rsplit("-", 1)[-1] for b in named))
        assert letters == "".join(sorted(NAME_ORDER, reverse=direction == "desc")), (
            f"4.5.2 (Table 4-158): sort=name:{direction} orders the names, got them in the order {letters}"
        )
    by_name = _ids(_backups(cbr, sort="name", **mine))
    assert by_name == _ids(_backups(cbr, sort="name:desc", **mine)), (
        "4.5.2 (Table 4-158): a sort key without direction is desc: sort=name is sort=name:desc"
    )
    for direction in ("asc", "desc"):
        listed = _backups(cbr, sort=f"name:asc,id:{direction}", **mine)
        groups = [
            [b["id"] for b in listed if b["name"].endswith(f"-{letter}")] for letter in sorted(NAME_ORDER)
        ]
        assert [i for group in groups for i in group] == _ids(listed), (
            f"4.5.2 (Table 4-158): sort=name:asc,id:{direction} orders by name first"
        )
        for group in groups:
            assert group == sorted(group, reverse=direction == "desc"), (
                f"4.5.2 (Table 4-158): sort=name:asc,id:{direction} orders by id within a name"
            )
    cbr_steps("sort created_at and name, asc and desc, honoured across pages; desc by default; two keys")

    by_type = {t: _ids(_backups(cbr, resource_type=t, **mine)) for t in (VOLUME, SERVER)}
    assert sorted(by_type[VOLUME]) == sorted(_ids(walked)) and by_type[SERVER] == [], (
        f"4.5.2 (Table 4-158): in a disk vault resource_type={VOLUME} lists all 25, {SERVER} none, "
        f"got {len(by_type[VOLUME])} and {len(by_type[SERVER])}"
    )
    servers_only = _backups(cbr, vault_id=servers["id"], resource_type=SERVER)
    assert len(servers_only) == 2, (
        f"4.5.2 (Table 4-158): resource_type={SERVER} lists the server vault's 2 backups, "
        f"got {len(servers_only)}"
    )
    anywhere = _backups(cbr, resource_type=SERVER, limit=1000)
    assert all(b["resource_type"] == SERVER for b in anywhere), (
        f"4.5.2 (Table 4-158): resource_type={SERVER} lists server backups only, "
        f"got {sorted({str(b['resource_type']) for b in anywhere})}"
    )
    assert set(_ids(servers_only)) <= set(_ids(anywhere)) and not set(by_type[VOLUME]) & set(
        _ids(anywhere)
    ), f"4.5.2 (Table 4-158): resource_type={SERVER} lists the project's server backups, no disk backup"
    page, count = _page(cbr, "list_backups", "backups", resource_type=SERVER, limit=5, offset=0)  # 5.3 step 2
    assert len(page) == min(5, count) and count >= 2 and all(b["resource_type"] == SERVER for b in page), (
        "5.3 step 2, 4.5.2 (Table 4-158): limit=5 lists min(5, count) server backups, count 2 at least, "
        f"got {len(page)} of count {count}: {sorted({str(b['resource_type']) for b in page})}"
    )
    cbr_steps(
        "resource_type filter: only that type, in the vault and across the project (also as in 5.3 step 2)"
    )

    for statuses, expected in (
        (["available", "error"], 25),
        (["error", "available"], 25),
        (["protecting", "error"], 0),
        (["available"], 25),
    ):
        items, count = _page(cbr, "list_backups", "backups", status=statuses, **mine)
        assert len(items) == count == expected, (
            f"4.5.2 (Tables 4-158, 4-160): status={statuses} lists {expected}, count {expected}, "
            f"got {len(items)}, count {count}"
        )
        assert all(b["status"] in statuses for b in items), (
            f"4.5.2 (Table 4-158): status={statuses} lists those statuses only, "
            f"got {sorted({str(b['status']) for b in items})}"
        )
    cbr_steps("status=available&status=error in either order lists all 25; protecting&error none")


@pytest.mark.cbr(
    operation=("list_vaults", "associate_vault_policy"),
    kind="scenario",
    mutates=True,
    id="scenario-paging-vaults",
    creates={"vault": 5, "policy": 1},
)
def test_page_through_vaults(cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps) -> None:
    """4.4.3 (Table 4-110): a policy's vaults walked by limit and offset, filtered; the project's too."""
    policy = cbr_resources.policy()
    vaults = [cbr_resources.vault("disk") for _ in range(5)]
    for vault in vaults:
        body = {"policy_id": policy["id"]}
        expect_status(cbr.call("associate_vault_policy", path={"vault_id": vault["id"]}, json_body=body), 200)
    mine = sorted(v["id"] for v in vaults)
    cbr_steps(f"5 disk vaults, all under policy {policy['id']}")

    for limit in (2, 5):
        walked = _walk(cbr, "list_vaults", "vaults", limit, policy_id=policy["id"])
        assert sorted(_ids(walked)) == mine, (
            f"4.4.3 (Table 4-110): the pages of {limit} hold the policy's 5 vaults, "
            f"got {sorted(_ids(walked))}"
        )
    beyond, count = _page(cbr, "list_vaults", "vaults", policy_id=policy["id"], limit=2, offset=5)
    assert beyond == [] and count == 5, (
        "4.4.3 (Tables 4-110, 4-112): offset 5 of 5 vaults lists none, count 5, "
        f"got {_ids(beyond)}, count {count}"
    )
    cbr_steps(
        "walks of 2 and 5 a page under the policy: disjoint, union = the 5 vaults, count 5; offset 5 empty"
    )

    for query, expected in (
        ({"object_type": "disk"}, mine),
        ({"object_type": "server"}, []),
        ({"name": vaults[2]["name"]}, [vaults[2]["id"]]),
        ({"id": vaults[3]["id"]}, [vaults[3]["id"]]),
    ):
        items, count = _page(cbr, "list_vaults", "vaults", policy_id=policy["id"], **query)
        assert sorted(_ids(items)) == expected and count == len(expected), (
            f"4.4.3 (Tables 4-110, 4-112): {query} with the policy_id lists {expected}, "
            f"got {_ids(items)}, count {count}"
        )
    cbr_steps("object_type, name and id filters combine with policy_id")

    # The whole project, 50 a page: on a shared target other clients add and delete vaults during
    # the walk, and offset paging then may repeat or skip an item (the reference does not say
    # otherwise), so only what holds under any concurrent change is asserted.
    total = 0
    for offset in range(0, 5000, 50):
        items, total = _page(cbr, "list_vaults", "vaults", limit=50, offset=offset)
        assert len(items) <= 50, f"4.4.3 (Table 4-110): limit=50 allows at most 50 vaults, got {len(items)}"
        assert len(set(_ids(items))) == len(items), (
            f"4.4.3 (Table 4-110): a page lists each vault once, got {_ids(items)}"
        )
        if len(items) < 50:
            break
    assert total >= len(mine), (
        f"4.4.3 (Table 4-112): count is at least the scenario's own {len(mine)} vaults, got {total}"
    )
    cbr_steps(f"the project's whole vault list ({total} vaults, 50 a page): no page too long or repeating")


@pytest.mark.cbr(
    operation=("list_operation_logs", "create_checkpoint", "delete_backup"),
    kind="scenario",
    mutates=True,
    id="scenario-paging-operation-logs",
    needs={VOLUME: 4},
    creates={"vault": 2, "disk_backup": 12},
)
def test_page_through_tasks(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """4.1.2 (Table 4-17): a vault's tasks walked by limit and offset, filtered by type, status, resource."""
    busy = cbr_resources.vault("disk", [cbr_resources.lease(VOLUME) for _ in range(3)])
    other = cbr_resources.vault("disk", [cbr_resources.lease(VOLUME)])
    _rounds(cbr, cbr_resources, cbr_settle, [(busy, "abc"), (other, "abc")])
    doomed = _backups(cbr, vault_id=busy["id"])[0]
    expect_status(cbr.call("delete_backup", path={"backup_id": doomed["id"]}), 204)
    mine = {"vault_id": busy["id"]}
    wait_for(
        lambda: [
            t["id"]
            for t in _page(cbr, "list_operation_logs", "operation_logs", **mine)[0]
            if t["status"] in ("running", "waiting")
        ],
        lambda unfinished: not unfinished,
        what=f"the tasks of vault {busy['id']} to end",
        timeout=cbr_resources.max_wait,
        interval=cbr_resources.poll_interval,
        workspace=cbr.workspace,
        describe=lambda unfinished: f"{len(unfinished)} tasks still running or waiting",
    )
    cbr_steps(
        f"9 backups (3 rounds of 3 disks) in vault {busy['id']}, 3 in another; deleted backup {doomed['id']}"
    )

    everything = _walk(cbr, "list_operation_logs", "operation_logs", 4, **mine)
    assert all(t.get("vault_id") == busy["id"] for t in everything), (
        "4.1.2 (Table 4-17): vault_id= lists that vault's tasks only, "
        f"got {sorted({str(t.get('vault_id')) for t in everything})}"
    )
    cbr_steps(
        f"limit/offset walk (4 a page) of the vault's {len(everything)} tasks: disjoint, union = all, "
        "count unchanged"
    )

    backups = _walk(cbr, "list_operation_logs", "operation_logs", 4, operation_type="backup", **mine)
    assert len(backups) == 9 and all(t["operation_type"] == "backup" for t in backups), (
        "4.1.2 (Table 4-17): operation_type=backup lists the vault's 9 backup tasks, backups only, "
        f"got {len(backups)}: {sorted({str(t['operation_type']) for t in backups})}"
    )
    deletes, _ = _page(cbr, "list_operation_logs", "operation_logs", operation_type="delete", **mine)
    assert len(deletes) == 1 and deletes[0]["operation_type"] == "delete", (
        "4.1.2 (Table 4-17): operation_type=delete lists the 1 delete task, "
        f"got {[t['operation_type'] for t in deletes]}"
    )
    delete_info = (deletes[0].get("extra_info") or {}).get("delete") or {}
    assert delete_info.get("backup_id") in (None, doomed["id"]), (
        "4.1.2 (Table 4-25): extra_info.delete.backup_id is the backup deleted, "
        f"got {delete_info.get('backup_id')!r}"
    )
    cbr_steps("operation_type filter: 9 backup tasks (also paged), 1 delete task naming the deleted backup")

    succeeded, _ = _page(cbr, "list_operation_logs", "operation_logs", status="success", **mine)
    assert all(t["status"] == "success" for t in succeeded), (
        "4.1.2 (Table 4-17): status=success lists successful tasks only, "
        f"got {sorted({str(t['status']) for t in succeeded})}"
    )
    assert {t["id"] for t in backups + deletes} <= {t["id"] for t in succeeded}, (
        "4.1.2 (Table 4-17): status=success lists the 9 backup tasks and the delete task, all ended well"
    )
    failed, count = _page(cbr, "list_operation_logs", "operation_logs", status="failed", **mine)
    assert failed == [] and count == 0, (
        f"4.1.2 (Tables 4-17, 4-19): status=failed lists none, count 0, got {_ids(failed)}, count {count}"
    )
    cbr_steps("status filter: success holds all 10, failed none")

    elsewhere = _ids(_page(cbr, "list_operation_logs", "operation_logs", vault_id=other["id"])[0])
    assert len(elsewhere) == 3 and not set(elsewhere) & set(_ids(everything)), (
        "4.1.2 (Table 4-17): vault_id= the other vault lists its 3 tasks, none of the first's, "
        f"got {elsewhere}"
    )
    combined, _ = _page(
        cbr,
        "list_operation_logs",
        "operation_logs",
        operation_type="backup",
        status="success",
        vault_id=other["id"],
    )
    assert sorted(_ids(combined)) == sorted(elsewhere), (
        f"4.1.2 (Table 4-17): the three filters together list the other vault's 3 tasks, got {_ids(combined)}"
    )
    cbr_steps("vault_id filter: the other vault's 3 backup tasks, none of the first vault's")

    disk = next(r["id"] for r in busy["resources"] if r["id"] != doomed["resource_id"])
    of_disk, count = _page(cbr, "list_operation_logs", "operation_logs", resource_id=disk, **mine)
    assert len(of_disk) == count == 3 and {t["id"] for t in of_disk} <= {t["id"] for t in backups}, (
        "4.1.2 (Tables 4-17, 4-19): resource_id= lists the disk's 3 backup tasks, count 3, "
        f"got {_ids(of_disk)}, count {count}"
    )
    for task in of_disk:
        resource = (task.get("extra_info") or {}).get("resource") or {}
        assert resource.get("id") in (None, disk), (
            f"4.1.2 (Table 4-28): resource_id={disk} lists its tasks only, "
            f"task {task['id']} is about {resource.get('id')}"
        )
    cbr_steps(f"resource_id filter: the 3 backup tasks of disk {disk}")
