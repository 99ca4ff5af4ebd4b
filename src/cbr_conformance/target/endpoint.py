"""The target under test: a URL given by the user, or the embedded emulator started for the run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cbr_conformance.paths import fixtures_dir
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.workspace import Workspace

# Fast enough for the suite, slow enough that `protecting` is observable before `available`.
EMBEDDED_ASYNC_DELAY = 0.02
# Polling the embedded emulator costs ~2 ms a request, so it can be polled often.
EMBEDDED_POLL_INTERVAL = 0.01
EMBEDDED_MAX_VAULT_SIZE = 2**63 - 1  # no budget: the embedded emulator bills nothing


@dataclass
class Target:
    url: str
    config: SuiteConfig  # the effective one: with the embedded emulator's URL and credentials
    inventory_path: Path | None
    control_url: str | None = None  # the emulator's control API (time travel), when there is one
    server: Any = None
    workspace: Workspace = field(default_factory=Workspace)  # this process's part of the run

    @property
    def embedded(self) -> bool:
        return self.config.embedded

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def start_target(config: SuiteConfig, workspace: Workspace | None = None) -> Target:
    """Use the configured URL, or start the embedded emulator on a free loopback port."""
    workspace = workspace or Workspace()
    if config.target_url is not None:
        return Target(config.target_url, config, inventory_path(config), config.control_url, None, workspace)
    from cbr_emulator.config import Settings
    from cbr_emulator.server import EmulatorServer

    server = EmulatorServer(Settings(db_path=":memory:", async_delay=EMBEDDED_ASYNC_DELAY))
    server.start()
    effective = embedded_config(config, server.url)
    control_url = f"{server.url}/_emulator"
    return Target(server.url, effective, inventory_path(config), control_url, server, workspace)


def embedded_config(config: SuiteConfig, url: str | None) -> SuiteConfig:
    """The settings a run against the embedded emulator at `url` uses (None: before it starts)."""
    from cbr_emulator.defaults import DEFAULT_CREDENTIALS

    # The emulator knows only its own credentials: any configured for a remote target are set
    # aside, and the emulator's documented ones (a token and an AK/SK pair per project) used.
    first, second = DEFAULT_CREDENTIALS[0], DEFAULT_CREDENTIALS[1]
    return replace(
        config,
        target_url=url,
        embedded_url=url,
        project_id=first.project_id,
        token=first.tokens[0],
        ak=first.access_keys[0].ak,
        sk=first.access_keys[0].sk,
        second_project_id=second.project_id,
        second_token=second.tokens[0],
        second_ak=second.access_keys[0].ak,
        second_sk=second.access_keys[0].sk,
        poll_interval=min(config.poll_interval, EMBEDDED_POLL_INTERVAL),
        # The embedded emulator is the run's own: restores overwrite nothing, and nothing is billed.
        allow_restore=True,
        max_vault_size=EMBEDDED_MAX_VAULT_SIZE,
    )


def inventory_path(config: SuiteConfig) -> Path | None:
    """The inventory file the run leases from: the configured one; for the embedded emulator
    without one, the emulator's built-in inventory (fixtures/inventory.json is that)."""
    if config.inventory is not None or not config.embedded:
        return config.inventory
    return fixtures_dir() / "inventory.json"
