"""A deletion that never takes effect, or whose effect a read reports wrongly, is found once and
quickly: the first is the violation, later ones are blocked by it without waiting again, and what
stays on the target is listed as leftovers."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from pathlib import Path

from tests.shared_target.harness import emulator_process, run_suite, suite_inventory
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

MAX_WAIT = 4.0
# Tests that each make a vault (their cleanups delete it), and the test of delete_vault
SUBSET = (
    "-k",
    "test_create_vault_echoes_its_input or test_show_vault_returns_the_created_vault "
    "or test_update_vault_renames_and_resizes or test_create_vault_with_a_null_policy "
    "or test_delete_vault_makes_it_unknown",
    "-n",
    "2",
    "--max-wait",
    str(MAX_WAIT),
    "--poll-interval",
    "0.05",  # as fast as users set it: a fixed interval would read a kept vault 80 times
)
A_VAULT = re.compile(r"/v3/[^/]+/vaults/([0-9a-f-]{36})$")
# The vault's own not-found code, with the wrong status
BAD_REQUEST = json.dumps({"error_code": "BackupService.6105", "error_msg": "vault not found"}).encode()


def _vault_of(exchange: Exchange) -> str | None:
    found = A_VAULT.search(exchange.path.split("?")[0])
    return found.group(1) if found else None


class KeepsDeletedVaults:
    """A target whose delete_vault answers 204 and keeps the vault; it counts the reads of each
    vault it kept. It turns the DELETE into a GET, so the run signs by token (a signature covers
    the method)."""

    def __init__(self) -> None:
        self.kept: set[str] = set()
        self.faked: set[int] = set()  # the exchanges of deletions made into reads
        self.reads: Counter[str] = Counter()
        self.lock = threading.Lock()

    def on_request(self, exchange: Exchange) -> None:
        vault = _vault_of(exchange)
        if vault is None:
            return
        with self.lock:
            if exchange.method == "DELETE":
                exchange.method = "GET"  # the target looks at the vault and leaves it
                self.kept.add(vault)
                self.faked.add(id(exchange))
            elif exchange.method == "GET" and vault in self.kept:
                self.reads[vault] += 1

    def on_answer(self, exchange: Exchange) -> None:
        with self.lock:  # forgotten once answered: a later exchange may get the same id
            faked = id(exchange) in self.faked
            self.faked.discard(id(exchange))
        if faked and exchange.status == 200:
            exchange.status, exchange.answer = 204, b""
            exchange.headers.pop("Content-Type", None)


def test_a_deletion_that_never_takes_effect_is_one_violation_found_in_one_max_wait(tmp_path: Path) -> None:
    target = KeepsDeletedVaults()
    started = time.monotonic()
    with (
        emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.05) as url,
        MutatingProxy(url, on_request=target.on_request, on_answer=target.on_answer) as proxy,
    ):
        result = run_suite(
            proxy.url, suite_inventory(tmp_path), tmp_path / "reports", 1, *SUBSET, tokens_only=True
        )
    took = time.monotonic() - started
    assert result.code == 1, result.output[-3000:]
    violations = result.summary["violations"]
    assert [(v["operation"], v["rule"], v["path"]) for v in violations] == [
        ("delete_vault", "deletion never took effect", "still shown after its deletion")
    ], [(v["operation"], v["rule"], v["path"], v["message"]) for v in violations]
    assert "never took effect" in violations[0]["message"]
    tests = result.summary["tests"]
    failed = [t for t in tests if t["outcome"] in ("violated", "blocked")]
    assert len(failed) >= 4, [(t["nodeid"], t["outcome"]) for t in tests]
    assert sum(t["outcome"] == "blocked" for t in failed) >= len(failed) - 2, failed  # one per worker
    assert len(target.kept) >= 4, target.kept
    leftovers = " ".join(result.summary["leftovers"] + [item for t in tests for item in t["leftovers"]])
    assert all(vault in leftovers for vault in target.kept), (target.kept, leftovers)
    # Two workers wait MAX_WAIT once each, at the same time; nothing else waits
    assert took < 40, took
    assert max(target.reads.values()) <= 40, target.reads
    print(f"{len(target.kept)} vaults kept, read at most {max(target.reads.values())} times; {took:.1f} s")


def test_a_deleted_vault_shown_as_a_bad_request_is_a_violation_at_once(tmp_path: Path) -> None:
    deleted: set[str] = set()
    reads: Counter[str] = Counter()
    lock = threading.Lock()

    def answer_400(exchange: Exchange) -> None:
        vault = _vault_of(exchange)
        if vault is None:
            return
        with lock:
            if exchange.method == "DELETE" and exchange.status == 204:
                deleted.add(vault)
            elif exchange.method == "GET" and vault in deleted:
                reads[vault] += 1
                exchange.status, exchange.answer = 400, BAD_REQUEST

    started = time.monotonic()
    with (
        emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.05) as url,
        MutatingProxy(url, on_answer=answer_400) as proxy,
    ):
        result = run_suite(proxy.url, suite_inventory(tmp_path), tmp_path / "reports", 2, *SUBSET)
    took = time.monotonic() - started
    assert result.code == 1, result.output[-3000:]
    violations = result.summary["violations"]
    # the contract's checks judge the code's status; their rule names the violation
    assert [(v["operation"], v["rule"]) for v in violations] == [("show_vault", "error_code")], [
        (v["operation"], v["rule"], v["path"], v["message"]) for v in violations
    ]
    assert "documented with status 404, not 400" in violations[0]["message"]
    # whether the vaults are gone, the target did not say: they are listed to be deleted again (but
    # the vault the test of delete_vault deleted, which its cleanup found gone: 404)
    leftovers = result.summary["leftovers"] + [
        item for t in result.summary["tests"] for item in t["leftovers"]
    ]
    listed = [vault for vault in deleted if any(vault in item for item in leftovers)]
    assert len(listed) == len(deleted) - 1, (deleted, leftovers)
    assert len(deleted) >= 4, deleted
    assert max(reads.values()) == 1, reads  # no polling: the first read is the violation
    durations = [t["duration"] for t in result.summary["tests"]]
    assert max(durations) < MAX_WAIT, durations
    print(f"{len(deleted)} vaults deleted, each read once; {took:.1f} s")
