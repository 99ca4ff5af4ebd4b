"""What the selected tests want of the inventory, read from their markers' declarations (needs=,
restores=): which tests a given inventory leaves not tested, by kind, for the preflight; and the
template of an inventory that tests them all, for `cbr-conformance inventory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cbr_conformance.contract.resource_types import SECTIONS
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.suite.test_kinds import CollectedTest

# What the suite does with each kind, for a person writing an inventory.
USES = {
    "servers": "server vaults: server backups (with their disks' backups as children), restore "
    "points, sharing, policies that fire",
    "volumes": "disk vaults: disk backups, restore points of chosen disks, tasks, paging",
    "bare_metal_servers": "not leased by the suite's tests yet",
    "sfs_turbos": "not leased by the suite's tests yet",
}
RESTORE_TARGET = (
    'mark an item "restore_target": true to let the suite restore backups onto it, which overwrites '
    "it: only scratch resources, and only with --allow-restore (CBR_ALLOW_RESTORE)"
)


@dataclass
class KindWants:
    """One kind of resource: the tests that lease it, and the most any of them holds at once."""

    resource_type: str
    tests: list[str] = field(default_factory=list)
    at_once: int = 0
    restoring: list[str] = field(default_factory=list)  # tests that restore onto it
    restore_at_once: int = 0


def wants(tests: Iterable[CollectedTest]) -> dict[str, KindWants]:
    """By resource type, every kind of SECTIONS (those no test leases want none)."""
    found = {kind: KindWants(kind) for kind in SECTIONS.values()}
    for test in tests:
        for kind, count in test.needs:
            want = found[kind]
            want.tests.append(test.nodeid)
            want.at_once = max(want.at_once, count)
            if test.restores:
                want.restoring.append(test.nodeid)
                want.restore_at_once = max(want.restore_at_once, count)
    return found


def not_tested_for_want(
    tests: Iterable[CollectedTest], inventory: Inventory, *, allow_restore: bool
) -> dict[str, list[str]]:
    """The tests the inventory cannot give what they need, by the kind it lacks (a test lacking
    two kinds is under both). Restoring tests without --allow-restore are not tested for that
    opt-in, not for the inventory: they are left out."""
    counts = {kind: inventory.count(kind) for kind in SECTIONS.values()}
    targets = {kind: sum(1 for r in inventory.resources if r.type == kind and r.restore_target)
               for kind in SECTIONS.values()}  # fmt: skip
    lacking: dict[str, list[str]] = {}
    for test in tests:
        if test.restores and not allow_restore:
            continue
        for kind, count in test.needs:
            have = targets[kind] if test.restores else counts[kind]
            if have < count:
                lacking.setdefault(kind, []).append(test.nodeid)
    return lacking


def preflight_lines(lacking: Mapping[str, list[str]], selected: int, inventory_given: bool) -> list[str]:
    """A few lines: how many of the selected tests go untested for want of each kind."""
    if not lacking:
        return []
    whose = "the inventory (--inventory)" if inventory_given else "an inventory (none given: --inventory)"
    lines = [f"not tested for want of resources in {whose}:"]
    for kind, nodeids in sorted(lacking.items()):
        lines.append(f"  {len(nodeids)} of {selected} tests need {kind}")
    lines.append("  cbr-conformance inventory prints a template; run --plan names the tests")
    return lines


def template(tests: Iterable[CollectedTest], project_id: str) -> dict[str, Any]:
    """An inventory document with as many placeholders of each kind as a test holds at once, and
    what each kind is for (Inventory.load reads "projects" only)."""
    found = wants(tests)
    about: dict[str, str] = {}
    project: dict[str, list[dict[str, Any]]] = {}
    for section, kind in SECTIONS.items():
        want = found[kind]
        if want.tests:
            about[section] = (
                f"{kind}: {USES[section]}; {len(want.tests)} tests lease one, at most {want.at_once} "
                f"at once (list {want.at_once} for every test to run; more lets parallel workers "
                "overlap)"
            )
        else:
            about[section] = f"{kind}: {USES[section]}"
        project[section] = [_placeholder(section, i + 1) for i in range(want.at_once)]
    restoring = sorted({t for w in found.values() for t in w.restoring})
    at_once = max((w.restore_at_once for w in found.values()), default=0)
    about["restore_target"] = (
        f"{RESTORE_TARGET}; {len(restoring)} tests restore onto one (at most {at_once} at once)"
    )
    return {"_about": about, "projects": {project_id: project}}


def _placeholder(section: str, number: int) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"<id of {section[:-1]} {number}>", "name": f"<name {number}>"}
    if section in ("servers", "bare_metal_servers"):
        item["volumes"] = [{"id": "<id of a disk attached to it>", "name": "<its name>"}]
    item["restore_target"] = False
    return item
