"""The fuzz tests catch injected faults: a 5xx on some input, invalid input accepted, and a schema
violation that only generated data reaches."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.generation.cases import FuzzFailure, FuzzTally
from cbr_conformance.generation.fuzzing import fuzz_operation
from cbr_conformance.target.client import CBRClient, ContractViolation
from cbr_conformance.transport.recording import Exchange

from .fake_target import Canned, FakeTarget, Seen

ERROR = {"error_code": "BackupService.9900", "error_msg": "Parameter verification failed."}
QUOTA = {"error_code": "BackupService.6133", "error_msg": "The maximum number of vaults has been reached."}
EMPTY_LIST = {"vaults": [], "count": 0, "limit": 1000, "offset": 0}


def _fuzz(client: CBRClient, operation: str, mode: str, examples: int = 30) -> FuzzTally:
    return fuzz_operation(
        client,
        operation,
        mode,
        RealIds({"vault_id": "v-1"}),
        examples=examples,
        seed=7,
    )


def _valid_list_vaults(seen: Seen) -> bool:
    query = parse_qs(urlsplit(seen.path).query, keep_blank_values=True)
    for name, bound in (("limit", (1, 1000)), ("offset", (0, 10**18))):
        for value in query.get(name, []):
            if not value.lstrip("-").isdigit() or not bound[0] <= int(value) <= bound[1]:
                return False
    enums = {
        "object_type": ("server", "disk", "turbo", "workspace", "vmware", "rds", "file"),
        "cloud_type": ("public", "hybrid"),
        "protect_type": ("backup", "replication", "hybrid"),
    }
    return all(v in allowed for name, allowed in enums.items() for v in query.get(name, []))


def test_a_correct_fake_passes_both_modes(client: CBRClient, fake: FakeTarget) -> None:
    fake.responder = lambda seen: (
        Canned.json(200, EMPTY_LIST) if _valid_list_vaults(seen) else Canned.json(400, ERROR)
    )
    positive = _fuzz(client, "list_vaults", "positive")
    assert positive.sent > 0 and positive.answers["200"] > 0
    negative = _fuzz(client, "list_vaults", "negative")
    assert negative.sent > 0 and set(negative.answers) == {"400 BackupService.9900"}


def test_a_server_error_on_some_input_is_caught(client: CBRClient, fake: FakeTarget) -> None:
    # Only large pages crash this target: the fault hides from hand-written cases.
    def answer(seen: Seen) -> Canned:
        limits = parse_qs(urlsplit(seen.path).query).get("limit", ["0"])
        if limits[0].isdigit() and int(limits[0]) > 300:
            return Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
        return Canned.json(200, EMPTY_LIST)

    fake.responder = answer
    with pytest.raises(FuzzFailure, match="server error 500"):
        _fuzz(client, "list_vaults", "positive", examples=60)


def test_invalid_input_accepted_is_caught(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(200, EMPTY_LIST)  # accepts anything, even limit=0
    with pytest.raises(FuzzFailure, match="invalid input accepted with 200") as failure:
        _fuzz(client, "list_vaults", "negative")
    assert "the spec forbids: query parameter" in str(failure.value)  # says what was invalid


def test_a_schema_violation_reached_only_by_generated_data_is_caught(
    client: CBRClient, fake: FakeTarget
) -> None:
    # The target echoes the policy name; names with a digit come back as numbers (a type error).
    def answer(seen: Seen) -> Canned:
        try:
            policy = json.loads(seen.body)["policy"]
            name = policy["name"]
        except (ValueError, KeyError, TypeError):
            return Canned.json(400, ERROR)
        body = json.loads(open_example())
        body["policy"]["name"] = 7 if isinstance(name, str) and any(c.isdigit() for c in name) else name
        return Canned.json(200, body)

    fake.responder = answer
    with pytest.raises(ContractViolation, match=r"\$\.policy\.name"):
        _fuzz(client, "create_policy", "positive", examples=60)


def open_example() -> str:
    from cbr_conformance.paths import fixtures_dir

    return (fixtures_dir() / "reference-examples" / "create_policy.response.200.json").read_text()


def test_the_state_machine_catches_a_server_error_along_a_chain(client: CBRClient, fake: FakeTarget) -> None:
    from cbr_conformance.generation.stateful.failure import ChainFailed, ServerError, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine

    fake.answer = Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
    with pytest.raises(ChainFailed, match="server error 500") as failure:
        run_state_machine(client, max_examples=3, steps=3, name_prefix="cbrc-test")
    assert isinstance(failure.value.error, ServerError)
    step = failure.value.step
    assert step.fault is StepFault.SERVER_ERROR and step.exchange is not None and step.exchange.status == 500
    assert step.operation_id == step.exchange.operation_id == failure.value.chain[-1]


def test_the_state_machine_catches_a_broken_response(client: CBRClient, fake: FakeTarget) -> None:
    from cbr_conformance.generation.stateful.failure import ChainFailed, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine

    fake.answer = Canned.json(200, {"unexpected": True})  # no operation documents this body
    with pytest.raises(ChainFailed) as failure:
        run_state_machine(client, max_examples=3, steps=3, name_prefix="cbrc-test")
    assert isinstance(failure.value.error, ContractViolation)
    step = failure.value.step
    assert step.fault is StepFault.CONTRACT and step.exchange is failure.value.error.exchange
    assert step.operation_id == step.exchange.violations[0].operation_id


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_case_orders_a_subscription_vault(client: CBRClient, fake: FakeTarget, mode: str) -> None:
    """The spec allows charging_mode pre_paid (the SDK documents it); the fuzzer never sends it."""
    fake.answer = Canned.json(400, QUOTA)  # a refusal valid input may get: not judged
    _fuzz(client, "create_vault", mode, examples=80)
    modes = [json.loads(seen.body).get("vault", {}).get("billing", {}).get("charging_mode")
             for seen in fake.seen if seen.body and seen.body.startswith(b"{")
             and isinstance(json.loads(seen.body).get("vault"), dict)
             and isinstance(json.loads(seen.body)["vault"].get("billing"), dict)]  # fmt: skip
    assert "post_paid" in modes  # the generator does reach the field
    assert "pre_paid" not in modes


def _policy_of(seen: Seen) -> dict[str, Any]:
    try:
        policy = json.loads(seen.body)["policy"]
    except (ValueError, KeyError, TypeError):
        return {}
    return policy if isinstance(policy, dict) else {}


def test_a_target_refusing_every_valid_policy_as_invalid_fails_positive_fuzzing(
    client: CBRClient, fake: FakeTarget
) -> None:
    """Before valid cases were judged, this target passed: a documented 400 is no 5xx."""
    fake.answer = Canned.json(400, ERROR)
    with pytest.raises(FuzzFailure, match=r"refused as invalid input: 400 BackupService\.9900"):
        _fuzz(client, "create_policy", "positive")
    assert "BYHOUR=" in fake.seen[-1].body.decode()  # the case sent honours the service's rules


def test_a_refusal_valid_input_may_get_is_no_failure(client: CBRClient, fake: FakeTarget) -> None:
    """A quota reached (6001) answers valid input on a busy project: counted, not judged."""
    fake.answer = Canned.json(400, {"error_code": "BackupService.6001", "error_msg": "quota"})
    tally = _fuzz(client, "create_policy", "positive")
    assert tally.accepted == 0 and tally.answers["400 BackupService.6001"] == tally.sent > 0


def test_a_failure_is_shrunk_and_its_replay_sends_exactly_the_minimal_case(
    client: CBRClient, fake: FakeTarget
) -> None:
    # Long retention crashes this target: the first case found has many fields and a large number.
    def answer(seen: Seen) -> Canned:
        days = _policy_of(seen).get("operation_definition", {}).get("retention_duration_days")
        if isinstance(days, int) and days > 500:
            return Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
        return Canned.json(200, json.loads(open_example()))

    fake.responder = answer
    with pytest.raises(FuzzFailure, match="server error 500") as failure:
        _fuzz(client, "create_policy", "positive", examples=50)
    failing = [_policy_of(s) for s in fake.seen if answer(s).status == 500]
    first, minimal = failing[0], failing[-1]
    assert minimal["operation_definition"]["retention_duration_days"] == 501  # shrunk to the edge
    assert first["operation_definition"]["retention_duration_days"] > 501
    assert len(json.dumps(minimal)) < len(json.dumps(first))
    notes = "\n".join(failure.value.__notes__)
    blob = failure.value.fuzz_replay  # type: ignore[attr-defined]
    assert f"seed 7; replay: --fuzz-seed 7 --fuzz-replay {blob}" in notes

    fake.seen.clear()
    with pytest.raises(FuzzFailure, match="server error 500"):
        fuzz_operation(client, "create_policy", "positive", RealIds(), examples=50, seed=7, replay=blob)
    assert len(fake.seen) == 1  # that case alone, sent again
    replayed = _policy_of(fake.seen[0])
    assert {**replayed, "name": ""} == {**minimal, "name": ""}  # the same case (names are the run's)


def _vault_service(serves_deleted: bool) -> Callable[[Seen], Canned]:
    """A target that knows vaults only: created, shown, deleted; `serves_deleted`: it keeps showing
    a vault after deleting it (the fault). Everything else is refused as invalid."""
    from cbr_conformance.paths import fixtures_dir

    examples = fixtures_dir() / "reference-examples"
    made: set[str] = set()
    deleted: set[str] = set()

    def answer(seen: Seen) -> Canned:
        path = urlsplit(seen.path).path.rstrip("/")
        parts = path.split("/")
        if seen.method == "POST" and path.endswith("/vaults"):
            body = json.loads((examples / "create_vault.response.200.json").read_text())
            body["vault"]["id"] = vault_id = f"00000000-0000-4000-8000-{len(made):012d}"
            made.add(vault_id)
            return Canned.json(200, body)
        if len(parts) == 5 and parts[3] == "vaults" and parts[4] in made:
            if seen.method == "DELETE" and parts[4] not in deleted:
                deleted.add(parts[4])
                return Canned(204, b"", {})
            if seen.method == "GET" and (serves_deleted or parts[4] not in deleted):
                body = json.loads((examples / "show_vault.response.200.json").read_text())
                body["vault"]["id"] = parts[4]
                return Canned.json(200, body)
            return Canned.json(
                404, {"error_code": "BackupService.6105", "error_msg": "The vault does not exist."}
            )
        return Canned.json(400, QUOTA)

    return answer


@pytest.mark.parametrize("serves_deleted", [False, True])
def test_the_state_machine_catches_a_deleted_vault_still_served(
    client: CBRClient, fake: FakeTarget, serves_deleted: bool
) -> None:
    """schemathesis's use_after_free runs on the machine's own steps: create, delete, then show."""
    import schemathesis.core.failures

    from cbr_conformance.generation.stateful.failure import ChainFailed, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine
    from cbr_conformance.generation.stateful.record import MachineRun

    fake.responder = _vault_service(serves_deleted)
    vaults = ("create_vault", "show_vault", "delete_vault", "list_vaults")
    if not serves_deleted:
        run = run_state_machine(client, max_examples=30, steps=8, name_prefix="cbrc-test", operations=vaults)
        assert run.succeeded["delete_vault"] and run.succeeded["show_vault"]  # the chain was walked
        return
    run = MachineRun()
    with pytest.raises(ChainFailed) as failure:
        run_state_machine(
            client, max_examples=50, steps=8, name_prefix="cbrc-test", operations=vaults, run=run
        )
    assert isinstance(failure.value.error, schemathesis.core.failures.FailureGroup)
    assert "did not return a `HTTP 404 Not Found`" in str(failure.value.error.exceptions[0])
    assert "did not return a `HTTP 404 Not Found`" in str(failure.value)  # the report's message
    step = failure.value.step  # the show of the deleted vault, answered 200
    assert (step.operation_id, step.fault) == ("show_vault", StepFault.CHECK)
    assert step.exchange is not None and step.exchange.status == 200
    # the failure names the chain that showed it: a vault made, deleted, then shown
    made = run.chain.index("create_vault")
    assert "delete_vault" in run.chain[made:] and run.chain[-1] == "show_vault", run.chain
    assert " -> ".join(run.chain) in "\n".join(failure.value.__notes__)


def test_a_chain_failure_stands_when_hypothesis_cannot_walk_it_again(
    client: CBRClient, fake: FakeTarget
) -> None:
    """Shrinking replays chains; a target's state and schemathesis's feedback steer generation, so a
    replay may go elsewhere. The failure first seen is then reported, not lost, with its chain."""
    from cbr_conformance.generation.stateful.failure import ChainFailed, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine

    vaults = _vault_service(serves_deleted=False)
    updated: set[str] = set()

    def answer(seen: Seen) -> Canned:  # a vault once updated answers 500 when shown
        parts = urlsplit(seen.path).path.rstrip("/").split("/")
        if len(parts) == 5 and parts[3] == "vaults" and seen.method == "PUT":
            updated.add(parts[4])
            return vaults(Seen("GET", seen.path, seen.headers, b""))
        if len(parts) == 5 and parts[3] == "vaults" and seen.method == "GET" and parts[4] in updated:
            return Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
        return vaults(seen)

    fake.responder = answer
    operations = ("create_vault", "show_vault", "update_vault", "delete_vault", "list_vaults")
    with pytest.raises(ChainFailed, match="show_vault: server error 500") as failure:
        run_state_machine(
            client, max_examples=30, steps=10, name_prefix="cbrc-x", operations=operations, shrink_seconds=2
        )
    chain = next(n for n in failure.value.__notes__ if n.startswith("the shortest failing chain found"))
    assert "create_vault" in chain and "update_vault" in chain and chain.endswith("show_vault")
    assert (failure.value.step.operation_id, failure.value.step.fault) == (
        "show_vault",
        StepFault.SERVER_ERROR,
    )


def test_cases_that_cannot_be_generated_are_not_tested_not_a_failure(
    client: CBRClient, fake: FakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hypothesis's Unsatisfiable (every case filtered out) says nothing of the target."""
    import hypothesis

    from cbr_conformance.generation import fuzzing
    from cbr_conformance.outcome import NotTested, Why

    def filtered_out(*args: Any, **kwargs: Any) -> None:
        hypothesis.reject()

    monkeypatch.setattr(fuzzing, "one_case", filtered_out)
    with pytest.raises(NotTested) as skipped:
        _fuzz(client, "list_vaults", "positive", examples=5)
    assert skipped.value.why is Why.GENERATION
    assert "no positive case of list_vaults could be generated" in str(skipped.value.msg)


