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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode, openapi

from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.cases import FuzzTally, has_breakable_input, one_case
from cbr_conformance.generation.internals import (
    case_body,
    without_local_constants,
)
from cbr_conformance.generation.pattern_strategies import Kept, reused_pattern_strategies
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.outcome import NOT_APPLICABLE, Why, not_tested
from cbr_conformance.target.client import CBRClient

MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


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
    constants: dict[str, Any] = contract.derived("hypothesis constants", lambda _: {})
    with without_local_constants(constants), reused_pattern_strategies(kept):
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
    strategy = _strategy(client.context.contract, operation_id, mode)
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
            one_case(
                client, operation_id, mode, case, stage, tally, counter, name_prefix,
                counted=counted, budget_spent=budget_spent,
            )  # fmt: skip
        except AssertionError:
            failing.since = failing.since or time.monotonic()
            failing.key = key
            raise

    run = _hypothesis_test(judge, strategy, examples, seed, replay)
    _run(run, client.context.contract, f"{mode} case of {operation_id}", examples, seed, replay)
    return tally


def _strategy(contract: Contract, operation_id: str, mode: str) -> Any:
    """The cases of `mode` schemathesis generates for the operation (none: not applicable)."""
    if mode == "negative" and not has_breakable_input(contract, operation_id):
        raise NotApplicable(operation_id, mode)
    schema = load_schema(contract, closed=mode == "positive")
    operation = contract.operations[operation_id]
    return schema[operation.path][operation.method].as_strategy(generation_mode=MODES[mode])


def _hypothesis_test(
    judge: Callable[[Case[Any]], None], strategy: Any, examples: int, seed: int, replay: str | None
) -> Callable[[], None]:
    """`judge` as a hypothesis test of `examples` cases drawn from `strategy` with `seed`, or of
    exactly the case `replay` names."""
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
    return run


def _run(
    run: Callable[[], None], contract: Contract, what: str, examples: int, seed: int, replay: str | None
) -> None:
    """Run the test; what hypothesis raises becomes the suite's outcome: no case at all is not
    tested, a failure carries how to replay its minimal case."""
    try:
        with generating(contract):
            run()
    except hypothesis.errors.Unsatisfiable:
        # every generated case was filtered out (one that the run's ids made valid again, one over
        # the budget...): the generator's problem in this budget, not the target's
        not_tested(Why.GENERATION, f"no {what} could be generated and sent in {examples} examples")
    except hypothesis.errors.FlakyFailure as flaky:
        # the minimal case did not fail again when replayed: the target's answer depends on its state
        first = flaky.exceptions[0]
        first.add_note(
            "(it did not fail again when sent a second time: the answer depends on the target's state)"
        )
        raise _with_replay(first, seed, replay) from None
    except AssertionError as error:
        raise _with_replay(error, seed, replay) from None


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
