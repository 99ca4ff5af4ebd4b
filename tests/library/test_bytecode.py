"""A run's workers share compiled modules even where the environment forbids writing bytecode."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cbr_conformance.plugin.bytecode import DONT_WRITE, PREFIX, shared_bytecode


def test_workers_write_bytecode_to_the_suites_cache_and_the_environment_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(DONT_WRITE, "1")
    monkeypatch.delenv(PREFIX, raising=False)
    flag = sys.dont_write_bytecode
    with shared_bytecode() as folder:
        assert folder is not None and folder.is_relative_to(tmp_path / "cbr-conformance")
        assert DONT_WRITE not in os.environ and os.environ[PREFIX] == str(folder)
        assert sys.pycache_prefix == str(folder) and not sys.dont_write_bytecode
    assert os.environ[DONT_WRITE] == "1" and PREFIX not in os.environ
    assert sys.dont_write_bytecode == flag


def test_a_cache_folder_of_the_users_own_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DONT_WRITE, "1")
    monkeypatch.setenv(PREFIX, str(tmp_path))
    with shared_bytecode() as folder:
        assert folder is None and os.environ[DONT_WRITE] == "1"


def test_an_unwritable_cache_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setenv(DONT_WRITE, "1")
    monkeypatch.delenv(PREFIX, raising=False)
    with shared_bytecode() as folder:
        assert folder is None and os.environ[DONT_WRITE] == "1"
