"""What is derived from a contract is made once per contract, and dies with it."""

from __future__ import annotations

from cbr_conformance.contract.spec import Contract


def test_a_derived_value_is_made_once_per_contract() -> None:
    made: list[Contract] = []

    def make(contract: Contract) -> int:
        made.append(contract)
        return len(made)

    first, second = Contract.load(), Contract.load()
    assert first.derived("count", make) == 1 and first.derived("count", make) == 1
    assert second.derived("count", make) == 2  # another contract: its own
    assert made == [first, second]
