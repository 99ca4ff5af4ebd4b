"""Post-conditions (postconditions/): each class of rule shown failing against a target that
breaks it behind valid answers (a mutating proxy in front of a correct emulator), naming the
operation and the rule, and holding against the correct emulator at a URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.postconditions.checking import Memory, PostConditionFailed, PostConditions
from cbr_conformance.postconditions.declared import DECLARED, Kind
from cbr_conformance.target.client import CBRClient
from cbr_conformance.testkit.bodies import server_restore_body
from cbr_conformance.transport.auth import TokenAuth
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.helpers import resource
from tests.shared_target.harness import run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy
from tests.shared_target.postcondition_mutants import (
    MUTANTS,
    Mutant,
    created_at_moves,
    stale_vault_cache,
    zone_converted_in_show,
)

FIRST, SECOND = DEFAULT_CREDENTIALS[0], DEFAULT_CREDENTIALS[1]


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(Contract.load(), Catalogue.load())


def _clients(url: str, context: CheckContext) -> tuple[CBRClient, CBRClient, PostConditions]:
    """Both projects' clients, sharing one short read-back wait (a broken rule fails in 0.3 s)."""
    checks = PostConditions(Memory(), wait=0.3, interval=0.05)
    first = CBRClient(
        url, FIRST.project_id, TokenAuth(FIRST.tokens[0]), context, postconditions=checks, allow_restore=True
    )
    return first, first.with_auth(TokenAuth(SECOND.tokens[0]), SECOND.project_id), checks


def _ok(answer: Any) -> Any:
    assert 200 <= answer.status < 300, answer
    return answer.json() if answer.exchange.response_text else None


def _lifecycle(first: CBRClient, second: CBRClient, made: list[str]) -> None:
    """Every write whose post-conditions are declared, each followed by reads: the sequence a
    scenario of the suite makes, through the client that reads back after each 2xx. The vaults
    it makes go into `made` as they are made."""
    one, two = (resource(FIRST.project_id, "servers", i) for i in (0, 1))
    billing = {
        "consistent_level": "crash_consistent",
        "object_type": "server",
        "protect_type": "backup",
        "size": 40,
    }
    vault = _ok(
        first.call("create_vault", json_body={"vault": {"billing": billing, "name": "pc-v", "resources": []}})
    )
    vault_id = vault["vault"]["id"]
    made.append(vault_id)
    vault_path = {"vault_id": vault_id}
    _ok(first.call("update_vault", path=vault_path, json_body={"vault": {"name": "pc-v-renamed"}}))
    _ok(first.call("add_vault_resources", path=vault_path, json_body={"resources": [one, two]}))
    _ok(first.call("remove_vault_resources", path=vault_path, json_body={"resource_ids": [two["id"]]}))
    definition = {"operation_definition": {"max_backups": 5}, "operation_type": "backup"}
    trigger = {"trigger": {"properties": {"pattern": ["FREQ=DAILY;BYHOUR=3;BYMINUTE=0"]}}}
    policy = _ok(first.call("create_policy", json_body={"policy": {"name": "pc-p", **definition, **trigger}}))
    policy_path = {"policy_id": policy["policy"]["id"]}
    _ok(first.call("update_policy", path=policy_path, json_body={"policy": {"enabled": False}}))
    _ok(first.call("associate_vault_policy", path=vault_path, json_body=policy_path))
    _ok(first.call("dissociate_vault_policy", path=vault_path, json_body=policy_path))
    checkpoint = _ok(first.call("create_checkpoint", json_body={"checkpoint": {"vault_id": vault_id}}))
    backups: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not backups or backups[0]["status"] != "available":
        assert time.monotonic() < deadline, backups
        time.sleep(0.05)
        query = {"checkpoint_id": checkpoint["checkpoint"]["id"]}
        backups = _ok(first.call("list_backups", query=query))["backups"]
    backup_path = {"backup_id": backups[0]["id"]}
    _ok(first.call("show_backup", path=backup_path))
    _ok(first.call("list_backups", query={"vault_id": vault_id}))
    _ok(first.call("add_share_members", path=backup_path, json_body={"members": [SECOND.project_id]}))
    member_path = {**backup_path, "member_id": SECOND.project_id}
    _ok(second.call("update_share_member_status", path=member_path, json_body={"status": "rejected"}))
    _ok(first.call("delete_share_member", path=member_path))
    shown = _ok(first.call("show_backup", path=backup_path))["backup"]
    _ok(first.call("restore_backup", path=backup_path, json_body=server_restore_body(shown)))
    _available(first, backup_path)
    _ok(first.call("delete_backup", path=backup_path))
    _ok(first.call("associate_vault_policy", path=vault_path, json_body=policy_path))
    _ok(first.call("delete_vault", path=vault_path))
    _ok(first.call("delete_policy", path=policy_path))


