"""The state machine's parts one by one: the families it walks, a step made from the run's
resources, the preconditions of a step, the time budget and the shrinking bound, what a run
credits and what it could not test, and a failing chain naming its failing step."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import schemathesis.core.failures
from schemathesis import Case

from cbr_conformance.contract.links import families_to_reach, link_families, linked_operations
from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.fuzzing import load_schema
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.generation.stateful import families as families_module
from cbr_conformance.generation.stateful.budget import Budget, share_of
from cbr_conformance.generation.stateful.failure import ChainFailed, FailedStep, ServerError, StepFault
from cbr_conformance.generation.stateful.needs import lacking
from cbr_conformance.generation.stateful.record import NOT_REACHED, MachineRun
from cbr_conformance.generation.stateful.steps import NOT_SENT, Steps, own, touches_only
from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.target.client import CBRClient, ContractViolation
from cbr_conformance.transport.recording import Exchange, Violation

CONTRACT = Contract.load()


def _case(operation_id: str, path: dict[str, str] | None = None, body: Any = None) -> Case[Any]:
    op = CONTRACT.operations[operation_id]
    operation = load_schema(CONTRACT)[op.path][op.method]
    kwargs: dict[str, Any] = {"path_parameters": {"project_id": "p-1", **(path or {})}}
    if body is not None:
        kwargs["body"] = body
    return cast(Case[Any], operation.Case(**kwargs))


@dataclass
class FreshVaults:
    """Stands for the run's Resources: each vault it makes is new."""

    made: list[str] = field(default_factory=list)

    def vault(self) -> dict[str, str]:
        self.made.append(f"fresh-{len(self.made) + 1}")
        return {"id": self.made[-1]}


def _stage(client: CBRClient, ids: RealIds, *, member: bool = True) -> Stage:
    return Stage(client, ids, cast(Any, FreshVaults()), member=client if member else None)


# --- the families of linked operations -------------------------------------------------------------


def test_every_linked_operation_is_in_a_family_and_a_missed_one_gets_a_small_family_around_it() -> None:
    linked = set(linked_operations(CONTRACT))
    assert set().union(*link_families(CONTRACT)) == linked
    missed = families_to_reach(CONTRACT, Counter({op: 1 for op in linked if op != "delete_share_member"}))
    assert list(missed) == ["delete_share_member"]
    assert "delete_share_member" in missed["delete_share_member"]
    assert "add_share_members" in missed["delete_share_member"]  # the link that leads to it
    assert len(missed["delete_share_member"]) < len(link_families(CONTRACT)[0])


# --- a step made from the run's resources ----------------------------------------------------------


def test_a_path_id_no_link_gave_names_the_run_resource_and_one_the_machine_owns_is_kept(
    client: CBRClient,
) -> None:
    steps = Steps(client, RealIds({"vault_id": "v-run"}), "cbrc-t")
    generated = _case("show_vault", {"vault_id": "generated"})
    steps.aim(generated)
    assert generated.path_parameters is not None and generated.path_parameters["vault_id"] == "v-run"
    steps.owned.add("v-made")
    linked = _case("show_vault", {"vault_id": "v-made"})
    steps.aim(linked)
    assert linked.path_parameters is not None and linked.path_parameters["vault_id"] == "v-made"


def test_a_create_step_is_named_after_the_run_and_each_name_is_new(client: CBRClient) -> None:
    steps = Steps(client, RealIds(), "cbrc-t")
    bodies: list[dict[str, Any]] = [{"vault": {"name": "x"}}, {"vault": {"name": "x"}}]
    for body in bodies:
        steps.shape("create_vault", _case("create_vault", body=body))
    assert [body["vault"]["name"] for body in bodies] == ["cbrc-t-sm1", "cbrc-t-sm2"]


def test_a_step_changes_only_what_the_machine_made_but_may_read_anything() -> None:
    owned = {"v-mine"}
    assert touches_only(owned, "update_vault", _case("update_vault", {"vault_id": "v-mine"}))
    assert not touches_only(owned, "update_vault", _case("update_vault", {"vault_id": "someone-elses"}))
    assert touches_only(owned, "show_vault", _case("show_vault", {"vault_id": "someone-elses"}))
    elsewhere = _case("create_checkpoint", body={"checkpoint": {"vault_id": "someone-elses"}})
    assert not touches_only(owned, "create_checkpoint", elsewhere)


def test_what_lives_in_the_machine_vaults_is_the_machine_to_change() -> None:
    owned = {"v-mine"}
    own(owned, {"checkpoints": [{"id": "cp-1", "vault_id": "v-mine"}, {"id": "cp-2", "vault_id": "other"}]})
    assert owned == {"v-mine", "cp-1"}


# --- the preconditions of a step -------------------------------------------------------------------


