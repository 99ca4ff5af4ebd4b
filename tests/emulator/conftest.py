"""Fixtures of the emulator's tests: an isolated HOME, an app per test, API helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from cbr_emulator.app import create_app
from cbr_emulator.config import Settings
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.helpers import Api, Control

# Virtual seconds from "protecting" to "available": tests advance the clock instead of sleeping.
TEST_ASYNC_DELAY = 30.0


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(Settings(async_delay=TEST_ASYNC_DELAY))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.backend.close()


@pytest.fixture
def api_a(client: TestClient) -> Api:
    first = DEFAULT_CREDENTIALS[0]
    return Api(client, first.project_id, first.tokens[0])


@pytest.fixture
def api_b(client: TestClient) -> Api:
    second = DEFAULT_CREDENTIALS[1]
    return Api(client, second.project_id, second.tokens[0])


@pytest.fixture
def control(client: TestClient) -> Control:
    return Control(client)