def _available(client: CBRClient, backup_path: dict[str, str]) -> None:
    """Waits for the restore's end: a backup being restored cannot be deleted."""
    deadline = time.monotonic() + 20
    while _ok(client.call("show_backup", path=backup_path))["backup"]["status"] != "available":
        assert time.monotonic() < deadline, "the backup is still being restored"
        time.sleep(0.05)


@pytest.fixture
def made(emulator: tuple[str, Path], context: CheckContext) -> Iterator[list[str]]:
    """The vaults a test made, deleted when it ends (their servers free for the next test)."""
    vaults: list[str] = []
    yield vaults
    client = CBRClient(emulator[0], FIRST.project_id, TokenAuth(FIRST.tokens[0]), context)
    for vault_id in vaults:
        client.call("delete_vault", path={"vault_id": vault_id}, check=False)


def test_every_rule_holds_against_the_correct_emulator(
    emulator: tuple[str, Path], context: CheckContext, made: list[str]
) -> None:
    first, second, checks = _clients(emulator[0], context)
    _lifecycle(first, second, made)
    tally = checks.tally.drain()
    assert not [rule for rule, counts in tally.items() if set(counts) - {"met"}], tally
    met = {rule for rule, counts in tally.items() if counts.get("met")}
    # every rule the sequence reaches is met, of every class but the time-driven ones, which need
    # the clock moved (test_time_driven.py reads those back)
    reached = {r.id for r in DECLARED if r.kind is not Kind.TIME_DRIVEN}
    assert reached - met <= {
        "show_operation_log.immutable", "list_operation_logs.immutable", "show_checkpoint.immutable",
        "list_share_members.immutable", "update_share_member_status.immutable", "list_policies.immutable",
    }, sorted(met)  # fmt: skip
    assert {rule.kind for rule in DECLARED if rule.id in met} == set(Kind) - {Kind.TIME_DRIVEN}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_a_target_breaking_a_rule_fails_it_naming_the_operation_and_the_rule(
    emulator: tuple[str, Path], context: CheckContext, made: list[str], mutant: Mutant
) -> None:
    answer, request = mutant.answer, mutant.request
    with MutatingProxy(
        emulator[0],
        on_answer=(lambda e: answer(mutant, e)) if answer else None,
        on_request=(lambda e: request(mutant, e)) if request else None,
    ) as proxy:
        first, second, checks = _clients(proxy.url, context)
        with pytest.raises(PostConditionFailed) as failed:
            _lifecycle(first, second, made)
    rule = failed.value.rule
    assert rule.id == mutant.breaks, str(failed.value)
    assert str(failed.value).startswith(f"{rule.operation}: post-condition {rule.id} broken")
    assert checks.tally.counts[rule.id].get("failed") == 1
    evidence = failed.value.exchange
    assert evidence is not None  # the read that shows it carries the rule broken
    assert [v.rule for v in evidence.violations] == [f"post-condition {rule.id}"]


