"""Resources made once for a whole run and only read by the tests that use them.

Tempest's class-level resources, across pytest-xdist workers: against a target whose backups take
minutes, ten read-only tests that each make their own backup wait ten times for the same thing.
The first worker that needs a shared resource makes it; the others wait for it and read its ids
from a file of the run's shared folder. A test that changes a backup keeps its own.

What a shared resource is made of is recorded in the run's ledger like anything else, and in its
record; the run's controller deletes it when every worker is done (plugin/shared.py). With no
shared folder (one process, or one embedded emulator per worker) the process keeps its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cbr_conformance.lifecycle import Made

_RECORD = "shared-{key}.json"
_CLAIM = "shared-{key}.making"
_POLL = 0.1


class SharedUnavailable(AssertionError):
    """The worker that made a shared resource failed to: each test that needs it fails alike."""


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
                if "error" in value:
                    raise SharedUnavailable(f"the run's shared {key} could not be made: {value['error']}")
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
            first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
            self._write(record, {"error": first_line, "made": self._made[made_before:]})
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
