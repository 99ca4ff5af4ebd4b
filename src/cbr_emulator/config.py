"""Emulator settings, from CLI flags and environment variables (flags win)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cbr_emulator.defaults import DEFAULT_CREDENTIALS, AccessKey, ProjectCredentials

ENV_DB = "CBR_EMULATOR_DB"
ENV_ASYNC_DELAY = "CBR_EMULATOR_ASYNC_DELAY"
ENV_INVENTORY = "CBR_EMULATOR_INVENTORY"
ENV_CREDENTIALS = "CBR_EMULATOR_CREDENTIALS"


class ConfigError(ValueError):
    """A setting or a settings file is invalid."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    # 0: any free port (what EmulatorServer wants); the CLI's default is 9000.
    port: int = 0
    db_path: str = ":memory:"
    # Real seconds between "protecting"/"restoring" and "available".
    async_delay: float = 1.0
    # None: the built-in default inventory (the one fixtures/inventory.json holds).
    inventory_path: Path | None = None
    credentials: tuple[ProjectCredentials, ...] = DEFAULT_CREDENTIALS
    # Accepted difference between X-Sdk-Date and the real clock.
    clock_skew_seconds: int = 15 * 60

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def parse_async_delay(value: str | float) -> float:
    try:
        delay = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"async delay must be a number of seconds, got {value!r}") from exc
    if not 0 <= delay <= 86400:
        raise ConfigError("async delay must be between 0 and 86400 seconds")
    return delay


def load_credentials(path: Path) -> tuple[ProjectCredentials, ...]:
    """Read a credentials file shaped like the output of ``cbr-emulator credentials``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read credentials file {path}: {exc}") from exc
    return parse_credentials(data)


def parse_credentials(data: Any) -> tuple[ProjectCredentials, ...]:
    if not isinstance(data, Mapping) or not isinstance(data.get("projects"), list) or not data["projects"]:
        raise ConfigError('credentials must be {"projects": [...]} with at least one project')
    result: list[ProjectCredentials] = []
    seen_secrets: set[str] = set()
    for entry in data["projects"]:
        if not isinstance(entry, Mapping) or not _is_text(entry.get("project_id")):
            raise ConfigError("each credentials entry needs a project_id string")
        tokens = entry.get("tokens", [])
        keys = entry.get("access_keys", [])
        if not isinstance(tokens, list) or not all(_is_text(t) for t in tokens):
            raise ConfigError("tokens must be a list of strings")
        if not isinstance(keys, list) or not all(
            isinstance(k, Mapping) and _is_text(k.get("ak")) and _is_text(k.get("sk")) for k in keys
        ):
            raise ConfigError("access_keys must be a list of {ak, sk} objects")
        for secret in [*tokens, *(k["ak"] for k in keys)]:
            if secret in seen_secrets:
                raise ConfigError("a token or AK may belong to one project only")
            seen_secrets.add(secret)
        user_id = entry.get("user_id") or f"user-{entry['project_id']}"
        result.append(
            ProjectCredentials(
                project_id=str(entry["project_id"]),
                user_id=str(user_id),
                tokens=tuple(str(t) for t in tokens),
                access_keys=tuple(AccessKey(ak=str(k["ak"]), sk=str(k["sk"])) for k in keys),
            )
        )
    return tuple(result)


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    settings = Settings()
    if env.get(ENV_DB):
        settings = replace(settings, db_path=env[ENV_DB])
    if env.get(ENV_ASYNC_DELAY):
        settings = replace(settings, async_delay=parse_async_delay(env[ENV_ASYNC_DELAY]))
    if env.get(ENV_INVENTORY):
        settings = replace(settings, inventory_path=Path(env[ENV_INVENTORY]))
    if env.get(ENV_CREDENTIALS):
        settings = replace(settings, credentials=load_credentials(Path(env[ENV_CREDENTIALS])))
    return settings


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""
