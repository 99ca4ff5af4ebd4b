"""Fixtures of the validating proxy's tests: the SDK, an emulator, and proxies in front of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cbr_conformance.contract.spec import Contract
from cbr_conformance.proxy.server import ProxyServer
from cbr_emulator.server import EmulatorServer

ProxyFactory = Callable[..., ProxyServer]


@pytest.fixture(scope="session")
def cbr(isolated_home: Path) -> Any:
    import huaweicloudsdkcbr.v1 as module

    return module


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator whose backups take 30 s of its clock (tests move the clock)."""
    with EmulatorServer(async_delay=30) as server:
        yield server


def advancer(emulator: EmulatorServer) -> Callable[[float], None]:
    """Moves the emulator's clock, straight to its control API (not through the proxy)."""

    def advance(seconds: float) -> None:
        answer = requests.post(
            f"{emulator.url}/_emulator/clock/advance", json={"seconds": seconds}, timeout=10
        )
        assert answer.status_code == 200, answer.text

    return advance


@pytest.fixture
def proxy_to(contract: Contract, tmp_path: Path) -> Iterator[ProxyFactory]:
    """Starts validating proxies (`proxy_to(url, enforce=...)`, url None: the embedded emulator)
    on free loopback ports, writing their reports under tmp_path/reports; stops them at the end."""
    started: list[ProxyServer] = []

    def start(target_url: str | None, **options: Any) -> ProxyServer:
        options.setdefault("log", None)
        proxy = ProxyServer(contract, target_url=target_url, report_dir=tmp_path / "reports", **options)
        started.append(proxy.start())
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def report_of(proxy: ProxyServer) -> dict[str, Any]:
    """What GET /_proxy/report answers (after writing the report)."""
    answer = requests.get(f"{proxy.url}/_proxy/report", timeout=30)
    assert answer.status_code == 200, answer.text
    written: dict[str, Any] = answer.json()
    return written


def distinct(written: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The distinct violations as (operation, rule, path, fault)."""
    return [(v["operation"], v["rule"], v["path"], v["fault"]) for v in written["violations"]]
