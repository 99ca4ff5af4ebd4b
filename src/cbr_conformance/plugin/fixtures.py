"""The fixtures conformance tests use: the target, its clients, resources, clock and helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.exchange_facts import FactFinder
from cbr_conformance.contract.spec import Contract
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.plugin.keys import (
    CALL_FAILED,
    EXCHANGES,
    POSTCONDITIONS,
)
from cbr_conformance.plugin.options import suite_config
from cbr_conformance.plugin.workspace import workspace_of
from cbr_conformance.postconditions.checking import READ_BACK_WAIT, Memory, PostConditions
from cbr_conformance.resources.provision import new_run_prefix
from cbr_conformance.settings.config import SETTINGS, SuiteConfig
from cbr_conformance.suite.markers import info_of
from cbr_conformance.suite.plan import allowance
from cbr_conformance.target import waiters
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.creations import check_created
from cbr_conformance.target.endpoint import Target, start_target
from cbr_conformance.target.lifecycle import Cleanups
from cbr_conformance.target.made import Ledger
from cbr_conformance.target.workspace import Pending
from cbr_conformance.transport.auth import AkSkAuth, TokenAuth
from cbr_conformance.transport.recording import Exchange, Redactor

# --- session fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def cbr_config(pytestconfig: pytest.Config) -> SuiteConfig:
    return suite_config(pytestconfig)


@pytest.fixture(scope="session")
def cbr_contract(cbr_config: SuiteConfig) -> Contract:
    return Contract.for_profile(cbr_config.profile, cbr_config.spec)


@pytest.fixture(scope="session")
def cbr_check_context(cbr_contract: Contract) -> CheckContext:
    return CheckContext(cbr_contract, Catalogue.of(cbr_contract))


@pytest.fixture(scope="session")
def cbr_target(cbr_config: SuiteConfig, pytestconfig: pytest.Config) -> Iterator[Target]:
    target = start_target(cbr_config, workspace_of(pytestconfig))
    try:
        yield target
    finally:
        target.stop()


@pytest.fixture(scope="session")
def cbr_redactor(cbr_target: Target) -> Redactor:
    return Redactor(cbr_target.config.secrets())


@pytest.fixture(scope="session")
def cbr_http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def cbr_prefix(cbr_config: SuiteConfig, pytestconfig: pytest.Config) -> str:
    # Under xdist every worker of one run shares the run's id: one prefix for the whole run.
    return cbr_config.run_prefix or new_run_prefix(workspace_of(pytestconfig).run_uid)


# --- per-test fixtures ----------------------------------------------------------------------


SECOND_PROJECT_MISSING = (
    f"needs a second project: set {SETTINGS['second_project_id'].env[0]} and its credentials "
    f"({SETTINGS['second_token'].env[0]}, or {SETTINGS['second_ak'].env[0]} and "
    f"{SETTINGS['second_sk'].env[0]})"
)


def _recorder(
    contract: Contract, exchanges: list[Exchange] | None, pending: Pending
) -> Callable[[Exchange], None]:
    """Keeps a client's exchanges for the test's report (when given a list), and the facts of
    every one for the run's contract coverage, whatever test or fixture sends it."""
    finder = contract.derived("coverage: fact finder", FactFinder)

    def record(exchange: Exchange) -> None:
        if exchanges is not None:
            exchanges.append(exchange)
        facts = finder.facts(exchange)
        if facts is not None and waiters.depends_on_timing(exchange.status, exchange.response_text):
            facts.timed = True
        pending.facts.add(facts)

    return record


def make_client(
    target: Target,
    context: CheckContext,
    redactor: Redactor,
    session: requests.Session,
    exchanges: list[Exchange] | None = None,
    second: bool = False,
    cleanups: Cleanups | None = None,
    postconditions: PostConditions | None = None,
) -> CBRClient:
    """A client of the target's first (or second) project; skips when that project is not
    configured. What its requests make is registered with `cleanups` the moment it exists; what
    its checked 2xx answers imply is read back by `postconditions`."""
    access = target.config.secondary() if second else target.config.primary()
    if access is None:
        not_tested(Why.SECOND_PROJECT, SECOND_PROJECT_MISSING)
    return CBRClient(
        target.url,
        access.project_id,
        access.auth,
        context,
        timeout=target.config.request_timeout,
        redactor=redactor,
        on_exchange=_recorder(context.contract, exchanges, target.workspace.pending),
        session=session,
        read_only=target.config.read_only,
        on_made=cleanups.born if cleanups is not None else None,
        allow_restore=target.config.allow_restore,
        max_vault_size=target.config.max_vault_size,
        workspace=target.workspace,
        postconditions=postconditions,
    )