def test_a_chain_failing_at_one_step_names_that_step_not_the_chain(
    client: CBRClient, fake: FakeTarget, recorded: list[Exchange]
) -> None:
    """A target whose show_vault answer lacks billing.size: the chains that reach it fail there,
    at show_vault, a contract violation; the steps before it (a create) answered as they should."""
    from cbr_conformance.generation.stateful.failure import ChainFailed, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine

    vaults = _vault_service(serves_deleted=False)

    def answer(seen: Seen) -> Canned:
        canned = vaults(seen)
        if seen.method == "GET" and canned.status == 200:
            body = json.loads(canned.body)
            del body["vault"]["billing"]["size"]
            return Canned.json(200, body)
        return canned

    fake.responder = answer
    operations = ("create_vault", "show_vault", "delete_vault", "list_vaults")
    with pytest.raises(ChainFailed) as failure:
        run_state_machine(
            client, max_examples=30, steps=8, name_prefix="cbrc-t", operations=operations, shrink_seconds=2
        )
    step = failure.value.step
    assert (step.operation_id, step.fault) == ("show_vault", StepFault.CONTRACT)
    assert step.exchange is not None and step.exchange in recorded
    assert [v.path for v in step.exchange.violations] == ["$.vault.billing"], step.exchange.violations
    assert failure.value.chain[-1] == "show_vault" and "create_vault" in failure.value.chain


