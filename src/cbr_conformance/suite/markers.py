"""The `cbr` marker every conformance test carries, and reading it back.

    @pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="vault-create-echo")

`operation` may be a tuple when a test exercises several operations (scenarios); the first one
places the test in the report's matrix. `id` is stable across renames and releases.
`cross_cutting=True` marks a test that applies one rule to every operation (authentication): it
is reported, but does not count as coverage of the operation's own behaviour.

`needs={VOLUME: 2}` declares the resources of the inventory a test holds at once, by kind (the
run's shared backups it reads count too); `restores=True`, that it restores onto them, so they
must be marked "restore_target". The preflight and `cbr-conformance inventory` read these, and a
test that leases what it did not declare fails as a defect of the test (resources/provision.py).

`creates={"vault": 1, "server_backup": 1}` declares what the test creates on the target, by the
kinds of target/creations.py (per generated case for fuzz and state-machine tests); `run --plan` adds
them up, and a test that passes having created more fails as a defect of the test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cbr_conformance.contract.resource_types import SECTIONS
from cbr_conformance.target.creations import validated

KINDS = ("contract", "negative", "fuzz", "stateful", "scenario")
MARKER = "cbr"
MARKER_HELP = (
    "cbr(operation, kind, mutates, id, cross_cutting, needs, restores, creates): the operation(s) a "
    f"conformance test covers, its kind ({', '.join(KINDS)}), whether it creates or changes data, "
    "its stable id, whether it checks a rule common to every operation, the inventory resources it "
    "holds at once by kind, whether it restores onto them, and what it creates by kind"
)


@dataclass(frozen=True)
class TestInfo:
    operations: tuple[str, ...]
    kind: str
    mutates: bool
    id: str
    cross_cutting: bool = False
    needs: tuple[tuple[str, int], ...] = ()  # (resource type, how many at once), by type
    restores: bool = False  # it restores onto what it leases: restore targets, --allow-restore
    creates: tuple[tuple[str, int], ...] = ()  # what it creates on the target, by kind (target/creations.py)

    @property
    def operation(self) -> str:
        return self.operations[0]

    def need_of(self, resource_type: str) -> int:
        return dict(self.needs).get(resource_type, 0)


def _needs(nodeid: str, declared: object) -> tuple[tuple[str, int], ...]:
    if declared is None:
        return ()
    if not isinstance(declared, dict) or not all(
        kind in SECTIONS.values() and type(count) is int and count > 0 for kind, count in declared.items()
    ):
        raise MarkerError(
            f"{nodeid}: needs= is a mapping of resource types ({', '.join(SECTIONS.values())}) "
            "to how many the test holds at once"
        )
    return tuple(sorted(declared.items()))


class MarkerError(ValueError):
    pass


def info_of(item: pytest.Item) -> TestInfo | None:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None
    kwargs = dict(marker.kwargs)
    operation = kwargs.get("operation") or (marker.args[0] if marker.args else None)
    operations = tuple(operation) if isinstance(operation, list | tuple) else (operation,)
    kind = kwargs.get("kind")
    test_id = kwargs.get("id")
    if not all(isinstance(op, str) and op for op in operations) or kind not in KINDS or not test_id:
        raise MarkerError(f"{item.nodeid}: the cbr marker needs operation, kind (one of {KINDS}) and id")
    needs = _needs(item.nodeid, kwargs.get("needs"))
    restores = bool(kwargs.get("restores"))
    if restores and not needs:
        raise MarkerError(f"{item.nodeid}: restores=True needs needs= (what it restores onto)")
    try:
        creates = tuple(sorted(validated(item.nodeid, kwargs.get("creates")).items()))
    except ValueError as exc:
        raise MarkerError(str(exc)) from None
    return TestInfo(
        operations,
        kind,
        bool(kwargs.get("mutates", False)),
        str(test_id),
        bool(kwargs.get("cross_cutting")),
        needs,
        restores,
        creates,
    )
