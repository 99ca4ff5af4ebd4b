"""Which tests run, and in which order."""

from __future__ import annotations

import pytest

from cbr_conformance.markers import info_of
from cbr_conformance.plugin.options import suite_config


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests first; in read-only mode, only the tests that send nothing but GET requests and
    create nothing."""

    # The fuzz tests, the longest, run first, so that parallel workers do not finish one behind
    # the other on a long test collected last. The stateful machine keeps its place after them: it
    # reuses the generation strategies the fuzz tests of its worker built, and costs twice as much
    # without. The sort is stable: each module's tests keep their order and stay together.
    items.sort(key=lambda item: 0 if getattr(info_of(item), "kind", None) == "fuzz" else 1)
    if not suite_config(config).read_only:
        return
    from cbr_conformance.contract import Contract

    methods = {op.operation_id: op.method for op in Contract.load()}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        info = info_of(item)
        writes = info is None or info.mutates or any(methods.get(op) != "GET" for op in info.operations)
        (drop if writes else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
