"""A generated step made into the request the state machine sends.

A step's path ids that no link gave name the run's own resources; a step that changes one of the
resources the machine starts from first gets the state it needs (generation/preconditions.py); what it
creates is named after the run; and a step is sent only if it reads, or changes only what the
machine made or was given: on a shared project an id may name someone else's resource.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from schemathesis import Case

from cbr_conformance.contract.service_rules import RealIds, shape
from cbr_conformance.generation.cases import name_created, send_case, within_budget
from cbr_conformance.generation.internals import case_body
from cbr_conformance.generation.preconditions import Stage, arrange, arranges
from cbr_conformance.generation.stateful.record import MachineRun
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.target.made import CREATES, Made, births
from cbr_conformance.transport.recording import Exchange

# Steps on the machine's starting resources that get their state set up first, per operation and
# run: enough to reach each operation, few enough that a slow target's backups do not dominate.
FRESH_PER_RUN = 1

NOT_SENT = "/not-sent"


@dataclass
class Steps:
    """The run's resources and how steps use them: `real`, the resources the run made for the
    machine (a vault, a policy...); `owned`, the ids of what the machine made or was given, and
    of what lives in its vaults; `stage`, what sets up a step's state (None: nothing is)."""

    client: CBRClient
    real: RealIds
    name_prefix: str
    stage: Stage | None = None
    owned: set[str] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def __post_init__(self) -> None:
        self.owned.update(self.real.values.values())

    def prepare(self, operation_id: str, case: Case[Any], run: MachineRun) -> bool:
        """Make `case` the request to send; False: it is not sent."""
        self.aim(case)
        if not self.arrange(operation_id, case, run):
            return False
        self.shape(operation_id, case)
        # On a shared project an id may name another test's resource, or someone else's: the
        # machine changes only what it made (reading anything is harmless).
        return touches_only(self.owned, operation_id, case)

    def aim(self, case: Case[Any]) -> None:
        """A path id no link gave (none the machine knows) becomes the run's resource of its kind,
        so that updates, deletions and the rest reach the service from the first step."""
        if case.path_parameters:
            kept = {name for name, value in case.path_parameters.items() if unquote(str(value)) in self.owned}
            case.path_parameters = {**case.path_parameters, **self.real.path_for(case.path_parameters, kept)}

    def arrange(self, operation_id: str, case: Case[Any], run: MachineRun) -> bool:
        """A step changing a resource the machine starts from gets the state it needs first (a
        policy applied before a dissociation, a fresh vault for a deletion: those stay for every
        example), FRESH_PER_RUN times a run; after that, deletions of them are not sent (False)."""
        named = {str(value) for value in (case.path_parameters or {}).values()}
        method = str(case.method).upper()
        if method == "GET" or not named & set(self.real.values.values()):
            return True
        budget_left = run.arranged[operation_id] < FRESH_PER_RUN
        if self.stage is not None and arranges(operation_id) and budget_left:
            run.arranged[operation_id] += 1
            fresh = arrange(operation_id, self.stage)
            case.path_parameters = {**(case.path_parameters or {}), **fresh}
            self.owned.update(fresh.values())
            return True
        return method != "DELETE"

    def shape(self, operation_id: str, case: Case[Any]) -> None:
        """Name what the step creates after the run, and make its body name the run's resources (a
        restore point of the machine's vault...) before the machine decides whether the step
        touches only what it may change."""
        name = f"{self.name_prefix}-sm{next(self.counter)}"
        name_created(operation_id, case, name)
        shape(operation_id, case_body(case), self.real, name)

    def send(self, operation_id: str, case: Case[Any]) -> Response:
        within_budget(self.client, operation_id, case, "positive")
        return send_case(self.client, operation_id, case, self.real, set(case.path_parameters or {}))

    def births(self, operation_id: str, response: Response) -> list[Made]:
        """What a 2xx answer made that the machine deletes when its example ends; all it made,
        and what lives in the machine's vaults, the machine owns from now on."""
        made = births(operation_id, {}, response, self.client.project_id)
        self.owned.update(item.id for item in made)
        with contextlib.suppress(ValueError):
            own(self.owned, response.json())
        return [item for item in made if CREATES[item.operation_id][1]]

    def not_sent(self, case: Case[Any]) -> Exchange:
        """What the machine answers itself for a step it does not send."""
        return Exchange(
            None,
            str(case.method).upper(),
            f"{self.client.base_url}{NOT_SENT}",
            {},
            None,
            status=404,
            response_headers={"Content-Type": "application/json"},
            response_text='{"error_code": "not-sent", "error_msg": "not a resource of the machine"}',
        )


_PATH_IDS_OF_OTHERS = ("project_id", "member_id")  # the run's own project; a project shared with


def touches_only(owned: set[str], operation_id: str, case: Case[Any]) -> bool:
    """Whether a step reads, or changes only what the machine made (its path ids, and the vault a
    restore point is made in)."""
    if str(case.method).upper() == "GET":
        return True
    ids = [str(v) for k, v in (case.path_parameters or {}).items() if k not in _PATH_IDS_OF_OTHERS]
    body = case_body(case)
    if operation_id == "create_checkpoint" and isinstance(body, dict):
        checkpoint = body.get("checkpoint")
        ids.append(str(checkpoint.get("vault_id")) if isinstance(checkpoint, dict) else "")
    return all(value in owned for value in ids)


def own(owned: set[str], body: Any) -> None:
    """Add to `owned` every object of a 2xx answer that lives in one of the machine's vaults (a
    restore point, a backup)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("vault_id") in owned and isinstance(node.get("id"), str):
                owned.add(node["id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def step_key(operation_id: str, case: Case[Any]) -> str:
    """A step as generated, less the ids links give it (they differ each time a chain is walked)."""
    return json.dumps([operation_id, case.query, case_body(case)], sort_keys=True, default=repr)
