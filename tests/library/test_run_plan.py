"""The plan adds up the declarations of the tests and fixtures that will run, for the settings and
inventory given, and names the others with the reason."""

from __future__ import annotations

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.contract.spec import Contract
from cbr_conformance.resources.inventory import Inventory, InventoryResource
from cbr_conformance.settings.loading import load_config
from cbr_conformance.suite.plan import SHARED_MAKER, plan
from cbr_conformance.suite.test_kinds import CollectedTest
from cbr_conformance.target.creations import SECOND_PROJECT

STAGE = [
    ((), {"policy": 1}),
    ((SERVER,), {"vault": 1, "server_backup": 1}),
    ((SECOND_PROJECT,), {"vault": 1}),
]


def _test(name: str, kind: str = "contract", **fields: object) -> CollectedTest:
    defaults: dict[str, object] = {"operations": ("create_vault",), "kind": kind, "mutates": True}
    return CollectedTest(f"m.py::{name}", test_id=name, module="m.py", **{**defaults, **fields})  # type: ignore[arg-type]


TESTS = [
    _test("a", creates=(("disk_backup", 2), ("vault", 1)), needs=((VOLUME, 1),)),
    _test("b", creates=(("restore", 1), ("vault", 1)), needs=((VOLUME, 1),), restores=True),
    _test("c", creates=(("share", 1),), fixtures=("cbr_second",)),
    _test("d", creates=(("policy", 1),), fixtures=("cbr_clock",)),
    _test("e", kind="fuzz", creates=(("vault", 1),), fixtures=("cbr_stage",)),
    _test("f", needs=((VOLUME, 1),), fixtures=("cbr_shared_backups",)),
    _test("g", needs=((SERVER, 1),)),
]


def test_the_plan_counts_what_will_run_and_names_what_will_not() -> None:
    config = load_config(
        {"target_url": "https://cbr.example", "fuzz_examples": "4", "max_vault_size": "150"},
        environ={"CBR_PROJECT_ID": "p-1", "CBR_AUTH_TOKEN": "t"},
    )
    a_disk = Inventory([InventoryResource("v-1", "", VOLUME)])
    result = plan(TESTS, {"cbr_stage": STAGE}, config, Contract.load(), a_disk, embedded=False,
                  workers=3, shared_once=True)  # fmt: skip
    assert result.not_run == {
        "restores are off (--allow-restore)": ["m.py::b"],
        "no second project (CBR_SECOND_PROJECT_ID and its credentials)": ["m.py::c"],
        "no time control (--control-url)": ["m.py::d"],
        f"the inventory has too few servers ({SERVER})": ["m.py::g"],
    }
    assert set(result.tests) == {"m.py::a", "m.py::e"}
    fuzz = result.tests["m.py::e"]
    assert (fuzz.counts, fuzz.times, fuzz.least) == ({"vault": 1, "gb": 150}, 4, 0)  # per case, at most 4
    # neither a server nor a second project: the stage makes its policy only, once per worker at most
    assert (result.fixtures["cbr_stage"].counts, result.fixtures["cbr_stage"].times) == ({"policy": 1}, 1)
    assert result.fixtures[SHARED_MAKER].counts == {"vault": 1, "gb": 100, "disk_backup": 1}
    assert dict(result.exact) == {"vault": 2, "gb": 200, "disk_backup": 3, "policy": 1}
    assert dict(result.at_most) == {"vault": 6, "gb": 800, "disk_backup": 3, "policy": 1}
    rows = {line.split("  ")[1]: line.split()[-2:] for line in result.lines()[1:]}
    assert rows["vaults"] == ["2", "4"] and rows["GB of vaults"] == ["200", "600"], result.lines()


def test_a_read_only_plan_creates_nothing() -> None:
    config = load_config({"target_url": "https://cbr.example", "read_only": "true"}, environ={})
    result = plan(TESTS, {}, config, Contract.load(), Inventory.empty(), embedded=False, workers=1,
                  shared_once=True)  # fmt: skip
    assert not result.tests and not sum(result.at_most.values())
    assert result.lines() == ["creates nothing (read-only: GET requests only)"]
