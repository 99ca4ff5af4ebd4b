"""The post-conditions as data (declared.py), as results (summary.json) and in the report; how a
broken one is judged. The read-backs themselves against broken targets are in
tests/shared_target/test_postconditions.py."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.plugin.reporting import origin_of
from cbr_conformance.postconditions.checking import Memory, PostConditionFailed, PostConditions, checked_rules
from cbr_conformance.postconditions.declared import BY_ID, DECLARED, IMMUTABLE_FIELDS, READS, Kind
from cbr_conformance.report.postconditions_html import postconditions_html, postconditions_line
from cbr_conformance.results import Outcome, RunSummary, TestRecord, build_summary
from cbr_conformance.results.record import Origin, PhaseFacts
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import SCHEMA_FILE, postconditions_met
from cbr_conformance.target.client import CBRClient, ContractViolation, Response
from cbr_conformance.transport.auth import TokenAuth
from cbr_conformance.transport.recording import Exchange
from tests.library.fake_target import Canned, FakeTarget

VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def test_every_operation_has_its_post_conditions_grounded_in_its_own_section() -> None:
    contract = Contract.load()
    assert {rule.operation for rule in DECLARED} == set(contract.operations)
    for rule in DECLARED:
        assert rule.id.startswith(rule.operation + "."), rule.id  # the summary groups by that prefix
        own = contract.operations[rule.operation].section
        assert rule.section.split(";")[0].strip() == own, (rule.id, rule.section, own)
    assert len(BY_ID) == len(DECLARED)  # ids are unique


def test_every_declared_rule_is_evaluated_and_every_class_is_declared() -> None:
    assert set(checked_rules()) == set(BY_ID)
    assert {rule.kind for rule in DECLARED} == set(Kind)
    assert set(IMMUTABLE_FIELDS) == {kind for _, kind, _ in READS.values()}


def test_a_broken_post_condition_is_a_violation_of_the_write_that_implied_it() -> None:
    rule = BY_ID["update_vault.read_back"]
    read = Exchange("show_vault", "GET", "http://t/v3/p/vaults/v", {}, None, status=200)
    failure = PostConditionFailed(rule, ["show_vault v: name is 'old', expected 'new'"], read)
    assert origin_of(failure) is Origin.VIOLATION
    message = str(failure)
    assert message.startswith("update_vault: post-condition update_vault.read_back broken")
    assert "reference 4.4.4" in message and "name is 'old'" in message


def _record(nodeid: str, counts: dict[str, dict[str, int]]) -> TestRecord:
    return TestRecord(nodeid, Outcome.PASSED, 0.1, ("update_vault",), "contract", postconditions=counts)


def test_the_summary_carries_what_each_operation_met_and_old_summaries_still_read() -> None:
    records = [
        _record("a", {"update_vault.read_back": {"met": 2}, "show_vault.immutable": {"met": 3}}),
        _record("b", {"update_vault.read_back": {"met": 1, "failed": 1}}),
    ]
    summary = build_summary(records, RunHeader(target_url="x"), operations=("update_vault",))
    data = json.loads(json.dumps(summary.to_dict()))
    assert not list(VALIDATOR.iter_errors(data))
    assert data["postconditions"] == {
        "show_vault": {"show_vault.immutable": {"met": 3}},
        "update_vault": {"update_vault.read_back": {"met": 3, "failed": 1}},
    }
    assert RunSummary.from_dict(data) == summary
    for test in data["tests"]:  # a summary written before post-conditions were read back
        del test["postconditions"]
    del data["postconditions"]
    old = RunSummary.from_dict(data)
    assert postconditions_met(old.tests) == {} and not list(VALIDATOR.iter_errors(old.to_dict()))


def test_a_phase_carries_its_read_backs_across_processes() -> None:
    facts = PhaseFacts(postconditions={"delete_vault.gone": {"met": 1, "unsettled": 1}})
    assert PhaseFacts.from_json(facts.to_json()) == facts
    assert "postconditions" not in PhaseFacts().to_json()


def test_the_report_shows_which_rules_each_operation_met_and_which_broke() -> None:
    records = [
        _record("a", {"update_vault.read_back": {"met": 2}, "create_vault.read_back": {"met": 1}}),
        _record("b", {"delete_policy.gone": {"failed": 1}}),
    ]
    summary = build_summary(records, RunHeader(target_url="x"), operations=("update_vault",))
    line = postconditions_line(summary)
    assert line == (
        f"post-conditions: read back and met after 2 of {len({r.operation for r in DECLARED})} operations; "
        "broken after delete_policy"
    )
    page = postconditions_html(summary)
    assert page.count("<tr>") == len(DECLARED) + 1  # every declared rule, met or not
    assert "failed 1" in page and "not read back" in page and "4.4.4" in page


class _Seen(PostConditions):
    """Notes which calls the client reads back after, instead of reading back."""

    def __init__(self) -> None:
        super().__init__(Memory())
        self.calls: list[tuple[str, str]] = []

    def before(self, client: CBRClient, operation_id: str, path: Mapping[str, str], body: Any) -> Any:
        self.calls.append(("before", operation_id))

    def after(self, client: CBRClient, operation_id: str, *args: Any) -> None:
        self.calls.append(("after", operation_id))


def test_the_client_reads_back_after_a_checked_2xx_of_a_request_the_spec_allows(
    fake: FakeTarget, context: CheckContext
) -> None:
    seen = _Seen()
    client = CBRClient(fake.url, "p-1", TokenAuth("t" * 32), context, timeout=5, postconditions=seen)
    fake.answer = Canned(204, b"", {})
    policy = {"policy_id": "3c2b4a5e-2f0a-4e4f-9f39-3a3c7d5b1e6a"}
    client.call("delete_policy", path=policy)
    assert seen.calls == [("before", "delete_policy"), ("after", "delete_policy")]
    seen.calls.clear()
    client.call("delete_policy", path=policy, check=False)  # the caller judges the answer itself
    client.call("delete_policy", path=policy, invalid=True)  # a request meant to be refused
    with pytest.raises(ContractViolation):  # a request the spec forbids (and a 204 it does not document)
        client.call("update_policy", path=policy, json_body={"policy": {"name": 5}})
    client.with_auth(TokenAuth("u" * 32)).call("delete_policy", path=policy, check=False)
    assert seen.calls == []
    fake.answer = Canned.json(404, {"error_code": "BackupService.6000", "error_msg": "not found"})
    client.call("delete_policy", path=policy, check=False)
    client.with_auth(TokenAuth("u" * 32)).call("delete_policy", path=policy)
    assert seen.calls == [("before", "delete_policy")]  # the other project's client shares the checks


def test_a_rule_whose_earlier_read_failed_is_undecided_at_once(
    fake: FakeTarget, context: CheckContext
) -> None:
    """An update whose resource could not be read before has nothing to compare with: undecided,
    without a read or a wait."""
    checks = PostConditions(Memory(), wait=5.0)
    client = CBRClient(fake.url, "p-1", TokenAuth("t" * 32), context, timeout=5, postconditions=checks)
    answer = Response(Exchange("update_vault", "PUT", fake.url, {}, None, status=200, response_text="{}"))
    started = time.monotonic()
    checks.after(client, "update_vault", {"vault_id": "v-1"}, {"vault": {"name": "new"}}, answer, None)
    assert time.monotonic() - started < 1.0 and not fake.seen
    assert checks.tally.counts == {"update_vault.read_back": {"unsettled": 1}}


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("2020-02-23T01:00:32Z", "2020-02-23 01:00:32.584418", True),  # the reference's forms
        ("2020-02-23T01:00:32.5", "2020-02-23T09:00:32+08:00", True),  # one instant, two zones
        ("2020-02-23T01:00:32", "2020-02-23T01:00:32+0800", False),  # a zone's label, not its time
        ("2020-02-23T01:00:32Z", "2020-02-23T09:00:32Z", False),  # 8 hours later
    ],
)
def test_a_creation_time_is_compared_as_the_instant_it_names(one: str, other: str, same: bool) -> None:
    checks = PostConditions(Memory())
    checks.observe("show_vault", {"vault": {"id": "v", "created_at": one}}, None)
    if same:
        checks.observe("list_vaults", {"vaults": [{"id": "v", "created_at": other}]}, None)
        assert checks.tally.drain() == {"list_vaults.immutable": {"met": 1}}
    else:
        with pytest.raises(PostConditionFailed, match=r"list_vaults\.immutable broken"):
            checks.observe("list_vaults", {"vaults": [{"id": "v", "created_at": other}]}, None)
