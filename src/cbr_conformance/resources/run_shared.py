"""Resources made once for a whole run and only read by the tests that use them.

Tempest's class-level resources, across pytest-xdist workers: against a target whose backups take
minutes, ten read-only tests that each make their own backup wait ten times for the same thing.
The first worker that needs a shared resource makes it; the others wait for it and read its ids
from a file of the run's shared folder. A test that changes a backup keeps its own.

What a shared resource is made of is recorded in the run's ledger like anything else, and in its
record; the run's controller deletes it when every worker is done (plugin/shared.py). With no
shared folder (one process, or one embedded emulator per worker) the process keeps its own.

When the maker could not make it, every test that needs it ends as the maker's did, in every
worker: *not tested* when something the run was not given was missing (a kind of resource of the
inventory, named), *blocked* by the violation when the target broke the contract on the way (the
`ContractViolation`, its exchange and all), unreachable when the target did not answer, and
failed on anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from cbr_conformance.outcome import NotTested, Why, not_tested
from cbr_conformance.resources.inventory import NoResourceAvailable
from cbr_conformance.target.client import ContractViolation, TargetUnreachable
from cbr_conformance.target.made import Made
from cbr_conformance.transport.recording import Exchange

_RECORD = "shared-{key}.json"
_CLAIM = "shared-{key}.making"
_POLL = 0.1


class SharedUnavailable(AssertionError):
    """The worker that made a shared resource failed to, for a reason neither missing from the run
    nor a violation of the target (or it never finished): each test that needs it fails alike."""


def _lacking(exc: BaseException) -> NoResourceAvailable | None:
    """The inventory's want behind a test not tested, if that was its cause (a lease)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NoResourceAvailable):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def failure_record(exc: BaseException) -> dict[str, Any]:
    """How a maker's failure is kept in the record: by its type, for the workers that read it."""
    if isinstance(exc, NotTested):
        lacking = _lacking(exc)
        wanted = None
        if lacking is not None:
            wanted = {
                "type": lacking.resource_type,
                "restore_target": lacking.restore_target,
                "total": lacking.total,
            }
        return {"not_tested": {"why": exc.why.value, "message": exc.msg, "lacking": wanted}}
    if isinstance(exc, ContractViolation):
        return {"violation": exc.exchange.to_dict()}
    if isinstance(exc, TargetUnreachable):
        return {"unreachable": str(exc)}
    return {"error": (str(exc).splitlines() or [type(exc).__name__])[0]}


def raise_recorded(key: str, record: dict[str, Any]) -> NoReturn:
    """End the test that needs `key` as the maker's own test ended (see `failure_record`)."""
    __tracebackhide__ = True
    if "not_tested" in record:
        told = record["not_tested"]
        wanted = told.get("lacking")
        if wanted is not None:
            try:
                raise NoResourceAvailable(
                    wanted["type"], restore_target=wanted["restore_target"], total=wanted["total"]
                )
            except NoResourceAvailable as lacking:
                not_tested(Why.INVENTORY, f"the run's shared {key} needs a resource: {lacking}")
        not_tested(Why(told["why"]), f"the run's shared {key} could not be made: {told['message']}")
    if "violation" in record:
        raise ContractViolation(Exchange.from_dict(record["violation"]))
    if "unreachable" in record:
        raise TargetUnreachable(record["unreachable"])
    raise SharedUnavailable(f"the run's shared {key} could not be made: {record['error']}")


class RunShared:
    """The run's shared resources, by key; `wait`: how long a worker waits for another to make
    one. What `make` creates is noted through `born`, for the record the controller deletes from."""

    def __init__(self, folder: Path | None, wait: float) -> None:
        self.folder = folder
        self.wait = wait
        self._memo: dict[str, dict[str, Any]] = {}
        self._made: list[Made] = []

    def born(self, made: Made) -> None:
        """Note a resource that `make` created (for the record the controller deletes from)."""
        self._made.append(made)

    def get(self, key: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The shared resource `key`: made by `make` here if no other worker has made it or is
        making it; otherwise what that worker made, once it is ready."""
        if key in self._memo:
            return self._memo[key]
        if self.folder is None:
            self._memo[key] = make()
            return self._memo[key]
        record, claim = self.folder / _RECORD.format(key=key), self.folder / _CLAIM.format(key=key)
        deadline = time.monotonic() + self.wait
        while True:
            if record.exists():
                value: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
                if "value" not in value:
                    raise_recorded(key, value)
                self._memo[key] = value["value"]
                return self._memo[key]
            try:
                os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise SharedUnavailable(
                        f"waited {self.wait:g} s for another worker to make the run's shared {key}"
                    ) from None
                time.sleep(_POLL)
                continue
            return self._make(key, make, record)

    def _make(self, key: str, make: Callable[[], dict[str, Any]], record: Path) -> dict[str, Any]:
        made_before = len(self._made)
        try:
            value = make()
        except BaseException as exc:
            self._write(record, {**failure_record(exc), "made": self._made[made_before:]})
            raise
        self._write(record, {"value": value, "made": self._made[made_before:]})
        self._memo[key] = value
        return value

    @staticmethod
    def _write(record: Path, content: dict[str, Any]) -> None:
        content["made"] = [{**asdict(m), "path": dict(m.path)} for m in content["made"]]
        partial = record.with_suffix(".partial")
        partial.write_text(json.dumps(content), encoding="utf-8")
        partial.replace(record)  # whole or absent: a worker never reads half a record


def recorded_made(folder: Path) -> list[Made]:
    """Everything the run's shared resources were made of, oldest first."""
    made: list[Made] = []
    for record in sorted(folder.glob(_RECORD.format(key="*"))):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            for item in json.loads(record.read_text(encoding="utf-8")).get("made", []):
                made.append(Made(**{**item, "path": dict(item["path"])}))
    return made
