"""The post-conditions of declared.py, evaluated through the suite's one client after a 2xx.

The client calls `PostConditions.before` ahead of a write it checks (a read of what the write
changes: read, change, read again), and `PostConditions.after` once the write answered 2xx and
its answer kept the contract. `after` reads back what the rule says (rules.py; GET only,
unchecked calls: the rule judges what they answer), and fails with `PostConditionFailed`, an
assertion about the target's behaviour that names the operation and the rule.

Eventual consistency: a rule not met at once is read again, backing off (waiters.pauses), for at
most `wait` seconds; only then is it broken. A rule broken once in the run is read once
afterwards, not waited for again, so a target that breaks it costs one wait, not one per write.
A rule that cannot be decided yet (a deletion still in progress, an item beyond the page read)
is *unsettled*: neither met nor failed; whether a deletion ever takes effect is lifecycle.py's
and stalls.py's to judge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cbr_conformance.postconditions.declared import BY_ID, IMMUTABLE_FIELDS, READS, PostCondition
from cbr_conformance.postconditions.reading import (
    BEFORE,
    MISSING,
    Misreported,
    Unsettled,
    Write,
    get,
    item_of,
    json_of,
    normal,
)
from cbr_conformance.postconditions.rules import CHECKS, checked_rules
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.target.waiters import pauses, timing_dependent
from cbr_conformance.transport.recording import Exchange, Violation

__all__ = ["Memory", "PostConditionFailed", "PostConditions", "Tally", "checked_rules"]

READ_BACK_WAIT = 10.0  # seconds a read-back may take to show a write (capped by the run's --max-wait)


class PostConditionFailed(AssertionError):
    """A 2xx answer's post-condition did not hold in later reads: the target answered right and
    did otherwise."""

    def __init__(self, rule: PostCondition, problems: list[str], exchange: Exchange | None) -> None:
        self.rule = rule
        self.exchange = exchange
        lines = [
            f"{rule.operation}: post-condition {rule.id} broken ({rule.kind}, reference {rule.section})",
            f"  the rule: after a 2xx of {rule.operation}, {rule.says}",
            *(f"  - {problem}" for problem in problems),
        ]
        if exchange is not None:
            lines.append(f"  the read that shows it: {exchange.summary()}")
            lines.append(f"  reproduce: {exchange.curl()}")
        super().__init__("\n".join(lines))


@dataclass
class Tally:
    """How often each rule held, failed, or could not be decided, by rule id."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def note(self, rule_id: str, result: str) -> None:
        counts = self.counts.setdefault(rule_id, {})
        counts[result] = counts.get(result, 0) + 1

    def drain(self) -> dict[str, dict[str, int]]:
        counts, self.counts = self.counts, {}
        return counts


@dataclass
class Memory:
    """What one process of the run has seen, across its tests: the immutable fields of every
    resource read, and the rules already broken or left unsettled (not waited for again)."""

    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    not_waited: set[str] = field(default_factory=set)


