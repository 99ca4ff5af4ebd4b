"""summary.json's header as a type: written as the same JSON it always was, read back whole, an
older or a proxy's header read with what it lacks named, a malformed one refused in one line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cbr_conformance.results import RunHeader, RunSummary, TestRecord, UnreadableSummary, build_summary
from cbr_conformance.results.header import header_lines, setting_changes
from cbr_conformance.results.run_header import Departure, InventoryFacts
from tests.conftest import SUMMARY_VALIDATOR

# A header as `cbr-conformance run` wrote it before it was a type: its keys in their order.
WRITTEN = (
    '{"suite_version": "0.1.0", "target_url": "embedded emulator", "project_id": "p-1", '
    '"auth": "AK/SK", "second_project_id": "p-2", "second_auth": "AK/SK", "read_only": false, '
    '"inventory": {"source": "the embedded emulator\'s built-in", "held": {"p-1": {"servers": 12, '
    '"restore_targets": 12}, "p-2": {"servers": 12, "restore_targets": 12}}}, "allow_restore": true, '
    '"max_vault_size": null, "time_control": "embedded", "spec": "packaged", "workers": "2", '
    '"pytest_args": ["-k", "vault"], "profile": "errata", "require_complete": false, "baseline": null, '
    '"run_prefix": "cbrc-4f025410", "spec_version": "3.0", "spec_sha256": "ff77df2d", "seed": 20261123, '
    '"fuzz_examples": 10, "fuzz_seconds": 20.0, "started": "2026-12-03T17:39:24+00:00", '
    '"errata": [{"id": "E-AUTH-CODES", "section": "7.2", "spec": "APIGW codes"}], "duration": 812.5}'
)
# A proxy session's: no fuzzing, inventory or workers; its mode, exchanges and enforcement.
PROXY = (
    '{"suite_version": "0.1.0", "target_url": "http://cbr.test", "project_id": "each client\'s own", '
    '"second_project_id": "each client\'s own", "spec": "packaged", "profile": "errata", "baseline": null, '
    '"run_prefix": "none: the proxy creates nothing", "spec_version": "3.0", "spec_sha256": "ff77df2d", '
    '"seed": "none: the proxy generates nothing", "started": "2026-12-03T17:39:24+00:00", "errata": [], '
    '"enforce": false, "mode": "proxy", "exchanges": 3, "duration": 1.5}'
)


def _summary_with(header: Any) -> dict[str, Any]:
    data = build_summary([TestRecord("a")], RunHeader()).to_dict()
    return {**data, "header": header}


@pytest.mark.parametrize("written", [WRITTEN, PROXY])
def test_a_header_reads_as_its_type_and_writes_the_same_json(written: str) -> None:
    header = RunHeader.from_dict(json.loads(written))
    assert json.dumps(header.to_dict()) == written
    assert RunSummary.from_dict(_summary_with(json.loads(written))).header == header
    assert not list(SUMMARY_VALIDATOR.iter_errors(_summary_with(header.to_dict())))


def test_the_header_is_typed_where_it_is_read() -> None:
    header = RunHeader.from_dict(json.loads(WRITTEN))
    assert header.inventory == InventoryFacts(
        "the embedded emulator's built-in",
        {"p-1": {"servers": 12, "restore_targets": 12}, "p-2": {"servers": 12, "restore_targets": 12}},
    )
    assert header.errata == (Departure("E-AUTH-CODES", "7.2", "APIGW codes"),)
    assert header.pytest_args == ("-k", "vault") and header.duration == 812.5 and header.shards is None
    proxy = RunHeader.from_dict(json.loads(PROXY))
    assert proxy.mode == "proxy" and proxy.exchanges == 3 and not proxy.records("inventory")


def test_an_older_header_reads_and_what_it_lacks_is_left_out_not_defaulted() -> None:
    older = {"target_url": "http://a", "profile": "errata", "seed": 1, "started": "2026-11-01T00:00:00"}
    header = RunHeader.from_dict(older)
    assert header.to_dict() == older
    names = [name for name, _ in header_lines(header)]
    assert names == ["target", "project", "second project", "profile"]
    assert setting_changes(header, RunHeader.from_dict(json.loads(WRITTEN))) == [
        "the target differs between the runs (http://a -> embedded emulator)",
        "the seed differs between the runs (1 -> 20261123)",
        "one run's header does not record: suite version, project, the project's credentials, "
        "second project, the second project's credentials, read-only, inventory, "
        "restores (--allow-restore), largest vault (--max-vault-size), time control, spec (sha256), "
        "fuzz cases per operation and mode, fuzz seconds per operation and mode, "
        "selection (pytest arguments) (not compared)",
    ]


def test_keys_a_later_suite_wrote_are_kept_as_read() -> None:
    later = {**json.loads(WRITTEN), "region": "eu-west-101"}
    assert json.dumps(RunHeader.from_dict(later).to_dict()) == json.dumps(later)


@pytest.mark.parametrize(
    "header",
    [[1, 2], {"read_only": "no"}, {"inventory": ["servers"]}, {"errata": [{"id": "E-1"}]}],
)
def test_a_malformed_header_is_refused_in_one_line(header: Any) -> None:
    with pytest.raises(UnreadableSummary, match="a run summary with a malformed entry") as told:
        RunSummary.from_dict(_summary_with(header))
    assert "\n" not in str(told.value)


def test_the_schema_refuses_a_header_setting_of_another_type() -> None:
    assert list(SUMMARY_VALIDATOR.iter_errors(_summary_with({"read_only": "no"})))
    assert list(SUMMARY_VALIDATOR.iter_errors(_summary_with({"pytest_args": "-k vault"})))
