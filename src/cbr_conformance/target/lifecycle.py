"""How each thing the run makes on the target is deleted again.

Every request goes through `CBRClient.call`, which reports each resource a 2xx answer made
(`target.made.births`) before the answer is checked: a create whose body breaks the contract, a create a
negative test expected refused, a fuzz or state-machine step all get their cleanup registered
at birth (Tempest's rule). `Cleanups` deletes them newest first, waiting until each is gone;
`Ledger` appends each birth to the run's created.jsonl as it happens, so `cbr-conformance
cleanup --run` can delete exactly what an interrupted run made, in both projects.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cbr_conformance.contract.codes import (
    BACKUP_NOT_FOUND,
    MEMBER_NOT_FOUND,
    POLICY_NOT_FOUND,
    VAULT_NOT_FOUND,
)
from cbr_conformance.target import stalls
from cbr_conformance.target.made import RESTORE, Ledger, Made
from cbr_conformance.target.stalls import Stalls
from cbr_conformance.target.waiters import pauses, timing_dependent
from cbr_conformance.transport.recording import Violation
from cbr_conformance.transport.transfer import TargetUnreachable

if TYPE_CHECKING:
    from cbr_conformance.target.client import CBRClient, Response

# --- deletion ---------------------------------------------------------------------------------


GONE, DELETED, REFUSED = "already gone", "deleted", "refused"
_DELETES = {
    "vault": "delete_vault",
    "policy": "delete_policy",
    "member": "delete_share_member",
    "backup": "delete_backup",
}
_SHOWS = {
    "vault": "show_vault",
    "policy": "show_policy",
    "member": "show_share_member",
    "backup": "show_backup",
}
_NOT_FOUND = {
    "show_vault": VAULT_NOT_FOUND,
    "show_policy": POLICY_NOT_FOUND,
    "show_share_member": MEMBER_NOT_FOUND,
    "show_backup": BACKUP_NOT_FOUND,
}
DELETED_BY = {operation: kind for kind, operation in _DELETES.items()}
_BUSY = {"protecting", "restoring", "waiting_restore", "deleting", "waiting_delete"}


class DeletionMisreported(AssertionError):
    """A read after a deletion answered neither the resource nor its documented not-found."""


@dataclass(frozen=True)
class Outcome:
    made: Made
    result: str  # GONE, DELETED or REFUSED
    detail: str = ""
    # What the target did wrong, for the test whose cleanup met it: a deletion that never took
    # effect (a stall of the delete operation, target/stalls.py) or a read that misreports it.
    failure: AssertionError | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.result}: {self.made.describe()}" + (f" ({self.detail})" if self.detail else "")


def delete(client: CBRClient, made: Made, *, max_wait: float, poll_interval: float) -> Outcome:
    """Delete what `made` names and wait until the target no longer shows it. Whether the target
    still works on it (and refuses) or is done is its timing: the exchanges say so
    (contract/exchange_facts.py)."""
    with timing_dependent():
        return _delete(client, made, max_wait=max_wait, poll_interval=poll_interval)


def _delete(client: CBRClient, made: Made, *, max_wait: float, poll_interval: float) -> Outcome:
    if made.kind == "checkpoint":
        return _delete_checkpoint(client, made, max_wait=max_wait, poll_interval=poll_interval)
    answer = client.call(_DELETES[made.kind], path=dict(made.path), check=False)
    if answer.status == 404:
        return Outcome(made, GONE)
    if answer.status not in (200, 202, 204):
        return Outcome(
            made, REFUSED, f"{answer.status} {answer.error_code or answer.exchange.response_text[:120]}"
        )
    what = f"{made.kind} {made.id}"
    return _wait_gone(
        client, made, _DELETES[made.kind], what, _SHOWS[made.kind], dict(made.path), max_wait, poll_interval
    )


def wait_deleted(client: CBRClient, made: Made, *, max_wait: float, poll_interval: float) -> None:
    """After its delete operation accepted the deletion of `made`: wait, backing off, until its
    show answers 404. A deletion that never takes effect raises the stall of the delete operation
    (blocked by an earlier one of its kind), a read that misreports it a violation of the read."""
    with timing_dependent():
        outcome = _wait_gone(
            client, made, _DELETES[made.kind], f"{made.kind} {made.id}", _SHOWS[made.kind],
            dict(made.path), max_wait, poll_interval,
        )  # fmt: skip
    if outcome.failure is not None:
        raise outcome.failure


def _wait_gone(
    client: CBRClient,
    made: Made,
    deletion: str,
    what: str,
    show: str,
    path: dict[str, str],
    max_wait: float,
    poll_interval: float,
) -> Outcome:
    """Read `what` by `show` until it answers 404, backing off. A read that answers anything but
    the resource or 404 misreports the deletion at once; the first deletion of its kind still
    shown after `max_wait` is a stall of `deletion`, and later ones of the kind are read once and
    not waited for (target/stalls.py)."""
    registry = client.workspace.stalls
    earlier = registry.find(deletion, stalls.STILL_SHOWN)
    deadline = time.monotonic() + (0.0 if earlier else max_wait)
    backoff = pauses(poll_interval)
    while True:
        answer = client.call(show, path=path, check=False)
        if answer.status == 404:
            return Outcome(made, DELETED)
        if not 200 <= answer.status < 300:
            return _misreported(made, deletion, what, show, answer)
        # a backup's statuses are the asynchronous states of target/stalls.py (a vault's "deleting" is not)
        state = _status_of(answer, "backup") if show == "show_backup" else None
        stalled = registry.of_state(state)
        if stalled is not None:  # asynchronous work the run already saw never end
            detail = (
                f"still {state} after its deletion, not waited for: {stalled.operation} never ended before"
            )
            return Outcome(made, REFUSED, detail, stalls.AsyncStall(stalled, first=False))
        if time.monotonic() >= deadline:
            return _still_shown(registry, made, (deletion, what, show), answer.status, max_wait, state)
        time.sleep(min(next(backoff), max(0.0, deadline - time.monotonic())))


def _misreported(made: Made, deletion: str, what: str, show: str, answer: Response) -> Outcome:
    code = answer.error_code or answer.exchange.response_text[:80]
    message = (
        f"{show} answered {answer.status} {code} for {what} after {deletion} accepted its deletion: "
        f"the reference answers the resource while it is being deleted, then 404 {_NOT_FOUND[show]}"
    )
    # A violation of the read, on its exchange: the results group every test that met it as one.
    # The contract's checks may have judged the answer already (a not-found code with another
    # status): their words then name the rule.
    if not answer.exchange.violations:
        answer.exchange.violations.append(Violation("not found once deleted", show, "$", message))
    message += "".join(f"\n  - {violation}" for violation in answer.exchange.violations)
    return Outcome(
        made, REFUSED, f"{answer.status} {code} from {show} after its deletion", DeletionMisreported(message)
    )


def _status_of(answer: Response, kind: str) -> str | None:
    """The asynchronous status a shown resource is in, read defensively (the body may be broken)."""
    try:
        body = answer.json()
    except ValueError:
        return None
    item = body.get(kind) if isinstance(body, dict) else None
    status = item.get("status") if isinstance(item, dict) else None
    return status if isinstance(status, str) else None


def _still_shown(
    registry: Stalls, made: Made, asked: tuple[str, str, str], status: int, max_wait: float, state: str | None
) -> Outcome:
    """`made` still shown `max_wait` after its deletion; `asked`: (the delete operation, what was
    deleted, the show operation)."""
    deletion, what, show = asked
    if state in stalls.OPERATION_OF_STATE:
        # Shown in an asynchronous state that never ended: a stall of that state's operation, which
        # every later wait for the state (a test's or a cleanup's) then meets at once.
        message = f"{what} still {state} {max_wait:g} s after {deletion} accepted its deletion"
        stall = stalls.Stall(stalls.OPERATION_OF_STATE[state], state, message)
        earlier = registry.of_state(state)
        if earlier is None:
            registry.record(stall)
        failure = stalls.AsyncStall(earlier or stall, first=earlier is None)
        return Outcome(made, REFUSED, f"still {state} {max_wait:g} s after its deletion", failure)
    earlier = registry.find(deletion, stalls.STILL_SHOWN)
    if earlier is not None:
        detail = (
            f"still shown ({status}) after its deletion, not waited for: {deletion} never took effect before"
        )
        return Outcome(made, REFUSED, detail, stalls.AsyncStall(earlier, first=False))
    message = (
        f"{deletion} accepted the deletion of {what}, but {show} still answered {status} "
        f"{max_wait:g} s later: the deletion never took effect"
    )
    stall = stalls.Stall(deletion, stalls.STILL_SHOWN, message)
    registry.record(stall)
    return Outcome(
        made,
        REFUSED,
        f"still shown ({status}) {max_wait:g} s after its deletion",
        stalls.AsyncStall(stall, first=True),
    )


def _delete_checkpoint(client: CBRClient, made: Made, *, max_wait: float, poll_interval: float) -> Outcome:
    """A restore point goes with its backups: delete each once it is no longer being made."""
    deadline = time.monotonic() + max_wait
    backoff = pauses(poll_interval)
    while True:
        listed = client.call("list_backups", query={"checkpoint_id": made.id, "limit": 1000}, check=False)
        if listed.status == 404:
            return Outcome(made, GONE)
        if listed.status != 200:
            return Outcome(made, REFUSED, f"list_backups answered {listed.status}")
        try:
            backups = [b for b in listed.json().get("backups", []) if isinstance(b, dict) and "id" in b]
        except (ValueError, AttributeError):
            return Outcome(made, REFUSED, "list_backups answered a body that is not a backup list")
        if not backups:
            return Outcome(made, GONE)
        busy = [str(b.get("status")) for b in backups if b.get("status") in _BUSY]
        # Work the run already saw never end (target/stalls.py) is not waited for again
        registry = client.workspace.stalls
        if busy and time.monotonic() < deadline and not any(registry.of_state(state) for state in busy):
            time.sleep(min(next(backoff), max(0.0, deadline - time.monotonic())))
            continue
        refused = []
        failure = _stalled_work(registry, made, busy, max_wait) if busy else None
        for backup in backups:
            answer = client.call("delete_backup", path={"backup_id": backup["id"]}, check=False)
            if answer.status not in (200, 202, 204, 404):
                refused.append(f"backup {backup['id']}: {answer.status} {answer.error_code}")
            else:
                outcome = _wait_gone(
                    client,
                    made,
                    "delete_backup",
                    f"backup {backup['id']} of restore point {made.id}",
                    "show_backup",
                    {"backup_id": backup["id"]},
                    max_wait,  # the work before it ended (or is a stall now): the deletion's own wait
                    poll_interval,
                )
                if outcome.result == REFUSED:
                    refused.append(f"backup {backup['id']}: {outcome.detail}")
                    if failure is None or (isinstance(failure, stalls.AsyncStall) and not failure.first):
                        failure = outcome.failure or failure
        if refused:
            return Outcome(made, REFUSED, "; ".join(refused), failure)
        return Outcome(made, DELETED)


def _stalled_work(registry: Stalls, made: Made, busy: list[str], max_wait: float) -> AssertionError | None:
    """Backups still busy after `max_wait`: the first time-out of their state is a stall (so their
    deletion, and every later wait for the state, meets it at once), or blocked by an earlier one."""
    for state in busy:
        earlier = registry.of_state(state)
        if earlier is not None:
            return stalls.AsyncStall(earlier, first=False)
    stuck = next((state for state in busy if state in stalls.OPERATION_OF_STATE), None)
    if stuck is None:
        return None
    message = f"the backups of restore point {made.id} still {stuck} {max_wait:g} s later"
    stall = stalls.Stall(stalls.OPERATION_OF_STATE[stuck], stuck, message)
    registry.record(stall)
    return stalls.AsyncStall(stall, first=True)


# --- a test's cleanups, and the run's ledger --------------------------------------------------


Action = Callable[[], "Outcome | None"]


@dataclass
class Cleanups:
    """A test's cleanups, newest first: each resource its requests made, and the test's own steps
    (returning a lease, stopping a share). Running them never raises; what could not be undone is
    returned, for the report's leftovers."""

    max_wait: float
    poll_interval: float
    ledger: Ledger | None = None
    by: str = ""  # who makes what it registers (a test's node id, a fixture's name), for the ledger
    # What its births added to the bill, by the plan's kinds (target/creations.py), each resource once
    created: Counter[str] = field(default_factory=Counter)
    _stack: list[tuple[str, Action]] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    # What the target did wrong while undoing (Outcome.failure): the first time-out or misreport
    # before any failure blocked by an earlier one.
    failure: AssertionError | None = None

    def born(self, made: Made, client: CBRClient) -> None:
        """Register the deletion of a resource the moment a response says it exists."""
        if self.ledger is not None:
            self.ledger.append(made, self.by)
        key = (made.project_id, made.kind, made.id)
        if made.kind == RESTORE:  # each restore is billed, and nothing is left to delete
            self.created.update(made.counts)
            return
        if key in self._seen:
            return
        self._seen.add(key)
        self.created.update(made.counts)
        self._stack.append(
            (
                made.describe(),
                lambda: delete(client, made, max_wait=self.max_wait, poll_interval=self.poll_interval),
            )
        )

    def add(self, description: str, action: Callable[[], object]) -> None:
        def run() -> Outcome | None:
            action()
            return None

        self._stack.append((description, run))

    def run(self) -> list[str]:
        """Undo everything, newest first; return what could not be undone."""
        leftovers = []
        while self._stack:
            description, action = self._stack.pop()
            try:
                outcome = action()
            # a contract violation is an AssertionError: an answer the delete could not act on
            except (TargetUnreachable, AssertionError, LookupError, ValueError) as exc:
                leftovers.append(f"{description}: {exc}".splitlines()[0])
                continue
            if outcome is not None and outcome.result == REFUSED:
                leftovers.append(str(outcome))
                self._note(outcome.failure)
        return leftovers

    def _note(self, failure: AssertionError | None) -> None:
        blocked = isinstance(self.failure, stalls.AsyncStall) and not self.failure.first
        if failure is not None and (self.failure is None or blocked):
            self.failure = failure

    def raise_failure(self) -> None:
        """Fail the test whose cleanup met what the target did wrong (after its leftovers are
        reported): a deletion that never took effect, or a read that misreported one."""
        if self.failure is not None:
            raise self.failure
