"""The suite's settings, each declared once.

`SuiteConfig`'s fields are the registry: see settings/registry.py for how one is declared, and
settings/loading.py for how flags, the environment and the file give their values. Nothing here
is printed with its secrets: `SuiteConfig.__repr__` hides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from cbr_conformance.settings import registry as s
from cbr_conformance.settings.registry import ConfigError, ProjectAccess
from cbr_conformance.transport.auth import AkSkAuth, TokenAuth

PROFILES = ("errata", "strict")
DEFAULT_SEED = 20261123  # fixed so that a run is reproducible; printed in the report


_TARGET = s.TARGET_COMMANDS
_SECRET = frozenset({s.RUN, s.CLEANUP, s.PYTEST})  # secrets have no flag; the commands only read them


@dataclass(frozen=True)
class SuiteConfig:
    target_url: str | None = s.setting(
        None,
        help="CBR endpoint to test, e.g. https://cbr.ap-southeast-1.myhuaweicloud.com "
        "(none: the embedded emulator)",
        parse=s.target_url,
        kind="url",
        flag="--target-url",
        env=("CBR_TARGET_URL",),
        commands=_TARGET | {s.PLAN, s.PROXY},
    )
    control_url: str | None = s.setting(
        None,
        help="time control of a standalone cbr-emulator (its /_emulator API, e.g. "
        "http://127.0.0.1:9000/_emulator), for the scenarios that need time to pass",
        parse=s.control_url,
        kind="url",
        flag="--control-url",
        env=("CBR_CONTROL_URL",),
    )
    project_id: str | None = s.setting(
        None,
        help="the project to test",
        parse=s.text,
        kind="text",
        flag="--project-id",
        env=("CBR_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
        commands=_TARGET | {s.PLAN},
    )
    token: str | None = s.setting(
        None,
        help="an IAM token of the project",
        parse=s.text,
        kind="text",
        env=("CBR_AUTH_TOKEN",),
        secret=True,
        commands=_SECRET,
    )
    ak: str | None = s.setting(
        None,
        help="access key of the project (AK/SK requests are signed with the official SDK's signer)",
        parse=s.text,
        kind="text",
        env=("HUAWEICLOUD_SDK_AK",),
        secret=True,
        commands=_SECRET,
    )
    sk: str | None = s.setting(
        None,
        help="secret key of the project",
        parse=s.text,
        kind="text",
        env=("HUAWEICLOUD_SDK_SK",),
        secret=True,
        commands=_SECRET,
    )
    second_project_id: str | None = s.setting(
        None,
        help="a second project, for sharing and isolation tests (not tested without it)",
        parse=s.text,
        kind="text",
        flag="--second-project-id",
        env=("CBR_SECOND_PROJECT_ID",),
        commands=_TARGET | {s.PLAN},
    )
    second_token: str | None = s.setting(
        None,
        help="an IAM token of the second project",
        parse=s.text,
        kind="text",
        env=("CBR_SECOND_AUTH_TOKEN",),
        secret=True,
        commands=_SECRET,
    )
    second_ak: str | None = s.setting(
        None,
        help="access key of the second project",
        parse=s.text,
        kind="text",
        env=("CBR_SECOND_AK",),
        secret=True,
        commands=_SECRET,
    )
    second_sk: str | None = s.setting(
        None,
        help="secret key of the second project",
        parse=s.text,
        kind="text",
        env=("CBR_SECOND_SK",),
        secret=True,
        commands=_SECRET,
    )
    inventory: Path | None = s.setting(
        None,
        help="JSON file of the target's resources the suite may put in vaults (none: the tests that "
        "need one are not tested; the embedded emulator has its own; `cbr-conformance inventory` "
        "prints a template)",
        parse=s.readable_json_file,
        kind="path",
        flag="--inventory",
        env=("CBR_INVENTORY",),
    )
    profile: str = s.setting(
        "errata",
        help="errata: the spec with its recorded corrections; strict: the reference's letter",
        parse=s.one_of(*PROFILES),
        kind="choice",
        flag="--profile",
        env=("CBR_PROFILE",),
        choices=PROFILES,
        commands={s.RUN, s.PLAN, s.SPEC, s.PYTEST, s.PROXY},
    )
    spec: Path | None = s.setting(
        None,
        help="a folder with a draft of the contract (cbr-v3.yaml, errata.yaml, error-codes.yaml) "
        "to test with instead of the packaged one",
        parse=s.spec_folder,
        kind="path",
        flag="--spec",
        env=("CBR_SPEC",),
        commands={s.RUN, s.PLAN, s.SPEC, s.PYTEST, s.PROXY},
    )
    read_only: bool = s.setting(
        False,
        help="send GET requests only and create nothing",
        parse=s.boolean,
        kind="bool",
        flag="--read-only",
        env=("CBR_READ_ONLY",),
    )
    allow_restore: bool = s.setting(
        False,
        help="let the suite restore backups, which overwrites the servers and disks restored onto: "
        'only those the inventory marks "restore_target": true (always on for the embedded emulator)',
        parse=s.boolean,
        kind="bool",
        flag="--allow-restore",
        env=("CBR_ALLOW_RESTORE",),
    )
    max_vault_size: int = s.setting(
        200,
        help="the largest vault, in GB, the run may create or resize to (a real target bills it; "
        "no limit for the embedded emulator)",
        parse=s.integer_from(1),
        kind="integer",
        flag="--max-vault-size",
        env=("CBR_MAX_VAULT_SIZE",),
    )
    require_complete: bool = s.setting(
        False,
        help="fail the gate (exit 1) when any test skips, for CI jobs that must cover everything",
        parse=s.boolean,
        kind="bool",
        flag="--require-complete",
        env=("CBR_REQUIRE_COMPLETE",),
        commands={s.RUN},
    )
    baseline: Path | None = s.setting(
        None,
        help="an earlier run to gate against (its folder or summary.json, e.g. reports/<release run>): "
        "the run fails only on distinct violations that run did not have",
        parse=s.run_summary,
        kind="path",
        flag="--baseline",
        env=("CBR_BASELINE",),
        commands={s.RUN},
    )
    request_timeout: float = s.setting(
        30.0,
        help="seconds allowed for one HTTP exchange",
        parse=s.positive_number,
        kind="number",
        flag="--request-timeout",
        env=("CBR_REQUEST_TIMEOUT", "CBR_TIMEOUT"),
        commands=_TARGET | {s.PROXY},
    )
    poll_interval: float = s.setting(
        0.2,
        help="seconds between two polls of an asynchronous state",
        parse=s.positive_number,
        kind="number",
        flag="--poll-interval",
        env=("CBR_POLL_INTERVAL",),
        commands=s.SUITE_COMMANDS | {s.CLEANUP},
    )
    max_wait: float = s.setting(
        120.0,
        help="seconds to wait for an asynchronous state (a backup becoming available)",
        parse=s.positive_number,
        kind="number",
        flag="--max-wait",
        env=("CBR_MAX_WAIT",),
        commands=s.SUITE_COMMANDS | {s.CLEANUP},
    )
    run_prefix: str | None = s.setting(
        None,
        help="name prefix of everything the run creates (default: cbrc-<random>)",
        parse=s.name_prefix,
        kind="text",
        flag="--run-prefix",
        env=("CBR_RUN_PREFIX",),
    )
    fuzz_examples: int = s.setting(
        10,  # small and fixed for CI; raise it for nightly runs
        help="generated cases per operation and fuzzing mode",
        parse=s.integer_from(1),
        kind="integer",
        flag="--fuzz-examples",
        env=("CBR_FUZZ_EXAMPLES",),
    )
    fuzz_seconds: float = s.setting(
        20.0,
        help="time budget of the fuzzing of one operation in one mode, in seconds",
        parse=s.positive_number,
        kind="number",
        flag="--fuzz-seconds",
        env=("CBR_FUZZ_SECONDS",),
    )
    fuzz_seed: int = s.setting(
        DEFAULT_SEED,
        help="seed of the fuzzing, printed in the report",
        parse=s.integer_from(0),
        kind="integer",
        flag="--fuzz-seed",
        env=("CBR_FUZZ_SEED", "CBR_SEED"),
    )
    fuzz_replay: str | None = s.setting(
        None,
        help="the value a fuzz failure prints to replay its minimal case: the fuzz test selected (-k, or "
        "its node id) sends exactly that case again instead of generating",
        parse=s.text,
        kind="text",
        flag="--fuzz-replay",
        env=("CBR_FUZZ_REPLAY",),
    )
    workers: str = s.setting(
        "auto",
        help="parallel test processes; auto: one per core for the embedded emulator, six per core "
        "(at most 16) for a target at a URL, whose waits are I/O, not CPU",
        parse=s.workers,
        kind="text",
        flag="--workers",
        env=("CBR_WORKERS",),
        commands={s.RUN},
    )
    ledger: Path | None = s.setting(
        None,
        help="file where each resource the run creates is recorded as it is made (cbr-conformance "
        "run: reports/<run>/created.jsonl), for `cleanup --run`",
        parse=s.writable_file,
        kind="path",
        flag="--ledger",
        env=("CBR_LEDGER",),
        commands={s.PYTEST},
    )
    durations_from: Path | None = s.setting(
        None,
        help="summary.json of an earlier run against the same target: its test durations lay the "
        "tests out across workers, the longest first (cbr-conformance run: reports/latest's, when "
        "it tested the same target URL)",
        parse=s.readable_file,
        kind="path",
        flag="--durations-from",
        env=("CBR_DURATIONS_FROM",),
        commands={s.RUN, s.PYTEST},
    )
    report_dir: Path = s.setting(
        Path("reports"),
        help="where run folders are written",
        parse=s.folder,
        kind="path",
        flag="--report-dir",
        env=("CBR_REPORT_DIR",),
        commands={s.RUN, s.CLEANUP, s.PROXY},
    )
    proxy_port: int = s.setting(
        9001,
        help="loopback port the validating proxy listens on (0: any free port)",
        parse=s.port,
        kind="integer",
        flag="--port",
        env=("CBR_PROXY_PORT",),
        commands={s.PROXY},
    )
    enforce: bool = s.setting(
        False,
        help="the proxy refuses a request the contract forbids with a 400 of its own instead of "
        "forwarding it, so that the client's tests fail",
        parse=s.boolean,
        kind="bool",
        flag="--enforce",
        env=("CBR_PROXY_ENFORCE",),
        commands={s.PROXY},
    )
    # Not a setting: set on the effective config of a run that started the embedded emulator.
    embedded_url: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        def show(name: str) -> str:
            value = getattr(self, name)
            return "***" if name in SECRET_FIELDS and value else repr(value)

        shown = ", ".join(f"{f.name}={show(f.name)}" for f in fields(self))
        return f"SuiteConfig({shown})"

    @property
    def embedded(self) -> bool:
        """The target is the embedded emulator: no URL was given, or this config is the effective
        one of a run that started it."""
        return self.target_url is None or self.target_url == self.embedded_url

    def primary(self) -> ProjectAccess:
        access = self._access("")
        assert access is not None
        return access

    def secondary(self) -> ProjectAccess | None:
        return self._access("second_") if self.second_project_id else None

    def _access(self, prefix: str) -> ProjectAccess | None:
        project_id, token, ak, sk = (getattr(self, prefix + n) for n in ("project_id", "token", "ak", "sk"))
        what = "the second project" if prefix else "the project"
        if not project_id:
            raise ConfigError(f"no project id for {what} (give {SETTINGS[prefix + 'project_id'].sources})")
        if bool(ak) != bool(sk):
            given, lacking = (prefix + "ak", prefix + "sk") if ak else (prefix + "sk", prefix + "ak")
            raise ConfigError(
                f"{what}: {SETTINGS[given].env[0]} is set but {SETTINGS[lacking].env[0]} is not "
                "(an AK/SK pair needs both)"
            )
        if ak and sk:
            return ProjectAccess(project_id, AkSkAuth(ak, sk))
        if token:
            return ProjectAccess(project_id, TokenAuth(token))
        raise ConfigError(
            f"no credentials for {what}: give a token ({SETTINGS[prefix + 'token'].env[0]}) or an AK/SK "
            f"pair ({SETTINGS[prefix + 'ak'].env[0]}, {SETTINGS[prefix + 'sk'].env[0]})"
        )

    def check_target_access(self) -> None:
        """For a remote target: every configured project has what it needs (ConfigError if not)."""
        if self.embedded:
            return
        self.primary()
        if any(getattr(self, "second_" + n) for n in ("token", "ak", "sk")) and not self.second_project_id:
            raise ConfigError(
                "credentials for a second project are set, but no second project id "
                f"(give {SETTINGS['second_project_id'].sources})"
            )
        self.secondary()

    def secrets(self) -> list[str]:
        return [value for name in SECRET_FIELDS if (value := getattr(self, name))]


def _registry() -> dict[str, s.Setting]:
    registry = {}
    for item in fields(SuiteConfig):
        if s.METADATA_KEY not in item.metadata:
            continue
        declared: s.Setting = item.metadata[s.METADATA_KEY]
        registry[item.name] = replace(declared, name=item.name, default=item.default)
    return registry


SETTINGS: Mapping[str, s.Setting] = _registry()
SECRET_FIELDS = frozenset(name for name, declared in SETTINGS.items() if declared.secret)


def settings_for(command: str) -> list[s.Setting]:
    return [declared for declared in SETTINGS.values() if command in declared.commands]
