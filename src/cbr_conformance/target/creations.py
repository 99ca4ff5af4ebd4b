"""What a run creates on the target, by the kinds a bill counts, and the declarations of it.

A test's `cbr` marker declares what it creates (`creates={"vault": 1, "server_backup": 1}`); a
fixture that creates for many tests (the run's shared backups, the fuzzers' stage) declares it with
`@creates(...)`. `cbr-conformance run --plan` adds them up (suite/plan.py), and the run checks them:
a test that creates more than it declares, and passes, is a defect of the test (`check_created`),
so the plan never counts short. What a request created is read from the target's answer
(`billed`, through lifecycle.births), the same way for the check, the ledger and the plan's test.

The kinds: vaults and their GB (the size the answer gives), policies, backups by the type of what
was backed up (one per resource of the restore point's vault), restores and shares (one per
member). For fuzz and state-machine tests `creates` is per generated case (or step): the run's
budget (`--fuzz-examples`) bounds how many there are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from cbr_conformance.contract.resource_types import OBJECT_TYPE

# The kinds, in the order the plan lists them; a backup's is "<object type>_backup".
BACKUP_KINDS = tuple(f"{t}_backup" for t in dict.fromkeys(OBJECT_TYPE.values()))
KINDS = ("vault", "gb", "policy", *BACKUP_KINDS, "restore", "share")
# How the plan names each kind, counted
LABELS = {
    "vault": "vaults",
    "gb": "GB of vaults",
    "policy": "policies",
    **{k: k.replace("_", " ") + "s" for k in BACKUP_KINDS},
    "restore": "restores",
    "share": "shares (members)",
}

_F = TypeVar("_F", bound=Callable[..., Any])
_ATTRIBUTE = "cbr_creates"


class UndeclaredCreation(AssertionError):
    """A test created more than its `cbr` marker declares (creates=): a defect of the test, which
    would make `run --plan` count short of what the target bills."""


def billed(kind: str, item: Mapping[str, Any]) -> dict[str, int]:
    """What a created vault, policy or restore point (as the answer shows it) adds to the bill;
    read defensively, as the answer may be broken."""
    if kind == "vault":
        billing = item.get("billing")
        size = billing.get("size") if isinstance(billing, dict) else None
        return {"vault": 1, "gb": size if type(size) is int and size > 0 else 0}
    if kind == "policy":
        return {"policy": 1}
    if kind == "checkpoint":
        vault = item.get("vault")
        listed = vault.get("resources") if isinstance(vault, dict) else None
        counts: dict[str, int] = {}
        for resource in listed if isinstance(listed, list) else []:
            object_type = OBJECT_TYPE.get(resource.get("type", "")) if isinstance(resource, dict) else None
            if object_type is not None:
                key = f"{object_type}_backup"
                counts[key] = counts.get(key, 0) + 1
        return counts
    return {}


def validated(where: str, declared: object) -> dict[str, int]:
    """A declaration (creates=) as the kinds it counts; raises ValueError naming `where`."""
    if declared is None:
        return {}
    if not isinstance(declared, dict) or not all(
        kind in KINDS and type(count) is int and count > 0 for kind, count in declared.items()
    ):
        raise ValueError(
            f"{where}: creates= is a mapping of what the test creates ({', '.join(KINDS)}) to how many"
        )
    return dict(declared)


SECOND_PROJECT = "second project"  # a need of a fixture's part (`creates`): the run has one

# A part of what a fixture creates: what it needs (resource types of the inventory, SECOND_PROJECT),
# and what it then creates
Part = tuple[tuple[str, ...], dict[str, int]]


def creates(*, needs: tuple[str, ...] = (), **counts: int) -> Callable[[_F], _F]:
    """Declare what a fixture creates each time it is set up (under `@pytest.fixture`):
    `@creates(vault=1, policy=1)`; a part it makes only when the run has something is declared
    apart, with what it needs: `@creates(vault=1, server_backup=1, needs=(SERVER,))`."""
    declared = validated("@creates", counts)

    def mark(function: _F) -> _F:
        setattr(function, _ATTRIBUTE, [*getattr(function, _ATTRIBUTE, []), (tuple(needs), declared)])
        return function

    return mark


def declared_by(function: object) -> list[Part] | None:
    """What a fixture function declares it creates (`creates`), by part; None: nothing."""
    declared = getattr(function, _ATTRIBUTE, None)
    return [(needs, dict(counts)) for needs, counts in declared] if isinstance(declared, list) else None


def total_of(parts: list[Part]) -> dict[str, int]:
    """What the parts create when the run has everything they need."""
    total: dict[str, int] = {}
    for _, counts in parts:
        for kind, count in counts.items():
            total[kind] = total.get(kind, 0) + count
    return total


def with_default_gb(declared: Mapping[str, int], vault_size: int) -> dict[str, int]:
    """A declaration with its GB: unless it says otherwise, each vault is of `vault_size` GB (the
    size the resource makers give a vault)."""
    counts = dict(declared)
    if counts.get("vault") and "gb" not in counts:
        counts["gb"] = counts["vault"] * vault_size
    return counts


def check_created(declared: Mapping[str, int], created: Mapping[str, int], cases: int = 1) -> None:
    """Raise `UndeclaredCreation` when `created` exceeds `declared` (times `cases`, for tests whose
    declaration is per generated case) in any kind."""
    over = {k: n for k, n in created.items() if n > declared.get(k, 0) * cases}
    if over:
        per = f" per case, {cases} cases at most" if cases != 1 else ""
        raise UndeclaredCreation(
            f"the test created {dict(sorted(created.items()))}, more than its cbr marker declares "
            f"(creates={dict(declared)}{per}): a defect of the test, which makes run --plan count "
            f"short; declare what it creates"
        )