def new_cleanups(target: Target, by: str = "") -> Cleanups:
    """Cleanups of what `by` (a test's node id, a fixture's name) makes, noted in the run's ledger."""
    ledger = Ledger(target.config.ledger) if target.config.ledger else None
    return Cleanups(target.config.max_wait, target.config.poll_interval, ledger, by)


@pytest.fixture
def cbr_cleanups(
    request: pytest.FixtureRequest, cbr_target: Target, cbr_contract: Contract
) -> Iterator[Cleanups]:
    """Everything the test's requests make, in both projects, and the test's own undo steps: run
    newest first when the test ends, whatever its outcome. What cannot be undone is a leftover,
    reported apart from the verdict (it is the project's state, not the target's conformance)."""
    cleanups = new_cleanups(cbr_target, request.node.nodeid)
    yield cleanups
    cbr_target.workspace.pending.leftovers.extend(cleanups.run())
    # A deletion that never took effect, or a read that misreported one, fails the test that made
    # the resource (hit or blocked, target/stalls.py), unless the test failed already on its own account.
    if not request.node.stash.get(CALL_FAILED, False):
        cleanups.raise_failure()
        # More than its marker declares (creates=) makes run --plan count short: a defect of the
        # test. A test that failed may have met a target that let through what it must refuse.
        info = info_of(request.node) if isinstance(request.node, pytest.Item) else None
        if info is not None:
            declared, cases = allowance(info, cbr_target.config, cbr_contract)
            check_created(declared, cleanups.created, cases)


def _client(
    request: pytest.FixtureRequest,
    target: Target,
    context: CheckContext,
    redactor: Redactor,
    session: requests.Session,
    cleanups: Cleanups,
    postconditions: PostConditions | None,
    second: bool = False,
) -> CBRClient:
    exchanges = request.node.stash.setdefault(EXCHANGES, [])
    return make_client(target, context, redactor, session, exchanges, second, cleanups, postconditions)


@pytest.fixture(scope="session")
def cbr_postcondition_memory() -> Memory:
    """What this process saw of the resources' immutable fields, and the post-conditions found
    broken already (not waited for again), across its tests."""
    return Memory()


@pytest.fixture
def cbr_postconditions(
    request: pytest.FixtureRequest, cbr_target: Target, cbr_postcondition_memory: Memory
) -> PostConditions | None:
    """The test's post-condition checks: after each checked 2xx of its clients, what the answer
    implies is read back, for at most READ_BACK_WAIT seconds (or --max-wait, if shorter). None
    for a negative test: a 2xx there is its own violation, named by the test's rule."""
    info = info_of(request.node) if isinstance(request.node, pytest.Item) else None
    if info is not None and info.kind == "negative":
        return None
    config = cbr_target.config
    checks = PostConditions(
        cbr_postcondition_memory, wait=min(READ_BACK_WAIT, config.max_wait), interval=config.poll_interval
    )
    request.node.stash[POSTCONDITIONS] = checks
    return checks


@pytest.fixture
def cbr(
    request: pytest.FixtureRequest,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
    cbr_cleanups: Cleanups,
    cbr_postconditions: PostConditions | None,
) -> CBRClient:
    """The client of the project under test; every response it gets is checked against the spec,
    and what every checked 2xx implies is read back (postconditions/)."""
    return _client(
        request, cbr_target, cbr_check_context, cbr_redactor, cbr_http, cbr_cleanups, cbr_postconditions
    )


@pytest.fixture
def cbr_second(
    request: pytest.FixtureRequest,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
    cbr_cleanups: Cleanups,
    cbr_postconditions: PostConditions | None,
) -> CBRClient:
    """The client of a second project (backup sharing, isolation); skips when none is configured."""
    return _client(
        request, cbr_target, cbr_check_context, cbr_redactor, cbr_http, cbr_cleanups, cbr_postconditions,
        second=True,
    )  # fmt: skip


@pytest.fixture
def cbr_bad_auths(cbr: CBRClient) -> dict[str, Any]:
    """Credentials that must be refused with 401: none, a wrong token, a wrong signature."""
    from cbr_conformance.transport.auth import NoAuth

    return {
        "missing": NoAuth(),
        "bad-token": TokenAuth("not-a-valid-token-" + "0" * 16),
        "bad-signature": AkSkAuth("UNKNOWNACCESSKEY0000", "wrong-secret-key-000000000000000000000"),
    }
