"""A stranger's honest setups get the right verdict from a correct target, and one bug is one entry.

Each setting of `stranger.py` (a token alone; AK/SK with an inventory and a second project; the
same with tokens and --control-url; behind a gateway's path prefix; --read-only; -k one
operation) runs `cbr-conformance run`, the installed CLI in a process of its own, against a fresh
`cbr-emulator serve` (a new --db file, 1 s asynchronous work) on 2 seeds: each run must CONFORM,
partially where something was not configured, and never DOES NOT CONFORM. Then a target with
exactly one bug (show_vault answering without `billing.size`) must give exactly one distinct
violation, no red matrix cell outside show_vault's row, and the same violation and cells on 3
seeds.

The runs lower the fuzz budget and the workers (`stranger.QUICK`: 3 cases per operation and mode,
5 s each, 4 worker processes; the default is 10 cases, 20 s, and 12 workers on 2 cores): every kind
of test still runs and is judged (positive and negative fuzz of each operation, the state machine,
the scenarios, the shared backups), so every path by which a run reaches its verdict is taken; only
fewer generated cases go through each, and the start-up of 12 workers, much of a run's time on 2
cores, is not paid 15 times. The default workers against a shared target are
`test_shared_target.py`'s; `bench/stranger_matrix.py` runs this matrix on more seeds, with the
default budget unless `--quick`.

A setting known to fail is marked xfail naming the cause (`KNOWN`, empty today): remove the mark
when the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.shared_target.harness import PROJECTS, emulator_process
from tests.shared_target.mutating_proxy import Exchange
from tests.shared_target.stranger import (
    GATEWAY_PREFIX,
    SETTINGS,
    Setting,
    drop_billing_size,
    path_prefix_gateway,
    red_cells,
    run_seeds,
    violation_keys,
)

SEEDS = (1, 2)
BUG_SEEDS = (1, 2, 3)
FULL = next(s for s in SETTINGS if s.name == "control-url")  # everything a user can configure

# A setting whose verdict is known wrong, with the cause, until its fix lands (strict: the fix
# then shows as an unexpected pass). None is known wrong today.
KNOWN: dict[str, tuple[str, bool]] = {}


def _marks(name: str) -> list[pytest.MarkDecorator]:
    if name not in KNOWN:
        return []
    reason, strict = KNOWN[name]
    return [pytest.mark.xfail(strict=strict, reason=reason)]


@pytest.mark.parametrize("setting", [pytest.param(s, id=s.name, marks=_marks(s.name)) for s in SETTINGS])
def test_a_strangers_setting_gets_conforms_from_a_correct_target(setting: Setting, tmp_path: Path) -> None:
    wrong: list[str] = []
    for run in run_seeds(setting, tmp_path, SEEDS):
        if found := run.wrong(setting):
            wrong.append(f"seed {run.seed}: {'; '.join(found)}")
            wrong += [f"    {line}" for line in run.catalogue()]
    assert not wrong, f"{setting.what}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("bug", "operation"),
    [
        pytest.param(
            drop_billing_size, "show_vault", id="show_vault-without-billing.size", marks=_marks("one-bug")
        )
    ],
)
def test_one_bug_is_one_violation_and_the_same_on_every_seed(
    bug: Callable[[Exchange], None], operation: str, tmp_path: Path
) -> None:
    seen: dict[int, tuple[list[tuple[str, str, str]], set[tuple[str, str]]]] = {}
    for run in run_seeds(FULL, tmp_path, BUG_SEEDS, on_answer=bug):
        said = f"seed {run.seed}: exit {run.code}\n" + "\n".join(run.catalogue())
        assert run.code == 1, said
        keys, cells = violation_keys(run.summary), red_cells(run.summary)
        assert [found for found, _, _ in keys] == [operation], said
        assert {found for found, _ in cells} == {operation}, f"red cells {sorted(cells)}\n{said}"
        seen[run.seed] = keys, cells
    first = seen[BUG_SEEDS[0]]
    assert all(found == first for found in seen.values()), seen


def test_the_gateway_serves_the_target_under_its_prefix_only(tmp_path: Path) -> None:
    """The gateway setting's stand-in: the API under /cbr, nothing outside it."""
    project, token = PROJECTS[0], DEFAULT_CREDENTIALS[0].tokens[0]
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=1.0) as url, path_prefix_gateway(url) as base:
        assert base.endswith(GATEWAY_PREFIX)
        outside = base.removesuffix(GATEWAY_PREFIX)
        headers = {"X-Auth-Token": token}
        assert requests.get(f"{base}/v3/{project}/vaults", headers=headers, timeout=10).status_code == 200
        assert requests.get(f"{outside}/v3/{project}/vaults", headers=headers, timeout=10).status_code == 404
