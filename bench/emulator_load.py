"""Requests per second and latency (p50/p95) of the emulator at concurrency 1, 8 and 32, for
show-vault and list-backups, beside moto's server answering AWS Backup's describe-backup-vault.

    python bench/emulator_load.py            # 2000 requests per cell (at most 30 s each)
    python bench/emulator_load.py --quick    # 300 requests per cell (at most 10 s each)

Everything runs in this process on loopback: an in-process EmulatorServer (uvicorn on a thread), a
moto ThreadedMotoServer (werkzeug on a thread; needs flask and flask-cors, i.e. moto[server]), and
a load generator of threads, each with its own requests.Session (kept-alive connection). Client and
servers share the machine's cores, so the figures are what one box does, not a server's ceiling.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from cbr_conformance.contract.resource_types import VOLUME
from cbr_conformance.testkit.bodies import checkpoint_body, vault_body
from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A
from cbr_emulator.models.inventory_default import default_inventory
from cbr_emulator.server import EmulatorServer

CONCURRENCY = (1, 8, 32)
BACKUPS = 20  # restore points of the vault list-backups lists
MOTO_VAULT = "bench-vault"
# moto tells AWS services apart by the credential scope of the (unverified) signature.
MOTO_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDBENCH0000000000/20240101/us-east-1/backup/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0"
)

Call = Callable[[], None]
CallFactory = Callable[[], Call]  # one per load thread: each builds its own session or client


@dataclass
class Cell:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def load(factory: CallFactory, concurrency: int, total: int, max_seconds: float, warmup: int = 20) -> Cell:
    """`total` calls spread over `concurrency` threads, stopped early at `max_seconds`."""
    calls = [factory() for _ in range(concurrency)]
    for call in calls:
        for _ in range(max(1, warmup // concurrency)):
            call()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + max_seconds
    start = threading.Barrier(concurrency + 1)

    def worker(call: Call) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        start.wait()
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            began = time.perf_counter()
            try:
                call()
            except Exception:  # counted, not fatal: a benchmark reports what it saw
                failed += 1
                continue
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return Cell(len(latencies), elapsed, latencies, errors)


def get_ok(session: requests.Session, url: str, headers: dict[str, str]) -> None:
    answer = session.get(url, headers=headers, timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"{url} -> {answer.status_code}: {answer.text[:200]}")


# --- the emulator -------------------------------------------------------------------------------


def seeded(url: str, label: str) -> dict[str, CallFactory]:
    """A disk vault with BACKUPS restore points on the emulator at `url`; its two benchmarked calls."""
    headers = {"X-Auth-Token": DEFAULT_CREDENTIALS[0].tokens[0]}
    base = f"{url}/v3/{PROJECT_A}"
    volume = default_inventory()["projects"][PROJECT_A]["volumes"][0]
    vault = vault_body("bench", "disk", [{"id": volume["id"], "type": VOLUME}])
    answer = requests.post(f"{base}/vaults", json=vault, headers=headers, timeout=10)
    answer.raise_for_status()
    vault_id = answer.json()["vault"]["id"]
    for _ in range(BACKUPS):  # no delay: each backup is available by the next request
        body = checkpoint_body(vault_id)
        requests.post(f"{base}/checkpoints", json=body, headers=headers, timeout=10).raise_for_status()
    listed = requests.get(f"{base}/backups", headers=headers, timeout=10).json()
    assert listed["count"] == BACKUPS, listed

    def show_vault() -> Call:
        session = requests.Session()
        return lambda: get_ok(session, f"{base}/vaults/{vault_id}", headers)

    def list_backups() -> Call:
        session = requests.Session()
        return lambda: get_ok(session, f"{base}/backups", headers)

    return {f"{label} show_vault": show_vault, f"{label} list_backups ({BACKUPS})": list_backups}


@contextmanager
def emulator() -> Iterator[dict[str, CallFactory]]:
    """EmulatorServer in this process (uvicorn on a thread): it shares the GIL with the load."""
    with EmulatorServer(async_delay=0) as server:
        yield seeded(server.url, "emulator")


@contextmanager
def emulator_process() -> Iterator[dict[str, CallFactory]]:
    """`cbr-emulator serve` in a process of its own: the load generator no longer competes for its GIL."""
    with tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "cbr_emulator.cli", "serve", "--port", "0", "--async-delay", "0"]
        process = subprocess.Popen([*command, "--log-level", "warning"], stderr=log)
        try:
            url = None
            deadline = time.monotonic() + 30
            while url is None and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
                log.seek(0)
                found = re.search(rb"listening on (http://[\d.]+:\d+)", log.read())
                url = found.group(1).decode() if found else None
            while url is not None and time.monotonic() < deadline:
                try:
                    requests.get(f"{url}/_emulator/health", timeout=1).raise_for_status()
                    break
                except requests.RequestException:
                    time.sleep(0.05)
            if url is None:
                raise RuntimeError("cbr-emulator serve did not start")
            yield seeded(url, "emulator (own process)")
        finally:
            process.terminate()
            process.wait(timeout=10)


# --- moto -----------------------------------------------------------------------------------


@contextmanager
def moto() -> Iterator[dict[str, CallFactory]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # moto is the optional `bench` extra: not installed where only `dev` is.
            from moto.server import ThreadedMotoServer  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:  # moto without its [server] extra
            print(f"(moto's server is unavailable: {exc}; pip install flask flask-cors)", file=sys.stderr)
            yield {}
            return
    # The `bench` extra too; boto3 ships no type hints (import-untyped) when it is installed.
    import boto3  # type: ignore[import-untyped, import-not-found, unused-ignore]

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        fake: dict[str, Any] = {
            "region_name": "us-east-1",
            "aws_access_key_id": "AKIDBENCH0000000000",
            "aws_secret_access_key": "fake-secret-key-for-the-benchmark",
            "endpoint_url": endpoint,
        }
        boto3.session.Session().client("backup", **fake).create_backup_vault(BackupVaultName=MOTO_VAULT)

        def with_boto3() -> Call:
            client = boto3.session.Session().client("backup", **fake)
            return lambda: client.describe_backup_vault(BackupVaultName=MOTO_VAULT) and None

        def with_requests() -> Call:
            session = requests.Session()
            headers = {"Authorization": MOTO_AUTH, "X-Amz-Date": "20240101T000000Z"}
            return lambda: get_ok(session, f"{endpoint}/backup-vaults/{MOTO_VAULT}", headers)

        yield {
            "moto describe_backup_vault (requests)": with_requests,
            "moto describe_backup_vault (boto3)": with_boto3,
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 requests per cell, at most 10 s each")
    parser.add_argument("--requests", type=int, help="requests per cell (default 2000; --quick 300)")
    parser.add_argument("--max-seconds", type=float, help="time cap per cell (default 30; --quick 10)")
    parser.add_argument(
        "--own-process", action="store_true", help="also measure `cbr-emulator serve` in its own process"
    )
    args = parser.parse_args(argv)
    total = args.requests or (300 if args.quick else 2000)
    cap = args.max_seconds or (10.0 if args.quick else 30.0)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {total} requests per cell")
    print(f"{'target':<40}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    contexts = [emulator, emulator_process, moto] if args.own_process else [emulator, moto]
    for context in contexts:
        with context() as targets:
            for name, factory in targets.items():
                for concurrency in CONCURRENCY:
                    cell = load(factory, concurrency, total, cap)
                    print(
                        f"{name:<40}{concurrency:>5}{cell.rate:>9.0f}{cell.percentile(50):>9.2f}"
                        f"{cell.percentile(95):>9.2f}{cell.errors:>8}",
                        flush=True,
                    )
    print("(p50/p95: latency of one request as the client saw it, queueing on the client included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
