"""Suite configuration from flags, environment variables and a TOML file (flags win, then env).

Nothing here is printed with its secrets: `SuiteConfig.__repr__` hides them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cbr_conformance.auth import AkSkAuth, Auth, TokenAuth

PROFILES = ("errata", "strict")

# setting name -> environment variables read for it, first found wins
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "target_url": ("CBR_TARGET_URL",),
    "project_id": ("CBR_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    "token": ("CBR_AUTH_TOKEN",),
    "ak": ("HUAWEICLOUD_SDK_AK",),
    "sk": ("HUAWEICLOUD_SDK_SK",),
    "second_project_id": ("CBR_SECOND_PROJECT_ID",),
    "second_token": ("CBR_SECOND_AUTH_TOKEN",),
    "second_ak": ("CBR_SECOND_AK",),
    "second_sk": ("CBR_SECOND_SK",),
    "inventory": ("CBR_INVENTORY",),
    "profile": ("CBR_PROFILE",),
    "read_only": ("CBR_READ_ONLY",),
    "timeout": ("CBR_TIMEOUT",),
    "poll_interval": ("CBR_POLL_INTERVAL",),
    "max_wait": ("CBR_MAX_WAIT",),
    "run_prefix": ("CBR_RUN_PREFIX",),
    "fuzz_examples": ("CBR_FUZZ_EXAMPLES",),
    "seed": ("CBR_SEED",),
    "fuzz_seconds": ("CBR_FUZZ_SECONDS",),
}
# The AKs are not secret on their own, but they identify the account: kept out of records too.
SECRET_FIELDS = frozenset({"token", "sk", "ak", "second_token", "second_sk", "second_ak"})


class ConfigError(ValueError):
    """The configuration is unusable; the message says which setting and why."""


@dataclass(frozen=True)
class ProjectAccess:
    """One project and the credentials that reach it."""

    project_id: str
    auth: Auth


@dataclass(frozen=True)
class SuiteConfig:
    target_url: str | None = None  # None: start the embedded emulator
    project_id: str | None = None
    token: str | None = None
    ak: str | None = None
    sk: str | None = None
    second_project_id: str | None = None
    second_token: str | None = None
    second_ak: str | None = None
    second_sk: str | None = None
    inventory: Path | None = None
    profile: str = "errata"
    read_only: bool = False
    timeout: float = 30.0
    poll_interval: float = 0.2
    max_wait: float = 120.0
    run_prefix: str | None = None
    fuzz_examples: int = 10  # small and fixed for CI; raise it for nightly runs
    fuzz_seconds: float = 20.0  # time budget per operation and mode
    seed: int = 20261123  # fixed by default so that a run is reproducible; printed in the report
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        def show(name: str) -> str:
            value = getattr(self, name)
            return "***" if name in SECRET_FIELDS and value else repr(value)

        shown = ", ".join(f"{f.name}={show(f.name)}" for f in fields(self))
        return f"SuiteConfig({shown})"

    @property
    def embedded(self) -> bool:
        return self.target_url is None

    def primary(self) -> ProjectAccess:
        return self._access(self.project_id, self.token, self.ak, self.sk, "the project")

    def secondary(self) -> ProjectAccess | None:
        if not self.second_project_id:
            return None
        return self._access(
            self.second_project_id, self.second_token, self.second_ak, self.second_sk, "the second project"
        )

    @staticmethod
    def _access(
        project_id: str | None, token: str | None, ak: str | None, sk: str | None, what: str
    ) -> ProjectAccess:
        if not project_id:
            raise ConfigError(f"no project id for {what} (--project-id or CBR_PROJECT_ID)")
        if ak and sk:
            return ProjectAccess(project_id, AkSkAuth(ak, sk))
        if token:
            return ProjectAccess(project_id, TokenAuth(token))
        raise ConfigError(
            f"no credentials for {what}: give a token (CBR_AUTH_TOKEN) or an AK/SK pair "
            "(HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)"
        )

    def secrets(self) -> list[str]:
        return [value for name in SECRET_FIELDS if (value := getattr(self, name))]


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    try:
        if name in ("timeout", "poll_interval", "max_wait", "fuzz_seconds"):
            number = float(value)
            if number <= 0:
                raise ValueError("must be positive")
            return number
        if name in ("fuzz_examples", "seed"):
            number = int(value)
            if number < (1 if name == "fuzz_examples" else 0):
                raise ValueError("is out of range")
            return number
        if name == "read_only":
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "yes", "on")
        if name == "inventory":
            return Path(value)
        if name == "profile" and value not in PROFILES:
            raise ValueError(f"must be one of {', '.join(PROFILES)}")
    except ValueError as exc:
        raise ConfigError(f"{name}: {value!r} {exc}") from exc
    return value


def load_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> SuiteConfig:
    """Merge the file, the environment and the flags (in that order of increasing weight)."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    path = config_file or (Path(environ["CBR_CONFIG"]) if environ.get("CBR_CONFIG") else None)
    if path is not None:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        section = document.get("cbr-conformance", document)
        unknown = set(section) - {f.name for f in fields(SuiteConfig)}
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        settings.update(section)
    for name, variables in ENVIRONMENT.items():
        for variable in variables:
            if environ.get(variable):
                settings[name] = environ[variable]
                break
    settings.update({k: v for k, v in (flags or {}).items() if v is not None})
    return replace(SuiteConfig(), **{k: _coerce(k, v) for k, v in settings.items()})
