"""Filters and pages over the whole project (reference 4.1.2, 4.2.4, 4.4.3, 4.5.2, 4.6.3): every
documented filter of every list operation, tried with a value that lists one of the run's items
and one that leaves another out; every list walked page by page, each of the run's items listed
once.

The filters, with their reference sections, are data in testkit/list_filters.py; the run's items
are its shared backups (a disk's and a server's, their vaults and backup tasks) and the stage of
this module (the fuzzer's kind of stage: a vault with a server's backup, shared with the second
project, and a policy, here applied to that vault). Nothing else is created for these tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.target.client import CBRClient
from cbr_conformance.testkit.expect import expect_status
from cbr_conformance.testkit.list_checks import listed, try_filter, walk
from cbr_conformance.testkit.list_filters import FILTERS, LISTINGS, Filter, Item, Run

LISTS = tuple(LISTINGS)
# The roles of the run's items each list's walk must list once: those its default query lists.
WALKED = {
    "list_vaults": ("disk", "server", "linked"),
    "list_backups": ("disk", "server", "shared"),
    "list_operation_logs": ("disk", "server"),
    "list_policies": ("policy",),
    "list_share_members": ("member",),
}


@pytest.fixture(scope="module")
def linked(cbr_stage: Stage) -> Stage:
    """The stage, its policy applied to its vault (the one the module's filters find it by)."""
    vault_id, policy_id = cbr_stage.ids.values.get("vault_id"), cbr_stage.ids.values.get("policy_id")
    resources = cbr_stage.resources
    if vault_id and policy_id and resources is not None and not resources.read_only:
        body = {"policy_id": policy_id}
        call = cbr_stage.client.call("associate_vault_policy", path={"vault_id": vault_id}, json_body=body)
        expect_status(call, 200)
    return cbr_stage


@pytest.fixture(scope="module")
def known() -> dict[str, Run]:
    """The run's items, read by the module's first test: they change under none of its tests."""
    return {}


def _show(cbr: CBRClient, operation: str, key: str, **path: str) -> Item:
    item: Item = expect_status(cbr.call(operation, path=path), 200)[key]
    return item


def _task(cbr: CBRClient, backup: Item) -> Item:
    """The backup task that made the backup, found among its vault's backup tasks."""
    query = {"vault_id": backup["vault_id"], "operation_type": "backup"}
    tasks = listed(cbr, LISTINGS["list_operation_logs"], {}, query)
    found = [t for t in tasks if t.get("checkpoint_id") == backup["checkpoint_id"]] or tasks[-1:]
    assert found, (
        f"4.1.2 (Table 4-17): a backup task is listed for backup {backup['id']} of vault {backup['vault_id']}"
    )
    return found[0]


def _stage_items(cbr: CBRClient, stage: Stage, items: dict[str, dict[str, Item]]) -> None:
    """The stage's vault under its policy, its policy, its shared backup and the member."""
    ids = stage.ids.values
    policy = _show(cbr, "show_policy", "policy", policy_id=ids["policy_id"])
    items["list_policies"]["policy"] = items["list_vaults"]["policy"] = policy
    if "vault_id" not in ids:  # no server in the inventory: the stage made no vault
        return
    vault = _show(cbr, "show_vault", "vault", vault_id=ids["vault_id"])
    items["list_vaults"]["linked"] = items["list_policies"]["linked"] = vault
    backup = _show(cbr, "show_backup", "backup", backup_id=ids["backup_id"])
    items["list_backups"]["shared"] = items["list_share_members"]["shared"] = backup
    if stage.member is not None:
        members = listed(cbr, LISTINGS["list_share_members"], {"backup_id": backup["id"]}, {})
        mine = [m for m in members if m.get("dest_project_id") == stage.member.project_id]
        assert mine, (
            f"4.2.4 (Table 4-60): backup {backup['id']}, shared with project {stage.member.project_id}, "
            f"lists it among its members; got {[m.get('dest_project_id') for m in members]}"
        )
        items["list_share_members"]["member"] = mine[0]


def _run(cbr: CBRClient, shared: SharedBackups, stage: Stage, known: dict[str, Run]) -> Run:
    """The run's items by list and role, read once for the module."""
    if "run" not in known:
        known["run"] = _read(cbr, shared, stage)
    return known["run"]


def _read(cbr: CBRClient, shared: SharedBackups, stage: Stage) -> Run:
    disk, server = shared.disk(), shared.server()
    items: dict[str, dict[str, Item]] = {operation: {} for operation in LISTS}
    for role, made in (("disk", disk), ("server", server)):
        vault = _show(cbr, "show_vault", "vault", vault_id=made.vault["id"])
        backup = _show(cbr, "show_backup", "backup", backup_id=made.backup["id"])
        items["list_vaults"][role], items["list_backups"][role] = vault, backup
        items["list_operation_logs"][role] = _task(cbr, backup)
    children = items["list_backups"]["server"].get("children") or []
    if children:
        items["list_backups"]["child"] = children[0]
    billing = items["list_vaults"]["disk"]["billing"]
    if billing["used"] < billing["size"] * 1024:
        items["list_backups"]["not_full"] = items["list_vaults"]["disk"]
    _stage_items(cbr, stage, items)
    return Run(items)


def _missing(flt: Filter, run: Run, stage: Stage) -> None:
    """Not tested when the run lacks an item the filter is tried on, saying what to provide."""
    roles = [r for r in (flt.includes, flt.excludes, *flt.needs) if r is not None]
    absent = [r for r in roles if run.item(flt.operation, r) is None]
    if not absent:
        return
    if "member" in absent and stage.member is None:
        not_tested(Why.SECOND_PROJECT, f"{flt.name}: needs a backup shared with a second project")
    if "not_full" in absent:
        not_tested(Why.NOT_APPLICABLE, f"{flt.name}: the run's disk vault is full, none left out at 100%")
    not_tested(Why.INVENTORY, f"{flt.name}: needs a server of the inventory for the run's {absent[0]} item")


def _path(run: Run, operation: str) -> dict[str, str]:
    role = LISTINGS[operation].path_role
    item = run.item(operation, role) if role else None
    return {"backup_id": str(item["id"])} if item else {}


@pytest.mark.cbr(
    operation=LISTS,
    kind="contract",
    mutates=True,
    id="list-filters",
    needs={SERVER: 1, VOLUME: 1},
)
@pytest.mark.parametrize("flt", [pytest.param(f, id=f.name) for f in FILTERS])
def test_every_filter_lists_what_matches_and_leaves_out_the_rest(
    cbr: CBRClient, cbr_shared_backups: SharedBackups, linked: Stage, known: dict[str, Run], flt: Filter
) -> None:
    """4.1.2, 4.2.4, 4.4.3, 4.5.2, 4.6.3: a filter lists the run's item it matches, not the others."""
    run = _run(cbr, cbr_shared_backups, linked, known)
    _missing(flt, run, linked)
    try_filter(cbr, flt, run, _path(run, flt.operation))


WALKS = [(operation, by) for operation in LISTS for by in LISTINGS[operation].paging or ("none",)]


@pytest.mark.cbr(
    operation=LISTS,
    kind="contract",
    mutates=True,
    id="list-page-walks",
    needs={SERVER: 1, VOLUME: 1},
)
@pytest.mark.parametrize(("operation", "by"), [pytest.param(o, b, id=f"{o}-{b}") for o, b in WALKS])
def test_every_list_walked_page_by_page_holds_the_runs_items_once(
    cbr: CBRClient,
    cbr_shared_backups: SharedBackups,
    linked: Stage,
    known: dict[str, Run],
    operation: str,
    by: str,
) -> None:
    """4.1.2, 4.2.4, 4.4.3, 4.5.2, 4.6.3: a whole list walked a few items a page lists each once."""
    run = _run(cbr, cbr_shared_backups, linked, known)
    mine: dict[str, str] = {}
    for role in WALKED[operation]:
        item: Any = run.item(operation, role)
        if item is not None:
            mine[str(item["id"])] = f"{role} item"
    if operation == "list_share_members" and not mine:
        not_tested(Why.SECOND_PROJECT, "list_share_members: needs a backup shared with a second project")
    walk(cbr, LISTINGS[operation], _path(run, operation), by, mine)
