"""Property-based fuzzing of every operation with schemathesis and hypothesis.

schemathesis generates the cases from the spec (positive: valid per the spec; negative: each
breaks at least one rule of it); they are sent through the suite's own client, so the same auth,
recording and automatic contract checks apply. Path ids are swapped for real resources of the run
so that generated bodies and queries reach the business logic rather than a 404.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode, openapi

from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.contract.service_rules import RealIds, claims_invalid_input, letter_of, shape
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.spec_rules import broken_rules
from cbr_conformance.generation.internals import (
    case_body,
    case_description,
    case_mutations,
    mutation_site,
    without_local_constants,
)
from cbr_conformance.generation.pattern_strategies import Kept, reused_pattern_strategies
from cbr_conformance.generation.preconditions import Stage, arrange
from cbr_conformance.outcome import NOT_APPLICABLE, Why, not_tested
from cbr_conformance.target.client import CBRClient, Response, query_pairs, vault_size
from cbr_conformance.target.made import CREATES

MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


class FuzzFailure(AssertionError):
    pass


# Its skip is then "not applicable", which a verdict does not count as untested (see results.py).
class NotApplicable(LookupError):
    """No case of this kind can be generated for the operation."""

    def __init__(self, operation_id: str, mode: str) -> None:
        super().__init__(
            f"{NOT_APPLICABLE}the spec gives {operation_id} no input that a {mode} case can break, "
            "beyond the project id "
            "(which the run always sets) and undeclared query parameters"
        )


def load_schema(contract: Contract, *, closed: bool = False) -> Any:
    """The schemathesis view of the contract, built once per contract (it is costly). `closed`:
    objects with declared properties take no others, for valid cases (see `closed_objects`)."""
    if closed:
        return contract.derived("schemathesis schema, closed", _closed_schema)
    return contract.derived("schemathesis schema", lambda c: openapi.from_dict(c.document))


def _closed_schema(contract: Contract) -> Any:
    return openapi.from_dict(closed_objects(copy.deepcopy(contract.document)))


@contextlib.contextmanager
def generating(contract: Contract) -> Iterator[None]:
    """hypothesis as the suite's fuzzing and chains use it: a seed's cases depend on the seed and
    the contract alone (no constants of the suite's own modules), and a pattern's strategy is built
    once per contract (pattern_strategies.py). Nothing of hypothesis changes outside."""
    kept: Kept = contract.derived("pattern strategies", lambda _: {})
    with without_local_constants(), reused_pattern_strategies(kept):
        yield


def closed_objects(node: Any) -> Any:
    """Objects with declared properties take no others. The spec leaves extra members open, but a
    case carrying invented members is valid by the spec's letter only: a service that checks its
    input refuses it, so it is not valid by every reading and reaches nothing (for generation
    only; responses are checked against the contract as it is)."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            closed_objects(value)
    elif isinstance(node, list):
        for value in node:
            closed_objects(value)
    return node


def _relevant_mutations(case: Case[Any]) -> list[tuple[str, str | None]]:
    """Where a negative case breaks the spec, as (location, parameter) pairs, leaving out the
    breaks that do not make a request invalid here: an undeclared query parameter (OpenAPI does
    not forbid those, and services ignore them) and a bad project id (always replaced by the run's).
    """
    found: list[tuple[str, str | None]] = []
    for mutation in case_mutations(case):
        location, keywords, parameter = mutation_site(mutation)
        if location in ("query", "header", "cookie", "path") and keywords == {"additionalProperties"}:
            continue
        if location == "path" and parameter == "project_id":
            continue
        found.append((location, parameter))
    return found


def _has_breakable_input(contract: Contract, operation_id: str) -> bool:
    """Whether a negative case can break anything but unconstrained path ids: a query parameter,
    a request body, or a path parameter with constraints."""
    operation = contract.operations[operation_id]
    if contract.request_schema(operation_id) is not None:
        return True
    for parameter in map(contract.resolve, operation.definition["parameters"]):
        if parameter["in"] == "query":
            return True
        schema = contract.resolve(parameter.get("schema", {}))
        if parameter["name"] != "project_id" and set(schema) - {"type", "description"}:
            return True
    return False


def send_case(
    client: CBRClient,
    operation_id: str,
    case: Case[Any],
    ids: RealIds,
    mutated: set[str],
    path: dict[str, str] | None = None,
) -> Response:
    """Send a generated case, with the run's ids in its path (`path`'s first) but where `mutated`."""
    body = case_body(case)
    kwargs: dict[str, Any] = {
        "path": {**ids.path_for(case.path_parameters or {}, mutated), **(path or {})},
        "query": dict(case.query or {}),
    }
    if isinstance(body, bytes):
        kwargs["raw_body"] = body  # a negative case may send a body that is not JSON at all
    elif body is not None or client.context.contract.request_schema(operation_id) is not None:
        kwargs["json_body"] = body
    return client.call(operation_id, **kwargs)


_NAMED = ("create_vault", "create_policy")  # what they make takes a name the caller chooses


def name_created(operation_id: str, case: Case[Any], name: str) -> None:
    """Give what a create case makes a name of the run's; the spec's names allow it (letters,
    digits, - and _)."""
    body = case_body(case)
    named = operation_id in _NAMED and isinstance(body, dict)
    item = body.get(CREATES[operation_id][0]) if named else None
    if isinstance(item, dict):
        item["name"] = name


def within_budget(client: CBRClient, operation_id: str, case: Case[Any], mode: str) -> None:
    """A valid case asks for a vault no larger than the run's budget (any size within it is as
    valid); an invalid one over the budget is not sent at all."""
    body = case_body(case)
    size = vault_size(operation_id, body)
    if size is None or client.max_vault_size is None or size <= client.max_vault_size:
        return
    if mode == "negative":
        hypothesis.reject()
    body["vault"]["billing"]["size"] = client.max_vault_size


def never_a_subscription(operation_id: str, case: Case[Any], mode: str) -> None:
    """No case orders a yearly or monthly vault (charging_mode pre_paid, which the spec allows as
    the SDK documents it): a valid one is made pay-per-use, an invalid one is not sent, in case the
    target accepts it all the same."""
    body = case_body(case)
    vault = body.get("vault") if operation_id == "create_vault" and isinstance(body, dict) else None
    billing = vault.get("billing") if isinstance(vault, dict) else None
    if not isinstance(billing, dict) or billing.get("charging_mode") != "pre_paid":
        return
    if mode == "negative":
        hypothesis.reject()
    billing["charging_mode"] = "post_paid"


@dataclass
class FuzzTally:
    """What the target answered to the judged cases of one operation and mode, by status (and
    error code): e.g. {"200": 7, "400 BackupService.9900": 3}."""

    answers: Counter[str] = field(default_factory=Counter)
    # The time budget ran out before the last example: how many were sent was the target's speed.
    out_of_time: bool = False

    @property
    def sent(self) -> int:
        return sum(self.answers.values())

    @property
    def accepted(self) -> int:
        """Cases answered 2xx: for valid cases, how far fuzzing got past the validation layer."""
        return sum(n for answer, n in self.answers.items() if answer.startswith("2"))


# Shrinking sends requests too: it stops looking for a smaller case after this long, and the
# smallest found so far is the one reported.
SHRINK_SECONDS = 20.0
_BLOB = re.compile(r"@reproduce_failure\('([^']+)', b'([^']+)'\)")


@dataclass
class Failing:
    """The smallest failing case found so far while hypothesis shrinks, by its generated form."""

    since: float | None = None
    key: str | None = None

    def shrinking_for(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since


def _case_key(case: Case[Any]) -> str:
    """A generated case, before the run's ids and the service's rules are put in it."""
    parts = [case.path_parameters, case.query, case_body(case)]
    return json.dumps(parts, sort_keys=True, default=repr)


def replay_blob(error: BaseException) -> str | None:
    """The blob hypothesis gives to replay a failure's minimal case (`--fuzz-replay`)."""
    for note in getattr(error, "__notes__", []):
        match = _BLOB.search(note)
        if match:
            return match.group(2)
    return None


def fuzz_operation(
    client: CBRClient,
    operation_id: str,
    mode: str,
    ids: RealIds,
    *,
    examples: int,
    seed: int,
    seconds: float | None = None,
    name_prefix: str | None = None,
    stage: Stage | None = None,
    replay: str | None = None,
    shrink_seconds: float = SHRINK_SECONDS,
) -> FuzzTally:
    """Run up to `examples` generated cases of one operation, within `seconds` if given; return
    what the target answered to the cases sent and judged. With `name_prefix`, what a valid case
    creates is named after the run, so that a sweep by prefix finds it.

    Valid cases carry the run's resources (`ids`, and the state `stage` sets up before each) and
    follow the service's rules (contract/service_rules.py); one refused as invalid input fails. A failure
    is shrunk to a minimal case (for at most `shrink_seconds`), and its message says how to replay
    it: `replay` (the blob it prints) runs exactly that case again."""
    counter = iter(range(1, 1_000_000))
    deadline = time.monotonic() + seconds if seconds else None
    if operation_id == "restore_backup":
        client.check_opt_ins(operation_id, None)  # restores reach a target only with consent
    if mode == "negative" and not _has_breakable_input(client.context.contract, operation_id):
        raise NotApplicable(operation_id, mode)
    schema = load_schema(client.context.contract, closed=mode == "positive")
    operation = client.context.contract.operations[operation_id]
    strategy = schema[operation.path][operation.method].as_strategy(generation_mode=MODES[mode])
    stage = stage or Stage(client, ids)
    tally = FuzzTally()
    failing = Failing()

    def budget_spent() -> bool:
        """Whether a new case may no longer be sent (a shrink step always may)."""
        if failing.since is not None or deadline is None or not tally.sent:
            return False
        return time.monotonic() > deadline

    def judge(case: Case[Any]) -> None:
        key = _case_key(case)
        if failing.since is not None and key != failing.key and failing.shrinking_for() > shrink_seconds:
            hypothesis.reject()  # shrinking has had its time: the smallest case so far stands
        if budget_spent():
            tally.out_of_time = True
            return  # the time budget is spent: the remaining examples are generated but not sent
        try:
            counted = failing.since is None  # a shrink step is no case of the tally
            _one_case(
                client, operation_id, mode, case, stage, tally, counter, name_prefix,
                counted=counted, budget_spent=budget_spent,
            )  # fmt: skip
        except AssertionError:
            failing.since = failing.since or time.monotonic()
            failing.key = key
            raise

    run = hypothesis.given(case=strategy)(judge)
    run = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        report_multiple_bugs=False,
        print_blob=True,
    )(run)
    run = hypothesis.seed(seed)(run)
    if replay:
        run = hypothesis.reproduce_failure(hypothesis.__version__, replay.encode())(run)

    try:
        with generating(client.context.contract):
            run()
    except hypothesis.errors.Unsatisfiable:
        # every generated case was filtered out (one that the run's ids made valid again, one over
        # the budget...): the generator's problem in this budget, not the target's
        not_tested(
            Why.GENERATION,
            f"no {mode} case of {operation_id} could be generated and sent in {examples} examples",
        )
    except hypothesis.errors.FlakyFailure as flaky:
        # the minimal case did not fail again when replayed: the target's answer depends on its state
        first = flaky.exceptions[0]
        first.add_note(
            "(it did not fail again when sent a second time: the answer depends on the target's state)"
        )
        raise _with_replay(first, seed, replay) from None
    except AssertionError as error:
        raise _with_replay(error, seed, replay) from None
    return tally


def _with_replay(error: BaseException, seed: int, replay: str | None) -> BaseException:
    """The failure of the minimal case, saying how to send exactly that case again."""
    notes = getattr(error, "__notes__", [])
    blob = replay or replay_blob(error)
    # hypothesis's own notes name its decorator and a test function of the suite's internals
    error.__notes__ = [n for n in notes if not n.startswith(("Falsifying example", "You can reproduce"))]
    error.fuzz_replay = blob  # type: ignore[attr-defined]
    shrunk = "the case replayed" if replay else "the minimal case (shrunk)"
    replay_options = f" --fuzz-replay {blob}" if blob else ""
    error.add_note(f"{shrunk}; seed {seed}; replay: --fuzz-seed {seed}{replay_options}")
    return error


def replay_command(nodeid: str, seed: int, blob: str | None) -> str:
    """The one-line command that sends a fuzz test's minimal failing case again (to the target
    of the run's other options, which it adds)."""
    test = nodeid.rpartition("/")[2]  # the suite's module by its name: found from any folder
    blob_option = f" --fuzz-replay {blob}" if blob else ""
    return f"cbr-conformance run '{test}' --fuzz-seed {seed}{blob_option}"


def _one_case(
    client: CBRClient,
    operation_id: str,
    mode: str,
    case: Case[Any],
    stage: Stage,
    tally: FuzzTally,
    counter: Any,
    name_prefix: str | None,
    *,
    counted: bool,
    budget_spent: Callable[[], bool] = lambda: False,
) -> None:
    """Send one generated case and judge the answer; `counted`: it is tallied (not a shrink step).
    A case whose set-up ran out the time budget is not sent: on a slow target the set-up (a backup
    to settle, a fresh one to delete) takes seconds, and a case sent then would make the test wait
    for what it started too."""
    relevant = _relevant_mutations(case)
    if mode == "negative" and not relevant:
        hypothesis.reject()  # nothing left that the target should refuse
    mutated = {param or "" for location, param in relevant if location == "path"}
    within_budget(client, operation_id, case, mode)
    never_a_subscription(operation_id, case, mode)
    valid_for_service, path, sender = False, {}, client
    if mode == "positive":
        name = f"{name_prefix}-fz{next(counter)}" if name_prefix else f"fz{next(counter)}"
        name_created(operation_id, case, name)
        allowed = stage.sender(operation_id)  # None: no client here may send it (no second project)
        sender = allowed or client
        valid_for_service = (
            shape(operation_id, case_body(case), stage.ids, name)
            and allowed is not None
            and not broken_rules(
                client.context.contract.document, operation_id, query_pairs(case.query or {}), case_body(case)
            )
        )
        path = arrange(operation_id, stage)
        if budget_spent():
            tally.out_of_time = True
            return
    response = send_case(sender, operation_id, case, stage.ids, mutated, path)
    stage.answered(operation_id, response)
    status = response.status
    what = f"{operation_id} ({mode} case{': ' + case_description(case) if mode == 'negative' else ''})"
    if status >= 500:
        raise FuzzFailure(f"{what}: server error {status}\n  reproduce: {response.exchange.curl()}")
    forbidden = response.exchange.request_errors
    if mode == "negative" and not forbidden:
        # Our own reading of the spec finds nothing wrong with the request as sent (the real ids
        # put in place of generated ones may have undone the break): no verdict on its status.
        hypothesis.reject()
    if counted:
        tally.answers[f"{status} {response.error_code}" if response.error_code else str(status)] += 1
    if mode == "negative" and status < 400:
        raise FuzzFailure(
            f"{what}: invalid input accepted with {status}\n  the spec forbids: "
            + "; ".join(forbidden)
            + f"\n  reproduce: {response.exchange.curl()}"
        )
    if (
        valid_for_service
        and not forbidden
        and claims_invalid_input(operation_id, status, response.error_code)
        and not _letter_errors(client, operation_id, sender, case, stage.ids, path)
    ):
        raise FuzzFailure(
            f"{what}: a case valid by the spec and by every service rule the suite knows was refused "
            f"as invalid input: {status} {response.error_code}: {_error_msg(response)}"
            f"\n  reproduce: {response.exchange.curl()}"
        )


def _letter_errors(
    client: CBRClient,
    operation_id: str,
    sender: CBRClient,
    case: Case[Any],
    ids: RealIds,
    path: dict[str, str],
) -> list[str]:
    """What the reference's letter forbids in the case as sent (empty: valid by every reading)."""
    body = case_body(case)
    sent = {**ids.path_for(case.path_parameters or {}, set()), **path}
    return request_errors(
        letter_of(client.context.contract),
        operation_id,
        {"project_id": sender.project_id, **sent},
        query_pairs(case.query or {}),
        json.dumps(body).encode() if body is not None else None,
    )


def _error_msg(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.exchange.response_text[:200]
    return str(body.get("error_msg", "")) if isinstance(body, dict) else ""
