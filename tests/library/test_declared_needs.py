"""A conformance test declares the inventory resources it leases (`needs=`, `restores=` of its cbr
marker), and leasing anything else fails it as a defect of the test: the preflight and
`cbr-conformance inventory` read those declarations, so they must stay true."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.inventory import Inventory, InventoryResource
from cbr_conformance.resources.provision import Resources, UndeclaredNeed
from cbr_conformance.resources.run_shared import RunShared
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.suite import markers
from cbr_conformance.suite.markers import MarkerError, info_of
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.lifecycle import Cleanups


def _resources(needs: dict[str, int] | None, restores: bool = False) -> Resources:
    inventory = Inventory(
        [
            InventoryResource(f"{kind}-{i}", "", kind, restore_target=True)
            for kind in (SERVER, VOLUME)
            for i in range(3)
        ]
    )
    client = cast(CBRClient, SimpleNamespace(allow_restore=True))
    return Resources(
        client, inventory, "cbrc-t", Cleanups(1.0, 0.1), max_wait=1.0, poll_interval=0.1,
        needs=needs, restores=restores,
    )  # fmt: skip


def test_a_test_leases_what_it_declares_and_no_more() -> None:
    resources = _resources({VOLUME: 2})
    resources.lease(VOLUME)
    resources.lease(VOLUME)
    declared = r"needs=\{'OS::Cinder::Volume': 2\}"
    with pytest.raises(UndeclaredNeed, match=rf"3 OS::Cinder::Volume at once.*{declared}"):
        resources.lease(VOLUME)
    with pytest.raises(UndeclaredNeed, match="1 OS::Nova::Server"):
        resources.lease(SERVER)


def test_a_resource_given_back_may_be_leased_again() -> None:
    resources = _resources({SERVER: 1})
    resources.lease(SERVER)
    resources.cleanups.run()  # the test's end gives its leases back
    assert resources.lease(SERVER).type == SERVER


def test_restoring_onto_a_resource_must_be_declared() -> None:
    with pytest.raises(UndeclaredNeed, match="to restore onto"):
        _resources({SERVER: 1}).lease(SERVER, restore_target=True)
    assert _resources({SERVER: 1}, restores=True).lease(SERVER, restore_target=True).restore_target


def test_a_fixture_that_declares_nothing_is_not_held_to_a_declaration() -> None:
    assert _resources(None).lease(SERVER).type == SERVER


def test_reading_a_shared_backup_of_an_undeclared_kind_is_a_defect_of_the_test() -> None:
    shared = SharedBackups(RunShared(None, wait=1.0), _resources(None)).for_test({SERVER: 1})
    with pytest.raises(UndeclaredNeed, match="OS::Cinder::Volume"):
        shared.disk()


class _Item:
    nodeid = "conformance/test_x.py::test_y"

    def __init__(self, **kwargs: object) -> None:
        self.marker = SimpleNamespace(args=(), kwargs={"operation": "create_vault", "kind": "contract",
                                                        "id": "x", **kwargs})  # fmt: skip

    def get_closest_marker(self, name: str) -> object:
        return self.marker


def _info(**kwargs: object) -> markers.TestInfo | None:
    return info_of(cast(pytest.Item, _Item(**kwargs)))


def test_the_marker_reads_needs_by_kind_and_refuses_what_is_no_kind() -> None:
    info = _info(needs={VOLUME: 5, SERVER: 1}, restores=True)
    assert info is not None and info.needs == ((VOLUME, 5), (SERVER, 1)) and info.restores
    assert info.need_of(VOLUME) == 5 and info.need_of("OS::Sfs::Turbo") == 0
    for wrong in ({"volumes": 1}, {VOLUME: 0}, {VOLUME: True}, [VOLUME]):
        with pytest.raises(MarkerError, match="needs= is a mapping"):
            _info(needs=wrong)
    with pytest.raises(MarkerError, match="restores=True"):
        _info(restores=True)


def test_a_resource_set_aside_is_replaced_as_the_test_asked_for_it() -> None:
    """A server held in another vault (6103) is set aside and another leased: as a plain lease when
    the test restores nothing, though the inventory lets the server be restored onto."""
    resources = _resources({SERVER: 1})
    held = [resources.lease(SERVER)]
    assert held[0].restore_target  # the inventory's mark, not what the test asked for
    resources._replace_held(held, "")
    assert held[0].id != "OS::Nova::Server-0" and held[0].type == SERVER