def test_a_contract_violation_along_a_chain_is_shrunk_and_stands_like_a_server_error(
    client: CBRClient, fake: FakeTarget
) -> None:
    """A violation only a chain reaches (a vault once updated is shown with a broken body) is kept
    through shrinking, whether or not hypothesis can walk the chain again, with its chain."""
    from cbr_conformance.generation.stateful.failure import ChainFailed, StepFault
    from cbr_conformance.generation.stateful.machine import run_state_machine

    vaults = _vault_service(serves_deleted=False)
    updated: set[str] = set()

    def answer(seen: Seen) -> Canned:
        parts = urlsplit(seen.path).path.rstrip("/").split("/")
        if len(parts) == 5 and parts[3] == "vaults" and seen.method == "PUT":
            updated.add(parts[4])
            return vaults(Seen("GET", seen.path, seen.headers, b""))
        if len(parts) == 5 and parts[3] == "vaults" and seen.method == "GET" and parts[4] in updated:
            return Canned.json(200, {"vault": {"id": parts[4]}})  # most required fields missing
        return vaults(seen)

    fake.responder = answer
    operations = ("create_vault", "show_vault", "update_vault", "delete_vault", "list_vaults")
    with pytest.raises(ChainFailed) as failure:
        run_state_machine(
            client, max_examples=30, steps=10, name_prefix="cbrc-x", operations=operations, shrink_seconds=2
        )
    assert (failure.value.step.operation_id, failure.value.step.fault) == ("show_vault", StepFault.CONTRACT)
    assert "update_vault" in failure.value.chain and failure.value.chain[-1] == "show_vault"


def _duplicate_tag_keys(seen: Seen) -> bool:
    try:
        tags = json.loads(seen.body)["vault"]["tags"]
        keys = [tag["key"] for tag in tags]
    except (ValueError, KeyError, TypeError):
        return False
    return len(set(keys)) != len(keys)


def test_a_refusal_of_a_case_breaking_a_rule_of_the_spec_is_no_failure(
    client: CBRClient, fake: FakeTarget
) -> None:
    """A vault's tag keys are unique (create_vault's x-cbr-rules): a target refusing a case with a
    key twice as invalid input is right, and the fuzzer does not judge it."""
    fake.responder = lambda seen: Canned.json(400, ERROR if _duplicate_tag_keys(seen) else QUOTA)
    tally = _fuzz(client, "create_vault", "positive", examples=150)
    assert tally.answers["400 BackupService.9900"] > 0  # such cases were sent, and not judged
