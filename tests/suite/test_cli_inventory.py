"""`cbr-conformance inventory` helps write an inventory: a template of what the suite's tests
lease, from their own declarations, or a standalone emulator's inventory, ready for --inventory.
The preflight counts what a run's inventory leaves untested, by kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.resource_types import SECTIONS, SERVER, VOLUME
from cbr_conformance.paths import suite_dir
from cbr_conformance.resources.inventory import Inventory, InventoryResource
from cbr_conformance.suite.test_kinds import CollectedTest, collect_tests
from cbr_conformance.suite.wants import not_tested_for_want, preflight_lines, wants
from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.models.inventory_default import default_inventory
from cbr_emulator.server import EmulatorServer
from tests.library.fake_target import FakeTarget


def _printed(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert cli.main(["inventory", *argv]) == cli.EXIT_OK
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_the_template_lists_as_many_of_each_kind_as_a_test_holds_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = _printed(capsys, "--project-id", "p-1")
    declared = wants(collect_tests([str(suite_dir())]))
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    inventory = Inventory.load(path, "p-1")  # the suite reads the template as it is
    for section, kind in SECTIONS.items():
        assert inventory.count(kind) == declared[kind].at_once, (section, document)
    assert declared[VOLUME].at_once >= 2 and declared[SERVER].at_once >= 1
    about = document["_about"]
    assert isinstance(about, dict) and "--allow-restore" in about["restore_target"]
    assert f"{len(declared[VOLUME].tests)} tests lease one" in about["volumes"]


def test_a_standalone_emulators_own_inventory_is_printed_ready_for_the_suite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with EmulatorServer(db_path=tmp_path / "cbr.sqlite3", async_delay=0) as emulator:
        document = _printed(capsys, "--target-url", f"{emulator.url}/v3", "--project-id", PROJECT_A)
        unknown = ["inventory", "--target-url", emulator.url, "--project-id", "nobody"]
        assert cli.main(unknown) == cli.EXIT_USAGE
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "has no project nobody" in err and PROJECT_A in err
    path = tmp_path / "emu.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    inventory = Inventory.load(path, PROJECT_A)
    builtin = default_inventory()["projects"][PROJECT_A]
    for section, kind in SECTIONS.items():
        assert inventory.count(kind) == len(builtin[section]) > 0
    assert all(r.restore_target for r in inventory.resources)


def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inventory", "--target-url", "ftp://example"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.count("\n") == 1
    with FakeTarget() as fake:  # answers, but is no emulator
        assert cli.main(["inventory", "--target-url", fake.url]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no cbr-emulator control API answers" in err


def _test(name: str, needs: dict[str, int], restores: bool = False) -> CollectedTest:
    return CollectedTest(f"t.py::{name}", ("create_vault",), "contract", True, name, False,
                         tuple(needs.items()), restores)  # fmt: skip


def test_the_preflight_counts_the_tests_each_missing_kind_leaves_untested() -> None:
    tests = [
        _test("a", {VOLUME: 2}),
        _test("b", {VOLUME: 1, SERVER: 1}),
        _test("c", {}),
        _test("d", {SERVER: 1}, restores=True),
    ]
    one_volume = Inventory([InventoryResource("v-1", "", VOLUME)])
    lacking = not_tested_for_want(tests, one_volume, allow_restore=False)
    assert lacking == {VOLUME: ["t.py::a"], SERVER: ["t.py::b"]}  # d waits for an opt-in, not a resource
    lines = preflight_lines(lacking, len(tests), inventory_given=True)
    assert f"1 of 4 tests need {VOLUME}" in "\n".join(lines) and len(lines) == 4
    a_server = Inventory([InventoryResource("s-1", "", SERVER)])
    restoring = not_tested_for_want(tests, a_server, allow_restore=True)
    assert "t.py::d" in restoring[SERVER]  # a server, but none marked restore_target
    assert preflight_lines({}, 4, inventory_given=False) == []


def test_the_plan_names_the_tests_a_missing_kind_leaves_untested(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    selection = ["-k", "test_show_disk_backup_echoes_the_backup_request", "-n", "0"]
    assert cli.main(["run", "--plan", "--target-url", "http://127.0.0.1:9", *selection]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"the inventory has too few volumes ({VOLUME}): 1 test\n" in out, out
    assert "\n    conformance/test_backups.py::test_show_disk_backup_echoes_the_backup_request\n" in out
