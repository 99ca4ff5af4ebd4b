"""`list` prints the tests with their markers and the coverage table; `cleanup` sweeps by prefix."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import fixtures_dir, reference_example
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import CBRClient, client_for
from cbr_conformance.target.lifecycle import Cleanups
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer
from tests.library.fake_target import Canned, FakeTarget, Seen, serve


@pytest.fixture
def fake() -> Iterator[FakeTarget]:
    yield from serve()


def test_list_shows_markers_and_the_coverage_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "[show_vault negative] id=vault-show-unknown" in out
    assert "operation" in out and "contract" in out and "scenario" in out


def test_cleanup_deletes_only_what_carries_the_prefix(
    fake: FakeTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = reference_example("show_vault.response.200.json")["vault"]
    ours, theirs = copy.deepcopy(vault), copy.deepcopy(vault)
    ours.update(id="v-ours", name="cbrc-1234-vault-1")
    theirs.update(id="v-theirs", name="production")
    policies = reference_example("list_policies.response.200.json")
    policies["policies"][0].update(id="p-ours", name="cbrc-1234-policy-2")

    def answer(seen: Seen) -> Canned:
        if seen.method == "DELETE":
            return Canned(204)
        if "/policies" in seen.path:
            return Canned.json(200, policies)
        return Canned.json(200, {"vaults": [ours, theirs], "count": 2})

    fake.responder = answer
    monkeypatch.setenv("CBR_AUTH_TOKEN", "token-for-the-cleanup-test-0001")
    assert cli.main(["cleanup", "--target-url", fake.url, "--project-id", "p-1", "--dry-run"]) == cli.EXIT_OK
    assert not [s for s in fake.seen if s.method == "DELETE"]
    assert cli.main(["cleanup", "--target-url", fake.url, "--project-id", "p-1"]) == cli.EXIT_OK
    deleted = sorted(s.path for s in fake.seen if s.method == "DELETE")
    assert deleted == ["/v3/p-1/policies/p-ours", "/v3/p-1/vaults/v-ours"]
    assert "2 resources deleted" in capsys.readouterr().out


def test_cleanup_refuses_the_embedded_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CBR_TARGET_URL", raising=False)
    assert cli.main(["cleanup"]) == cli.EXIT_USAGE


def _emulator_config(url: str) -> SuiteConfig:
    first = DEFAULT_CREDENTIALS[0]
    return SuiteConfig(
        target_url=url,
        project_id=first.project_id,
        ak=first.access_keys[0].ak,
        sk=first.access_keys[0].sk,
        poll_interval=0.01,
        max_wait=10,
    )


def _names(client: CBRClient) -> tuple[set[str], set[str]]:
    vaults = {v["name"] for v in client.call("list_vaults", query={"limit": 1000}).json()["vaults"]}
    policies = {p["name"] for p in client.call("list_policies").json()["policies"]}
    return vaults, policies


def test_cleanup_sweeps_what_an_interrupted_run_left_on_a_persistent_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cbr.sqlite3")
    with EmulatorServer(db_path=db, async_delay=0) as emulator:
        config = _emulator_config(emulator.url)
        client = client_for(config, Contract.load())
        inventory = Inventory.load(fixtures_dir() / "inventory.json", str(config.project_id))
        # What a run killed mid-test leaves: its cleanups never ran.
        never_run = Cleanups(max_wait=10, poll_interval=0.01)
        left = Resources(client, inventory, "cbrc-0dead", never_run, max_wait=10, poll_interval=0.01)
        policy = left.policy()
        vault = left.vault("server", [left.lease(SERVER)], backup_policy_id=policy["id"])
        backup = left.backup(vault["id"])
        theirs = Resources(client, inventory, "production", never_run, max_wait=10, poll_interval=0.01)
        kept = theirs.vault(object_type="disk")
        kept_policy = theirs.policy()

    with EmulatorServer(db_path=db, async_delay=0) as emulator:  # a later session, same store
        config = _emulator_config(emulator.url)
        monkeypatch.setenv("HUAWEICLOUD_SDK_AK", str(config.ak))
        monkeypatch.setenv("HUAWEICLOUD_SDK_SK", str(config.sk))
        args = ["cleanup", "--target-url", emulator.url, "--project-id", str(config.project_id)]
        assert cli.main([*args, "--dry-run"]) == cli.EXIT_OK
        assert "2 resources would be deleted" in capsys.readouterr().out
        client = client_for(config, Contract.load())
        assert {vault["name"], policy["name"]} <= set.union(*_names(client))

        assert cli.main(args) == cli.EXIT_OK
        out = capsys.readouterr().out
        assert f"vault {vault['id']}" in out and f"policy {policy['id']}" in out
        assert "2 resources deleted" in out
        assert _names(client) == ({kept["name"]}, {kept_policy["name"]})
        gone = client.call("show_backup", path={"backup_id": backup["id"]}, check=False)
        assert gone.status == 404, "the vault's backup outlived it"
        assert cli.main(args) == cli.EXIT_OK  # nothing left to sweep
        assert "0 resources deleted" in capsys.readouterr().out


def test_cleanup_reports_what_the_target_refused_to_delete(
    fake: FakeTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = reference_example("show_vault.response.200.json")["vault"]
    vault.update(id="v-stuck", name="cbrc-1234-vault-1")
    refusal = {"error_code": "BackupService.6111", "error_msg": "vault is busy"}

    def answer(seen: Seen) -> Canned:
        if seen.method == "DELETE":
            return Canned.json(400, refusal)
        if "/policies" in seen.path:
            return Canned.json(200, {"policies": []})
        return Canned.json(200, {"vaults": [vault], "count": 1})

    fake.responder = answer
    monkeypatch.setenv("CBR_AUTH_TOKEN", "token-for-the-cleanup-test-0001")
    assert cli.main(["cleanup", "--target-url", fake.url, "--project-id", "p-1"]) == cli.EXIT_NONCONFORMANT
    out = capsys.readouterr().out
    assert "NOT DELETED vault v-stuck" in out and "400" in out
    assert "0 resources deleted, 1 could not be deleted" in out