def test_the_same_instant_printed_in_another_zone_s_form_is_the_same_creation_time(
    emulator: tuple[str, Path], context: CheckContext, made: list[str]
) -> None:
    mutant = Mutant("the same instant in UTC+8", "", zone_converted_in_show)
    with MutatingProxy(emulator[0], on_answer=lambda e: zone_converted_in_show(mutant, e)) as proxy:
        first, second, checks = _clients(proxy.url, context)
        _lifecycle(first, second, made)
    tally = checks.tally.drain()
    assert tally["show_vault.immutable"] == {"met": tally["show_vault.immutable"]["met"]}, tally
    assert tally["list_vaults.immutable"].keys() == {"met"}, tally


def test_every_class_of_rule_has_a_mutant_that_breaks_it() -> None:
    broken = {next(r.kind for r in DECLARED if r.id == m.breaks) for m in MUTANTS}
    assert broken == set(Kind) - {Kind.TIME_DRIVEN}  # theirs are in test_time_driven.py


# --- through `cbr-conformance run`: the contract tests, scenarios and fuzz cases read back -------


def _postconditions_of(summary: dict[str, Any], operation: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = summary["postconditions"].get(operation, {})
    return found


def test_a_run_against_a_stale_vault_cache_does_not_conform_naming_the_rule(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    mutant = Mutant("stale cache", "update_vault.read_back", stale_vault_cache)
    with MutatingProxy(url, on_answer=lambda e: stale_vault_cache(mutant, e)) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 5, "-k", "test_vaults", "-n", "2")
    assert result.code == 1, result.output[-3000:]
    keys = [(v["operation"], v["rule"]) for v in result.summary["violations"]]
    assert ("update_vault", "post-condition update_vault.read_back") in keys, keys
    assert _postconditions_of(result.summary, "update_vault")["update_vault.read_back"].get("failed")
    assert "post-conditions: read back and met after" in result.output
    assert "broken after" in result.output and "update_vault" in result.output
    page = (tmp_path / "latest" / "index.html").read_text()
    assert "Post-conditions read back" in page and "update_vault.read_back" in page


# contract tests of three areas, the sharing scenario, and the fuzz tests of update_vault
SELECTION = "test_vaults or test_policies or test_sharing or test_scenario_sharing or update_vault"


def test_a_run_against_the_correct_emulator_meets_every_rule_it_reads_back(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    result = run_suite(url, inventory, tmp_path, 6, "-k", SELECTION, "-n", "2")
    assert result.code == 0, result.failures() or result.output[-3000:]
    met = result.summary["postconditions"]
    assert all(set(counts) == {"met"} for rules in met.values() for counts in rules.values()), met
    for operation in ("update_vault", "update_policy", "associate_vault_policy", "delete_share_member"):
        assert operation in met, sorted(met)
    page = (tmp_path / "latest" / "index.html").read_text()
    assert "Post-conditions read back" in page and "broken after" not in page
    # a negative test's 2xx is its own violation: nothing is read back after it
    reading = {t["kind"] for t in result.summary["tests"] if t["postconditions"]}
    assert "negative" not in reading and {"contract", "fuzz", "scenario"} <= reading, reading


def _timed_update(client: CBRClient, made: list[str], name: str) -> tuple[float, PostConditionFailed | None]:
    billing = {
        "consistent_level": "crash_consistent",
        "object_type": "disk",
        "protect_type": "backup",
        "size": 10,
    }
    vault = _ok(
        client.call("create_vault", json_body={"vault": {"billing": billing, "name": name, "resources": []}})
    )
    made.append(vault["vault"]["id"])
    started = time.monotonic()
    try:
        client.call("update_vault", path={"vault_id": made[-1]}, json_body={"vault": {"name": name + "-2"}})
    except PostConditionFailed as failure:
        return time.monotonic() - started, failure
    return time.monotonic() - started, None


def test_a_rule_is_waited_for_once_then_read_once(
    emulator: tuple[str, Path], context: CheckContext, made: list[str]
) -> None:
    """A write may take a while to show (eventual consistency): a rule not met is read again for
    the whole wait before it fails; once broken, later writes are read once, not waited for."""
    mutant = Mutant("stale cache", "update_vault.read_back", stale_vault_cache)
    with MutatingProxy(emulator[0], on_answer=lambda e: stale_vault_cache(mutant, e)) as proxy:
        checks = PostConditions(Memory(), wait=1.5, interval=0.05)
        client = CBRClient(
            proxy.url, FIRST.project_id, TokenAuth(FIRST.tokens[0]), context, postconditions=checks
        )
        first_took, first = _timed_update(client, made, "pc-wait-1")
        second_took, second = _timed_update(client, made, "pc-wait-2")
    assert first is not None and second is not None
    assert first.rule.id == second.rule.id == "update_vault.read_back"
    assert first_took >= 1.5 and second_took < 0.5, (first_took, second_took)


def test_a_deletion_still_in_progress_is_unsettled_not_broken(
    emulator: tuple[str, Path], context: CheckContext
) -> None:
    """A policy still shown after its deletion was accepted may be on its way out: the read-back
    leaves the rule undecided (lifecycle.py judges whether a deletion ever takes effect)."""

    definition = {"operation_definition": {"max_backups": 5}, "operation_type": "backup"}
    trigger = {"trigger": {"properties": {"pattern": ["FREQ=DAILY;BYHOUR=3;BYMINUTE=0"]}}}
    deleted: set[str] = set()  # the policies whose deletion the target answers 204 and never makes
    answered: set[str] = set()

    def on_request(exchange: Exchange) -> None:
        if exchange.method == "DELETE" and "/policies/" in exchange.path:
            deleted.add(exchange.path)
            exchange.method = "GET"

    def on_answer(exchange: Exchange) -> None:
        if exchange.path in deleted and exchange.path not in answered:  # the deletion's own answer
            answered.add(exchange.path)
            exchange.status, exchange.answer = 204, b""

    with MutatingProxy(emulator[0], on_request=on_request, on_answer=on_answer) as proxy:
        checks = PostConditions(Memory(), wait=0.5, interval=0.05)
        client = CBRClient(
            proxy.url, FIRST.project_id, TokenAuth(FIRST.tokens[0]), context, postconditions=checks
        )
        for name in ("pc-kept-1", "pc-kept-2"):
            policy = _ok(
                client.call("create_policy", json_body={"policy": {"name": name, **definition, **trigger}})
            )
            started = time.monotonic()
            client.call("delete_policy", path={"policy_id": policy["policy"]["id"]})
            took = time.monotonic() - started
        assert took < 0.4, took  # the second deletion is read once, not waited for again
    assert checks.tally.counts["delete_policy.gone"] == {"unsettled": 2}


def test_the_state_machine_and_the_fuzzer_read_back_after_their_2xx(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    """A vault whose created_at moves between reads: a random chain (create, then show along the
    links) and the valid fuzz cases of show_vault both find the immutable field broken."""
    url, inventory = emulator
    mutant = Mutant("created_at moves", "show_vault.immutable", created_at_moves)
    selection = "test_state_machine or (test_fuzz and show_vault and positive)"
    with MutatingProxy(url, on_answer=lambda e: created_at_moves(mutant, e)) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 7, "-k", selection, "-n", "2")
    assert result.code == 1, result.output[-3000:]
    keys = [(v["operation"], v["rule"]) for v in result.summary["violations"]]
    assert keys == [("show_vault", "post-condition show_vault.immutable")], keys
    failed = {t["kind"] for t in result.summary["tests"] if t["outcome"] == "violated"}
    assert failed == {"stateful", "fuzz"}, result.failures()
    assert all(
        "created_at was" in t["message"] for t in result.summary["tests"] if t["outcome"] == "violated"
    )
