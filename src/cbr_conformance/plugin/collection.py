"""Which tests run, and in which order."""

from __future__ import annotations

import pytest

from cbr_conformance.plugin.distribution import plan_path
from cbr_conformance.plugin.options import suite_config
from cbr_conformance.plugin.schedule import (
    STAGE_FIXTURE,
    Expected,
    Traits,
    estimate,
    measured_durations,
    write_plan,
)
from cbr_conformance.suite.markers import info_of


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In read-only mode, only the tests that send nothing but GET requests and create nothing;
    fuzz tests first; a worker of a run the suite schedules writes the plan of what it collected."""
    if suite_config(config).read_only:
        _read_only(config, items)
    # The fuzz tests first: the state machine keeps its place after them, since it reuses the
    # generation strategies the fuzz tests of its worker built (it costs twice as much without).
    # The sort is stable: each module's tests keep their order.
    items.sort(key=lambda item: 0 if getattr(info_of(item), "kind", None) == "fuzz" else 1)
    plan = plan_path(config)
    if plan is not None:
        write_plan(plan, expected_of(config, items))


def _read_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    from cbr_conformance.contract.spec import Contract

    settings = suite_config(config)
    methods = {op.operation_id: op.method for op in Contract.for_profile(settings.profile, settings.spec)}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        info = info_of(item)
        writes = info is None or info.mutates or any(methods.get(op) != "GET" for op in info.operations)
        (drop if writes else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def expected_of(config: pytest.Config, items: list[pytest.Item]) -> dict[str, Expected]:
    """What the plan expects of each test (plugin/schedule.py): its measured duration against the
    same target, else an estimate."""
    settings = suite_config(config)
    measured = measured_durations(settings.durations_from, settings.target_url)
    plan = {}
    for item in items:
        traits = _traits(item)
        known = measured.get(item.nodeid)
        seconds = known if known is not None else estimate(traits, remote=not settings.embedded)
        plan[item.nodeid] = Expected(seconds, traits.staged)
    return plan


def _traits(item: pytest.Item) -> Traits:
    info = info_of(item)
    return Traits(
        item.nodeid,
        getattr(info, "kind", None),
        tuple(getattr(info, "operations", ()) or ()),
        STAGE_FIXTURE in getattr(item, "fixturenames", ()),
    )
