"""Fixtures of the command-line tests: a programmable target, and an environment of known settings."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.library.fake_target import FakeTarget, serve

TOKEN = "known-token-for-the-report-test-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeTarget]:
    yield from serve()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting of the machine's own environment leaks in; a project and a token are set."""
    for name in list(os.environ):
        if name.startswith(("CBR_", "HUAWEICLOUD_SDK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CBR_PROJECT_ID", "p-1")
    monkeypatch.setenv("CBR_AUTH_TOKEN", TOKEN)
    return monkeypatch
