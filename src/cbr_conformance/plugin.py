"""pytest plugin (entry point `pytest11`): options, fixtures and reporting hooks of the suite.

Run the suite with `pytest conformance/ [--target-url URL ...]`; with no URL the embedded
emulator is started for the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_conformance.auth import AkSkAuth, TokenAuth
from cbr_conformance.catalogue import Catalogue
from cbr_conformance.checks import CheckContext
from cbr_conformance.client import CBRClient
from cbr_conformance.config import ConfigError, SuiteConfig, load_config
from cbr_conformance.contract import Contract
from cbr_conformance.errata import letter_patches, load_errata
from cbr_conformance.inventory import Inventory
from cbr_conformance.markers import MARKER_HELP, info_of
from cbr_conformance.recording import Exchange, Redactor
from cbr_conformance.resources import Resources, new_run_prefix
from cbr_conformance.scenario import SETTLE_SECONDS, Settle, Steps, TimeControl
from cbr_conformance.target import Target, start_target

EXCHANGES = pytest.StashKey[list[Exchange]]()
STEPS = pytest.StashKey[Steps]()
OPTIONS = {
    "target_url": "--target-url",
    "project_id": "--project-id",
    "profile": "--profile",
    "read_only": "--read-only",
    "inventory": "--inventory",
    "timeout": "--request-timeout",
    "poll_interval": "--poll-interval",
    "max_wait": "--max-wait",
    "run_prefix": "--run-prefix",
    "fuzz_examples": "--fuzz-examples",
    "seed": "--fuzz-seed",
    "fuzz_seconds": "--fuzz-seconds",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cbr", "CBR conformance (secrets come from the environment only)")
    group.addoption(
        "--target-url", help="CBR endpoint to test (env CBR_TARGET_URL); default: embedded emulator"
    )
    group.addoption("--project-id", help="project to test (env CBR_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)")
    group.addoption(
        "--cbr-config", type=Path, help="TOML file with [cbr-conformance] settings (env CBR_CONFIG)"
    )
    group.addoption(
        "--profile", choices=("errata", "strict"), help="errata (default) or strict (reference letter)"
    )
    group.addoption(
        "--read-only", action="store_true", default=None, help="only GET operations, create nothing"
    )
    group.addoption(
        "--inventory", type=Path, help="JSON file of the target's resources the suite may back up"
    )
    group.addoption("--request-timeout", type=float, help="seconds per HTTP request (default 30)")
    group.addoption("--poll-interval", type=float, help="seconds between polls of asynchronous states")
    group.addoption("--max-wait", type=float, help="seconds to wait for an asynchronous state (default 120)")
    group.addoption("--run-prefix", help="prefix of every resource name this run creates")
    group.addoption("--fuzz-examples", type=int, help="generated cases per operation and mode (default 10)")
    group.addoption("--fuzz-seconds", type=float, help="time budget per operation and mode (default 20)")
    group.addoption("--fuzz-seed", type=int, help="seed of the fuzzing (default fixed; env CBR_SEED)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def _suite_config(config: pytest.Config) -> SuiteConfig:
    flags = {name: config.getoption(option) for name, option in OPTIONS.items()}
    try:
        return load_config(flags, config_file=config.getoption("--cbr-config"))
    except ConfigError as exc:
        raise pytest.UsageError(f"cbr-conformance: {exc}") from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests first; in read-only mode, only the tests that send nothing but GET requests and
    create nothing."""

    # The fuzz tests, the longest, run first, so that parallel workers do not finish one behind
    # the other on a long test collected last. The stateful machine keeps its place after them: it
    # reuses the generation strategies the fuzz tests of its worker built, and costs twice as much
    # without. The sort is stable: each module's tests keep their order and stay together.
    items.sort(key=lambda item: 0 if getattr(info_of(item), "kind", None) == "fuzz" else 1)
    if not _suite_config(config).read_only:
        return
    from cbr_conformance.contract import Contract

    methods = {op.operation_id: op.method for op in Contract.load()}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        info = info_of(item)
        writes = info is None or info.mutates or any(methods.get(op) != "GET" for op in info.operations)
        (drop if writes else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# Kinds whose requests are written by hand, so each must be one the spec allows unless the test
# says otherwise; fuzz and stateful requests come from the spec itself.
_HAND_BUILT_KINDS = ("contract", "scenario")


class UnintendedInvalidRequest(AssertionError):
    """A test sent a request the spec forbids without meaning to: a defect of the test, which
    would otherwise hold the target to a rule of the test's own making."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    info = info_of(item)
    if info is None or info.kind not in _HAND_BUILT_KINDS:
        return result
    unintended = [
        f"{e.method} {e.url}: " + "; ".join(e.request_errors)
        for e in item.stash.get(EXCHANGES, [])
        if e.request_errors and not e.deliberately_invalid
    ]
    if unintended:
        raise UnintendedInvalidRequest(
            f"the test sent {len(unintended)} request(s) the spec does not allow (a defect of the test; "
            "pass invalid=True where that is the point):\n  " + "\n  ".join(unintended)
        )
    return result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    info = info_of(item)
    if info is not None and call.when == "setup":
        report.user_properties += [
            ("cbr_operation", ",".join(info.operations)),
            ("cbr_kind", info.kind),
            ("cbr_mutates", str(info.mutates).lower()),
            ("cbr_id", info.id),
        ]
    exchanges = item.stash.get(EXCHANGES, [])
    if report.failed and exchanges:
        # The last exchanges tell what went wrong; all of them are redacted already.
        report.user_properties.append(("cbr_exchanges", json.dumps([e.to_dict() for e in exchanges[-10:]])))
    if info is not None and info.kind == "negative" and call.when == "call":
        # Whether the refused request breaks a rule the spec states, or one only the service knows
        # (an unknown id, a sharing rule...): read from the request measure of its exchanges.
        breaks = "schema" if any(e.request_errors for e in exchanges) else "service"
        report.user_properties.append(("cbr_breaks", breaks))
    steps = item.stash.get(STEPS, None)
    if steps is not None and steps.lines and call.when == "call":
        report.user_properties.append(("cbr_steps", json.dumps(steps.lines)))


# --- session fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def cbr_config(pytestconfig: pytest.Config) -> SuiteConfig:
    return _suite_config(pytestconfig)


@pytest.fixture(scope="session")
def cbr_contract(cbr_config: SuiteConfig) -> Contract:
    patches = letter_patches(load_errata()) if cbr_config.profile == "strict" else None
    return Contract.load(letter_patches=patches)


@pytest.fixture(scope="session")
def cbr_check_context(cbr_contract: Contract) -> CheckContext:
    return CheckContext(cbr_contract, Catalogue.load())


@pytest.fixture(scope="session")
def cbr_target(cbr_config: SuiteConfig) -> Iterator[Target]:
    target = start_target(cbr_config)
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
def cbr_prefix(cbr_config: SuiteConfig) -> str:
    return cbr_config.run_prefix or new_run_prefix()


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
        return Inventory.load(path, project_id)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return Inventory.load(path, project_id, int(worker.removeprefix("gw") or 0), workers)


# --- per-test fixtures ----------------------------------------------------------------------


SECOND_PROJECT_MISSING = (
    "needs a second project: set CBR_SECOND_PROJECT_ID and its credentials "
    "(CBR_SECOND_AUTH_TOKEN, or CBR_SECOND_AK and CBR_SECOND_SK)"
)


def make_client(
    target: Target,
    context: CheckContext,
    redactor: Redactor,
    session: requests.Session,
    exchanges: list[Exchange] | None = None,
    second: bool = False,
) -> CBRClient:
    """A client of the target's first (or second) project; skips when that project is not configured."""
    access = target.config.secondary() if second else target.config.primary()
    if access is None:
        pytest.skip(SECOND_PROJECT_MISSING)
    return CBRClient(
        target.url,
        access.project_id,
        access.auth,
        context,
        timeout=target.config.timeout,
        redactor=redactor,
        on_exchange=exchanges.append if exchanges is not None else None,
        session=session,
    )


def _client(
    request: pytest.FixtureRequest,
    target: Target,
    context: CheckContext,
    redactor: Redactor,
    session: requests.Session,
    second: bool = False,
) -> CBRClient:
    exchanges = request.node.stash.setdefault(EXCHANGES, [])
    return make_client(target, context, redactor, session, exchanges, second)


@pytest.fixture
def cbr(
    request: pytest.FixtureRequest,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
) -> CBRClient:
    """The client of the project under test; every response it gets is checked against the spec."""
    return _client(request, cbr_target, cbr_check_context, cbr_redactor, cbr_http)


@pytest.fixture
def cbr_second(
    request: pytest.FixtureRequest,
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
) -> CBRClient:
    """The client of a second project (backup sharing, isolation); skips when none is configured."""
    return _client(request, cbr_target, cbr_check_context, cbr_redactor, cbr_http, second=True)


def _resources(client: CBRClient, inventory: Inventory, prefix: str, target: Target) -> Iterator[Resources]:
    resources = Resources(
        client,
        inventory,
        prefix,
        max_wait=target.config.max_wait,
        poll_interval=target.config.poll_interval,
        read_only=target.config.read_only,
    )
    try:
        yield resources
    finally:
        failures = resources.cleanup()
        if failures:
            pytest.fail(
                f"cleanup left resources of project {client.project_id} behind:\n" + "\n".join(failures),
                pytrace=False,
            )


@pytest.fixture
def cbr_resources(
    cbr: CBRClient, cbr_inventory: Inventory, cbr_prefix: str, cbr_target: Target
) -> Iterator[Resources]:
    """Creates what a test needs in the project under test, and deletes it when the test ends."""
    yield from _resources(cbr, cbr_inventory, cbr_prefix, cbr_target)


@pytest.fixture
def cbr_second_resources(
    cbr_second: CBRClient,
    cbr_second_inventory: Inventory,
    cbr_resources: Resources,
    cbr_prefix: str,
    cbr_target: Target,
) -> Iterator[Resources]:
    """The same for the second project. It depends on `cbr_resources` so that its cleanups (share
    records, the second project's vaults) run before the first project's backups and vaults go."""
    yield from _resources(cbr_second, cbr_second_inventory, cbr_prefix, cbr_target)


@pytest.fixture
def cbr_bad_auths(cbr: CBRClient) -> dict[str, Any]:
    """Credentials that must be refused with 401: none, a wrong token, a wrong signature."""
    from cbr_conformance.auth import NoAuth

    return {
        "missing": NoAuth(),
        "bad-token": TokenAuth("not-a-valid-token-" + "0" * 16),
        "bad-signature": AkSkAuth("UNKNOWNACCESSKEY0000", "wrong-secret-key-000000000000000000000"),
    }


@pytest.fixture
def cbr_steps(request: pytest.FixtureRequest) -> Steps:
    """Record the steps of a scenario: `cbr_steps("created vault v-1")`; the report shows them."""
    steps = Steps()
    request.node.stash[STEPS] = steps
    return steps


@pytest.fixture
def cbr_clock(cbr_target: Target, cbr_http: requests.Session) -> TimeControl:
    """The target's clock, for scenarios that need time to pass; skips on targets without control."""
    if cbr_target.control_url is None:
        pytest.skip("needs time control, which only the embedded emulator offers (its /_emulator/clock API)")
    return TimeControl(cbr_target.control_url, cbr_http)


@pytest.fixture
def cbr_settle(cbr_target: Target, cbr_http: requests.Session) -> Settle:
    """Call after starting a backup or restore: moves a controllable clock past the work's delay;
    on other targets does nothing (the waiters then wait in real time)."""
    if cbr_target.control_url is None:
        return lambda: None
    clock = TimeControl(cbr_target.control_url, cbr_http)
    return lambda: clock.advance(SETTLE_SECONDS)
