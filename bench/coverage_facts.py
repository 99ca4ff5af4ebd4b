"""What reading the facts of each exchange (for contract coverage) costs, beside what the exchange
itself and the contract checks of its response cost.

    python bench/coverage_facts.py            # fuzzes 8 operations, both modes, 25 cases each
    python bench/coverage_facts.py --quick    # 3 operations, 5 cases each

The exchanges are real: the fuzzer's, against the embedded emulator (loopback, in process). Each
is then read again, repeatedly, by the fact finder and by the checks, and timed. Not a test: it
prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from functools import cache

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext, run_checks
from cbr_conformance.contract.exchange_facts import FactFinder, FactSheet
from cbr_conformance.contract.request_check import body_errors
from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.fuzzing import NotApplicable, fuzz_operation
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import client_for
from cbr_conformance.target.endpoint import start_target
from cbr_conformance.transport.recording import Exchange

OPERATIONS = (
    "create_vault",
    "list_vaults",
    "update_vault",
    "list_backups",
    "create_policy",
    "update_policy",
    "list_operation_logs",
    "create_checkpoint",
)


def _exchanges(operations: tuple[str, ...], examples: int) -> list[Exchange]:
    """The exchanges of fuzzing `operations` against a fresh embedded emulator, with real ids."""
    target = start_target(SuiteConfig())
    try:
        contract = Contract.load()
        assert target.config.target_url is not None
        client = client_for(target.config, contract)
        recorded: list[Exchange] = []
        client.on_exchange = recorded.append
        vault = client.call(
            "create_vault",
            json_body={
                "vault": {
                    "name": "bench-vault",
                    "resources": [],
                    "billing": {
                        "consistent_level": "crash_consistent",
                        "object_type": "server",
                        "protect_type": "backup",
                        "size": 100,
                    },
                }
            },
        ).json()["vault"]
        ids = RealIds({"vault_id": vault["id"]})
        for operation in operations:
            for mode in ("positive", "negative"):
                # A failed case is an exchange all the same.
                with contextlib.suppress(NotApplicable, AssertionError):
                    fuzz_operation(
                        client, operation, mode, ids, examples=examples, seed=1, name_prefix="bench"
                    )
        return recorded
    finally:
        target.stop()


def _per_exchange(work: list[Exchange], action: Callable[[Exchange], object], rounds: int) -> float:
    """Seconds `action` takes on an exchange, as the client meets it: just after it measured the
    request against the spec (whose body validation the fact finder reuses)."""
    spent = 0.0
    for _ in range(rounds):
        for exchange in work:
            if exchange.operation_id and exchange.request_body:
                body_errors(exchange_contract(), exchange.operation_id, exchange.request_body)
            started = time.perf_counter()
            action(exchange)
            spent += time.perf_counter() - started
    return spent / (rounds * len(work))


@cache
def exchange_contract() -> Contract:
    return Contract.load()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    operations, examples = (OPERATIONS[:3], 5) if args.quick else (OPERATIONS, 25)
    exchanges = _exchanges(operations, examples)
    contract = exchange_contract()
    context = CheckContext(contract, Catalogue.load())
    finder = FactFinder(contract)
    rounds = 3 if args.quick else 10
    facts = _per_exchange(exchanges, finder.facts, rounds)
    checks = _per_exchange(exchanges, lambda e: run_checks(context, e), rounds)
    wall = sum(e.elapsed for e in exchanges) / len(exchanges)
    sheet = FactSheet()
    for exchange in exchanges:
        sheet.add(finder.facts(exchange))
    carried = len(json.dumps(sheet.drain()))
    print(f"{len(exchanges)} exchanges of {len(operations)} operations (fuzzing, both modes)")
    print(f"  reading facts:        {facts * 1e6:8.0f} µs an exchange")
    print(f"  contract checks:      {checks * 1e6:8.0f} µs an exchange (already paid on every exchange)")
    print(f"  the exchange itself:  {wall * 1e6:8.0f} µs (embedded emulator, loopback)")
    print(f"  facts / (exchange + checks): {100 * facts / (wall + checks):.0f} %")
    each = carried / len(exchanges)
    print(f"  facts carried to the controller, merged: {carried} bytes ({each:.0f} an exchange)")


if __name__ == "__main__":
    main()
