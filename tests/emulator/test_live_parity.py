"""The emulator answers as the live service did: recorded exchanges replayed, field by field.

The fixtures in `live_fixtures/` are the exchanges of a few public VCR cassettes that
`live_replay.leave_out` keeps (each names its repository, path and commit). `bench/live_parity.py`
replays all the cassettes and prints the parity; this keeps a few in CI, so that an emulator
change that drops or retypes a field the live service answers fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.live_replay import (
    Emulator,
    Exchange,
    known_at,
    leave_out,
    read_fixture,
    replay,
    split,
    tally,
)

FIXTURES = Path(__file__).parent / "live_fixtures"


def _fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def _emulator(client: TestClient) -> Emulator:
    first = DEFAULT_CREDENTIALS[0]
    return Emulator(client, first.project_id, first.tokens[0], TEST_ASYNC_DELAY)


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_recorded_answers_are_matched_field_by_field(client: TestClient, name: str) -> None:
    document = _fixture(name)
    assert set(document["source"]) >= {"repository", "path", "commit"}
    kept, left = split(read_fixture(document))
    assert kept and left == []
    done = replay(_emulator(client), kept)
    new = [
        f"{f.operation} {f.path}: live {f.recorded!r}, emulator {f.emulated!r}"
        for r in done
        for f in r.fields
        if not f.equal and known_at(f.operation, f.path) is None
    ]
    statuses = [
        f"{r.exchange.where}: live {r.exchange.status}, emulator {r.status}"
        for r in done
        if r.status != r.exchange.status and known_at(r.exchange.operation or "-", "(status)") is None
    ]
    assert new == [] and statuses == []
    _, overall = tally(done)
    assert overall.fields > 0 and overall.share_equal >= 0.95


def test_the_fixtures_cover_vaults_backups_and_replication_policies(client: TestClient) -> None:
    operations = {e.operation for p in FIXTURES.glob("*.json") for e in read_fixture(_fixture(p.stem))}
    assert {"list_vaults", "list_backups", "list_policies", "delete_backup"} <= operations


def _exchange(method: str, path: str, answer: str, request: str | None = None, status: int = 200) -> Exchange:
    return Exchange("made#0", method, path, (), request, status, answer)


VAULT_ID = "f85e42a4-d23b-4af9-b361-e56758e6faa4"
SERVER_ID = "bf114c19-b4e6-4a28-b9b5-6ad7fde8f2be"


@pytest.mark.parametrize(
    ("exchange", "rule"),
    [
        pytest.param(
            _exchange("GET", "/protectables/server/instances", "{}"), "other API", id="protectables"
        ),
        pytest.param(
            _exchange("GET", "/vaults", '{"vaults":[{"id":"mock_vault_id"}],"count":1}'),
            "placeholder id",
            id="mock-vault-id",
        ),
        pytest.param(
            _exchange("PUT", f"/vaults/{VAULT_ID}", "{}", request='{"vault": {"locked": True}}'),
            "request not JSON",
            id="python-true",
        ),
        pytest.param(
            _exchange("PUT", f"/vaults/{VAULT_ID}", "{}", request='{"vault": {"locked": true}}'),
            "empty answer",
            id="update-vault-answered-empty",
        ),
        pytest.param(
            _exchange("GET", "/policies", '{"policies": [], "count": 0}'),
            "re-serialised answer",
            id="json-dumps",
        ),
        pytest.param(
            _exchange(
                "POST",
                f"/vaults/{VAULT_ID}/addresources",
                f'{{"add_resource_ids":["{VAULT_ID}"]}}',
                request=f'{{"resources": [{{"id": "{SERVER_ID}", "type": "OS::Nova::Server"}}]}}',
            ),
            "answer contradicts request",
            id="added-the-vault-itself",
        ),
    ],
)
def test_hand_made_exchanges_are_left_out(exchange: Exchange, rule: str) -> None:
    reason = leave_out(exchange)
    assert reason is not None and reason[0] == rule


def test_a_verbatim_answer_is_kept() -> None:
    tags = '[{"key":"k: v","value":"x, y"}]'  # spaces inside strings are data, not layout
    answer = f'{{"vaults":[{{"id":"{VAULT_ID}","name":"a b","tags":{tags}}}],"count":1}}'
    assert leave_out(_exchange("GET", "/vaults", answer)) is None
