"""What a run tests, as whom and how: every setting that changes what is tested.

summary.json's `header` holds them as a `RunHeader` (`results.run_header`), never a secret
(`cli.header` gathers them from the run's settings); `header_lines` words them for a person (the
console's header, the report's); `setting_changes` says which differ between two runs' headers,
so that a comparison of the two is not taken for the target's own change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from cbr_conformance.results.run_header import RunHeader

BUILT_IN_INVENTORY = "the embedded emulator's built-in"
EMBEDDED_TIME_CONTROL = "embedded"

# The header's keys whose values change what a run tests, with how a difference is named.
# Left out: when and under what prefix it ran, its workers, its gate (require_complete, baseline).
TESTED_KEYS = {
    "suite_version": "suite version",
    "target_url": "target",
    "project_id": "project",
    "auth": "the project's credentials",
    "second_project_id": "second project",
    "second_auth": "the second project's credentials",
    "read_only": "read-only",
    "inventory": "inventory",
    "allow_restore": "restores (--allow-restore)",
    "max_vault_size": "largest vault (--max-vault-size)",
    "time_control": "time control",
    "profile": "profile",
    "spec_sha256": "spec (sha256)",
    "fuzz_examples": "fuzz cases per operation and mode",
    "fuzz_seconds": "fuzz seconds per operation and mode",
    "seed": "seed",
    "pytest_args": "selection (pytest arguments)",
}


_KIND_NAMES = {
    "servers": "servers",
    "volumes": "volumes",
    "bare_metal_servers": "bare metal servers",
    "sfs_turbos": "SFS Turbo",
}


def _held(counts: Mapping[str, int]) -> str:
    kinds = [f"{counts[k]} {name}" for k, name in _KIND_NAMES.items() if counts.get(k)]
    if not kinds:
        return "nothing the suite can back up"
    return ", ".join(kinds) + f"; {counts.get('restore_targets', 0)} may be restored onto"


def inventory_line(header: RunHeader) -> str:
    """Where the inventory comes from and what it holds, per project (once when both hold alike)."""
    inventory = header.inventory
    if not inventory.source:
        return "none (tests that back up a resource are not tested)"
    held = inventory.held

    def held_by(project: str | None) -> str:
        return _held(held.get(project or "", {}))

    first, second = header.project_id, header.second_project_id
    if not second or held.get(first or "") == held.get(second):
        whose = "each project" if second else "the project"
        return f"{inventory.source} ({whose}: {held_by(first)})"
    return f"{inventory.source} (project: {held_by(first)}; second project: {held_by(second)})"


def _project(header: RunHeader, second: bool) -> str:
    project = header.second_project_id if second else header.project_id
    if not project:
        return "none (sharing and isolation are not tested)" if second else "none"
    auth = header.second_auth if second else header.auth
    return f"{project} ({auth})" if auth else str(project)


def _restores(header: RunHeader) -> str:
    if header.read_only:
        return "off (read-only)"
    if not header.allow_restore:
        return "off (--allow-restore)"
    return "on, onto inventory resources that may be restored onto"


def _vault_size(header: RunHeader) -> str:
    size = header.max_vault_size
    if size is None:
        return "no limit (the emulator bills nothing)"
    return f"at most {size} GB (--max-vault-size)"


def _time_control(header: RunHeader) -> str:
    control = header.time_control
    if control == EMBEDDED_TIME_CONTROL:
        return "embedded (the emulator's clock)"
    return str(control) if control else "none (tests that need time to pass are not tested)"


def _fuzzing(header: RunHeader) -> str:
    budget = f"{header.fuzz_examples} cases per operation and mode"
    if header.fuzz_seconds:
        budget += f", at most {header.fuzz_seconds:g} s each"
    return f"{budget}, seed {header.seed}"


def _mode(header: RunHeader) -> str:
    return "read-only: GET requests only, nothing is created" if header.read_only else "writes"


def _spec(header: RunHeader) -> str:
    return f"{header.spec or 'packaged'}, sha256 {str(header.spec_sha256)[:16]}"


# (the header's setting, the line's name, its words): a line whose setting the header lacks is left out.
_WORDED: tuple[tuple[str, str, Callable[[RunHeader], str]], ...] = (
    ("read_only", "mode", _mode),
    ("inventory", "inventory", inventory_line),
    ("allow_restore", "restores", _restores),
    ("max_vault_size", "vault size", _vault_size),
    ("time_control", "time control", _time_control),
    ("profile", "profile", lambda header: header.profile),
    ("spec_sha256", "spec", _spec),
    ("fuzz_examples", "fuzzing", _fuzzing),
    ("workers", "workers", lambda header: str(header.workers)),
    ("run_prefix", "run prefix", lambda header: str(header.run_prefix)),
    ("pytest_args", "selection", lambda header: " ".join(header.pytest_args) or "the whole suite"),
)


def header_lines(header: RunHeader) -> list[tuple[str, str]]:
    """The header's settings in words, in the order a person checks them; a setting the header
    does not hold (a proxy session's, an older run's) is left out."""
    target = header.target_url or "-"
    lines = [
        ("target", "the embedded emulator" if target == "embedded emulator" else str(target)),
        ("project", _project(header, second=False)),
        ("second project", _project(header, second=True)),
    ]
    return lines + [(name, word(header)) for key, name, word in _WORDED if header.records(key)]


# --- comparison -------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=dict)
    return "none" if value is None else str(value)


def setting_changes(old: RunHeader, new: RunHeader, besides: Collection[str] = ()) -> list[str]:
    """One line per setting that changes what is tested and differs between two runs' headers
    (but those of `besides`); one more naming the settings only one header records (they cannot be
    compared)."""
    changes, unknown = [], []
    for key, name in TESTED_KEYS.items():
        if key in besides:
            continue
        if not (old.records(key) and new.records(key)):
            if old.records(key) or new.records(key):
                unknown.append(name)
            continue
        before, after = getattr(old, key), getattr(new, key)
        if key == "spec_sha256":
            before, after = str(before)[:16], str(after)[:16]
        if key == "inventory":
            # Where it was read from may differ between machines; what it held is what counts.
            before, after = old.inventory.held, new.inventory.held
        if key == "pytest_args":
            before, after = list(before), list(after)
        if before != after:
            changes.append(f"the {name} differs between the runs ({_shown(before)} -> {_shown(after)})")
    if unknown:
        changes.append(f"one run's header does not record: {', '.join(unknown)} (not compared)")
    return changes
