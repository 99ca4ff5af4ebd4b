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
    CLOCK_WAIT,
    EXCHANGES,
    POSTCONDITIONS,
    RECORD,
    STEPS,
    TestNotes,
)
from cbr_conformance.plugin.options import suite_config
from cbr_conformance.plugin.workspace import workspace_of
from cbr_conformance.postconditions.checking import READ_BACK_WAIT, Memory, PostConditions
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources, new_run_prefix
from cbr_conformance.resources.run_shared import RunShared
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.settings.config import SETTINGS, SuiteConfig
from cbr_conformance.suite.markers import info_of
from cbr_conformance.suite.plan import SHARED_MAKER, allowance
from cbr_conformance.target import waiters
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.clock import ScenarioClock, TimeControl
from cbr_conformance.target.clock_lock import ClockLock
from cbr_conformance.target.creations import check_created
from cbr_conformance.target.endpoint import Target, start_target
from cbr_conformance.target.lifecycle import Cleanups
from cbr_conformance.target.made import Ledger, Made
from cbr_conformance.target.workspace import Pending
from cbr_conformance.testkit.scenario import SETTLE_SECONDS, Settle, Steps
from cbr_conformance.transport.auth import AkSkAuth, TokenAuth
from cbr_conformance.transport.recording import Exchange, Redactor

# --- session fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def cbr_config(pytestconfig: pytest.Config) -> SuiteConfig:
    return suite_config(pytestconfig)


@pytest.fixture(scope="session")
def cbr_contract(cbr_config: SuiteConfig) -> Contract:
    return Contract.for_profile(cbr_config.profile)


@pytest.fixture(scope="session")
def cbr_check_context(cbr_contract: Contract) -> CheckContext:
    return CheckContext(cbr_contract, Catalogue.load())


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


@pytest.fixture(scope="session")
def cbr_inventory(cbr_target: Target) -> Inventory:
    return _inventory(cbr_target, cbr_target.config.project_id or "")


@pytest.fixture(scope="session")
def cbr_second_inventory(cbr_target: Target) -> Inventory:
    return _inventory(cbr_target, cbr_target.config.second_project_id or "")


def _inventory(target: Target, project_id: str) -> Inventory:
    path = target.inventory_path
    if path is None or not path.exists() or not project_id:
        return Inventory.empty()
    if target.embedded:  # one emulator per xdist worker: the whole inventory is its own
        return Inventory.load(path, project_id, all_restore_targets=True)
    # One target for all the run's workers: each leases from the whole inventory, under locks the
    # workers share (named after the run), and waits for a resource another worker holds.
    workspace = target.workspace
    wait = target.config.max_wait
    return Inventory.load(path, project_id, lock_dir=workspace.folder, wait=wait, workspace=workspace)


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


def _declared(request: pytest.FixtureRequest) -> tuple[dict[str, int] | None, bool]:
    """What the test's cbr marker says it leases (None for a test without the marker)."""
    info = info_of(request.node) if isinstance(request.node, pytest.Item) else None
    return (dict(info.needs), info.restores) if info is not None else (None, False)


def _resources(
    client: CBRClient,
    inventory: Inventory,
    prefix: str,
    target: Target,
    cleanups: Cleanups,
    request: pytest.FixtureRequest | None = None,
) -> Resources:
    needs, restores = _declared(request) if request is not None else (None, False)
    return Resources(
        client,
        inventory,
        prefix,
        cleanups,
        max_wait=target.config.max_wait,
        poll_interval=target.config.poll_interval,
        read_only=target.config.read_only,
        needs=needs,
        restores=restores,
    )


@pytest.fixture(scope="session")
def cbr_run_shared_backups(
    pytestconfig: pytest.Config,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
    cbr_inventory: Inventory,
    cbr_prefix: str,
) -> Iterator[SharedBackups]:
    """Backups read-only tests share (Tempest's class-level resources, across the run's workers):
    made once, by the first test that needs one, and deleted when the run ends."""
    from cbr_conformance.plugin.shared import shared_folder

    cleanups = new_cleanups(cbr_target, SHARED_MAKER)
    folder = shared_folder(pytestconfig)
    shared = RunShared(folder, wait=2 * cbr_target.config.max_wait)
    client = make_client(cbr_target, cbr_check_context, cbr_redactor, cbr_http, cleanups=cleanups)

    def born(made: Made, maker: CBRClient) -> None:
        cleanups.born(made, maker)
        shared.born(made)

    client.on_made = born
    resources = _resources(client, cbr_inventory, f"{cbr_prefix}-shared", cbr_target, cleanups)
    yield SharedBackups(shared, resources)
    if folder is None:  # this process's own: deleted as its session ends
        cbr_target.workspace.pending.leftovers.extend(cleanups.run())


