"""Before a run against a URL: is the target there, is it CBR, does it take each project's credentials,
and what the inventory leaves untested."""

from __future__ import annotations

import argparse
import contextlib
import io
from typing import Any

from cbr_conformance.cli.common import contract_of, forwarded_args, isolated_args, suite_args
from cbr_conformance.cli.exits import TargetProblem
from cbr_conformance.plugin.isolation import only_named_plugins
from cbr_conformance.settings.config import SETTINGS, SuiteConfig
from cbr_conformance.settings.registry import ProjectAccess
from cbr_conformance.suite.test_kinds import CollectedTest, CollectionFailed
from cbr_conformance.transport.auth import AkSkAuth


def preflight(config: SuiteConfig) -> None:
    """For a remote target: is it there, is it CBR, does it take each project's credentials?

    Both projects are asked, so that one message names every credential the target refuses.
    """
    if config.embedded:
        return
    from cbr_conformance.target.client import TargetUnreachable, client_for

    config.check_target_access()
    if config.control_url:
        _check_control(config.control_url, min(config.request_timeout, 15))
    contract = contract_of(config.profile, config.spec)
    refused: list[str] = []
    for second, access in ((False, config.primary()), (True, config.secondary())):
        if access is None:
            continue
        client = client_for(config, contract, timeout=min(config.request_timeout, 15), access=access)
        try:
            response = client.call("list_vaults", query={"limit": 1}, check=False)
        except TargetUnreachable as exc:
            raise TargetProblem(f"the target does not answer: {exc}") from None
        exchange = response.exchange
        try:
            body = response.json()  # redacted: the client hides the credentials in what it returns
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TargetProblem(
                f"not a CBR endpoint: {exchange.method} {exchange.url} answered {response.status} "
                f"{exchange.content_type or 'without a content type'}, not a JSON object"
            )
        if response.status in (401, 403):
            refused.append(_refusal(response.status, body, access, second))
    if refused:
        raise TargetProblem("; and ".join(refused))


def _refusal(status: int, body: dict[str, Any], access: ProjectAccess, second: bool) -> str:
    """Why the target refused a project's credentials, and which settings to check.

    The API gateway answers 401 (APIGW.0301) to credentials it does not know and 403 (APIGW.0302)
    to credentials valid for another project than the URL's, or whose user may not call CBR.
    """
    prefix, whose = ("second_", "the second project") if second else ("", "the project")
    code, message = (" ".join(str(body.get(key) or "").split()) for key in ("error_code", "error_msg"))
    answer = f"HTTP {status}" + (f" {code[:40]}" if code else "") + (f": {message[:200]}" if message else "")
    names: tuple[str, ...] = (prefix + "token",)
    credential = "token"
    if isinstance(access.auth, AkSkAuth):
        credential, names = "AK/SK pair", (prefix + "ak", prefix + "sk")
    settings = (
        f"{' and '.join(SETTINGS[n].env[0] for n in names)} "
        f"(or {' and '.join(repr(n) for n in names)} in the config file)"
    )
    if status == 401:
        why = (
            "the token is wrong or has expired"
            if credential == "token"
            else "the AK/SK pair is wrong, or this machine's clock is off"
        )
        fix = f"check {settings}"
    else:
        reach = (
            f"may be issued for another project than {access.project_id}"
            if credential == "token"
            else f"may not reach project {access.project_id} (a key of another account or project)"
        )
        why = f"the {credential} {reach}, or its IAM user may not be allowed to call CBR"
        fix = f"check {settings} against {whose}'s id ({SETTINGS[prefix + 'project_id'].sources})"
    return f"the target refuses the credentials of {whose} {access.project_id} ({answer}): {why}; {fix}"


def inventory_preflight(config: SuiteConfig, tests: list[CollectedTest], *, names: bool = False) -> list[str]:
    """For a target at a URL: which of the selected tests the inventory (or its absence) leaves
    not tested, by the kind of resource they need; `names`: each test's node id too."""
    from cbr_conformance.resources.inventory import Inventory
    from cbr_conformance.suite.wants import not_tested_for_want, preflight_lines

    if config.embedded or config.read_only:
        return []
    inventory = (
        Inventory.load(config.inventory, config.project_id or "") if config.inventory else Inventory.empty()
    )
    lacking = not_tested_for_want(tests, inventory, allow_restore=config.allow_restore)
    lines = preflight_lines(lacking, len(tests), config.inventory is not None)
    if names:
        lines += [f"    {kind}: {nodeid}" for kind, nodeids in sorted(lacking.items()) for nodeid in nodeids]
    return lines


def selected_tests(args: argparse.Namespace, pytest_args: list[str]) -> list[CollectedTest]:
    """The tests the run would run, collected without calling the target (none if the user's
    arguments do not collect: the run itself then says why)."""
    from cbr_conformance.suite.test_kinds import collect_tests

    try:
        with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():
            return collect_tests([], collection_argv(args, pytest_args))
    except CollectionFailed:
        return []


def collection_argv(args: argparse.Namespace, pytest_args: list[str]) -> list[str]:
    """pytest's arguments to collect what the run would run: the workers' options (and their
    values: -n 0) mean nothing to a collection."""
    kept: list[str] = []
    skip_value = False
    for arg in pytest_args:
        if skip_value:
            skip_value = False
        elif arg in ("-n", "--numprocesses", "--dist"):
            skip_value = True
        elif not arg.startswith(("-n", "--dist", "--numprocesses")):
            kept.append(arg)
    return [*isolated_args(), *forwarded_args(args), *suite_args(kept)]


def _check_control(control_url: str, timeout: float) -> None:
    import requests

    try:
        answer = requests.get(f"{control_url}/health", timeout=timeout)
        healthy = answer.status_code == 200 and isinstance(answer.json(), dict)
    except (requests.RequestException, ValueError):
        healthy = False
    if not healthy:
        raise TargetProblem(f"no emulator time control answers at {control_url} (GET {control_url}/health)")