def test_a_deletion_of_a_starting_resource_deletes_a_fresh_one_once_then_is_not_sent(
    client: CBRClient,
) -> None:
    stage = _stage(client, RealIds({"vault_id": "v-run"}))
    steps, run = Steps(client, stage.ids, "cbrc-t", stage), MachineRun()
    first = _case("delete_vault", {"vault_id": "v-run"})
    assert steps.prepare("delete_vault", first, run)
    assert first.path_parameters is not None and first.path_parameters["vault_id"] == "fresh-1"
    assert run.arranged["delete_vault"] == 1 and "fresh-1" in steps.owned
    assert not steps.prepare("delete_vault", _case("delete_vault", {"vault_id": "v-run"}), run)
    assert steps.not_sent(first).url.endswith(NOT_SENT)


def test_without_a_stage_a_change_is_sent_as_it_is_but_a_deletion_of_a_starting_resource_is_not(
    client: CBRClient,
) -> None:
    steps, run = Steps(client, RealIds({"vault_id": "v-run"}), "cbrc-t"), MachineRun()
    assert steps.arrange("update_vault", _case("update_vault", {"vault_id": "v-run"}), run)
    assert not steps.arrange("delete_vault", _case("delete_vault", {"vault_id": "v-run"}), run)
    assert steps.arrange("show_vault", _case("show_vault", {"vault_id": "v-run"}), run)
    assert not run.arranged


# --- the time budget and the shrinking bound -------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_example_starts_once_the_budget_is_spent_unless_a_failure_is_being_shrunk() -> None:
    clock = Clock()
    budget = Budget.starting_now(5, shrink_seconds=2, clock=clock)
    assert budget.example_may_start()
    clock.now += 6
    assert not budget.example_may_start()
    budget.failed(["a"])
    assert budget.shrinking and budget.example_may_start()
    assert Budget.starting_now(None, 2, clock).example_may_start()


def test_once_shrinking_had_its_time_only_the_shortest_failing_chain_is_walked_again() -> None:
    clock = Clock()
    budget = Budget.starting_now(None, shrink_seconds=2, clock=clock)
    assert budget.step_may_be_walked(["anything"])  # no failure yet
    budget.failed(["a", "b", "c"])
    clock.now += 1
    assert budget.step_may_be_walked(["x"])  # still shrinking
    budget.failed(["a", "b"])  # a shorter chain failed
    clock.now += 2
    assert budget.step_may_be_walked(["a"]) and budget.step_may_be_walked(["a", "b"])
    assert not budget.step_may_be_walked(["a", "c"])
    assert not budget.step_may_be_walked(["x"])


def test_no_example_starts_once_shrinking_has_had_twice_its_time() -> None:
    clock = Clock()
    budget = Budget.starting_now(None, shrink_seconds=2, clock=clock)
    budget.failed(["a", "b"])
    clock.now += 3
    assert budget.example_may_start()  # a replay of the failing chain's beginning may still run
    clock.now += 2
    assert not budget.example_may_start()  # the failure stands as last caught


def test_each_family_gets_its_share_of_what_the_budget_has_left() -> None:
    clock = Clock()
    assert share_of(clock.now + 12, 3, clock) == 4
    assert share_of(clock.now - 1, 3, clock) == 0.1  # a moment, even when spent
    assert share_of(None, 3, clock) is None


# --- crediting operations, and what a run could not test -------------------------------------------


def test_only_2xx_outside_shrinking_credit_an_operation_and_the_failing_step_is_credited_too() -> None:
    run = MachineRun()
    run.credit("show_vault", 200, shrinking=False)
    run.credit("update_vault", 400, shrinking=False)
    run.credit("list_vaults", 200, shrinking=True)
    assert run.succeeded == Counter({"show_vault": 1})
    run.failed_at = "delete_vault"
    assert run.credited() == ["delete_vault", "show_vault"]


def test_untested_operations_carry_the_first_reason_noted_and_credited_ones_none() -> None:
    run = MachineRun()
    run.not_tested(["add_share_members"], Why.SECOND_PROJECT, "needs a second project")
    run.not_tested(["add_share_members", "show_vault"], Why.GENERATION, "no chain")
    run.credit("show_vault", 200, shrinking=False)
    report = run.untested_report(["add_share_members", "show_vault", "update_vault"])
    assert report == {
        "add_share_members": {"why": "second project", "message": "needs a second project"},
        "update_vault": NOT_REACHED.to_dict(),
    }
    # a failure cut the run short: the operations it kept from their steps are not untested
    assert list(run.untested_report(["add_share_members", "update_vault"], cut_short=True)) == [
        "add_share_members"
    ]


