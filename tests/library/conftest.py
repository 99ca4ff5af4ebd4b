from __future__ import annotations

from collections.abc import Iterator

import pytest

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.spec import Contract
from cbr_conformance.target.client import CBRClient
from cbr_conformance.transport.auth import TokenAuth
from cbr_conformance.transport.recording import Exchange

from .fake_target import FakeTarget, serve

TOKEN = "test-token-0123456789-secret"


@pytest.fixture(scope="session")
def context() -> CheckContext:
    return CheckContext(Contract.load(), Catalogue.load())


@pytest.fixture
def fake() -> Iterator[FakeTarget]:
    yield from serve()


@pytest.fixture
def recorded() -> list[Exchange]:
    return []


@pytest.fixture
def client(fake: FakeTarget, context: CheckContext, recorded: list[Exchange]) -> CBRClient:
    return CBRClient(fake.url, "p-1", TokenAuth(TOKEN), context, timeout=5, on_exchange=recorded.append)
