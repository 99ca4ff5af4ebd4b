"""A shared target as real users meet it, built from the project's own emulator.

One `cbr-emulator serve` process with a `--db` file and a real asynchronous delay, reached by URL
through a proxy that adds 20-50 ms to each exchange. Before the run, both projects already hold
data the run did not make (vaults, policies, backups); during it, another client keeps creating
and deleting vaults, policies and restore points in the same projects. The suite, with all its
workers, must still give the right verdict, and leave behind only what it found.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.models.inventory_default import default_inventory
from tests.emulator.helpers import Api, checkpoint_body, policy_body, resource, vault_body
from tests.robustness.emulator_http import http_api

PROJECTS = tuple(c.project_id for c in DEFAULT_CREDENTIALS[:2])
# Volumes the suite never gets: the first holds the foreign backups, the second the churn's.
FOREIGN_VOLUME, CHURN_VOLUME = 0, 1
CHURN = "churn-"  # the name prefix of what the churning client makes


@contextmanager
def emulator_process(db: Path, async_delay: float) -> Iterator[str]:
    """`cbr-emulator serve` on a free loopback port, in a process of its own; yields its URL."""
    with tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "cbr_emulator.cli", "serve", "--port", "0", "--db", str(db)]
        command += ["--async-delay", str(async_delay), "--log-level", "warning"]
        process = subprocess.Popen(command, stderr=log)
        try:
            url = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and process.poll() is None:
                log.seek(0)
                found = re.search(rb"listening on (http://[\d.]+:\d+)", log.read())
                url = found.group(1).decode() if found else None
                with suppress(requests.RequestException):
                    if url and requests.get(f"{url}/_emulator/health", timeout=1).status_code == 200:
                        break
                time.sleep(0.05)
            else:
                log.seek(0)
                raise RuntimeError(f"cbr-emulator serve did not start: {log.read()[-2000:]!r}")
            assert url is not None
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


class LatencyProxy:
    """A TCP proxy on loopback that holds each chunk of a request 20-50 ms before passing it on.

    It forwards bytes unchanged (the Host header included, so AK/SK signatures stay valid)."""

    def __init__(self, upstream: str, delay: tuple[float, float] = (0.02, 0.05), seed: int = 0) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.delay = delay
        self.random = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""
        self.exchanges = 0

    def __enter__(self) -> LatencyProxy:
        self.thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self.loop
        ).result(timeout=10)
        self.server = server
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _close(self) -> None:
        self.server.close()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        try:
            await asyncio.gather(
                self._pipe(client_r, upstream_w, delayed=True),
                self._pipe(upstream_r, client_w, delayed=False),
            )
        except asyncio.CancelledError:
            pass  # the proxy is closing: the connection ends with it
        finally:
            for writer in (client_w, upstream_w):
                writer.close()

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, delayed: bool) -> None:
        with suppress(ConnectionError, OSError):
            while data := await src.read(65536):
                if delayed:
                    self.exchanges += 1
                    await asyncio.sleep(self.random.uniform(*self.delay))
                dst.write(data)
                await dst.drain()
            if dst.can_write_eof():
                dst.write_eof()


@dataclass
class Holdings:
    """What a project holds, by kind: each vault, policy, backup and share member by id, with
    words that say what it is (for a leak's message)."""

    vaults: dict[str, str] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    backups: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)

    def without(self, made: set[str], named: str) -> Holdings:
        """Less the vaults and policies of `made` or whose name starts with `named`, and the
        backups in the vaults of `made`."""
        return Holdings(
            {k: v for k, v in self.vaults.items() if k not in made and not v.startswith(f"'{named}")},
            {k: v for k, v in self.policies.items() if k not in made and not v.startswith(f"'{named}")},
            {k: v for k, v in self.backups.items() if not any(f"of vault {vault}," in v for vault in made)},
            self.members,
        )

    def since(self, before: Holdings) -> dict[str, list[str]]:
        """What this holds that `before` did not, by kind."""
        return {
            kind: [f"{key} {mine[key]}" for key in sorted(set(mine) - set(getattr(before, kind)))]
            for kind, mine in vars(self).items()
        }


