"""The mutant set of `bench/mutants.py` keeps its promises: each mutant changes what the target
does on a short walk over the API (the time-driven ones: a walk that moves the target's clock),
and every answer it gives stays valid against the contract (status documented, JSON, schema,
catalogued error code); a benign change changes no answer's meaning either.
(tests/shared_target/test_mutants.py takes one of each through a whole run.)"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext, response_violations
from cbr_conformance.contract.spec import Contract
from cbr_conformance.transport.recording import Exchange
from tests.shared_target.harness import emulator_process
from tests.shared_target.mutant_probe import probe, probe_timed, tidy
from tests.shared_target.mutant_set import ALL, BENIGN, MUTANTS, Kind, Mutant
from tests.shared_target.mutating_proxy import MutatingProxy


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone emulator at a URL, as the bench's runs have (fast backups: 50 ms)."""
    with emulator_process(tmp_path_factory.mktemp("emulator") / "cbr.sqlite3", async_delay=0.05) as url:
        yield url


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(Contract.for_profile("errata"), Catalogue.load())


def _violations(context: CheckContext, answer: requests.Response) -> list[str]:
    request = answer.request
    path = urlsplit(request.url or "").path
    matched = context.contract.match(request.method or "GET", path)
    assert matched is not None, f"{request.method} {path}: no operation of the contract"
    exchange = Exchange(
        matched[0].operation_id,
        request.method or "GET",
        request.url or "",
        {},
        None,
        status=answer.status_code,
        response_headers={**answer.headers, "Content-Length": str(len(answer.content))},
        response_text=answer.text,
    )
    return [
        f"{request.method} {path} {answer.status_code}: {v}" for v in response_violations(context, exchange)
    ]


def test_the_set_is_large_and_named_once() -> None:
    assert len(MUTANTS) >= 30
    assert len({m.name for m in ALL}) == len(ALL)
    assert {m.kind for m in MUTANTS} == set(Kind) - {Kind.BENIGN}
    assert all(m.operations for m in MUTANTS) and not any(m.operations for m in BENIGN)


@pytest.mark.parametrize("mutant", ALL, ids=[m.name for m in ALL])
def test_a_mutant_fires_and_every_answer_stays_valid(
    mutant: Mutant, standalone: str, context: CheckContext
) -> None:
    url = standalone
    behaviour = mutant.make(url)
    try:
        with MutatingProxy(url, on_request=behaviour.on_request, on_answer=behaviour.on_answer) as proxy:
            walk = probe_timed if mutant.kind is Kind.TIME_DRIVEN else probe
            answers = walk(url, proxy.url)
    finally:
        tidy(url)
    if mutant.name != "none":
        assert behaviour.fired > 0, f"{mutant.name} changed nothing on the walk"
    assert behaviour.errors == []
    found = [v for answer in answers for v in _violations(context, answer)]
    assert found == []
