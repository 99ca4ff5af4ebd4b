"""A pytest plugin for bench/suite_speed.py: when each process of a run reached each phase.

Loaded with `-p timeline_plugin` (bench/ on PYTHONPATH); each process (the controller and every
xdist worker) appends JSON lines `{"t": epoch seconds, "cpu": its CPU seconds so far, "who":
"controller" | "gw0"..., "what": ..., "test": node id}` to the file named by CBR_BENCH_TIMELINE.
"""

from __future__ import annotations

import json
import os
import time

import pytest

_FILE = os.environ.get("CBR_BENCH_TIMELINE", "")
_WHO = os.environ.get("PYTEST_XDIST_WORKER", "controller")


def _mark(what: str, nodeid: str | None = None) -> None:
    if _FILE:
        with open(_FILE, "a", encoding="utf-8") as out:
            record = {"t": time.time(), "cpu": time.process_time(), "who": _WHO, "what": what}
            if nodeid:
                record["test"] = nodeid
            out.write(json.dumps(record) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    _mark("configured")


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _WHO != "controller":
        _mark("test started", nodeid)


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _WHO != "controller":
        _mark("test finished", nodeid)


def pytest_unconfigure(config: pytest.Config) -> None:
    _mark("unconfigured")
