"""How often the state machine reached each linked operation with a 2xx, in the summary and report."""

from __future__ import annotations

from typing import Any

from cbr_conformance.report import chains_html
from cbr_conformance.results import chain_successes


def _stateful(succeeded: dict[str, int]) -> dict[str, Any]:
    return {"operations": ["create_vault", "show_vault", "delete_vault"], "chain_2xx": succeeded}


def test_every_linked_operation_is_counted_zeros_included() -> None:
    tests = [
        _stateful({"create_vault": 2, "show_vault": 1}),
        {"operations": ["list_vaults"], "chain_2xx": None},
    ]
    assert chain_successes(tests) == {"create_vault": 2, "delete_vault": 0, "show_vault": 1}


def test_the_report_names_the_operations_never_reached() -> None:
    shown = chains_html({"chains": {"create_vault": 2, "delete_vault": 0}})
    assert "never reached with a 2xx: delete_vault" in shown
    assert "every linked operation reached" in chains_html({"chains": {"create_vault": 1}})
    assert chains_html({}) == ""  # no state machine ran
