"""What a run tests, gathered from its settings into summary.json's `header` (a `RunHeader`).

The embedded emulator's own projects and inventory stand in for whatever a URL's settings name;
no secret is ever gathered, only the kind of each project's credentials. `results.header`
words the data for a person and compares two runs' headers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cbr_conformance import __version__
from cbr_conformance.contract.resource_types import SECTIONS
from cbr_conformance.results.header import BUILT_IN_INVENTORY, EMBEDDED_TIME_CONTROL
from cbr_conformance.results.run_header import InventoryFacts, RunHeader
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.settings.registry import ConfigError, ProjectAccess
from cbr_conformance.target.endpoint import embedded_config, inventory_path
from cbr_conformance.transport.auth import AkSkAuth


def _auth_kind(access: ProjectAccess | None) -> str | None:
    if access is None:
        return None
    return "AK/SK" if isinstance(access.auth, AkSkAuth) else "token"


def _access(config: SuiteConfig, second: bool) -> ProjectAccess | None:
    """A project's access as the run will use it; None where it is not configured (the header
    describes, the preflight judges)."""
    try:
        return config.secondary() if second else config.primary()
    except ConfigError:
        return None


def inventory_facts(config: SuiteConfig) -> InventoryFacts:
    """Where the run's inventory comes from, and what it holds for each project of the run: the
    kinds the suite leases, by count, and how many of them may be restored onto."""
    path = inventory_path(config)
    if path is None:
        return InventoryFacts()
    source = BUILT_IN_INVENTORY if config.inventory is None else str(config.inventory)
    try:
        projects = json.loads(path.read_text(encoding="utf-8")).get("projects", {})
    except (OSError, ValueError, AttributeError):
        projects = {}  # the settings loader has read it already: a file gone since holds nothing
    held: dict[str, dict[str, int]] = {}
    for project_id in (config.project_id, config.second_project_id):
        if not project_id:
            continue
        project = projects.get(project_id) if isinstance(projects, dict) else None
        items = {
            section: [i for i in project.get(section, []) if isinstance(i, dict)]
            for section in SECTIONS
            if isinstance(project, dict)
        }
        counts = {section: len(found) for section, found in items.items() if found}
        marked = sum(1 for found in items.values() for item in found if item.get("restore_target") is True)
        # The embedded emulator's resources are the run's own: any may be restored onto.
        counts["restore_targets"] = sum(counts.values()) if config.embedded else marked
        held[project_id] = counts
    return InventoryFacts(source, held)


def effective(config: SuiteConfig) -> SuiteConfig:
    """The settings the run uses: for the embedded emulator, its own projects, credentials and
    waits (target.py), before it starts."""
    return embedded_config(config, None) if config.embedded else config


# pytest's options of output and of workers, which change how a run looks, not what it tests.
_NOT_SELECTION = ("-v", "-q", "-l", "-r", "--tb", "--verbose", "--quiet", "-n", "--numprocesses", "--dist")
_VALUE_FOLLOWS = ("-r", "--tb", "-n", "--numprocesses", "--dist")


def selection(pytest_args: Sequence[str]) -> list[str]:
    """The user's pytest arguments that choose what runs (-k, -m, paths, -x, --splits...)."""
    chosen: list[str] = []
    values = iter(pytest_args)
    for arg in values:
        if arg in _VALUE_FOLLOWS:
            next(values, None)
        elif not arg.startswith(_NOT_SELECTION):
            chosen.append(arg)
    return chosen


def header_settings(config: SuiteConfig, workers: str, pytest_args: Sequence[str] = ()) -> RunHeader:
    """The settings that decide what the run tests (no secret: credentials by kind); the
    contract's identity and the run's own are the caller's to add (`cli.run.header_of`)."""
    used = effective(config)
    time_control = EMBEDDED_TIME_CONTROL if config.embedded else config.control_url
    return RunHeader(
        suite_version=__version__,
        target_url=config.target_url or "embedded emulator",
        project_id=used.project_id,
        auth=_auth_kind(_access(used, second=False)),
        second_project_id=used.second_project_id,
        second_auth=_auth_kind(_access(used, second=True)),
        read_only=config.read_only,
        inventory=inventory_facts(used),
        allow_restore=used.allow_restore,
        max_vault_size=None if config.embedded else config.max_vault_size,
        time_control=time_control,
        spec=str(config.spec) if config.spec else "packaged",
        workers=workers,
        pytest_args=tuple(selection(pytest_args)),
    )


# --- words -----------------------------------------------------------------------------------------
