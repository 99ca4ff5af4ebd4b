"""Loading the settings: from the TOML file (`[cbr-conformance]` table), then the environment, then
the flags, each winning over the one before; every value through its setting's parser, and a bad
one named with where it came from (a secret's value never shown).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cbr_conformance.settings import registry as s
from cbr_conformance.settings.config import SETTINGS, SuiteConfig
from cbr_conformance.settings.registry import ConfigError

CONFIG_FLAG = "--config"
CONFIG_ENV = "CBR_CONFIG"
CONFIG_TABLE = "cbr-conformance"


def parse_value(declared: s.Setting, value: Any, source: str) -> Any:
    """One setting's value through its parser; the message names where the value came from."""
    try:
        return declared.parse(value)
    except s.InvalidValue as exc:
        shown = "***" if declared.secret else repr(value)
        raise ConfigError(f"{source} = {shown}: {exc}") from None


def file_settings(path: Path) -> dict[str, tuple[Any, str]]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc}") from None
    section = document.get(CONFIG_TABLE, document)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{CONFIG_TABLE}] must be a table of settings")
    unknown = sorted(set(section) - set(SETTINGS))
    if unknown:
        raise ConfigError(
            f"unknown settings in {path}: {', '.join(unknown)} (known: {', '.join(sorted(SETTINGS))})"
        )
    return {name: (value, f"{name} in {path}") for name, value in section.items()}


def load_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> SuiteConfig:
    """Merge the file, the environment and the flags (in that order of increasing weight).

    `flags` maps setting names to what the command line gave (None: not given).
    """
    environ = os.environ if environ is None else environ
    given: dict[str, tuple[Any, str]] = {}
    path = config_file or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    if path is not None:
        given.update(file_settings(path))
    for name, declared in SETTINGS.items():
        variable = next((v for v in declared.env if environ.get(v)), None)
        if variable is not None:
            given[name] = (environ[variable], variable)
    for name, value in (flags or {}).items():
        if value is not None:
            given[name] = (value, SETTINGS[name].flag or name)
    values = {name: parse_value(SETTINGS[name], value, source) for name, (value, source) in given.items()}
    config = replace(SuiteConfig(), **values)
    if config.second_project_id and not config.embedded:
        config.secondary()  # its credentials are checked now, naming its own variables
    return config
