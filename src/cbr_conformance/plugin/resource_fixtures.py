"""Fixtures of what tests lease and make: the inventory (one per project), the resources a test
makes (vaults, policies, backups) within what its marker declares, and the backups read-only
tests share, made once for the run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.plugin.fixtures import make_client, new_cleanups
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.run_shared import RunShared
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.suite.markers import info_of
from cbr_conformance.suite.plan import SHARED_MAKER
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.endpoint import Target
from cbr_conformance.target.lifecycle import Cleanups
from cbr_conformance.target.made import Made
from cbr_conformance.transport.recording import Redactor


@pytest.fixture(scope="session")
def cbr_inventory(cbr_target: Target) -> Inventory:
    return _inventory(cbr_target, cbr_target.config.project_id or "")


@pytest.fixture(scope="session")
def cbr_second_inventory(cbr_target: Target) -> Inventory:
    return _inventory(cbr_target, cbr_target.config.second_project_id or "")


def _inventory(target: Target, project_id: str) -> Inventory:
    path = target.inventory_path
    if path is None or not path.exists() or not project_id:
        return Inventory.empty()
    if target.embedded:  # one emulator per xdist worker: the whole inventory is its own
        return Inventory.load(path, project_id, all_restore_targets=True)
    # One target for all the run's workers: each leases from the whole inventory, under locks the
    # workers share (named after the run), and waits for a resource another worker holds.
    workspace = target.workspace
    wait = target.config.max_wait
    return Inventory.load(path, project_id, lock_dir=workspace.folder, wait=wait, workspace=workspace)


def _declared(request: pytest.FixtureRequest) -> tuple[dict[str, int] | None, bool]:
    """What the test's cbr marker says it leases (None for a test without the marker)."""
    info = info_of(request.node) if isinstance(request.node, pytest.Item) else None
    return (dict(info.needs), info.restores) if info is not None else (None, False)


def _resources(
    client: CBRClient,
    inventory: Inventory,
    prefix: str,
    target: Target,
    cleanups: Cleanups,
    request: pytest.FixtureRequest | None = None,
) -> Resources:
    needs, restores = _declared(request) if request is not None else (None, False)
    return Resources(
        client,
        inventory,
        prefix,
        cleanups,
        max_wait=target.config.max_wait,
        poll_interval=target.config.poll_interval,
        read_only=target.config.read_only,
        needs=needs,
        restores=restores,
    )


@pytest.fixture(scope="session")
def cbr_run_shared_backups(
    pytestconfig: pytest.Config,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
    cbr_inventory: Inventory,
    cbr_prefix: str,
) -> Iterator[SharedBackups]:
    """Backups read-only tests share (Tempest's class-level resources, across the run's workers):
    made once, by the first test that needs one, and deleted when the run ends."""
    from cbr_conformance.plugin.shared import shared_folder

    cleanups = new_cleanups(cbr_target, SHARED_MAKER)
    folder = shared_folder(pytestconfig)
    shared = RunShared(folder, wait=2 * cbr_target.config.max_wait)
    client = make_client(cbr_target, cbr_check_context, cbr_redactor, cbr_http, cleanups=cleanups)

    def born(made: Made, maker: CBRClient) -> None:
        cleanups.born(made, maker)
        shared.born(made)

    client.on_made = born
    resources = _resources(client, cbr_inventory, f"{cbr_prefix}-shared", cbr_target, cleanups)
    yield SharedBackups(shared, resources)
    if folder is None:  # this process's own: deleted as its session ends
        cbr_target.workspace.pending.leftovers.extend(cleanups.run())


@pytest.fixture
def cbr_shared_backups(
    request: pytest.FixtureRequest, cbr_run_shared_backups: SharedBackups
) -> SharedBackups:
    """The run's shared backups, for a test whose marker declares the kinds it reads (needs=)."""
    return cbr_run_shared_backups.for_test(_declared(request)[0])


@pytest.fixture
def cbr_resources(
    request: pytest.FixtureRequest,
    cbr: CBRClient,
    cbr_inventory: Inventory,
    cbr_prefix: str,
    cbr_target: Target,
    cbr_cleanups: Cleanups,
) -> Resources:
    """Creates what a test needs in the project under test; `cbr_cleanups` deletes it at the end.
    It leases only what the test's marker declares (needs=, restores=)."""
    return _resources(cbr, cbr_inventory, cbr_prefix, cbr_target, cbr_cleanups, request)


@pytest.fixture
def cbr_second_resources(
    cbr_second: CBRClient,
    cbr_second_inventory: Inventory,
    cbr_prefix: str,
    cbr_target: Target,
    cbr_cleanups: Cleanups,
) -> Resources:
    """The same for the second project. Both share the test's cleanups, newest first, so that a
    share is stopped before its backup goes, and a backup before its vault, across projects."""
    return _resources(cbr_second, cbr_second_inventory, cbr_prefix, cbr_target, cbr_cleanups)
