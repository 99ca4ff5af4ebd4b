"""`cbr-conformance cleanup`: delete vaults and policies left behind by earlier runs, by name prefix.

Vaults go first: deleting one deletes its backups and frees the policy applied to it. A resource
the target refuses to delete is reported, not counted as deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cbr_conformance.contract.spec import Contract
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import CBRClient, client_for

PAGE = 100


@dataclass
class SweepResult:
    deleted: list[str] = field(default_factory=list)  # or, on a dry run, what would be
    failed: list[str] = field(default_factory=list)  # with the target's answer


def _listed(client: CBRClient, operation: str, key: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    page = client.call(operation, query=query, check=False)
    if page.status != 200:
        raise RuntimeError(f"{operation} answered {page.status}: {page.exchange.response_text[:200]}")
    items: list[dict[str, Any]] = page.json().get(key, [])
    return items


def _all_vaults(client: CBRClient) -> list[dict[str, Any]]:
    vaults: list[dict[str, Any]] = []
    while True:
        items = _listed(client, "list_vaults", "vaults", {"limit": PAGE, "offset": len(vaults)})
        vaults += items
        if len(items) < PAGE:
            return vaults


def sweep(config: SuiteConfig, prefix: str, *, dry_run: bool = False) -> SweepResult:
    """Delete (or, dry, list) every vault and policy whose name starts with `prefix`."""
    if not prefix:
        raise ValueError("an empty prefix would sweep everything")
    client = client_for(config, Contract.for_profile(config.profile, config.spec))
    result = SweepResult()

    def delete(kind: str, operation: str, param: str, item: dict[str, Any]) -> None:
        what = f"{kind} {item['id']} {item.get('name', '')}"
        if dry_run:
            result.deleted.append(what)
            return
        answer = client.call(operation, path={param: item["id"]}, check=False)
        if answer.status in (200, 204, 404):  # 404: gone already, e.g. with its vault
            result.deleted.append(what)
        else:
            result.failed.append(
                f"{what}: {operation} answered {answer.status} {answer.exchange.response_text[:200]}"
            )

    for vault in _all_vaults(client):
        if str(vault.get("name", "")).startswith(prefix):
            delete("vault", "delete_vault", "vault_id", vault)
    for policy in _listed(client, "list_policies", "policies", {}):
        if str(policy.get("name", "")).startswith(prefix):
            delete("policy", "delete_policy", "policy_id", policy)
    return result
