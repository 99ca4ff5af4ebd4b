"""The spec's links: which operation's answer leads to which, read from the spec alone.

Kept apart from the state machine that walks them, so that collecting the suite (which names the
linked operations) does not import schemathesis and hypothesis in every worker.
"""

from __future__ import annotations

from collections import Counter

from cbr_conformance.contract.spec import Contract


def _links(contract: Contract) -> list[tuple[str, str]]:
    """Every link of the spec, as (the operation it follows, the operation it leads to)."""
    return [
        (op.operation_id, link["operationId"])
        for op in contract
        for response in op.definition["responses"].values()
        for link in contract.resolve(response).get("links", {}).values()
    ]


def linked_operations(contract: Contract) -> tuple[str, ...]:
    """The operations that links connect: the ones a state machine can chain."""
    return tuple(sorted({name for link in _links(contract) for name in link}))


def link_families(contract: Contract) -> list[tuple[str, ...]]:
    """The chains a machine walks, one family at a time: each operation with links, with the
    operations two links away from it (create_vault, then list_backups, then show_backup...);
    families within another are left out. A machine over all the linked operations spreads its
    steps so thin that, in a default budget, some operations never come round."""
    follows: dict[str, set[str]] = {}
    for source, target in _links(contract):
        follows.setdefault(source, set()).add(target)
    families = {}
    for source, targets in follows.items():
        family = {source} | targets
        for target in targets:
            family |= follows.get(target, set())
        families[source] = family
    kept = [f for s, f in families.items() if not any(f < g for t, g in families.items() if t != s)]
    return [tuple(sorted(family)) for family in sorted(kept, key=lambda f: (-len(f), sorted(f)))]


def families_to_reach(contract: Contract, reached: Counter[str]) -> dict[str, tuple[str, ...]]:
    """For each linked operation not yet answered 2xx, a small family around it: the operation and
    those a link joins it to (a machine's choices are random: in a budget a large family can miss
    one of its operations, a small one rarely)."""
    neighbours: dict[str, set[str]] = {}  # the operations a link joins to each, either way
    for source, target in _links(contract):
        neighbours.setdefault(target, set()).add(source)
        neighbours.setdefault(source, set()).add(target)
    missing = [op for op in linked_operations(contract) if not reached[op]]
    return {op: tuple(sorted({op} | neighbours.get(op, set()))) for op in missing}
