"""The time-driven post-conditions (postconditions/time_driven.py) against targets at a URL whose
clock the suite moves (`cbr-emulator serve`'s control API): each shown failing against a target
that breaks it behind valid answers (a mutating proxy in front of a correct emulator), naming the
operation and the rule, and met by the correct emulator. And the policy scenario on a shared
target, where another client's vault holds the server the run leased first."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.postconditions.checking import Memory, PostConditionFailed, PostConditions
from cbr_conformance.postconditions.time_driven import (
    FIRES,
    MAX_BACKUPS,
    RETENTION_DAYS,
    fired,
    kept_newest,
    kept_young,
    settle,
)
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.clock import TimeControl
from cbr_conformance.transport.auth import TokenAuth
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.helpers import resource
from tests.robustness.emulator_http import http_api
from tests.shared_target.harness import emulator_process, run_suite, suite_inventory
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

FIRST = DEFAULT_CREDENTIALS[0]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# the two vaults of the sequence: the rule their retention is judged by, its field, their server
RETAINED = {MAX_BACKUPS: ("max_backups", 0), RETENTION_DAYS: ("retention_duration_days", 1)}


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(Contract.load(), Catalogue.load())


@pytest.fixture
def made(emulator: tuple[str, Path], context: CheckContext) -> Iterator[list[tuple[str, str]]]:
    """The (operation, id) a test made, deleted when it ends: its servers free, its policies quiet."""
    items: list[tuple[str, str]] = []
    yield items
    client = CBRClient(emulator[0], FIRST.project_id, TokenAuth(FIRST.tokens[0]), context)
    for operation, item_id in items:
        key = "vault_id" if operation == "delete_vault" else "policy_id"
        client.call(operation, path={key: item_id}, check=False)


def _ok(answer: Any) -> Any:
    assert 200 <= answer.status < 300, answer
    return answer.json()


def _listed(client: CBRClient, vault_id: str) -> tuple[list[dict[str, Any]], Any]:
    query: dict[str, Any] = {"vault_id": vault_id, "sort": "created_at:asc", "limit": 1000}
    answer = client.call("list_backups", query=query)
    return _ok(answer)["backups"], answer.exchange


def _advance(control: TimeControl, to: datetime) -> datetime:
    control.advance((to - control.reading().now).total_seconds())
    return to


def _timed_lifecycle(
    url: str, emulator_url: str, context: CheckContext, made: list[tuple[str, str]]
) -> PostConditions:
    """Two vaults of one server each, with a daily policy each (max_backups 2; retention 2 days),
    and the clock moved past one run, then four: the sequence of the policy scenarios, each rule
    judged where they judge it."""
    checks = PostConditions(Memory(), wait=0.3, interval=0.05)
    client = CBRClient(url, FIRST.project_id, TokenAuth(FIRST.tokens[0]), context, postconditions=checks)
    control = TimeControl(f"{emulator_url}/_emulator", requests.Session())
    first = control.reading().now.replace(minute=0, second=0, microsecond=0) + 2 * HOUR
    pattern = f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={first.hour};BYMINUTE=00"
    vaults: dict[str, tuple[str, str]] = {}
    for rule, (field, index) in RETAINED.items():
        held = resource(FIRST.project_id, "servers", index)
        billing = {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup"}
        body = {"vault": {"billing": {**billing, "size": 40}, "name": f"td-{index}", "resources": [held]}}
        vault_id = _ok(client.call("create_vault", json_body=body))["vault"]["id"]
        made.append(("delete_vault", vault_id))
        policy = {
            "name": f"td-{index}",
            "enabled": True,
            "operation_type": "backup",
            "operation_definition": {field: 2},
            "trigger": {"properties": {"pattern": [pattern]}},
        }
        policy_id = _ok(client.call("create_policy", json_body={"policy": policy}))["policy"]["id"]
        made.insert(0, ("delete_policy", policy_id))
        path = {"vault_id": vault_id}
        _ok(client.call("associate_vault_policy", path=path, json_body={"policy_id": policy_id}))
        vaults[rule] = (vault_id, held["id"])
    _advance(control, first + HOUR)
    for vault_id, server in vaults.values():
        backups, listing = _listed(client, vault_id)
        settle(client, FIRES, fired(backups, vault_id, {server}, [first]), listing)
    runs = [first + n * DAY for n in range(4)]
    _advance(control, runs[-1] + HOUR)
    vault_id, server = vaults[MAX_BACKUPS]
    backups, listing = _listed(client, vault_id)
    settle(client, MAX_BACKUPS, kept_newest(backups, vault_id, {server}, runs, 2), listing)
    now = _advance(control, runs[-1] + 2 * HOUR)
    vault_id, server = vaults[RETENTION_DAYS]
    backups, listing = _listed(client, vault_id)
    settle(client, RETENTION_DAYS, kept_young(backups, vault_id, {server}, runs, 2, now), listing)
    return checks


def test_every_time_driven_rule_holds_against_the_correct_emulator(
    emulator: tuple[str, Path], context: CheckContext, made: list[tuple[str, str]]
) -> None:
    checks = _timed_lifecycle(emulator[0], emulator[0], context, made)
    tally = checks.tally.drain()
    assert all(counts.keys() == {"met"} for counts in tally.values()), tally
    assert {rule: tally[rule] for rule in (FIRES, MAX_BACKUPS, RETENTION_DAYS)} == {
        FIRES: {"met": 2},
        MAX_BACKUPS: {"met": 1},
        RETENTION_DAYS: {"met": 1},
    }


# --- targets that break one rule behind valid answers -------------------------------------------


def _backups_listed(e: Exchange, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    if e.method == "GET" and e.path.split("?")[0].endswith("/backups") and e.status == 200:
        body = json.loads(e.answer)
        body["backups"] = change(body["backups"])
        body["count"] = len(body["backups"])
        e.answer = json.dumps(body).encode()


def _auto(backup: dict[str, Any]) -> bool:
    return bool((backup.get("extend_info") or {}).get("auto_trigger"))


def never_fires(e: Exchange) -> None:
    """The policy's backups are never listed: it did not fire."""
    _backups_listed(e, lambda backups: [b for b in backups if not _auto(b)])


