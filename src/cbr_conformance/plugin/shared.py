"""The run's shared resources (resources/run_shared.py): a folder every worker of a run against a target at
a URL sees, and the deletion of what they hold by the controller, once every worker is done."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.spec import Contract
from cbr_conformance.plugin.options import suite_config
from cbr_conformance.resources.run_shared import recorded_made
from cbr_conformance.results.collector import SHARED_LEFTOVERS
from cbr_conformance.target.client import client_for
from cbr_conformance.target.lifecycle import Cleanups

_FOLDER = pytest.StashKey[Path]()
_WORKER_KEY = "cbr_shared_folder"


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    settings = suite_config(config)
    workers = getattr(config.option, "numprocesses", None)
    # One process keeps its own; so does each worker of the embedded emulator (one per worker).
    if settings.embedded or settings.read_only or not workers:
        return
    config.stash[_FOLDER] = Path(tempfile.mkdtemp(prefix="cbr-conformance-shared-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist's hook: each worker is told the run's shared folder."""
    folder = node.config.stash.get(_FOLDER, None)
    if folder is not None:
        node.workerinput[_WORKER_KEY] = str(folder)


def shared_folder(config: pytest.Config) -> Path | None:
    """The folder this worker shares the run's resources in; None: this process keeps its own."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput and _WORKER_KEY in workerinput:
        return Path(workerinput[_WORKER_KEY])
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Every worker is done: delete the shared resources, newest first; what cannot be deleted is
    a leftover of the run, like any test's."""
    config = session.config
    folder = config.stash.get(_FOLDER, None)
    if folder is None or hasattr(config, "workerinput"):
        return
    try:
        made = recorded_made(folder)
        if made:
            settings = suite_config(config)
            client = client_for(settings, Contract.for_profile(settings.profile, settings.spec))
            cleanups = Cleanups(settings.max_wait, settings.poll_interval)
            for item in made:
                cleanups.born(item, client)
            # newest first, as any test's; the results report them with the run's leftovers
            config.stash[SHARED_LEFTOVERS] = cleanups.run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
