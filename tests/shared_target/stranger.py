"""A stranger's honest setups of the suite against a correct target at a URL, and how to read what
each run said.

Each setting is what a newcomer would configure, from the least (a token and a project id) to
everything the README offers; the target is a correct `cbr-emulator serve` (with a `--db` file and
real asynchronous work), so every run must CONFORM, partially where something was not configured.
The CI test (`test_stranger_matrix.py`) and the benchmark (`bench/stranger_matrix.py`) both use it.

Every read of a run's summary.json is one of the small functions at the top: its shape is the
results package's, and a change of it is ported here alone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.shared_target.harness import emulator_process
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

# ---- reading a run's summary.json --------------------------------------------------------------

# The outcomes of a test, or of a matrix cell, that say nothing against the target. Anything else
# ("violated", "suite error") is a red cell.
QUIET = frozenset({"passed", "blocked", "not tested"})


def verdict(summary: dict[str, Any]) -> str:
    """The run's verdict in words, as the console printed it."""
    return str(summary.get("verdict") or "")


def conforms(summary: dict[str, Any]) -> bool:
    return bool(summary.get("conforms"))


def is_partial(summary: dict[str, Any]) -> bool:
    return verdict(summary).startswith("CONFORMS (partial")


def violation_keys(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each distinct violation as (operation, rule, JSON path): what identifies one bug."""
    return [(v["operation"], v["rule"], v["path"]) for v in summary.get("violations", [])]


def violation_lines(summary: dict[str, Any]) -> list[str]:
    """Each distinct violation in one line: its key and its message's first line."""
    return [
        f"{v['operation']} {v['rule']} {v['path']}: {first_line(v.get('message', ''))}"
        for v in summary.get("violations", [])
    ]


def outcome_of(test: dict[str, Any]) -> str:
    """A test's outcome (a test another operation's violation kept from its check: "blocked")."""
    return str(test["outcome"])


def loud_tests(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each test whose outcome speaks against the target or the suite: (node id, outcome, what
    it raised, in one line)."""
    return [
        (t["nodeid"], outcome_of(t), raised(t.get("message", "")))
        for t in summary.get("tests", [])
        if outcome_of(t) not in QUIET
    ]


def red_cells(summary: dict[str, Any]) -> set[tuple[str, str]]:
    """The matrix cells (operation, kind of test) holding an outcome that is not quiet."""
    return {
        (operation, kind)
        for operation, kinds in summary.get("matrix", {}).items()
        for kind, outcomes in kinds.items()
        if any(count and outcome not in QUIET for outcome, count in outcomes.items())
    }


# ---- helpers of those readers ------------------------------------------------------------------


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


def raised(message: str) -> str:
    """The exception a failed test's message ends with (pytest's `E   Type: text` lines), or its
    first line."""
    errors = [line[1:].strip() for line in message.splitlines() if line.startswith("E ")]
    named = [line for line in errors if re.match(r"[\w.]+(Error|Exception|Failed|Violation)\b", line)]
    return (named or errors or [first_line(message)])[0][:200]


# ---- the settings ------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GATEWAY_PREFIX = "/cbr"


@dataclass(frozen=True)
class Setting:
    """What a stranger configured: credentials, files and flags."""

    name: str
    what: str
    aksk: bool = False  # the emulator's fake AK/SK pairs, not its tokens
    inventory: bool = True
    second_project: bool = True
    control_url: bool = False
    gateway: bool = False  # reached through a gateway that strips a path prefix
    args: tuple[str, ...] = ()
    partial: bool = True  # something is left untested (no --allow-restore, at least)


SETTINGS = (
    Setting(
        "token-only",
        "a token and a project id, no inventory, no second project",
        inventory=False,
        second_project=False,
    ),
    Setting("aksk", "AK/SK pairs, an inventory and a second project", aksk=True),
    Setting("control-url", "tokens, an inventory, a second project and --control-url", control_url=True),
    Setting("gateway", f"the same behind a gateway's path prefix {GATEWAY_PREFIX}", gateway=True),
    Setting("read-only", "tokens, an inventory, a second project and --read-only", args=("--read-only",)),
    Setting(
        "one-operation", "tokens, an inventory, a second project and -k show_vault", args=("-k", "show_vault")
    ),
)


def emulator_credentials() -> list[dict[str, Any]]:
    """The emulator's fake credentials as a stranger finds them: `cbr-emulator credentials`."""
    command = [sys.executable, "-m", "cbr_emulator.cli", "credentials"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    projects: list[dict[str, Any]] = json.loads(done.stdout)["projects"]
    return projects


def environment(setting: Setting) -> dict[str, str]:
    """The process environment of the run: the machine's, less any CBR or SDK setting, plus the
    setting's credentials (secrets come from the environment only)."""
    first, second = emulator_credentials()[:2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CBR_", "HUAWEICLOUD_SDK_"))}
    if setting.aksk:
        env.update(
            HUAWEICLOUD_SDK_PROJECT_ID=first["project_id"],
            HUAWEICLOUD_SDK_AK=first["access_keys"][0]["ak"],
            HUAWEICLOUD_SDK_SK=first["access_keys"][0]["sk"],
        )
        if setting.second_project:
            env.update(
                CBR_SECOND_PROJECT_ID=second["project_id"],
                CBR_SECOND_AK=second["access_keys"][0]["ak"],
                CBR_SECOND_SK=second["access_keys"][0]["sk"],
            )
    else:
        env.update(CBR_PROJECT_ID=first["project_id"], CBR_AUTH_TOKEN=first["tokens"][0])
        if setting.second_project:
            env.update(CBR_SECOND_PROJECT_ID=second["project_id"], CBR_SECOND_AUTH_TOKEN=second["tokens"][0])
    return env


# A budget below the suite's default (10 cases per operation and mode, 20 s each, and 6 worker
# processes per core for a target at a URL): every kind of test still runs and is judged, with
# fewer generated cases each, by 4 workers (the start-up of 12 is much of a run on 2 cores).
QUICK = ("--fuzz-examples", "3", "--fuzz-seconds", "5", "--workers", "4")


@dataclass
class StrangerRun:
    setting: str
    seed: int
    code: int
    summary: dict[str, Any]
    output: str
    seconds: float = 0.0

    def wrong(self, setting: Setting) -> list[str]:
        """What is wrong with this run's verdict for a correct target: empty when it is right."""
        found: list[str] = []
        said = verdict(self.summary) if self.summary else f"no summary.json (exit {self.code})"
        if self.code != 0:
            found.append(f"exit {self.code}")
        if not self.summary or not conforms(self.summary):
            found.append(said)
        elif setting.partial != is_partial(self.summary):
            found.append(f"{said} (expected {'a partial' if setting.partial else 'a full'} CONFORMS)")
        return found

    def catalogue(self) -> list[str]:
        """The distinct violations (first line each) and the tests that did not pass or skip."""
        lines = [f"violation: {line}" for line in violation_lines(self.summary)]
        lines += [f"{outcome}: {nodeid}: {error}" for nodeid, outcome, error in loud_tests(self.summary)]
        if not self.summary:
            lines += [f"output: {line}" for line in self.output.strip().splitlines()[-15:]]
        return lines


def run_stranger(
    setting: Setting,
    url: str,
    reports: Path,
    seed: int,
    *extra: str,
    budget: tuple[str, ...] = QUICK,
) -> StrangerRun:
    """`cbr-conformance run` (the installed CLI) against `url` as configured by `setting` (and
    the target's `extra` flags), into a fresh report folder."""
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--target-url", url]
    command += ["--report-dir", str(reports), "--fuzz-seed", str(seed), *budget, *setting.args, *extra]
    if setting.inventory:
        command += ["--inventory", str(FIXTURES / "inventory.json")]
    started = time.monotonic()
    done = subprocess.run(
        command, env=environment(setting), capture_output=True, text=True, timeout=1800, check=False
    )
    summary_path = reports / "latest" / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return StrangerRun(
        setting.name,
        seed,
        done.returncode,
        summary,
        done.stdout[-8000:] + done.stderr[-4000:],
        time.monotonic() - started,
    )


# ---- the targets -------------------------------------------------------------------------------


def _through_gateway(prefix: str) -> Callable[[Exchange], None]:
    """A gateway's routing: a path under `prefix` goes on without it; any other path to a route
    the target does not have, which it answers 404 as a gateway would."""

    def route(exchange: Exchange) -> None:
        if exchange.path == prefix or exchange.path.startswith((f"{prefix}/", f"{prefix}?")):
            exchange.path = exchange.path[len(prefix) :] or "/"
        else:
            exchange.path = "/_no_route_at_the_gateway" + exchange.path

    return route


@contextmanager
def path_prefix_gateway(upstream: str, prefix: str = GATEWAY_PREFIX) -> Iterator[str]:
    """A reverse proxy on loopback in front of `upstream` that serves it under `prefix`; yields
    the URL a user is given (`http://127.0.0.1:PORT/cbr`). It changes the path an AK/SK
    signature covers: a target behind it is reached with tokens."""
    with MutatingProxy(upstream, on_request=_through_gateway(prefix)) as gateway:
        yield gateway.url + prefix


@contextmanager
def stranger_target(
    setting: Setting, folder: Path, *, on_answer: Callable[[Exchange], None] | None = None
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """A fresh correct target for one run of `setting`: `cbr-emulator serve` with a new `--db` file
    in `folder` and 1 s of asynchronous work, behind the setting's gateway, or behind a proxy
    that breaks its answers with `on_answer`. Yields the URL the user is given and the flags that
    name the target's other parts (its time control)."""
    folder.mkdir(parents=True, exist_ok=True)
    with emulator_process(folder / "cbr.sqlite3", async_delay=1.0) as url:
        extra = ("--control-url", f"{url}/_emulator") if setting.control_url else ()
        if setting.gateway:
            with path_prefix_gateway(url) as gateway:
                yield gateway, extra
        elif on_answer is not None:
            with MutatingProxy(url, on_answer=on_answer) as proxy:
                yield proxy.url, extra
        else:
            yield url, extra


def drop_billing_size(exchange: Exchange) -> None:
    """One bug: the target answers show_vault without the vault's billing size, a required field."""
    shows = exchange.method == "GET" and re.search(r"/vaults/[^/?]+$", exchange.path.split("?")[0])
    if shows and exchange.status == 200:
        body = json.loads(exchange.answer)
        body["vault"]["billing"].pop("size", None)
        exchange.answer = json.dumps(body).encode()


def run_seeds(
    setting: Setting,
    folder: Path,
    seeds: Sequence[int],
    *,
    on_answer: Callable[[Exchange], None] | None = None,
    budget: tuple[str, ...] = QUICK,
) -> Iterator[StrangerRun]:
    """One run of `setting` per seed, each as it ends, one after the other, each against a target
    of its own (`stranger_target`): two at once gain little on 2 cores, where a run is CPU-bound."""
    for seed in seeds:
        run_folder = folder / f"seed-{seed}"
        with stranger_target(setting, run_folder, on_answer=on_answer) as (url, extra):
            run = run_stranger(setting, url, run_folder / "reports", seed, *extra, budget=budget)
        yield run
