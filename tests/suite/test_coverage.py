"""Every operation has positive and negative conformance tests, and every test a unique stable id."""

from __future__ import annotations

from collections import Counter

from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import suite_dir
from cbr_conformance.suite.test_kinds import collect_tests, coverage_table, gaps


def test_no_operation_lacks_contract_or_negative_coverage() -> None:
    tests = collect_tests([str(suite_dir())])
    contract = Contract.load()
    assert gaps(tests, contract) == [], "\n" + coverage_table(tests, contract)
    known = set(contract.operations)
    assert {op for t in tests for op in t.operations} <= known


def test_test_ids_are_unique_per_test_function() -> None:
    tests = collect_tests([str(suite_dir())])
    functions_by_id: dict[str, set[str]] = {}
    for test in tests:
        functions_by_id.setdefault(test.test_id, set()).add(test.nodeid.split("[")[0])
    shared = {test_id: sorted(f) for test_id, f in functions_by_id.items() if len(f) > 1}
    assert shared == {}
    assert Counter(t.kind for t in tests)["negative"] >= 27


def test_fuzz_tests_are_collected_first_each_module_in_one_piece() -> None:
    tests = collect_tests([str(suite_dir())])
    kinds = [t.kind for t in tests]
    fuzz = kinds.count("fuzz")
    assert fuzz > 0 and set(kinds[:fuzz]) == {"fuzz"}
    modules = [t.nodeid.split("::")[0] for t in tests]
    runs = [m for i, m in enumerate(modules) if i == 0 or modules[i - 1] != m]
    assert len(runs) == len(set(runs)), f"a module's tests are split: {runs}"


def test_a_rule_common_to_every_operation_is_not_coverage_of_one() -> None:
    from cbr_conformance.contract.spec import Contract
    from cbr_conformance.suite.test_kinds import CollectedTest, gaps

    contract = Contract.load()
    auth_only = [
        CollectedTest(f"t::{op.operation_id}", (op.operation_id,), kind, False, "auth", cross_cutting=True)
        for op in contract
        for kind in ("contract", "negative")
    ]
    assert len(gaps(auth_only, contract)) == 2 * len(contract.operations)
    own = [CollectedTest("t::own", ("show_vault",), "negative", False, "own")]
    assert ("show_vault", "negative") not in gaps(auth_only + own, contract)
