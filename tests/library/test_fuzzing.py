"""The fuzz tests catch injected faults: a 5xx on some input, invalid input accepted, and a schema
violation that only generated data reaches."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from cbr_conformance.client import CBRClient, ContractViolation
from cbr_conformance.fuzzing import FuzzFailure, FuzzTally, RealIds, fuzz_operation

from .fake_target import Canned, FakeTarget, Seen

ERROR = {"error_code": "BackupService.9900", "error_msg": "Parameter verification failed."}
EMPTY_LIST = {"vaults": [], "count": 0, "limit": 1000, "offset": 0}


def _fuzz(client: CBRClient, operation: str, mode: str, examples: int = 30) -> FuzzTally:
    return fuzz_operation(
        client,
        operation,
        mode,
        RealIds({"vault_id": "v-1"}),
        examples=examples,
        seed=7,
    )


def _valid_list_vaults(seen: Seen) -> bool:
    query = parse_qs(urlsplit(seen.path).query, keep_blank_values=True)
    for name, bound in (("limit", (1, 1000)), ("offset", (0, 10**18))):
        for value in query.get(name, []):
            if not value.lstrip("-").isdigit() or not bound[0] <= int(value) <= bound[1]:
                return False
    enums = {
        "object_type": ("server", "disk", "turbo", "workspace", "vmware", "rds", "file"),
        "cloud_type": ("public", "hybrid"),
        "protect_type": ("backup", "replication", "hybrid"),
    }
    return all(v in allowed for name, allowed in enums.items() for v in query.get(name, []))


def test_a_correct_fake_passes_both_modes(client: CBRClient, fake: FakeTarget) -> None:
    fake.responder = lambda seen: (
        Canned.json(200, EMPTY_LIST) if _valid_list_vaults(seen) else Canned.json(400, ERROR)
    )
    positive = _fuzz(client, "list_vaults", "positive")
    assert positive.sent > 0 and positive.answers["200"] > 0
    negative = _fuzz(client, "list_vaults", "negative")
    assert negative.sent > 0 and set(negative.answers) == {"400 BackupService.9900"}


def test_a_server_error_on_some_input_is_caught(client: CBRClient, fake: FakeTarget) -> None:
    # Only large pages crash this target: the fault hides from hand-written cases.
    def answer(seen: Seen) -> Canned:
        limits = parse_qs(urlsplit(seen.path).query).get("limit", ["0"])
        if limits[0].isdigit() and int(limits[0]) > 300:
            return Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
        return Canned.json(200, EMPTY_LIST)

    fake.responder = answer
    with pytest.raises(FuzzFailure, match="server error 500"):
        _fuzz(client, "list_vaults", "positive", examples=60)


def test_invalid_input_accepted_is_caught(client: CBRClient, fake: FakeTarget) -> None:
    fake.answer = Canned.json(200, EMPTY_LIST)  # accepts anything, even limit=0
    with pytest.raises(FuzzFailure, match="invalid input accepted with 200") as failure:
        _fuzz(client, "list_vaults", "negative")
    assert "the spec forbids: query parameter" in str(failure.value)  # says what was invalid


def test_a_schema_violation_reached_only_by_generated_data_is_caught(
    client: CBRClient, fake: FakeTarget
) -> None:
    # The target echoes the policy name; names with a digit come back as numbers (a type error).
    def answer(seen: Seen) -> Canned:
        try:
            policy = json.loads(seen.body)["policy"]
            name = policy["name"]
        except (ValueError, KeyError, TypeError):
            return Canned.json(400, ERROR)
        body = json.loads(open_example())
        body["policy"]["name"] = 7 if isinstance(name, str) and any(c.isdigit() for c in name) else name
        return Canned.json(200, body)

    fake.responder = answer
    with pytest.raises(ContractViolation, match=r"\$\.policy\.name"):
        _fuzz(client, "create_policy", "positive", examples=60)


def open_example() -> str:
    from cbr_conformance.paths import fixtures_dir

    return (fixtures_dir() / "reference-examples" / "create_policy.response.200.json").read_text()


def test_the_state_machine_catches_a_server_error_along_a_chain(client: CBRClient, fake: FakeTarget) -> None:
    from cbr_conformance.stateful import ServerError, run_state_machine

    fake.answer = Canned.json(500, {"error_code": "BackupService.9910", "error_msg": "Unknown error."})
    with pytest.raises(ServerError, match="server error 500"):
        run_state_machine(client, max_examples=3, steps=3, name_prefix="cbrc-test")


def test_the_state_machine_catches_a_broken_response(client: CBRClient, fake: FakeTarget) -> None:
    from cbr_conformance.stateful import run_state_machine

    fake.answer = Canned.json(200, {"unexpected": True})  # no operation documents this body
    with pytest.raises(ContractViolation):
        run_state_machine(client, max_examples=3, steps=3, name_prefix="cbrc-test")


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_case_orders_a_subscription_vault(client: CBRClient, fake: FakeTarget, mode: str) -> None:
    """The spec allows charging_mode pre_paid (the SDK documents it); the fuzzer never sends it."""
    fake.answer = Canned.json(400, ERROR)
    _fuzz(client, "create_vault", mode, examples=80)
    modes = [json.loads(seen.body).get("vault", {}).get("billing", {}).get("charging_mode")
             for seen in fake.seen if seen.body and seen.body.startswith(b"{")
             and isinstance(json.loads(seen.body).get("vault"), dict)
             and isinstance(json.loads(seen.body)["vault"].get("billing"), dict)]  # fmt: skip
    assert "post_paid" in modes  # the generator does reach the field
    assert "pre_paid" not in modes
