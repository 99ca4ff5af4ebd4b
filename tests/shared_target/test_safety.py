"""The suite leaves a project as it found it, even when the target misbehaves.

Each case puts a misbehaving proxy in front of a correct, persistent emulator, runs part of the
suite through it, then `cleanup --run` with the run's ledger straight against the emulator: both
projects must then hold exactly what they held before, counted by listing vaults, policies,
backups and share members.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from tests.shared_target.harness import (
    Holdings,
    cleanup_run,
    holdings,
    run_suite,
)
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

MODULES = ("-k", "test_vaults or test_policies or test_sharing or test_backups", "-n", "2")


def _held(url: str) -> list[Holdings]:
    return [holdings(url, project) for project in (0, 1)]


def _assert_as_before(url: str, before: list[Holdings]) -> None:
    for project, held in enumerate(_held(url)):
        leaked = held.since(before[project])
        assert not any(leaked.values()), f"project {project} keeps what the run made: {leaked}"


def _creates_vault(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path.split("?")[0].endswith("/vaults")


def test_creates_answered_with_a_broken_body_are_deleted_all_the_same(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    before = _held(url)

    def size_as_text(exchange: Exchange) -> None:
        if _creates_vault(exchange) and exchange.status == 200:
            body = json.loads(exchange.answer)
            body["vault"]["billing"]["size"] = str(body["vault"]["billing"]["size"])
            exchange.answer = json.dumps(body).encode()

    with MutatingProxy(url, on_answer=size_as_text) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 1, *MODULES)
    assert result.code == 1, result.output  # the broken bodies are violations
    assert any("$.vault.billing.size" in failure for failure in result.failures())
    _assert_as_before(url, before)  # the run deleted every vault it made, broken answer or not
    assert (tmp_path / "latest" / "created.jsonl").read_text().count('"kind": "vault"') > 10


def test_creates_accepted_when_they_should_be_refused_are_deleted(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    before = _held(url)

    def accept_size_zero(exchange: Exchange) -> None:
        # The target takes a vault of 0 GB: the proxy makes the request one the emulator accepts.
        if _creates_vault(exchange):
            body = json.loads(exchange.body)
            if body["vault"]["billing"].get("size") == 0:
                body["vault"]["billing"]["size"] = 1
                exchange.body = json.dumps(body).encode()

    with MutatingProxy(url, on_request=accept_size_zero) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 2, *MODULES, tokens_only=True)
    assert result.code == 1, result.output
    assert any("size_out_of_range" in failure for failure in result.failures()), result.failures()
    _assert_as_before(url, before)


def test_a_connection_lost_mid_run_leaves_nothing_after_cleanup_run(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    before = _held(url)
    outage: dict[str, float] = {}

    def lost_for_a_while(exchange: Exchange) -> bool:
        # From the 150th exchange on, the target is gone for 4 s: tests and their cleanups fail.
        if "start" not in outage and proxy.seen >= 150:
            outage["start"] = time.monotonic()
        return "start" in outage and time.monotonic() - outage["start"] < 4

    with MutatingProxy(url, drop=lost_for_a_while) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 3, *MODULES, "--request-timeout", "5")
    assert result.code in (1, 4), result.output
    swept = cleanup_run(url, tmp_path / "latest")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    _assert_as_before(url, before)


def test_what_cleanup_could_not_delete_is_reported_apart_from_the_verdict(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    before = _held(url)

    refused: set[str] = set()

    def refuse_vault_deletes(exchange: Exchange) -> None:
        if exchange.method == "DELETE" and "/vaults/" in exchange.path:
            refused.add(exchange.path)
            exchange.method, exchange.body = "GET", b""  # the vault stays

    def answer_refusal(exchange: Exchange) -> None:
        if exchange.path in refused:
            exchange.status = 400
            exchange.answer = (
                b'{"error_code": "BackupService.9900", "error_msg": "Parameter verification failed."}'
            )

    with MutatingProxy(url, on_request=refuse_vault_deletes, on_answer=answer_refusal) as proxy:
        result = run_suite(
            proxy.url, inventory, tmp_path, 4, "-k", "test_update_vault_renames_and_resizes", "-n", "0"
        )
    assert result.code == 4, result.output  # conforms, but the project needs a sweep
    assert result.summary["conforms"] and result.summary["leftovers"], result.summary.get("leftovers")
    assert "LEFTOVERS" in result.output and "cleanup --run" in result.output
    swept = cleanup_run(url, tmp_path / "latest")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert "deleted: vault" in swept.stdout
    _assert_as_before(url, before)


def test_no_restore_and_no_oversized_vault_reaches_a_target_without_the_opt_ins(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    sizes: list[int] = []
    restores: list[str] = []

    def watch(exchange: Exchange) -> None:
        if exchange.path.split("?")[0].endswith("/restore"):
            restores.append(exchange.path)
        if exchange.method in ("POST", "PUT") and "/vaults" in exchange.path and exchange.body:
            with contextlib.suppress(ValueError, AttributeError, TypeError, KeyError):
                size = json.loads(exchange.body)["vault"]["billing"]["size"]
                if isinstance(size, int):
                    sizes.append(size)

    selection = "restore or test_fuzz and (create_vault or update_vault or restore_backup) or stateful"
    with MutatingProxy(url, on_request=watch) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 5, "-k", selection, "-n", "2")
    assert result.code == 0, "\n".join(result.failures()) or result.output
    assert not restores, restores
    assert sizes and max(sizes) <= 200, sorted(sizes)[-5:]
    skipped = " ".join(result.summary["skips"])
    assert "--allow-restore" in skipped, result.summary["skips"]
    assert "CONFORMS (partial" in result.output  # the restores not run are counted as untested

    with MutatingProxy(url, on_request=watch) as proxy:
        allowed = run_suite(
            proxy.url, inventory, tmp_path / "allowed", 5, "-k", "restore", "-n", "2", "--allow-restore"
        )
    assert allowed.code == 0, "\n".join(allowed.failures()) or allowed.output
    assert restores, "with --allow-restore the restore tests restore onto the inventory's scratch resources"
