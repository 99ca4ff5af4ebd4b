"""`cbr-emulator serve --db FILE` killed with SIGKILL in the middle of writes, then restarted on the
same file: every write that was answered 2xx is there (and every answered delete stays done).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.helpers import checkpoint_body, policy_body, resource, vault_body
from tests.robustness.emulator_http import expect, http_api

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 60  # writes answered 2xx before the kill (the kill lands amid more)


@contextmanager
def serve(db: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`cbr-emulator serve --port 0 --db db` in a subprocess; yields it and its URL."""
    command = [sys.executable, "-m", "cbr_emulator.cli", "serve", "--port", "0", "--db", str(db)]
    command += ["--async-delay", "0", "--log-level", "warning"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink)
    try:
        url = _wait_until_healthy(process, log)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def _wait_until_healthy(process: subprocess.Popen[bytes], log: Path, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline and process.poll() is None:
        if url is None:
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            url = found.group(1) if found else None
        if url is not None:
            try:
                if requests.get(f"{url}/_emulator/health", timeout=1).status_code == 200:
                    return url
            except requests.RequestException:
                pass
        time.sleep(0.05)
    raise AssertionError(f"the emulator did not start: {log.read_text(errors='replace')[-2000:]}")


@dataclass
class Acknowledged:
    """Ids of the writes the emulator answered 2xx, by kind."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    policies: list[str] = field(default_factory=list)
    vaults: list[str] = field(default_factory=list)
    deleted_vaults: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)

    def add(self, kind: str, value: str) -> None:
        with self.lock:
            getattr(self, kind).append(value)

    def total(self) -> int:
        with self.lock:
            return len(self.policies) + len(self.vaults) + len(self.deleted_vaults) + len(self.checkpoints)


def write_until_gone(url: str, writer: int, vault_id: str, acked: Acknowledged) -> None:
    """Create policies, vaults and restore points, delete vaults, until the emulator stops answering."""
    api = http_api(url, timeout=5, keep_alive=True)
    try:
        for i in range(10_000):
            answer = api.post("/policies", json=policy_body(name=f"w{writer}-{i}"))
            if answer.status_code == 200:
                acked.add("policies", answer.json()["policy"]["id"])
            answer = api.post("/vaults", json=vault_body("disk", name=f"w{writer}-{i}"))
            if answer.status_code == 200:
                created = answer.json()["vault"]["id"]
                acked.add("vaults", created)
                if i % 3 == 0 and api.delete(f"/vaults/{created}").status_code == 204:
                    acked.add("deleted_vaults", created)
            answer = api.post("/checkpoints", json=checkpoint_body(vault_id))
            if answer.status_code == 200:
                acked.add("checkpoints", answer.json()["checkpoint"]["id"])
    except requests.RequestException:
        return  # killed


def test_no_acknowledged_write_is_lost_when_the_emulator_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    acked = Acknowledged()
    with serve(db, tmp_path / "first.log") as (process, url):
        setup = http_api(url)
        vaults = [
            expect(setup.post("/vaults", json=vault_body("disk", [resource(PROJECT_A, "volumes", w)])), 200)
            for w in range(WRITERS)
        ]
        writers = [
            threading.Thread(target=write_until_gone, args=(url, w, vaults[w]["vault"]["id"], acked))
            for w in range(WRITERS)
        ]
        for thread in writers:
            thread.start()
        deadline = time.monotonic() + 20
        while acked.total() < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        for thread in writers:
            thread.join(timeout=10)
        assert process.returncode == -signal.SIGKILL
    assert acked.total() >= ACKNOWLEDGED_BEFORE_KILL and acked.checkpoints

    with serve(db, tmp_path / "second.log") as (_, url):
        api = http_api(url)
        policies = {p["id"] for p in expect(api.get("/policies"), 200)["policies"]}
        assert set(acked.policies) <= policies
        vault_ids = {v["id"] for v in expect(api.get("/vaults", params={"limit": 1000}), 200)["vaults"]}
        assert set(acked.vaults) - set(acked.deleted_vaults) <= vault_ids
        assert not set(acked.deleted_vaults) & vault_ids
        for checkpoint_id in acked.checkpoints:
            # Pending work survives too: with no delay, every backup completes on the first request.
            checkpoint = expect(api.get(f"/checkpoints/{checkpoint_id}"), 200)["checkpoint"]
            assert checkpoint["status"] == "available"
        backups = expect(api.get("/backups", params={"limit": 1000}), 200)["backups"]
        assert set(acked.checkpoints) <= {b["checkpoint_id"] for b in backups}
        expect(api.post("/policies", json=policy_body(name="after-restart")), 200)  # still writable
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
