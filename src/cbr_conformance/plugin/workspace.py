"""The run's workspace in this process, made once pytest is configured and kept on its stash.

Every process of a run knows the run's id from pytest-xdist (`--testrunuid`, which the
`cbr-conformance` command gives, or the id a worker is handed): it names the folder the run's
processes share. A run without workers is a process alone.
"""

from __future__ import annotations

import functools

import pytest

from cbr_conformance.plugin.keys import WORKSPACE
from cbr_conformance.plugin.options import suite_config
from cbr_conformance.report.console import note_waiting
from cbr_conformance.target.workspace import Workspace


def run_uid(config: pytest.Config) -> str | None:
    """The run's id: a worker's from its controller, the controller's from `--testrunuid`."""
    given = getattr(config, "workerinput", {}).get("testrunuid")
    if given is None and config.pluginmanager.hasplugin("xdist"):
        given = config.getoption("testrunuid", None)
    return str(given) if given else None


def worker_name(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    uid = run_uid(config)
    workspace = Workspace.of_run(uid, target_shared=not suite_config(config).embedded)
    if workspace.folder is not None:  # the CLI's live display shows what each worker waits for
        workspace.on_wait = functools.partial(note_waiting, workspace.folder, worker_name(config))
    config.stash[WORKSPACE] = workspace


class PluginNotConfigured(RuntimeError):
    """The suite's plugin did not set up this process's workspace: a fault of the suite's (or of
    how it was started), never of the target's, so a test it stops is a suite error."""


def workspace_of(config: pytest.Config) -> Workspace:
    """This process's workspace. Without it the run's leases, stalls and ledger would be lost
    unnoticed, so its absence is refused rather than made up."""
    workspace = config.stash.get(WORKSPACE, None)
    if workspace is None:
        raise PluginNotConfigured(
            "the cbr_conformance plugin set up no workspace in this process (pytest_configure did not run)"
        )
    return workspace
