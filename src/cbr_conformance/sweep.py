"""`cbr-conformance cleanup`: delete vaults and policies left behind by earlier runs, by name prefix."""

from __future__ import annotations

from typing import Any

from cbr_conformance.client import CBRClient, client_for
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract

PAGE = 100


def _all_vaults(client: CBRClient) -> list[dict[str, Any]]:
    vaults: list[dict[str, Any]] = []
    while True:
        page = client.call("list_vaults", query={"limit": PAGE, "offset": len(vaults)}, check=False)
        if page.status != 200:
            raise RuntimeError(f"list_vaults answered {page.status}: {page.exchange.response_text[:200]}")
        items = page.json().get("vaults", [])
        vaults += items
        if len(items) < PAGE:
            return vaults


def sweep(config: SuiteConfig, prefix: str, *, dry_run: bool = False) -> list[str]:
    """Delete (or, dry, list) every vault and policy whose name starts with `prefix`."""
    if not prefix:
        raise ValueError("an empty prefix would sweep everything")
    client = client_for(config, Contract.load())
    done: list[str] = []
    for vault in _all_vaults(client):
        if str(vault.get("name", "")).startswith(prefix):
            if not dry_run:
                client.call("delete_vault", path={"vault_id": vault["id"]}, check=False)
            done.append(f"vault {vault['id']} {vault['name']}")
    policies = client.call("list_policies", check=False)
    for policy in policies.json().get("policies", []) if policies.status == 200 else []:
        if str(policy.get("name", "")).startswith(prefix):
            if not dry_run:
                client.call("delete_policy", path={"policy_id": policy["id"]}, check=False)
            done.append(f"policy {policy['id']} {policy['name']}")
    return done
