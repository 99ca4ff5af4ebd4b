"""Compiled modules that a run's worker processes share.

Every pytest-xdist worker imports the same ~1,000 modules (pytest, hypothesis, schemathesis, the
suite), and pytest rewrites the asserts of its plugins' packages. Where the environment asks
Python not to write bytecode (PYTHONDONTWRITEBYTECODE, common in container images), each worker
compiles all of them again: ~2 s of CPU a worker, paid before any test runs. The run's processes
then keep their bytecode in a cache folder of the suite's own, not beside the sources, which is
what that variable is usually set to avoid.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DONT_WRITE = "PYTHONDONTWRITEBYTECODE"
PREFIX = "PYTHONPYCACHEPREFIX"


def cache_folder() -> Path:
    """The user's cache folder for the suite's bytecode (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cbr-conformance" / f"pycache-{sys.implementation.cache_tag}"


@contextmanager
def shared_bytecode() -> Iterator[Path | None]:
    """While inside: this process and the workers it starts write and reuse bytecode in
    `cache_folder()`, if the environment forbade bytecode and names no cache folder of its own.
    Yields the folder used, None when nothing changed."""
    if not (sys.dont_write_bytecode or os.environ.get(DONT_WRITE)) or os.environ.get(PREFIX):
        yield None
        return
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder)  # noqa: SIM115 (a probe of writability)
        probe.close()
    except OSError:  # a read-only home: compile as before
        yield None
        return
    saved = {name: os.environ.get(name) for name in (DONT_WRITE, PREFIX)}
    saved_flag, saved_prefix = sys.dont_write_bytecode, sys.pycache_prefix
    os.environ.pop(DONT_WRITE, None)
    os.environ[PREFIX] = str(folder)
    sys.dont_write_bytecode, sys.pycache_prefix = False, str(folder)
    try:
        yield folder
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved_flag, saved_prefix
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
