"""Which operation a request calls, read from the spec: `Contract.match`, as the proxy uses it."""

from __future__ import annotations

import pytest

from cbr_conformance.contract.spec import Contract


def test_every_operation_is_found_from_a_request_on_its_own_path(contract: Contract) -> None:
    for operation in contract:
        path = operation.path
        for index, name in enumerate(operation.path_parameters):
            path = path.replace("{" + name + "}", f"value-{index}")
        found = contract.match(operation.method.lower(), path)
        assert found is not None, operation.operation_id
        assert found[0] == operation
        assert found[1] == {name: f"value-{i}" for i, name in enumerate(operation.path_parameters)}


def test_a_gateways_path_prefix_is_allowed_and_parameters_come_back_decoded(contract: Contract) -> None:
    found = contract.match("GET", "/cbr/v3/p-1/vaults/a%2Fb%20c")
    assert found is not None
    operation, parameters = found
    assert operation.operation_id == "show_vault"
    assert parameters == {"project_id": "p-1", "vault_id": "a/b c"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v3/p-1/vaults"),  # a method the path does not have
        ("GET", "/v3/p-1/vaults/"),  # the gateway does not take a trailing slash
        ("GET", "/v3/p-1/replications"),
        ("GET", "/v3/p-1/vaults/v-1/extra"),
        ("GET", "/v2/p-1/vaults"),
    ],
)
def test_a_request_the_spec_has_no_operation_for_matches_none(
    contract: Contract, method: str, path: str
) -> None:
    assert contract.match(method, path) is None
