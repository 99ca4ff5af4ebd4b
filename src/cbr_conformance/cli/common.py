"""What every subcommand shares: its settings, its contract, pytest's arguments for the suite."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cbr_conformance import paths
from cbr_conformance.contract.spec import Contract
from cbr_conformance.plugin.isolation import plugin_args
from cbr_conformance.settings.config import SuiteConfig, settings_for
from cbr_conformance.settings.loading import load_config
from cbr_conformance.settings.registry import PYTEST


def config_of(args: argparse.Namespace, command: str) -> SuiteConfig:
    flags = {d.name: getattr(args, d.name, None) for d in settings_for(command) if d.flag}
    config = load_config(flags, config_file=args.config)
    return config


def contract_of(profile: str, draft: Path | None = None) -> Contract:
    """The contract as `profile` reads it, from `draft` (the `spec` setting) if given."""
    return Contract.for_profile(profile, draft)


def suite_args(pytest_args: list[str]) -> list[str]:
    """The user's pytest arguments, with paths of suite modules found in the installed suite.

    `conformance/test_vaults.py`, `test_vaults.py` and `test_vaults.py::test_x` name the suite's
    own modules from any folder; with no path at all, the whole suite runs.
    """
    suite = paths.suite_dir()
    resolved, narrowed = [], False
    for arg in pytest_args:
        file, sep, rest = arg.partition("::")
        named = file.endswith(".py") or bool(sep) or Path(file).is_dir()
        if arg.startswith("-") or not named:
            resolved.append(arg)
            continue
        narrowed = True
        if not Path(file).exists() and (suite / Path(file).name).exists():
            arg = f"{suite / Path(file).name}{sep}{rest}"
        resolved.append(arg)
    return resolved if narrowed else [str(suite), *resolved]


def isolated_args() -> list[str]:
    """pytest arguments that make a run of the suite the same from any folder."""
    return [
        # The suite's own configuration only, whatever folder the user runs it from.
        "-c",
        os.devnull,
        "--rootdir",
        str(paths.suite_root()),
        # The suite's plugins only (plugin/isolation.py): not schemathesis's or hypothesis's, whose
        # APIs the fuzzing drives, nor any other the environment has installed.
        *plugin_args(),
        # Each process's end ran five full garbage collections to find unraisable exceptions
        # (~0.25 s of CPU a worker, at the run's tail): hygiene of a test suite's own code, not a
        # verdict on the target.
        "-p",
        "no:unraisableexception",
    ]


def forwarded_args(args: argparse.Namespace, leave_out: tuple[str, ...] = ()) -> list[str]:
    """The settings given on the command line, as the plugin's options (it checks them again)."""
    argv: list[str] = []
    for declared in settings_for(PYTEST):
        value = getattr(args, declared.name, None)
        if declared.flag is None or value is None or declared.name in leave_out:
            continue
        argv += [declared.flag] if declared.kind == "bool" else [declared.flag, str(value)]
    return argv
