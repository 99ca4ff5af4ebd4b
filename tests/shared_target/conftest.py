"""A correct, persistent emulator for the tests that put a misbehaving proxy in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_target.harness import emulator_process, suite_inventory


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Its URL (fast backups: 50 ms) and the inventory the suite gets."""
    folder = tmp_path_factory.mktemp("emulator")
    with emulator_process(folder / "cbr.sqlite3", async_delay=0.05) as url:
        yield url, suite_inventory(folder)
