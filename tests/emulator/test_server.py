"""EmulatorServer, restart durability, concurrency, the CLI and the inventory fixture."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_emulator import cli
from cbr_emulator.config import ConfigError, Settings, parse_credentials, settings_from_env
from cbr_emulator.defaults import DEFAULT_CREDENTIALS, PROJECT_A, credentials_as_json
from cbr_emulator.models.inventory_default import default_inventory
from cbr_emulator.server import EmulatorServer
from tests.emulator.helpers import Api, resource, vault_body

ROOT = Path(__file__).resolve().parents[2]


def session_api(base: str) -> Api:
    session = requests.Session()

    class Client:
        def request(self, method: str, url: str, **kwargs: Any) -> Any:
            if "content" in kwargs:
                kwargs["data"] = kwargs.pop("content")
            return session.request(method, base + url, timeout=10, **kwargs)

    return Api(Client(), PROJECT_A, DEFAULT_CREDENTIALS[0].tokens[0])


def test_server_starts_on_a_free_port_and_stops_without_leaking_threads() -> None:
    before = set(threading.enumerate())
    with EmulatorServer() as emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
        assert requests.get(f"{emulator.url}/_emulator/health", timeout=5).json()["status"] == "ok"
        session_api(emulator.url).create_vault()  # runs on the worker threads too
    leftovers = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert leftovers == []


def test_two_servers_run_side_by_side() -> None:
    with EmulatorServer() as first, EmulatorServer() as second:
        assert first.url != second.url
        api = session_api(first.url)
        api.create_vault()
        assert session_api(second.url).get("/vaults").json()["count"] == 0


def test_state_survives_a_restart_on_the_same_db_file(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with EmulatorServer(db_path=db) as emulator:
        api = session_api(emulator.url)
        policy = api.create_policy()
        vault = api.create_vault("server", [resource(PROJECT_A, "servers", 0)], backup_policy_id=policy["id"])
        requests.post(f"{emulator.url}/_emulator/clock/advance", json={"seconds": 3600}, timeout=5)
        # the policy may have fired in that hour (it depends on the time of day): the vault as it is now
        vault = api.get(f"/vaults/{vault['id']}").json()["vault"]
    with EmulatorServer(db_path=db) as emulator:
        api = session_api(emulator.url)
        assert api.get(f"/vaults/{vault['id']}").json()["vault"] == vault
        assert api.get(f"/policies/{policy['id']}").json()["policy"]["associated_vaults"] == [
            {"vault_id": vault["id"], "destination_vault_id": None}
        ]
        clock = requests.get(f"{emulator.url}/_emulator/clock", timeout=5).json()
        assert clock["offset_seconds"] >= 3600


def test_concurrent_creates_and_deletes_keep_counts_consistent() -> None:
    workers, per_worker = 8, 6
    with EmulatorServer() as emulator:

        def work(worker: int) -> list[str]:
            api = session_api(emulator.url)
            kept = []
            for i in range(per_worker):
                answer = api.post("/vaults", json=vault_body(name=f"w{worker}-{i}"))
                assert answer.status_code == 200, answer.text
                vault_id = answer.json()["vault"]["id"]
                if i % 2:
                    assert api.delete(f"/vaults/{vault_id}").status_code == 204
                else:
                    kept.append(vault_id)
            return kept

        with ThreadPoolExecutor(workers) as pool:
            kept = [v for ids in pool.map(work, range(workers)) for v in ids]
        listed = session_api(emulator.url).get("/vaults").json()
        assert listed["count"] == len(kept) == workers * per_worker // 2
        assert sorted(v["id"] for v in listed["vaults"]) == sorted(kept)


def test_concurrent_claims_of_one_resource_give_it_to_exactly_one_vault() -> None:
    server = resource(PROJECT_A, "servers", 0)
    with EmulatorServer() as emulator:
        api = session_api(emulator.url)
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(
                    lambda _: api.post("/vaults", json=vault_body("server", [server])).status_code, range(8)
                )
            )
        assert sorted(codes) == [200] + [400] * 7


def test_cli_prints_default_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["credentials"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == credentials_as_json(DEFAULT_CREDENTIALS)
    assert len(printed["projects"]) == 2
    assert parse_credentials(printed) == DEFAULT_CREDENTIALS


def test_fixture_inventory_is_the_built_in_one(capsys: pytest.CaptureFixture[str]) -> None:
    """fixtures/inventory.json is `cbr-emulator inventory` output; regenerate it if this fails."""
    assert cli.main(["inventory"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == default_inventory()
    assert json.loads((ROOT / "fixtures" / "inventory.json").read_text()) == printed


def test_settings_from_environment(tmp_path: Path) -> None:
    credentials = tmp_path / "creds.json"
    credentials.write_text(json.dumps({"projects": [{"project_id": "p1", "tokens": ["t1"]}]}))
    settings = settings_from_env(
        {
            "CBR_EMULATOR_DB": "x.db",
            "CBR_EMULATOR_ASYNC_DELAY": "0.5",
            "CBR_EMULATOR_INVENTORY": "inv.json",
            "CBR_EMULATOR_CREDENTIALS": str(credentials),
        }
    )
    assert settings.db_path == "x.db" and settings.async_delay == 0.5
    assert settings.inventory_path == Path("inv.json")
    assert settings.credentials[0].project_id == "p1" and settings.credentials[0].tokens == ("t1",)
    assert settings_from_env({}) == Settings()


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"projects": []},
        {"projects": [{"tokens": ["t"]}]},
        {"projects": [{"project_id": "a", "tokens": ["t"]}, {"project_id": "b", "tokens": ["t"]}]},
    ],
)
def test_invalid_credentials_files_are_rejected(document: Any) -> None:
    with pytest.raises(ConfigError):
        parse_credentials(document)


def test_custom_credentials_are_honoured() -> None:
    custom = parse_credentials({"projects": [{"project_id": "p9", "tokens": ["tok9"]}]})
    with EmulatorServer(credentials=custom) as emulator:
        answer = requests.get(f"{emulator.url}/v3/p9/vaults", headers={"X-Auth-Token": "tok9"}, timeout=5)
        assert answer.status_code == 200
        answer = requests.get(
            f"{emulator.url}/v3/{PROJECT_A}/vaults",
            headers={"X-Auth-Token": "FAKE-TOKEN-PROJECT-A"},
            timeout=5,
        )
        assert answer.status_code == 401


def test_cli_rejects_a_bad_async_delay(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--async-delay", "soon"]) == 2
    assert "async delay" in capsys.readouterr().err


def test_cli_serves_until_terminated(tmp_path: Path) -> None:
    port = cli.free_port("127.0.0.1")
    db = tmp_path / "cli.db"
    command = [
        sys.executable,
        "-m",
        "cbr_emulator.cli",
        "serve",
        "--port",
        str(port),
        "--db",
        str(db),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        assert f"http://127.0.0.1:{port}" in process.stderr.readline()
        for _ in range(100):
            try:
                if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert session_api(f"http://127.0.0.1:{port}").create_vault()["name"] == "vault-test"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert db.exists()