def _all(api: Api, path: str, key: str, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        answer = api.get(path, params={**query, "limit": 100, "offset": len(items)})
        assert answer.status_code == 200, answer.text
        page = answer.json()[key]
        items += page
        if len(page) < 100:
            return items


def holdings(url: str, project: int) -> Holdings:
    api = http_api(url, project)
    backups = _all(api, "/backups", "backups")
    held = Holdings(
        vaults={v["id"]: f"{v['name']!r}" for v in _all(api, "/vaults", "vaults")},
        policies={p["id"]: f"{p['name']!r}" for p in _all(api, "/policies", "policies")},
        backups={
            b["id"]: f"{b['name']!r} of vault {b['vault_id']}, {b['status']}, made {b['created_at']}"
            for b in backups
        },
    )
    for backup in backups:
        answer = api.get(f"/backups/{backup['id']}/members")
        if answer.status_code == 200:
            for member in answer.json()["members"]:
                held.members[f"{backup['id']}/{member['dest_project_id']}"] = member["status"]
    return held


def seed_foreign_data(url: str, vaults: int = 50, policies: int = 20, backups: int = 200) -> None:
    """Give each project data the run did not create, as another team's would be."""
    for index, project_id in enumerate(PROJECTS):
        api = http_api(url, index, keep_alive=True)
        for i in range(vaults - 1):
            api.create_vault("server", [], name=f"team-vault-{i:03d}", size=10 + i)
        for i in range(policies):
            answer = api.post(
                "/policies", json=policy_body(f"FREQ=DAILY;BYHOUR={i % 24};BYMINUTE=0", f"team-policy-{i}")
            )
            assert answer.status_code == 200, answer.text
        held = api.create_vault("disk", [resource(project_id, "volumes", FOREIGN_VOLUME)], name="team-disks")
        control = requests.Session()
        for _ in range(backups):
            answer = api.post("/checkpoints", json=checkpoint_body(held["id"]))
            assert answer.status_code == 200, answer.text
            # A volume takes one backup at a time: the emulator's clock moves past each (1 s).
            moved = control.post(f"{url}/_emulator/clock/advance", json={"seconds": 2}, timeout=10)
            assert moved.status_code == 200, moved.text


def suite_inventory(folder: Path, *, others: bool = True) -> Path:
    """The emulator's inventory less the volumes the foreign data and the churn hold (`others`:
    there are such); every item is a scratch resource the suite may restore onto (with
    --allow-restore)."""
    inventory = default_inventory()
    for project_id in PROJECTS:
        volumes = inventory["projects"][project_id]["volumes"]
        if others:
            del volumes[: max(FOREIGN_VOLUME, CHURN_VOLUME) + 1]
        for items in inventory["projects"][project_id].values():
            for item in items:
                item["restore_target"] = True
    path = folder / "suite-inventory.json"
    path.write_text(json.dumps(inventory), encoding="utf-8")
    return path


class Churn:
    """Another client of the same projects, creating and deleting while the run goes on."""

    def __init__(self, url: str, pause: float = 0.05) -> None:
        self.url = url
        self.pause = pause
        self.stop_event = threading.Event()
        self.done: Counter[str] = Counter()
        self.surprises: list[str] = []  # answers a correct emulator should not give the churn
        self.made: set[str] = set()  # the id of every vault and policy it made
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(2)]

    def __enter__(self) -> Churn:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _expect(self, answer: requests.Response, *statuses: int) -> Any:
        if answer.status_code not in statuses:
            self.surprises.append(
                f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:200]}"
            )
            return None
        return answer.json() if answer.content else {}

    def _run(self, project: int) -> None:
        api = http_api(self.url, project, keep_alive=True)
        disks = api.create_vault(
            "disk", [resource(PROJECTS[project], "volumes", CHURN_VOLUME)], name=f"{CHURN}disks"
        )
        self.made.add(disks["id"])
        step = 0
        while not self.stop_event.is_set():
            step += 1
            vault = self._expect(
                api.post("/vaults", json=vault_body("server", [], name=f"{CHURN}{step}")), 200
            )
            policy = self._expect(
                api.post("/policies", json=policy_body("FREQ=DAILY;BYHOUR=5;BYMINUTE=0", f"{CHURN}{step}")),
                200,
            )
            # 400 BackupService.0001: the volume's previous backup is still being made (1 s).
            self._expect(api.post("/checkpoints", json=checkpoint_body(disks["id"])), 200, 400)
            self.made |= {item[key]["id"] for key, item in (("vault", vault), ("policy", policy)) if item}
            self.done["created"] += 3
            time.sleep(self.pause)
            if vault:
                self._expect(api.delete(f"/vaults/{vault['vault']['id']}"), 204)
            if policy:
                self._expect(api.delete(f"/policies/{policy['policy']['id']}"), 204)
            old = self._expect(
                api.get("/backups", params={"vault_id": disks["id"], "status": "available"}), 200
            )
            for backup in (old or {}).get("backups", [])[:-3]:
                self._expect(api.delete(f"/backups/{backup['id']}"), 204, 404)
                self.done["deleted backups"] += 1
            self.done["deleted"] += 2
            time.sleep(self.pause)