def fires_for_another_server(e: Exchange) -> None:
    """The policy backs up a server its vault does not hold."""
    other = resource(FIRST.project_id, "servers", 5)["id"]
    _backups_listed(e, lambda backups: [b | {"resource_id": other} if _auto(b) else b for b in backups])


def keeps_the_oldest(e: Exchange) -> None:
    """Retention (max_backups 2, sent as -1 upstream: nothing removed) removes the newest."""

    def oldest(backups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        automatic = sorted((b for b in backups if _auto(b)), key=lambda b: str(b["created_at"]))
        return [b for b in backups if not _auto(b) or b in automatic[:2]]

    _backups_listed(e, oldest)


def _redefined(field: str, upstream: int) -> tuple[Callable[[Exchange], None], Callable[[Exchange], None]]:
    """A target that applies `upstream` where the policy asked 2 of `field`, and answers 2."""

    def on_request(e: Exchange) -> None:
        if e.method == "POST" and e.path.endswith("/policies"):
            body = json.loads(e.body)
            definition = body["policy"]["operation_definition"]
            if definition.get(field) == 2:
                definition[field] = upstream
                e.body = json.dumps(body).encode()

    def on_answer(e: Exchange) -> None:
        if "/policies" not in e.path or e.status != 200:
            return
        body = json.loads(e.answer)
        for policy in [body.get("policy"), *(body.get("policies") or [])]:
            definition = (policy or {}).get("operation_definition") or {}
            if definition.get(field) == upstream:
                definition[field] = 2
        e.answer = json.dumps(body).encode()

    return on_request, on_answer


def _both(*hooks: Callable[[Exchange], None]) -> Callable[[Exchange], None]:
    def run(e: Exchange) -> None:
        for hook in hooks:
            hook(e)

    return run


MAX_NEVER_REQUEST, MAX_NEVER_ANSWER = _redefined("max_backups", -1)
MAX_ONE_REQUEST, MAX_ONE_ANSWER = _redefined("max_backups", 1)
DAYS_NEVER_REQUEST, DAYS_NEVER_ANSWER = _redefined("retention_duration_days", -1)
DAYS_ONE_REQUEST, DAYS_ONE_ANSWER = _redefined("retention_duration_days", 1)

# (name, the rule its read-backs must name, the request hook, the answer hook)
MUTANTS: list[tuple[str, str, Callable[[Exchange], None] | None, Callable[[Exchange], None]]] = [
    ("policy never fires", FIRES, None, never_fires),
    ("policy fires for another server", FIRES, None, fires_for_another_server),
    (
        "max_backups removes the newest",
        MAX_BACKUPS,
        MAX_NEVER_REQUEST,
        _both(MAX_NEVER_ANSWER, keeps_the_oldest),
    ),
    ("max_backups removes too many", MAX_BACKUPS, MAX_ONE_REQUEST, MAX_ONE_ANSWER),
    ("max_backups never removes", MAX_BACKUPS, MAX_NEVER_REQUEST, MAX_NEVER_ANSWER),
    ("retention days removes too many", RETENTION_DAYS, DAYS_ONE_REQUEST, DAYS_ONE_ANSWER),
    ("retention days never removes", RETENTION_DAYS, DAYS_NEVER_REQUEST, DAYS_NEVER_ANSWER),
]


@pytest.mark.parametrize(("name", "breaks", "on_request", "on_answer"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_target_breaking_a_time_driven_rule_fails_it_naming_the_operation_and_the_rule(
    emulator: tuple[str, Path],
    context: CheckContext,
    made: list[tuple[str, str]],
    name: str,
    breaks: str,
    on_request: Callable[[Exchange], None] | None,
    on_answer: Callable[[Exchange], None],
) -> None:
    with (
        MutatingProxy(emulator[0], on_request=on_request, on_answer=on_answer) as proxy,
        pytest.raises(PostConditionFailed) as failed,
    ):
        _timed_lifecycle(proxy.url, emulator[0], context, made)
    rule = failed.value.rule
    assert rule.id == breaks, str(failed.value)
    assert str(failed.value).startswith(f"{rule.operation}: post-condition {rule.id} broken")
    evidence = failed.value.exchange
    assert evidence is not None and evidence.operation_id == "list_backups"
    assert [v.rule for v in evidence.violations] == [f"post-condition {rule.id}"]


# --- the policy scenario on a shared target ------------------------------------------------------


# the scenarios a run selects, and how many of them judge each time-driven rule
RETENTION = "test_policy_fires_and_keeps_the_newest_backups or test_automatic_backups_expire"
TWO_SERVERS = "test_only_an_enabled_policy_fires"  # the first it leases is one of two, listed
JUDGED = {
    RETENTION: {FIRES: 2, MAX_BACKUPS: 1, RETENTION_DAYS: 1},
    TWO_SERVERS: {FIRES: 1},
}


@pytest.mark.parametrize("selection", [RETENTION, TWO_SERVERS], ids=["retention", "two-servers"])
def test_the_policy_scenario_judges_the_servers_its_vault_holds_when_another_client_holds_the_first(
    tmp_path: Path, selection: str
) -> None:
    """Another client's vault holds the first server of the run's inventory: the scenario's vault
    gets another in its place (resources/provision.py), and the backups the policy makes of it are
    the vault's, not a violation, nor is the server set aside judged; the time-driven rules are
    met, and shown in the report."""
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.05) as url:
        inventory = suite_inventory(tmp_path)
        servers = json.loads(inventory.read_text())["projects"][FIRST.project_id]["servers"]
        first = min(servers, key=lambda server: server["id"])  # the first the run leases (Inventory.load)
        taken = {"id": first["id"], "type": "OS::Nova::Server", "name": first["name"]}
        http_api(url, 0, keep_alive=True).create_vault("server", [taken], name="another-client")
        result = run_suite(
            url,
            inventory,
            tmp_path / "run",
            3,
            "--control-url",
            f"{url}/_emulator",
            "-k",
            selection,
            "-n",
            "0",
        )
    assert result.code == 0, "\n".join(result.failures()) or result.output[-3000:]
    judged = JUDGED[selection]
    assert result.summary["totals"]["passed"] == judged[FIRES], result.summary["totals"]
    met = result.summary["postconditions"]
    for rule, times in judged.items():
        operation = "associate_vault_policy" if rule == FIRES else "create_policy"
        assert met[operation][rule] == {"met": times}, met
    page = (tmp_path / "run" / "latest" / "index.html").read_text()
    assert all(rule in page for rule in judged)


def test_a_run_against_a_policy_that_never_fires_does_not_conform_naming_the_rule(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    selection = "test_policy_fires_and_keeps_the_newest_backups"
    with MutatingProxy(url, on_answer=never_fires) as proxy:
        control = ("--control-url", f"{url}/_emulator")
        result = run_suite(proxy.url, inventory, tmp_path, 4, *control, "-k", selection, "-n", "0")
    assert result.code == 1, result.output[-3000:]
    keys = [(v["operation"], v["rule"]) for v in result.summary["violations"]]
    assert keys == [("associate_vault_policy", f"post-condition {FIRES}")], keys
    assert result.summary["postconditions"]["associate_vault_policy"][FIRES] == {"failed": 1}
    assert "broken after associate_vault_policy" in result.output
