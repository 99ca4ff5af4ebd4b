"""Which scheduler lays the run out over pytest-xdist's workers, and the plan it reads.

A run with workers (`-n N`, through `cbr-conformance run` or `pytest` alike) whose user chose no
distribution (`--dist`, `-d`) is handed out by the suite's own scheduler (plugin/scheduler.py),
through pytest-xdist's public hook `pytest_xdist_make_scheduler`: the longest expected work first,
a stage's tests together, more to whichever worker runs low. A distribution the user names is
xdist's own, the tests in collection order; a run without workers (`-n 0`, `-p no:xdist`) runs in
collection order.

The controller makes a folder for the plans and tells each worker of it (`pytest_configure_node`);
each worker writes the plan of its collection there (plugin/collection.py) before telling the
controller what it collected, and the scheduler reads it when every worker has. The folder goes
when the run ends.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.plugin.schedule import Expected, read_plan
from cbr_conformance.plugin.scheduler import Node, PlannedScheduling

_Exit = int | pytest.ExitCode
_CHOSEN = pytest.StashKey[bool]()  # the user named a distribution
_PLANS = pytest.StashKey[Path]()  # the controller's folder of the workers' plans
_WORKER_KEY = "cbr_plan_folder"


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, _Exit, _Exit]:
    """Whether the user chose a distribution, read before pytest-xdist turns `-n` into
    `--dist load`."""
    config.stash[_CHOSEN] = distribution_chosen(config.option)
    return (yield)


def distribution_chosen(option: argparse.Namespace) -> bool:
    """`--dist MODE` or `-d` given (on the command line, in addopts or an ini file)."""
    return getattr(option, "dist", "no") != "no" or bool(getattr(option, "distload", False))


def suite_schedules(config: pytest.Config) -> bool:
    """This process is the controller of a run with workers whose user left the distribution to
    the suite."""
    if hasattr(config, "workerinput") or getattr(config.option, "dist", "no") == "no":
        return False
    return not config.stash.get(_CHOSEN, True)


def pytest_configure(config: pytest.Config) -> None:
    if suite_schedules(config):
        config.stash[_PLANS] = Path(tempfile.mkdtemp(prefix="cbr-conformance-plan-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_PLANS, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hooks: absent with -p no:xdist
def pytest_configure_node(node: Any) -> None:
    """Each worker is told where to write its plan."""
    folder = node.config.stash.get(_PLANS, None)
    if folder is not None:
        node.workerinput[_WORKER_KEY] = str(folder)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> PlannedScheduling | None:
    """The suite's scheduler, unless the user chose a distribution (None: xdist's own)."""
    folder = config.stash.get(_PLANS, None)
    if folder is None:
        return None

    def plan_of(node: Node) -> Mapping[str, Expected]:
        return read_plan(folder / plan_name(str(node.gateway.id)))

    def report(line: str) -> None:
        log(line)
        failed = pytest.CollectReport("", "failed", f"the workers' collections differ: {line}", [])
        config.hook.pytest_collectreport(report=failed)

    return PlannedScheduling(workers_of(config.getoption("tx", None) or []), plan_of, report)


def plan_name(worker: str) -> str:
    return f"{worker}.json"


def plan_path(config: pytest.Config) -> Path | None:
    """Where this worker writes the plan of its collection; None: the suite does not schedule."""
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or _WORKER_KEY not in workerinput:
        return None
    return Path(workerinput[_WORKER_KEY]) / plan_name(str(workerinput["workerid"]))


def workers_of(tx: Sequence[str]) -> int:
    """How many workers xdist starts for its `--tx` specs (`-n 4` is `4*popen`... or four `popen`)."""
    count = 0
    for spec in tx:
        times, star, _ = spec.partition("*")
        count += int(times) if star and times.isdigit() else 1
    return count
