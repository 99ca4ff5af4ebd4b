"""`list` prints the tests with their markers and the coverage table; `cleanup` sweeps by prefix."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from cbr_conformance import cli
from cbr_conformance.paths import reference_example
from tests.library.fake_target import Canned, FakeTarget, Seen, serve


@pytest.fixture
def fake() -> Iterator[FakeTarget]:
    yield from serve()


def test_list_shows_markers_and_the_coverage_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "[show_vault negative] id=vault-show-unknown" in out
    assert "operation" in out and "contract" in out and "scenario" in out


def test_cleanup_deletes_only_what_carries_the_prefix(
    fake: FakeTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = reference_example("show_vault.response.200.json")["vault"]
    ours, theirs = copy.deepcopy(vault), copy.deepcopy(vault)
    ours.update(id="v-ours", name="cbrc-1234-vault-1")
    theirs.update(id="v-theirs", name="production")
    policies = reference_example("list_policies.response.200.json")
    policies["policies"][0].update(id="p-ours", name="cbrc-1234-policy-2")

    def answer(seen: Seen) -> Canned:
        if seen.method == "DELETE":
            return Canned(204)
        if "/policies" in seen.path:
            return Canned.json(200, policies)
        return Canned.json(200, {"vaults": [ours, theirs], "count": 2})

    fake.responder = answer
    monkeypatch.setenv("CBR_AUTH_TOKEN", "token-for-the-cleanup-test-0001")
    assert cli.main(["cleanup", "--target-url", fake.url, "--project-id", "p-1", "--dry-run"]) == cli.EXIT_OK
    assert not [s for s in fake.seen if s.method == "DELETE"]
    assert cli.main(["cleanup", "--target-url", fake.url, "--project-id", "p-1"]) == cli.EXIT_OK
    deleted = sorted(s.path for s in fake.seen if s.method == "DELETE")
    assert deleted == ["/v3/p-1/policies/p-ours", "/v3/p-1/vaults/v-ours"]
    assert "2 resources deleted" in capsys.readouterr().out


def test_cleanup_refuses_the_embedded_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CBR_TARGET_URL", raising=False)
    assert cli.main(["cleanup"]) == cli.EXIT_USAGE
