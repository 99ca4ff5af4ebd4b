"""The run's header: every setting that changes what is tested, as data and in words, and the
settings two runs differ in."""

from __future__ import annotations

import json
from pathlib import Path

from cbr_conformance.cli.header import header_settings, selection
from cbr_conformance.results.header import header_lines, setting_changes
from cbr_conformance.results.run_header import InventoryFacts, RunHeader
from cbr_conformance.settings.loading import load_config

TOKEN = "known-token-for-the-header-test-0123456789"


def _inventory(tmp_path: Path) -> Path:
    servers = [{"id": f"s{i}", "name": f"s{i}", "restore_target": i == 0} for i in range(3)]
    document = {"projects": {"p-1": {"servers": servers, "volumes": [{"id": "v1"}]}, "p-2": {}}}
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(document))
    return path


def test_a_url_runs_settings_name_token_credentials_its_inventory_and_its_time_control(
    tmp_path: Path,
) -> None:
    environ = {
        "CBR_PROJECT_ID": "p-1",
        "CBR_AUTH_TOKEN": TOKEN,
        "CBR_SECOND_PROJECT_ID": "p-2",
        "CBR_SECOND_AUTH_TOKEN": TOKEN,
    }
    flags = {
        "target_url": "http://cbr.test",
        "inventory": str(_inventory(tmp_path)),
        "control_url": "http://cbr.test/_emulator",
        "allow_restore": True,
        "max_vault_size": 40,
    }
    settings = header_settings(load_config(flags, environ), "12")
    assert settings.auth == settings.second_auth == "token"
    assert settings.inventory.held == {
        "p-1": {"servers": 3, "volumes": 1, "restore_targets": 1},
        "p-2": {"restore_targets": 0},
    }
    assert settings.time_control == "http://cbr.test/_emulator"
    assert TOKEN not in json.dumps(settings.to_dict())
    words = dict(header_lines(settings.recording(spec_sha256="ab" * 32, run_prefix="x")))
    assert words["project"] == "p-1 (token)" and words["second project"] == "p-2 (token)"
    assert words["inventory"] == (
        f"{tmp_path / 'inventory.json'} (project: 3 servers, 1 volumes; 1 may be restored onto; "
        "second project: nothing the suite can back up)"
    )
    assert words["time control"] == "http://cbr.test/_emulator"
    assert words["vault size"] == "at most 40 GB (--max-vault-size)"
    assert words["restores"].startswith("on")


def test_a_setting_that_changes_what_is_tested_is_one_line_each() -> None:
    old = RunHeader(target_url="http://a", seed=1, run_prefix="cbrc-1", workers="4", read_only=False)
    new = RunHeader(target_url="http://b", seed=2, run_prefix="cbrc-2", workers="8", read_only=False)
    assert setting_changes(old, new) == [
        "the target differs between the runs (http://a -> http://b)",
        "the seed differs between the runs (1 -> 2)",
    ]
    assert setting_changes(old, old) == []


def test_settings_an_older_header_lacks_are_named_not_compared() -> None:
    old = RunHeader.from_dict({"target_url": "http://a", "seed": 1})
    new = old.recording(time_control=None, inventory=InventoryFacts())
    assert setting_changes(old, new) == [
        "one run's header does not record: inventory, time control (not compared)"
    ]


def test_the_selection_is_what_chooses_the_tests_not_how_they_are_shown() -> None:
    given = ["-k", "vault", "-q", "-n", "0", "--tb=no", "-rA", "-x", "test_vaults.py", "--dist", "load", "-v"]
    assert selection(given) == ["-k", "vault", "-x", "test_vaults.py"]
    old = RunHeader.from_dict({"pytest_args": []})
    new = RunHeader.from_dict({"pytest_args": ["-k", "vault"]})
    assert setting_changes(old, new) == [
        "the selection (pytest arguments) differs between the runs ([] -> ['-k', 'vault'])"
    ]
    assert dict(header_lines(new))["selection"] == "-k vault"
    assert dict(header_lines(old))["selection"] == "the whole suite"
