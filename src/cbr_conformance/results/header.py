"""What a run tests, as whom and how: every setting that changes what is tested.

summary.json's `header` holds them as plain data, never a secret (`cli.header` gathers them
from the run's settings); `header_lines` words them for a person (the console's header, the
report's); `setting_changes` says which differ between two runs' headers, so that a comparison
of the two is not taken for the target's own change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

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


def inventory_line(header: Mapping[str, Any]) -> str:
    """Where the inventory comes from and what it holds, per project (once when both hold alike)."""
    inventory = header.get("inventory") or {}
    if not inventory.get("source"):
        return "none (tests that back up a resource are not tested)"
    held = inventory.get("held") or {}
    first, second = header.get("project_id"), header.get("second_project_id")
    if not second or held.get(first) == held.get(second):
        whose = "each project" if second else "the project"
        return f"{inventory['source']} ({whose}: {_held(held.get(first, {}))})"
    return (
        f"{inventory['source']} (project: {_held(held.get(first, {}))}; "
        f"second project: {_held(held.get(second, {}))})"
    )


def _project(header: Mapping[str, Any], second: bool) -> str:
    prefix = "second_" if second else ""
    project = header.get(f"{prefix}project_id")
    if not project:
        return "none (sharing and isolation are not tested)" if second else "none"
    auth = header.get(f"{prefix}auth")
    return f"{project} ({auth})" if auth else str(project)


def _restores(header: Mapping[str, Any]) -> str:
    if header.get("read_only"):
        return "off (read-only)"
    if not header.get("allow_restore"):
        return "off (--allow-restore)"
    return "on, onto inventory resources that may be restored onto"


def _vault_size(header: Mapping[str, Any]) -> str:
    size = header.get("max_vault_size")
    if size is None:
        return "no limit (the emulator bills nothing)"
    return f"at most {size} GB (--max-vault-size)"


def _time_control(header: Mapping[str, Any]) -> str:
    control = header.get("time_control")
    if control == EMBEDDED_TIME_CONTROL:
        return "embedded (the emulator's clock)"
    return str(control) if control else "none (tests that need time to pass are not tested)"


def _fuzzing(header: Mapping[str, Any]) -> str:
    budget = f"{header.get('fuzz_examples')} cases per operation and mode"
    if header.get("fuzz_seconds"):
        budget += f", at most {header['fuzz_seconds']:g} s each"
    return f"{budget}, seed {header.get('seed')}"


def _mode(header: Mapping[str, Any]) -> str:
    return "read-only: GET requests only, nothing is created" if header["read_only"] else "writes"


def _spec(header: Mapping[str, Any]) -> str:
    return f"{header.get('spec') or 'packaged'}, sha256 {str(header['spec_sha256'])[:16]}"


# (the header's key, the line's name, its words): a line whose key the header lacks is left out.
_WORDED: tuple[tuple[str, str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("read_only", "mode", _mode),
    ("inventory", "inventory", inventory_line),
    ("allow_restore", "restores", _restores),
    ("max_vault_size", "vault size", _vault_size),
    ("time_control", "time control", _time_control),
    ("profile", "profile", lambda header: str(header["profile"])),
    ("spec_sha256", "spec", _spec),
    ("fuzz_examples", "fuzzing", _fuzzing),
    ("workers", "workers", lambda header: str(header["workers"])),
    ("run_prefix", "run prefix", lambda header: str(header["run_prefix"])),
    ("pytest_args", "selection", lambda header: " ".join(header["pytest_args"]) or "the whole suite"),
)


def header_lines(header: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header's settings in words, in the order a person checks them; a setting the header
    does not hold (a proxy session's, an older run's) is left out."""
    target = header.get("target_url") or "-"
    lines = [
        ("target", "the embedded emulator" if target == "embedded emulator" else str(target)),
        ("project", _project(header, second=False)),
        ("second project", _project(header, second=True)),
    ]
    return lines + [(name, word(header)) for key, name, word in _WORDED if key in header]


# --- comparison -------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "none" if value is None else str(value)


def setting_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], besides: Collection[str] = ()
) -> list[str]:
    """One line per setting that changes what is tested and differs between two runs' headers
    (but those of `besides`); one more naming the settings only one header records (they cannot be
    compared)."""
    changes, unknown = [], []
    for key, name in TESTED_KEYS.items():
        if key in besides:
            continue
        if key not in old or key not in new:
            if key in old or key in new:
                unknown.append(name)
            continue
        before, after = old[key], new[key]
        if key == "spec_sha256":
            before, after = str(before)[:16], str(after)[:16]
        if key == "inventory":
            # Where it was read from may differ between machines; what it held is what counts.
            before, after = (before or {}).get("held"), (after or {}).get("held")
        if before != after:
            changes.append(f"the {name} differs between the runs ({_shown(before)} -> {_shown(after)})")
    if unknown:
        changes.append(f"one run's header does not record: {', '.join(unknown)} (not compared)")
    return changes
