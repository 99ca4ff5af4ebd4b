"""Concurrent clients creating and deleting policies, checkpoints and backups: nothing is lost or
duplicated, and every count agrees with what the clients were told.

tests/emulator/test_server.py already races vault creations and deletions, and claims of one
resource; this extends the same check to policies, restore points (checkpoints), backups, their
tasks, and to policies applied to one vault by every client at once.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.server import EmulatorServer
from tests.emulator.helpers import checkpoint_body, policy_body, resource, vault_body
from tests.robustness.emulator_http import expect, http_api

WORKERS = 8
POLICIES_PER_WORKER = 4  # every other one is deleted again
CHECKPOINTS_PER_WORKER = 3  # the first one's backup is deleted again


@dataclass
class Outcome:
    """What one client was told: the ids it created and kept, and the ids it deleted."""

    kept_policies: list[str] = field(default_factory=list)
    deleted_policies: list[str] = field(default_factory=list)
    vault_id: str = ""
    checkpoints: list[str] = field(default_factory=list)
    kept_backups: list[str] = field(default_factory=list)
    deleted_backups: list[str] = field(default_factory=list)


def work(url: str, worker: int, shared_vault: str) -> Outcome:
    api = http_api(url)
    outcome = Outcome()
    for i in range(POLICIES_PER_WORKER):
        policy = expect(api.post("/policies", json=policy_body(name=f"w{worker}-p{i}")), 200)["policy"]
        if i % 2:
            expect(api.delete(f"/policies/{policy['id']}"), 204)
            outcome.deleted_policies.append(policy["id"])
        else:
            outcome.kept_policies.append(policy["id"])
    # Every client applies its policy to the shared vault: one of them wins, the others are replaced.
    own_policy = outcome.kept_policies[0]
    expect(api.post(f"/vaults/{shared_vault}/associatepolicy", json={"policy_id": own_policy}), 200)
    # Its own vault, with a disk no other client uses, protected by its own policy.
    body = vault_body("disk", [resource(PROJECT_A, "volumes", worker)], name=f"w{worker}")
    body["vault"]["backup_policy_id"] = own_policy
    outcome.vault_id = expect(api.post("/vaults", json=body), 200)["vault"]["id"]
    for _ in range(CHECKPOINTS_PER_WORKER):
        # With no asynchronous delay, the previous backup is available by the next request.
        checkpoint = expect(api.post("/checkpoints", json=checkpoint_body(outcome.vault_id)), 200)
        outcome.checkpoints.append(checkpoint["checkpoint"]["id"])
    for checkpoint_id in outcome.checkpoints:
        [backup] = expect(api.get("/backups", params={"checkpoint_id": checkpoint_id}), 200)["backups"]
        if checkpoint_id == outcome.checkpoints[0]:
            expect(api.delete(f"/backups/{backup['id']}"), 204)
            outcome.deleted_backups.append(backup["id"])
        else:
            outcome.kept_backups.append(backup["id"])
    return outcome


def listed(api: Any, path: str, key: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    body = expect(api.get(path, params={"limit": 1000, **params}), 200)
    return body[key], body.get("count", len(body[key]))


def test_concurrent_policies_checkpoints_and_backups_are_neither_lost_nor_duplicated() -> None:
    with EmulatorServer(async_delay=0) as emulator:
        api = http_api(emulator.url)
        shared = expect(api.post("/vaults", json=vault_body("server", name="shared")), 200)["vault"]["id"]
        with ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(lambda w: work(emulator.url, w, shared), range(WORKERS)))

        # Policies: exactly the kept ones, each once; none of the deleted ones.
        policies, _ = listed(api, "/policies", "policies")
        ids = [p["id"] for p in policies]
        kept = [p for o in outcomes for p in o.kept_policies]
        assert sorted(ids) == sorted(kept) and len(set(ids)) == len(ids) == WORKERS * POLICIES_PER_WORKER // 2
        for o in outcomes:
            for policy_id in o.deleted_policies:
                assert api.get(f"/policies/{policy_id}").status_code == 404

        # The shared vault ends with one policy, a kept one: exactly one policy lists it.
        holders = [p["id"] for p in policies if any(a["vault_id"] == shared for a in p["associated_vaults"])]
        assert len(holders) == 1 and holders[0] in {o.kept_policies[0] for o in outcomes}

        # Vaults: the shared one and one per client, each still protected by its client's policy.
        vaults, count = listed(api, "/vaults", "vaults")
        assert count == len(vaults) == WORKERS + 1
        for o in outcomes:
            protected, _ = listed(api, "/vaults", "vaults", policy_id=o.kept_policies[0])
            assert o.vault_id in {v["id"] for v in protected}

        # Backups: exactly the kept ones, available, each once; the checkpoints all still answer.
        backups, count = listed(api, "/backups", "backups")
        expected = [b for o in outcomes for b in o.kept_backups]
        assert count == len(backups) == len(expected) == WORKERS * (CHECKPOINTS_PER_WORKER - 1)
        assert sorted(b["id"] for b in backups) == sorted(expected)
        assert {b["status"] for b in backups} == {"available"}
        for o in outcomes:
            assert Counter(b["vault_id"] for b in backups)[o.vault_id] == CHECKPOINTS_PER_WORKER - 1
            for checkpoint_id in o.checkpoints:
                checkpoint = expect(api.get(f"/checkpoints/{checkpoint_id}"), 200)["checkpoint"]
                assert checkpoint["status"] == "available"

        # Tasks: one backup task per restore point, one delete task per deleted backup.
        _, backup_tasks = listed(api, "/operation-logs", "operation_logs", operation_type="backup")
        _, delete_tasks = listed(api, "/operation-logs", "operation_logs", operation_type="delete")
        assert backup_tasks == WORKERS * CHECKPOINTS_PER_WORKER
        assert delete_tasks == WORKERS
