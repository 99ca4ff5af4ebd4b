"""The garbage collector of a run's processes: what it scans, and when.

A worker holds ~1 million objects from its imports and collection (hypothesis, schemathesis, the
contract), none of which become garbage. Frozen after collection, they are no longer scanned by
every collection the fuzzing's allocations set off. Frozen again at the end, the interpreter's
collections at exit skip them: a dozen workers each spent ~0.5 s of CPU there, and the controller
waits for every worker to exit (on 2 cores: 2.7 s of the run's tail, 0.4 s frozen).
"""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    gc.freeze()