class PostConditions:
    """One test's post-condition checks: its clients (both projects) share it."""

    def __init__(self, memory: Memory, *, wait: float = READ_BACK_WAIT, interval: float = 0.2) -> None:
        self.memory = memory
        self.wait = wait
        self.interval = interval
        self.tally = Tally()

    def before(self, client: CBRClient, operation_id: str, path: Mapping[str, str], body: Any) -> Any:
        """What a write's rule compares against, read before the write is sent (or None)."""
        reader = BEFORE.get(operation_id)
        if reader is None:
            return None
        show, key = reader
        with timing_dependent():
            answer = client.call(show, path=dict(path), check=False)
        return item_of(answer, key) if answer.status == 200 else None

    def after(
        self,
        client: CBRClient,
        operation_id: str,
        path: Mapping[str, str],
        body: Any,
        response: Response,
        before: Any,
    ) -> None:
        """Check the rules a 2xx answer of `operation_id` implies; raise PostConditionFailed."""
        __tracebackhide__ = True
        answer = json_of(response)
        self.observe(operation_id, answer, response.exchange)
        check = CHECKS.get(operation_id)
        if check is None:
            return
        rule_id, judge = check
        write = Write(partial(self.read, client), operation_id, path, body, answer, before)
        self._settle(BY_ID[rule_id], write, judge)

    def observe(self, operation_id: str, answer: Any, exchange: Exchange | None) -> None:
        """Compare the immutable fields of what an answer shows with every earlier read of them."""
        __tracebackhide__ = True
        if operation_id not in READS:
            return
        key, kind, many = READS[operation_id]
        carried = answer.get(key) if isinstance(answer, dict) else None
        items = carried if many and isinstance(carried, list) else [carried]
        problems: list[str] = []
        compared = False
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            now = {name: normal(name, get(item, name)) for name in IMMUTABLE_FIELDS[kind]}
            earlier = self.memory.seen.setdefault((kind, item["id"]), {})
            for name, value in now.items():
                if value is MISSING:
                    continue
                if name in earlier:
                    compared = True
                    if earlier[name] != value:
                        problems.append(f"{kind} {item['id']}: {name} was {earlier[name]!r}, now {value!r}")
                else:
                    earlier[name] = value
        rule = BY_ID.get(f"{operation_id}.immutable")
        if rule is None:  # a create's answer: the first read of what it made
            return
        if problems:
            self._fail(rule, problems, exchange)
        if compared:
            self.tally.note(rule.id, "met")

    def judge(self, rule: PostCondition, problems: list[str], exchange: Exchange | None) -> None:
        """A rule judged once, by its caller, from reads made now (the time-driven rules, after
        a move of the target's clock): met, or failed with the read that shows it."""
        __tracebackhide__ = True
        if problems:
            self._fail(rule, problems, exchange)
        self.tally.note(rule.id, "met")

    # --- settling a rule ---------------------------------------------------------------------

    def _settle(self, rule: PostCondition, write: Write, judge: Callable[[Write], list[str]]) -> None:
        __tracebackhide__ = True
        waited = rule.id in self.memory.not_waited
        deadline = time.monotonic() + (0.0 if waited else self.wait)
        backoff = pauses(self.interval)
        with timing_dependent():  # whether a read shows a write yet is the target's timing
            while True:
                write.reads.clear()
                try:
                    problems = judge(write)
                    unsettled = None
                except Unsettled as why:
                    problems, unsettled = [], str(why)
                    if why.final:
                        self.tally.note(rule.id, "unsettled")
                        return
                except Misreported as wrong:
                    self._fail(rule, [wrong.problem], write.reads[-1] if write.reads else None)
                if not problems and unsettled is None:
                    self.tally.note(rule.id, "met")
                    return
                if time.monotonic() >= deadline:
                    break
                time.sleep(min(next(backoff), max(0.0, deadline - time.monotonic())))
        self.memory.not_waited.add(rule.id)
        if unsettled is not None:
            self.tally.note(rule.id, "unsettled")
            return
        self._fail(rule, problems, write.reads[-1] if write.reads else None)

    def _fail(self, rule: PostCondition, problems: list[str], exchange: Exchange | None) -> None:
        __tracebackhide__ = True
        self.tally.note(rule.id, "failed")
        self.memory.not_waited.add(rule.id)
        error = PostConditionFailed(rule, problems, exchange)
        if exchange is not None and not exchange.violations:
            # The read that shows it carries the broken rule: the results make one violation of
            # every test that meets it (results/violations.py). A read that broke the contract
            # carries that already: its words name the rule.
            exchange.violations.append(
                Violation(f"post-condition {rule.id}", rule.operation, "$", str(error))
            )
        raise error

    def read(self, client: CBRClient, operation_id: str, path: Mapping[str, str], **query: Any) -> Response:
        """A read-back: unchecked (the rule judges it), and its immutable fields observed."""
        __tracebackhide__ = True
        answer = client.call(operation_id, path=dict(path), query=query or None, check=False)
        if answer.status == 200 and not answer.exchange.violations:
            self.observe(operation_id, json_of(answer), answer.exchange)
        return answer