def credentials_env(tokens_only: bool = False) -> dict[str, str]:
    """The emulator's documented credentials for both projects: tokens and AK/SK pairs."""
    first, second = DEFAULT_CREDENTIALS[0], DEFAULT_CREDENTIALS[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CBR_", "HUAWEICLOUD_SDK_"))}
    env.update(
        CBR_PROJECT_ID=first.project_id,
        CBR_AUTH_TOKEN=first.tokens[0],
        HUAWEICLOUD_SDK_AK=first.access_keys[0].ak,
        HUAWEICLOUD_SDK_SK=first.access_keys[0].sk,
        CBR_SECOND_PROJECT_ID=second.project_id,
        CBR_SECOND_AUTH_TOKEN=second.tokens[0],
        CBR_SECOND_AK=second.access_keys[0].ak,
        CBR_SECOND_SK=second.access_keys[0].sk,
    )
    if tokens_only:
        for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "CBR_SECOND_AK", "CBR_SECOND_SK"):
            del env[name]
    return env


def cleanup_run(url: str, run: Path) -> subprocess.CompletedProcess[str]:
    """`cbr-conformance cleanup --run` of a run's folder, straight against the target."""
    command = [sys.executable, "-m", "cbr_conformance.cli", "cleanup", "--run", str(run), "--target-url", url]
    return subprocess.run(
        command, env=credentials_env(), capture_output=True, text=True, timeout=600, check=False
    )


@dataclass
class RunResult:
    code: int
    summary: dict[str, Any]
    output: str

    def failures(self) -> list[str]:
        return [
            f"{t['nodeid']}: {t['message'][-1500:]}"
            for t in self.summary.get("tests", [])
            if t["outcome"] in ("violated", "blocked", "suite error")
        ]


def run_suite(
    url: str, inventory: Path, reports: Path, seed: int, *extra: str, tokens_only: bool = False
) -> RunResult:
    """`cbr-conformance run` against the URL, as a user would; its exit code and summary.
    `tokens_only`: no AK/SK, for targets that change request bodies (a signature covers them)."""
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--target-url", url]
    command += ["--inventory", str(inventory), "--report-dir", str(reports), "--fuzz-seed", str(seed)]
    command += ["--run-prefix", f"cbrc-seed{seed}", *extra]
    result = subprocess.run(
        command, env=credentials_env(tokens_only), capture_output=True, text=True, timeout=1800, check=False
    )
    summary_path = reports / "latest" / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return RunResult(result.returncode, summary, result.stdout[-8000:] + result.stderr[-4000:])