@pytest.fixture
def cbr_shared_backups(
    request: pytest.FixtureRequest, cbr_run_shared_backups: SharedBackups
) -> SharedBackups:
    """The run's shared backups, for a test whose marker declares the kinds it reads (needs=)."""
    return cbr_run_shared_backups.for_test(_declared(request)[0])


@pytest.fixture
def cbr_resources(
    request: pytest.FixtureRequest,
    cbr: CBRClient,
    cbr_inventory: Inventory,
    cbr_prefix: str,
    cbr_target: Target,
    cbr_cleanups: Cleanups,
) -> Resources:
    """Creates what a test needs in the project under test; `cbr_cleanups` deletes it at the end.
    It leases only what the test's marker declares (needs=, restores=)."""
    return _resources(cbr, cbr_inventory, cbr_prefix, cbr_target, cbr_cleanups, request)


@pytest.fixture
def cbr_second_resources(
    cbr_second: CBRClient,
    cbr_second_inventory: Inventory,
    cbr_prefix: str,
    cbr_target: Target,
    cbr_cleanups: Cleanups,
) -> Resources:
    """The same for the second project. Both share the test's cleanups, newest first, so that a
    share is stopped before its backup goes, and a backup before its vault, across projects."""
    return _resources(cbr_second, cbr_second_inventory, cbr_prefix, cbr_target, cbr_cleanups)


@pytest.fixture
def cbr_bad_auths(cbr: CBRClient) -> dict[str, Any]:
    """Credentials that must be refused with 401: none, a wrong token, a wrong signature."""
    from cbr_conformance.transport.auth import NoAuth

    return {
        "missing": NoAuth(),
        "bad-token": TokenAuth("not-a-valid-token-" + "0" * 16),
        "bad-signature": AkSkAuth("UNKNOWNACCESSKEY0000", "wrong-secret-key-000000000000000000000"),
    }


@pytest.fixture
def cbr_notes(request: pytest.FixtureRequest) -> TestNotes:
    """What the test tells its report beyond its outcome: a fuzz test's answers, a chain's
    operations exercised and not reached."""
    notes = TestNotes()
    request.node.stash[RECORD] = notes
    return notes


@pytest.fixture
def cbr_steps(request: pytest.FixtureRequest) -> Steps:
    """Record the steps of a scenario: `cbr_steps("created vault v-1")`; the report shows them."""
    steps = Steps()
    request.node.stash[STEPS] = steps
    return steps


@pytest.fixture(scope="session")
def cbr_clock_lock(pytestconfig: pytest.Config, cbr_target: Target) -> ClockLock:
    """Who moves the target's clock (target/clock_lock.py): one test of the run at a time, across the
    workers that share one target; an owner waits for another as long as for a resource."""
    from cbr_conformance.plugin.shared import shared_folder

    return ClockLock(shared_folder(pytestconfig), wait=cbr_target.config.max_wait)


@pytest.fixture
def cbr_clock(
    request: pytest.FixtureRequest, cbr_target: Target, cbr_http: requests.Session, cbr_clock_lock: ClockLock
) -> Iterator[ScenarioClock]:
    """The target's clock, for scenarios that need time to pass, owned by the test from its set-up
    to its teardown: no other test of the run moves it meanwhile. Not tested on targets without
    time control, or when another test keeps the clock past the wait."""
    if cbr_target.control_url is None:
        not_tested(
            Why.TIME_CONTROL,
            "needs time control: the embedded emulator's, or a standalone cbr-emulator's given with "
            "--control-url (CBR_CONTROL_URL)",
        )
    with cbr_clock_lock.own() as waited:
        request.node.stash[CLOCK_WAIT] = waited
        yield ScenarioClock(TimeControl(cbr_target.control_url, cbr_http))


@pytest.fixture
def cbr_settle(cbr_target: Target, cbr_http: requests.Session, cbr_clock_lock: ClockLock) -> Settle:
    """Call after starting a backup or restore: moves a controllable clock past the work's delay,
    unless another test owns the clock (`cbr_clock`): then, as on targets without time control,
    nothing moves and the waiters wait in real time."""
    if cbr_target.control_url is None:
        return lambda: None
    clock = TimeControl(cbr_target.control_url, cbr_http)

    def settle() -> None:
        with cbr_clock_lock.share() as free:
            if free:
                clock.advance(SETTLE_SECONDS)

    return settle
