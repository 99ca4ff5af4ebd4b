"""What every test of the project shares."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cbr_conformance.results.summary import SCHEMA_FILE, SCHEMA_VERSION

SUMMARY_VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """huaweicloudsdkcore writes $HOME/.huaweicloud when imported: keep it out of the real HOME."""
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(home))
    yield home
    patch.undo()


@pytest.fixture(autouse=True)
def summaries_follow_their_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every summary.json a test of the project makes (a run, a merge, a proxy's report) is valid
    against the published JSON Schema of summaries: a test that writes one fails otherwise."""
    started = time.time()
    yield
    base = tmp_path_factory.getbasetemp()
    written = [p for p in base.rglob("summary.json") if p.is_file() and p.stat().st_mtime >= started - 1]
    for path in written:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue  # a test's deliberately broken summary: the reader's refusal is tested elsewhere
        if isinstance(summary, dict) and summary.get("schema_version") == SCHEMA_VERSION:
            errors = sorted(SUMMARY_VALIDATOR.iter_errors(summary), key=lambda e: list(e.absolute_path))
            assert not errors, f"{path}: {errors[0].message} at {list(errors[0].absolute_path)}"
