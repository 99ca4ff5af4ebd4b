"""list-backups latency (p50/p95) with 1k, 10k and 100k backups in the store, at shallow and deep
offsets, by marker and with filters; and the emulator's memory (RSS) as the store grows.

    python bench/emulator_scale.py            # 1k, 10k, 100k backups; 20 timed calls per query
    python bench/emulator_scale.py --quick    # 1k and 10k; 5 timed calls per query

The emulator runs as `cbr-emulator serve --db <temp file>` in a process of its own (so that its RSS
is its own); one real restore point is made through the API, then cloned in the SQLite file through
the emulator's store layer (cbr_emulator.store.Store), which is far faster than the API.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from cbr_conformance.contract.resource_types import VOLUME
from cbr_conformance.testkit.bodies import checkpoint_body, vault_body
from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A
from cbr_emulator.models.inventory_default import default_inventory
from cbr_emulator.store import Store

HEADERS = {"X-Auth-Token": DEFAULT_CREDENTIALS[0].tokens[0]}
# Columns of a clone that differ from the template backup; the others are copied as they are.
CLONE = {
    "id": "printf('%08d-0000-4000-8000-%012d', i, i)",
    "name": "'bk-' || (i % 1000)",
    "status": "CASE i % 10 WHEN 0 THEN 'error' WHEN 1 THEN 'protecting' ELSE 'available' END",
    "resource_id": "printf('res-%05d', i % 5000)",
    "created_at": "printf('2024-%02d-%02dT%02d:%02d:%02d.%06d', 1 + i % 12, 1 + i % 28, i % 24, i % 60, "
    "(i / 60) % 60, i % 1000000)",
    "updated_at": "NULL",
    "protected_at": "NULL",
    "expired_at": "NULL",
}


@contextmanager
def serve(db: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    with tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "cbr_emulator.cli", "serve", "--port", "0", "--db", str(db)]
        process = subprocess.Popen([*command, "--async-delay", "0", "--log-level", "warning"], stderr=log)
        try:
            deadline = time.monotonic() + 30
            url = None
            while time.monotonic() < deadline and process.poll() is None:
                log.seek(0)
                found = re.search(rb"listening on (http://[\d.]+:\d+)", log.read())
                url = found.group(1).decode() if found else None
                try:
                    if url and requests.get(f"{url}/_emulator/health", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            else:
                raise RuntimeError("cbr-emulator serve did not start")
            assert url is not None
            yield process, url
        finally:
            process.terminate()
            process.wait(timeout=10)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, from /proc (Linux); {} elsewhere."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {key: int(value) for key, value in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


def make_template(url: str) -> str:
    """One disk vault, one restore point; the id of its backup."""
    base = f"{url}/v3/{PROJECT_A}"
    volume = default_inventory()["projects"][PROJECT_A]["volumes"][0]
    vault = vault_body("scale", "disk", [{"id": volume["id"], "type": VOLUME}])
    answer = requests.post(f"{base}/vaults", json=vault, headers=HEADERS, timeout=10)
    answer.raise_for_status()
    checkpoint = checkpoint_body(answer.json()["vault"]["id"])
    requests.post(f"{base}/checkpoints", json=checkpoint, headers=HEADERS, timeout=10).raise_for_status()
    backups = requests.get(f"{base}/backups", headers=HEADERS, timeout=10).json()["backups"]
    return str(backups[0]["id"])


def clone(store: Store, template_id: str, first: int, last: int) -> None:
    """Insert clones i = first..last of the template backup, in one transaction."""
    with store.transaction() as tx:
        columns = [row["name"] for row in tx.all("PRAGMA table_info(backups)")]
        values = ", ".join(CLONE.get(column, f"t.{column}") for column in columns)
        tx.execute(
            f"""WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO backups ({", ".join(columns)}) SELECT {values} FROM backups t, n WHERE t.id = ?""",
            [first, last, template_id],
        )


def queries(rows: int, marker: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("first page, limit 100", {"limit": 100}),
        ("limit 1000", {"limit": 1000}),
        ("deep offset (last 100)", {"limit": 100, "offset": max(0, rows - 100)}),
        ("marker in the middle", {"limit": 100, "marker": marker}),
        ("status=error, limit 50", {"status": "error", "limit": 50}),
        ("resource_id (indexed)", {"resource_id": "res-00042"}),
        ("name, sort created_at:asc", {"name": "bk-7", "sort": "created_at:asc", "limit": 10}),
        (
            "one month, limit 10",
            {"start_time": "2024-03-01T00:00:00Z", "end_time": "2024-03-31T23:59:59Z", "limit": 10},
        ),
        ("sort name:asc,created_at:desc", {"limit": 10, "sort": "name:asc,created_at:desc"}),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1k and 10k backups, 5 calls per query")
    parser.add_argument("--repeat", type=int, help="timed calls per query (default 20; --quick 5)")
    args = parser.parse_args(argv)
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    repeat = args.repeat or (5 if args.quick else 20)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {repeat} calls per query")
    with (
        tempfile.TemporaryDirectory(prefix="cbr-scale-") as tmp,
        serve(Path(tmp) / "scale.db") as (proc, url),
    ):
        db = Path(tmp) / "scale.db"
        session = requests.Session()
        idle = memory_kb(proc.pid)
        template = make_template(url)
        store = Store(str(db))
        rows = 1
        for size in sizes:
            began = time.perf_counter()
            clone(store, template, rows, size - 1)  # the template plus size - 1 clones
            seeded = time.perf_counter() - began
            rows = size
            marker = requests.get(
                f"{url}/v3/{PROJECT_A}/backups",
                params={"limit": 1, "offset": rows // 2},
                headers=HEADERS,
                timeout=60,
            ).json()["backups"][0]["id"]
            size_mb = sum(p.stat().st_size for p in Path(tmp).glob("scale.db*")) / 1e6
            print(f"\n{size:,} backups (seeded in {seeded:.1f} s; database {size_mb:.0f} MB)")
            print(f"  {'query':<32}{'count':>8}{'items':>7}{'p50 ms':>9}{'p95 ms':>9}")
            for label, params in queries(rows, marker):
                timings: list[float] = []
                body: dict[str, Any] = {}
                for _ in range(repeat):
                    started = time.perf_counter()
                    answer = session.get(
                        f"{url}/v3/{PROJECT_A}/backups", params=params, headers=HEADERS, timeout=60
                    )
                    timings.append(time.perf_counter() - started)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{label}: {answer.status_code} {answer.text[:300]}")
                    body = answer.json()
                p50, p95 = percentile(timings, 50), percentile(timings, 95)
                print(f"  {label:<32}{body['count']:>8}{len(body['backups']):>7}{p50:>9.1f}{p95:>9.1f}")
            now = {key: kb / 1024 for key, kb in memory_kb(proc.pid).items()}
            print(f"  emulator RSS {now.get('VmRSS', 0):.0f} MB, peak {now.get('VmHWM', 0):.0f} MB")
        store.close()
        print(f"\nemulator RSS when idle (empty store): {idle.get('VmRSS', 0) / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