def test_an_operation_lacking_what_the_machine_cannot_make_names_what_to_set(client: CBRClient) -> None:
    bare = _stage(client, RealIds({"policy_id": "po-1"}), member=False)
    share = lacking(bare, "add_share_members")
    assert share is not None and share.why is Why.INVENTORY
    assert "second project" in share.message  # both are said, the first kind leads
    assert getattr(lacking(bare, "add_vault_resources"), "why", None) is Why.INVENTORY
    assert lacking(bare, "create_vault") is None and lacking(bare, "show_policy") is None
    full = RealIds({"backup_id": "b-1"}, resources=[{"id": "s-1", "type": "OS::Nova::Server"}])
    stage = _stage(client, full, member=False)
    member = lacking(stage, "add_share_members")
    assert member is not None and member.why is Why.SECOND_PROJECT
    assert lacking(_stage(client, full), "add_share_members") is None
    restore = lacking(_stage(client, full), "restore_backup")
    assert restore is not None and restore.why is Why.OPT_IN  # the client was not given --allow-restore


def test_one_family_that_cannot_be_generated_leaves_the_others_walked(
    client: CBRClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[tuple[str, ...]] = []
    bare = _stage(client, RealIds())  # no server, no backup, no second project

    def machine(_client: CBRClient, *, operations: tuple[str, ...], run: MachineRun, **_: Any) -> MachineRun:
        """The first family generates nothing; the others reach what needs nothing missing."""
        walked.append(operations)
        if len(walked) == 1:
            raise NotTested(Why.GENERATION, "no chain could be generated")
        run.called.append("create_vault")
        for operation in operations:
            run.credit(operation, 200 if lacking(bare, operation) is None else 404, shrinking=False)
        return run

    monkeypatch.setattr(families_module, "run_state_machine", machine)
    run = MachineRun()
    families_module.walk_links(client, bare, examples=4, name_prefix="p", seconds=None, run=run)
    first = link_families(CONTRACT)[0]
    assert len(walked) > len(link_families(CONTRACT))  # the first family's operations got a second try
    assert walked[0] == first and walked[1] == link_families(CONTRACT)[1]
    # no server, backup or second project: the operations that need them are not walked again
    report = run.untested_report(linked_operations(CONTRACT))
    assert report["add_vault_resources"]["why"] == "inventory"
    assert report and all(lacking(bare, op) is not None for op in report)  # the rest were reached
    around = families_to_reach(CONTRACT, Counter())  # each operation's small family
    missed = walked[len(link_families(CONTRACT)) :]
    assert missed and all(
        any(lacking(bare, op) is None for op, family in around.items() if family == walked_family)
        for walked_family in missed
    )
    assert around["add_vault_resources"] not in missed


# --- a failing chain names its failing step --------------------------------------------------------


def _exchange(operation_id: str, status: int, *violations: Violation) -> Exchange:
    return Exchange(
        operation_id, "GET", "http://t/v3/p/vaults/v", {}, None, status=status, violations=list(violations)
    )


def test_the_failed_step_is_the_violating_exchange_operation_a_5xx_or_the_checked_step() -> None:
    broken = _exchange("show_vault", 200, Violation("response_schema", "show_vault", "$.vault", "missing"))
    contract = FailedStep.of(ContractViolation(broken), "update_vault", None)
    assert (contract.operation_id, contract.fault, contract.exchange) == (
        "show_vault",
        StepFault.CONTRACT,
        broken,
    )
    crashed = _exchange("list_vaults", 500)
    server = FailedStep.of(ServerError("list_vaults", crashed), "list_vaults", None)
    assert (server.operation_id, server.fault, server.exchange) == (
        "list_vaults",
        StepFault.SERVER_ERROR,
        crashed,
    )
    shown = _exchange("show_vault", 200)
    check = FailedStep.of(AssertionError("use after free"), "show_vault", shown)
    assert (check.operation_id, check.fault, check.exchange) == ("show_vault", StepFault.CHECK, shown)


def test_a_chain_failure_says_its_chain_and_step_and_keeps_each_check_message() -> None:
    failures = [
        schemathesis.core.failures.Failure(
            operation="GET /vaults/{vault_id}", title="Use after free", message="gone"
        ),
        schemathesis.core.failures.Failure(
            operation="GET /vaults/{vault_id}", title="Unavailable", message="not seen"
        ),
    ]
    group = schemathesis.core.failures.FailureGroup(failures)
    group.add_note("a note of hypothesis")
    step = FailedStep("show_vault", StepFault.CHECK, _exchange("show_vault", 200))
    failure = ChainFailed(group, step, ["create_vault", "delete_vault", "show_vault"], "(not shrunk)")
    assert "Use after free" in str(failure) and "not seen" in str(failure)
    assert failure.error is group and failure.chain == ("create_vault", "delete_vault", "show_vault")
    assert failure.__notes__ == [
        "a note of hypothesis",
        "(not shrunk)",
        "the shortest failing chain found: create_vault -> delete_vault -> show_vault",
        "the failing step: show_vault (chain check)",
    ]
