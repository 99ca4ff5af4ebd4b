"""`cbr-conformance inventory`: an inventory to start from."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from typing import Any

from cbr_conformance import paths
from cbr_conformance.cli.common import isolated_args
from cbr_conformance.cli.exits import EXIT_OK, TargetProblem, UsageProblem
from cbr_conformance.plugin.isolation import only_named_plugins
from cbr_conformance.settings.config import SETTINGS


def handle_inventory(args: argparse.Namespace) -> int:
    """Print an inventory to start from: a template of what the suite's tests lease, or, for a
    standalone cbr-emulator at --target-url, that emulator's own inventory of the project."""
    from cbr_conformance.settings.registry import InvalidValue

    given = {
        name: getattr(args, name) or next(filter(None, map(os.environ.get, SETTINGS[name].env)), None)
        for name in ("target_url", "project_id")
    }
    try:
        url = SETTINGS["target_url"].parse(given["target_url"]) if given["target_url"] else None
    except InvalidValue as exc:
        raise UsageProblem(f"target_url ({SETTINGS['target_url'].sources}) {exc}") from None
    project_id = given["project_id"]
    if url is not None:
        document = _emulator_inventory(url, project_id)
    else:
        from cbr_conformance.suite.test_kinds import collect_tests
        from cbr_conformance.suite.wants import template

        with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():
            tests = collect_tests([str(paths.suite_dir())], isolated_args())
        document = template(tests, project_id or "<project id>")
    print(json.dumps(document, indent=2))
    return EXIT_OK


def _emulator_inventory(url: str, project_id: str | None) -> dict[str, Any]:
    """A standalone emulator's inventory (its control API), in the suite's shape: every item a
    scratch resource the suite may restore onto; of one project when given."""
    import requests

    from cbr_conformance.contract.resource_types import SECTIONS

    control = f"{url}/_emulator"
    try:
        health = requests.get(f"{control}/health", timeout=15)
        answer = requests.get(f"{control}/inventory", timeout=15) if health.status_code == 200 else None
        document = answer.json() if answer is not None and answer.status_code == 200 else None
    except requests.RequestException as exc:
        raise TargetProblem(f"the target does not answer: {type(exc).__name__}") from None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("projects"), dict):
        raise UsageProblem(
            f"no cbr-emulator control API answers at {control}: the inventory of another target is "
            "yours to write (cbr-conformance inventory without --target-url prints a template)"
        )
    projects: dict[str, Any] = document["projects"]
    if project_id is not None and project_id not in projects:
        raise UsageProblem(
            f"the emulator has no project {project_id} (it has {', '.join(sorted(projects)) or 'none'})"
        )
    chosen = [project_id] if project_id is not None else sorted(projects)
    return {
        "projects": {
            pid: {
                section: [{**item, "restore_target": True} for item in projects[pid].get(section, [])]
                for section in SECTIONS
            }
            for pid in chosen
        }
    }
