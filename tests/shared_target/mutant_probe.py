"""A short walk over the API that every mutant of `mutant_set` changes somewhere: each kind of
resource made, read twice by show and by list, updated, shared, restored, paged, filtered and
deleted, and a few ids that are not there. It reads through the mutant's proxy and makes the
target's asynchronous work end through the target itself, so that it stays short whatever the
mutant does; `tidy` then deletes what it made, straight on the target. The time-driven mutants
get a walk of their own (`probe_timed`), which moves the target's clock past a policy's runs.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import requests

from cbr_conformance.target.clock import TimeControl
from tests.emulator.helpers import Api, checkpoint_body, policy_body, resource, vault_body
from tests.robustness.emulator_http import http_api
from tests.shared_target.harness import PROJECTS

PREFIX = "probe-"
NOWHERE = "00000000-0000-0000-0000-000000000000"


def _wait_available(direct: Api, vault_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        backups: list[dict[str, Any]] = direct.get("/backups", params={"vault_id": vault_id}).json()[
            "backups"
        ]
        if len(backups) >= count and all(b["status"] == "available" for b in backups):
            return backups
        time.sleep(0.05)
    raise AssertionError(f"the target made no {count} available backups of vault {vault_id} in 10 s")


def probe(target: str, proxy: str) -> list[requests.Response]:
    """Every answer the walk read through `proxy` (in front of `target`)."""
    a, b = http_api(proxy, 0, keep_alive=True), http_api(proxy, 1, keep_alive=True)
    direct = http_api(target, 0)
    seen: list[requests.Response] = []

    def on(answer: requests.Response) -> Any:
        seen.append(answer)
        return answer.json() if answer.content else None

    vault = on(
        a.post("/vaults", json=vault_body("server", [resource(PROJECTS[0], "servers", 0)], name=f"{PREFIX}v"))
    )
    v = vault["vault"]["id"]
    other = on(a.post("/vaults", json=vault_body("server", [], name=f"{PREFIX}w")))["vault"]["id"]
    for _ in range(2):
        on(a.get(f"/vaults/{v}"))
        on(a.get("/vaults", params={"name": f"{PREFIX}v"}))
    on(a.get("/vaults", params={"limit": 1, "offset": 1}))
    on(a.get("/vaults", params={"object_type": "server"}))
    on(a.put(f"/vaults/{v}", json={"vault": {"name": f"{PREFIX}v2", "billing": {"size": 120}}}))
    for _ in range(3):
        on(a.get(f"/vaults/{v}"))
    policy = on(a.post("/policies", json=policy_body(name=f"{PREFIX}p")))["policy"]["id"]
    on(a.get(f"/policies/{policy}"))
    on(a.get("/policies"))
    for vault_id in (v, other):
        on(a.post(f"/vaults/{vault_id}/associatepolicy", json={"policy_id": policy}))
    on(a.get("/policies", params={"vault_id": v}))
    on(a.put(f"/policies/{policy}", json={"policy": {"name": f"{PREFIX}p2"}}))
    for _ in range(3):
        on(a.get(f"/policies/{policy}"))
        on(a.get("/policies"))
    checkpoint = on(a.post("/checkpoints", json=checkpoint_body(v)))["checkpoint"]["id"]
    _wait_available(direct, v, 1)
    on(a.post("/checkpoints", json=checkpoint_body(v)))
    backups = _wait_available(direct, v, 2)
    backup = backups[0]["id"]
    for _ in range(2):
        on(a.get(f"/checkpoints/{checkpoint}"))
        on(a.get(f"/backups/{backup}"))
        on(a.get(f"/vaults/{v}"))
        on(a.get("/vaults"))
    on(a.get("/backups", params={"vault_id": v, "status": "available"}))
    on(a.get("/backups", params={"vault_id": v, "limit": 1, "offset": 1}))
    on(a.get("/backups", params={"vault_id": v, "limit": 1, "marker": backup}))
    on(a.post(f"/backups/{backup}/members", json={"members": [PROJECTS[1]]}))
    mine = on(b.post("/vaults", json=vault_body("server", [], name=f"{PREFIX}b")))["vault"]["id"]
    member = f"/backups/{backup}/members/{PROJECTS[1]}"
    for _ in range(2):
        on(a.get(member))
        on(a.get(f"/backups/{backup}/members"))
    on(b.put(member, json={"status": "accepted", "vault_id": mine}))
    for _ in range(2):
        on(a.get(member))
        on(a.get(f"/backups/{backup}/members"))
    on(b.get("/backups", params={"own_type": "shared"}))
    restored = direct.get(f"/backups/{backups[1]['id']}").json()["backup"]
    mappings = [{"backup_id": c["id"], "volume_id": c["resource_id"]} for c in restored.get("children") or []]
    restore = {"server_id": restored["resource_id"], "mappings": mappings, "power_on": False}
    on(a.post(f"/backups/{restored['id']}/restore", json={"restore": restore}))
    on(a.get(f"/backups/{restored['id']}"))
    for method, path in (("PUT", f"/vaults/{v}"), ("PUT", f"/policies/{policy}"), ("PUT", member),
                         ("POST", f"/vaults/{v}/removeresources")):  # fmt: skip
        on(a.call(method, path, data=b"[not json", headers={"Content-Type": "application/json"}))
    _wait_available(direct, v, 2)
    on(a.delete(member))
    on(a.get(member))
    on(a.get(f"/backups/{backup}/members"))
    on(a.delete(f"/backups/{backup}"))
    on(a.get(f"/backups/{backup}"))
    on(a.get("/backups", params={"vault_id": v}))
    on(a.post(f"/vaults/{v}/removeresources", json={"resource_ids": [vault["vault"]["resources"][0]["id"]]}))
    on(a.get(f"/vaults/{v}"))
    on(a.post(f"/vaults/{v}/dissociatepolicy", json={"policy_id": policy}))
    on(a.delete(f"/vaults/{other}"))
    on(a.get(f"/policies/{policy}"))
    on(a.delete(f"/policies/{policy}"))
    on(a.get(f"/policies/{policy}"))
    on(a.get("/policies"))
    on(a.delete(f"/vaults/{v}"))
    on(a.get(f"/vaults/{v}"))
    on(a.get("/vaults"))
    for path in (f"/vaults/{NOWHERE}", f"/policies/{NOWHERE}", f"/checkpoints/{NOWHERE}"):
        on(a.get(path))
    return seen


def probe_timed(target: str, proxy: str) -> list[requests.Response]:
    """Every answer a walk read through `proxy` around policies that fire: a vault of two servers
    under a daily policy of max_backups 2, a vault of one under one of retention_duration_days 2,
    the target's clock moved past four runs, then the backups, restore points and policies read
    by show and list, paged and filtered, a policy updated (and refused) and a backup deleted."""
    a, direct = http_api(proxy, 0, keep_alive=True), http_api(target, 0)
    seen: list[requests.Response] = []

    def on(answer: requests.Response) -> Any:
        seen.append(answer)
        return answer.json() if answer.content else None

    control = TimeControl(f"{target}/_emulator", requests.Session())
    first = control.reading().now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    pattern = f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={first.hour};BYMINUTE=00"
    vaults, policies, servers_held = [], [], []
    for servers, rule in (((1, 2), "max_backups"), ((3,), "retention_duration_days")):
        held = [resource(PROJECTS[0], "servers", index) for index in servers]
        servers_held.append(held[-1]["id"])
        vaults.append(
            on(a.post("/vaults", json=vault_body("server", held, name=f"{PREFIX}t")))["vault"]["id"]
        )
        made = on(a.post("/policies", json=policy_body(pattern, name=f"{PREFIX}t", **{rule: 2})))
        policies.append(made["policy"]["id"])
        on(a.post(f"/vaults/{vaults[-1]}/associatepolicy", json={"policy_id": policies[-1]}))
    control.advance((first + timedelta(days=3, hours=2) - control.reading().now).total_seconds())
    for vault_id, server in zip(vaults, servers_held, strict=True):
        on(a.get("/backups", params={"vault_id": vault_id}))
        on(a.get("/backups", params={"vault_id": vault_id, "limit": 1, "offset": 1}))
        on(a.get("/backups", params={"vault_id": vault_id, "resource_id": server}))
        for backup in direct.get("/backups", params={"vault_id": vault_id}).json()["backups"]:
            on(a.get(f"/backups/{backup['id']}"))
            on(a.get(f"/checkpoints/{backup['checkpoint_id']}"))
    for policy_id in policies:
        on(a.get(f"/policies/{policy_id}"))
    on(a.get("/policies"))
    on(a.put(f"/policies/{policies[0]}", json={"policy": {"operation_definition": {"max_backups": 3}}}))
    on(a.get(f"/policies/{policies[0]}"))
    # values the target refuses: a mutant that runs a policy otherwise must not make them valid
    on(a.post("/policies", json=policy_body(pattern, name=f"{PREFIX}x", retention_duration_days=100000)))
    on(a.put(f"/policies/{policies[0]}", json={"policy": {"enabled": []}}))
    for backup in direct.get("/backups", params={"vault_id": vaults[0]}).json()["backups"][:1]:
        on(a.delete(f"/backups/{backup['id']}"))  # the newest
    return seen


def tidy(target: str) -> None:
    """Delete what a walk made, straight on the target (a mutant may have kept it)."""
    for project in (0, 1):
        api = http_api(target, project)
        for vault in api.get("/vaults", params={"limit": 1000}).json()["vaults"]:
            if vault["name"].startswith(PREFIX):
                for item in api.get("/backups", params={"vault_id": vault["id"]}).json()["backups"]:
                    for member in api.get(f"/backups/{item['id']}/members").json()["members"]:
                        api.delete(f"/backups/{item['id']}/members/{member['dest_project_id']}")
                    api.delete(f"/backups/{item['id']}")
                api.delete(f"/vaults/{vault['id']}")
        for policy in api.get("/policies").json()["policies"]:
            if policy["name"].startswith(PREFIX):
                api.delete(f"/policies/{policy['id']}")
