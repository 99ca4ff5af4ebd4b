"""How often the state machine reached each linked operation with a 2xx, in the summary and report."""

from __future__ import annotations

from cbr_conformance.report.html import chains_html
from cbr_conformance.results import TestRecord, build_summary
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import chain_successes


def _stateful(succeeded: dict[str, int] | None, operations: tuple[str, ...]) -> TestRecord:
    return TestRecord(f"t-{operations[0]}", operations=operations, kind="stateful", chain_2xx=succeeded)


def test_every_linked_operation_is_counted_zeros_included() -> None:
    tests = [
        _stateful({"create_vault": 2, "show_vault": 1}, ("create_vault", "show_vault", "delete_vault")),
        _stateful(None, ("list_vaults",)),
    ]
    assert chain_successes(tests) == {"create_vault": 2, "delete_vault": 0, "show_vault": 1}


def test_the_report_names_the_operations_never_reached() -> None:
    both = build_summary([_stateful({"create_vault": 2}, ("create_vault", "delete_vault"))], RunHeader())
    assert "never reached with a 2xx: delete_vault" in chains_html(both)
    one = build_summary([_stateful({"create_vault": 1}, ("create_vault",))], RunHeader())
    assert "every linked operation reached" in chains_html(one)
    assert chains_html(build_summary([], RunHeader())) == ""  # no state machine ran
