"""The plugin's command-line options, each derived from a setting of the registry (settings/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbr_conformance.settings.config import SETTINGS, SuiteConfig
from cbr_conformance.settings.loading import CONFIG_ENV, CONFIG_FLAG, load_config
from cbr_conformance.settings.registry import PYTEST, ConfigError, Setting
from cbr_conformance.suite.markers import MARKER_HELP

CONFIG = pytest.StashKey[SuiteConfig]()


def _dest(declared: Setting) -> str:
    return f"cbr_{declared.name}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cbr", "CBR conformance (secrets come from the environment or the config file)")
    group.addoption(
        CONFIG_FLAG, dest="cbr_config_file", type=Path, help=f"TOML file of settings (env {CONFIG_ENV})"
    )
    for declared in SETTINGS.values():
        if PYTEST in declared.commands and declared.flag is not None:
            group.addoption(declared.flag, dest=_dest(declared), **declared.option())


def suite_config(config: pytest.Config) -> SuiteConfig:
    """The run's settings: flags, then environment, then file; a bad value is a usage error."""
    if CONFIG not in config.stash:
        flags = {
            declared.name: config.getoption(_dest(declared))
            for declared in SETTINGS.values()
            if PYTEST in declared.commands and declared.flag is not None
        }
        try:
            config.stash[CONFIG] = load_config(flags, config_file=config.getoption("cbr_config_file"))
        except ConfigError as exc:
            raise pytest.UsageError(f"cbr-conformance: {exc}") from None
    return config.stash[CONFIG]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    suite_config(config)  # a bad setting is a usage error before anything runs
