"""`cbr-conformance proxy`: the validating proxy in front of real clients' traffic."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from typing import Any

from cbr_conformance.cli.common import config_of, contract_of
from cbr_conformance.cli.exits import EXIT_NONCONFORMANT, EXIT_OK, UsageProblem
from cbr_conformance.cli.results_out import print_violations
from cbr_conformance.cli.run import header_of
from cbr_conformance.settings.registry import PROXY

# Settings of a run's header that a proxy session has none of: its clients bring their own.
PROXY_UNUSED = (
    "fuzz_examples",
    "fuzz_seconds",
    "read_only",
    "require_complete",
    "auth",
    "second_auth",
    "inventory",
    "allow_restore",
    "max_vault_size",
    "time_control",
    "workers",
    "pytest_args",
)


def handle_proxy(args: argparse.Namespace) -> int:
    """Forward real clients' traffic to the target, judging both sides; report when stopped."""
    from cbr_conformance.proxy.server import CannotListen, ProxyServer, serve_until_stopped

    config = config_of(args, PROXY)
    contract = contract_of(config.profile, config.spec)
    started = dt.datetime.now(dt.UTC)
    header = replace(
        header_of(config, contract, started, "none: the proxy creates nothing"),
        project_id="each client's own",
        second_project_id="each client's own",
        seed="none: the proxy generates nothing",
        enforce=config.enforce,
    ).without(*PROXY_UNUSED)
    proxy = ProxyServer(
        contract,
        target_url=config.target_url,
        report_dir=config.report_dir,
        header=header,
        port=config.proxy_port,
        enforce=config.enforce,
        timeout=config.request_timeout,
        secrets=config.secrets(),
        log=lambda line: print(line, flush=True),
    )
    try:
        written = serve_until_stopped(proxy, _announce)
    except CannotListen as exc:
        raise UsageProblem(str(exc)) from None
    if proxy.written is not None:
        print_violations(proxy.written, contract, noun="exchanges")
    faults = written["faults"]
    print(
        f"\n{written['verdict']} ({written['exchanges']} exchanges: {faults['client']} with the client's "
        f"fault, {faults['service']} with the service's)"
    )
    print(f"report: {written['report']}")
    return EXIT_NONCONFORMANT if written["violations"] else EXIT_OK


def _announce(proxy: Any) -> None:
    print(f"cbr-conformance proxy: {proxy.url} -> {proxy.header.target_url}", flush=True)
    if proxy.emulator is not None:
        print(
            f"  the embedded emulator's credentials: `cbr-emulator credentials`; its clock: "
            f"{proxy.upstream_url}/_emulator",
            flush=True,
        )
    enforce = "refused with a 400 of the proxy's (--enforce)" if proxy.enforce else "forwarded and reported"
    print(
        f"  point the client's CBR endpoint at {proxy.url}; requests the contract forbids are {enforce}\n"
        f"  report: GET {proxy.url}/_proxy/report, or stop with Ctrl-C (SIGTERM) to write it",
        flush=True,
    )
