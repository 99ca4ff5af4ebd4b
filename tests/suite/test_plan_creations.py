"""What a test creates is declared on its marker, enforced by the run, and counted by the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.plugin.reporting import origin_of
from cbr_conformance.results import Origin
from cbr_conformance.target.creations import UndeclaredCreation, billed, check_created, with_default_gb

PROBE = """
import pytest

@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="probe-declared",
                 creates={"vault": 1})
def test_makes_what_it_declares(cbr_resources):
    cbr_resources.vault("disk")

@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="probe-undeclared",
                 creates={"vault": 1})
def test_makes_more_than_it_declares(cbr_resources):
    cbr_resources.vault("disk")
    cbr_resources.vault("disk")

@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="probe-failed")
def test_fails_after_making_what_it_did_not_declare(cbr_resources):
    cbr_resources.vault("disk")
    assert False, "4.4.1: the target let through what it must refuse"
"""


def _probe(tmp_path: Path, name: str) -> Path:
    """The probe suite, under a module name of its own (one process imports each name once)."""
    probe = tmp_path / "probe" / f"test_probe_{name}.py"
    probe.parent.mkdir()
    probe.write_text(PROBE)
    return probe


def test_a_test_that_creates_more_than_it_declares_is_a_suite_error(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = _probe(tmp_path, "enforced")
    cli.main(["run", "--report-dir", str(tmp_path / "reports"), str(probe), "-q", "-n", "0"])
    summary = json.loads((tmp_path / "reports" / "latest" / "summary.json").read_text())
    tests = {t["nodeid"].rpartition("::")[2]: t for t in summary["tests"]}
    assert tests["test_makes_what_it_declares"]["outcome"] == "passed"
    undeclared = tests["test_makes_more_than_it_declares"]
    assert undeclared["origin"] == "suite", undeclared
    assert "more than its cbr marker declares (creates={'vault': 1, 'gb': 100})" in undeclared["message"]
    # a test that failed on the target's account is not held to its declaration: the violation stands
    assert tests["test_fails_after_making_what_it_did_not_declare"]["origin"] == "violation"
    ledger = [json.loads(line) for line in (tmp_path / "reports" / "latest" / "created.jsonl").open()]
    assert [(r["kind"], r["counts"]) for r in ledger if r["by"].endswith("more_than_it_declares")] == [
        ("vault", {"vault": 1, "gb": 100})
    ] * 2


def test_the_plan_counts_the_declarations_of_the_tests_that_will_run(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = _probe(tmp_path, "planned")
    assert cli.main(["run", "--plan", "--json", str(probe), "-n", "0"]) == cli.EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    assert plan["exact"]["vault"] == 2 and plan["exact"]["gb"] == 200 and plan["at_most"]["vault"] == 2
    assert cli.main(["run", "--plan", str(probe), "-n", "0"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    rows = {line.split("  ")[1]: line.split()[-1] for line in out.splitlines() if line.startswith("  ")}
    assert rows["vaults"] == "2" and rows["GB of vaults"] == "200", out


def test_json_without_the_plan_is_a_usage_error(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", "--json", "-k", "nothing"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--json prints the plan: it goes with --plan" in err and "Traceback" not in err


def test_the_bill_is_read_from_the_targets_answer() -> None:
    assert billed("vault", {"billing": {"size": 150}}) == {"vault": 1, "gb": 150}
    assert billed("vault", {"billing": "broken"}) == {"vault": 1, "gb": 0}
    checkpoint = {"vault": {"resources": [{"type": SERVER}, {"type": VOLUME}, {"type": VOLUME}, "x"]}}
    assert billed("checkpoint", checkpoint) == {"server_backup": 1, "disk_backup": 2}
    assert with_default_gb({"vault": 2}, 100) == {"vault": 2, "gb": 200}
    assert with_default_gb({"vault": 1, "gb": 200}, 100) == {"vault": 1, "gb": 200}


def test_creating_more_than_declared_raises_a_suite_defect() -> None:
    check_created({"vault": 1, "gb": 100}, {"vault": 1, "gb": 100})
    check_created({"policy": 1}, {"policy": 10}, cases=10)  # per case, for a fuzz test
    with pytest.raises(UndeclaredCreation) as raised:
        check_created({"policy": 1}, {"policy": 1, "share": 1})
    assert origin_of(raised.value) is Origin.SUITE


def test_a_plan_with_a_broken_inventory_is_a_usage_error(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_text('{"projects": {"p-1": {"servers": [{"name": "no id"}]}}}')
    args = ["run", "--plan", "--target-url", "http://127.0.0.1:9", "--inventory", str(inventory)]
    assert cli.main([*args, "-k", "test_create_vault_echoes_its_input"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--inventory {inventory}: an item lacks 'id'" in err and len(err.strip().splitlines()) == 1


def test_a_restore_is_in_the_ledger_but_nothing_to_delete(tmp_path: Path) -> None:
    from cbr_conformance.target.made import RESTORE, Ledger, Made, read_ledger, undo_order

    ledger = Ledger(tmp_path / "created.jsonl")
    vault = Made("p-1", "vault", "v-1", "", "create_vault", {"vault_id": "v-1"}, {"vault": 1, "gb": 100})
    restore = Made("p-1", RESTORE, "b-1", "", "restore_backup", {}, {RESTORE: 1})
    for made in (vault, restore, restore):
        ledger.append(made, "m.py::t")
    read = read_ledger(ledger.path)
    assert [m.counts for m in read] == [{"vault": 1, "gb": 100}, {RESTORE: 1}, {RESTORE: 1}]
    assert undo_order(read) == [vault]
