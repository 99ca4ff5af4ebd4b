"""What the fuzzer takes from schemathesis and hypothesis is still there, with the same shape.

The public names are imported plainly; the few undocumented internals (the mutation metadata of a
negative case, the "no body" sentinel, the Response constructor) are read on real cases generated
from the project's contract. When a schemathesis release moves one, a test here fails naming it,
instead of the fuzzer quietly changing its verdicts.
"""

from __future__ import annotations

import inspect
from enum import Enum
from types import SimpleNamespace
from typing import Any

import hypothesis
import hypothesis.errors
import hypothesis.stateful
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.fuzzing import MODES, load_schema
from cbr_conformance.generation.internals import (
    SCHEMATHESIS_TESTED,
    NotSet,
    SchemathesisInternalsMoved,
    case_body,
    case_description,
    schemathesis_response,
    st_internal,
)
from cbr_conformance.generation.stateful.machine import operation_ids
from cbr_conformance.transport.recording import Exchange
from tests.library.schemathesis_mutations import relevant_mutations

# A GET with declared, constrained query parameters (so that negative cases break them) and no body.
NO_BODY = "list_vaults"
# A POST with a required JSON body.
WITH_BODY = "create_vault"
EXAMPLES = 25


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def _generate(contract: Contract, operation_id: str, mode: str) -> list[Any]:
    """Real cases, generated the way fuzzing.fuzz_operation generates them."""
    operation = contract.operations[operation_id]
    api_operation = load_schema(contract)[operation.path][operation.method]
    strategy = api_operation.as_strategy(generation_mode=MODES[mode])
    cases: list[Any] = []

    @hypothesis.seed(3)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    assert cases, f"schemathesis generated no {mode} case for {operation_id}"
    return cases


@pytest.fixture(scope="module")
def positive(contract: Contract) -> list[Any]:
    return _generate(contract, NO_BODY, "positive")


@pytest.fixture(scope="module")
def negative(contract: Contract) -> list[Any]:
    return _generate(contract, NO_BODY, "negative")


def _expect_type(value: Any, expected: type | tuple[type, ...], path: str) -> None:
    assert isinstance(value, expected), (
        f"schemathesis internals changed: {path} is a {type(value).__name__}, expected {expected}; "
        f"cbr-conformance is tested with schemathesis {SCHEMATHESIS_TESTED}"
    )


# --- public names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Case", "Response", "GenerationMode", "openapi", "__version__"])
def test_the_public_schemathesis_names_used_exist(name: str) -> None:
    assert name in schemathesis.__all__, f"schemathesis no longer exports {name} in __all__"
    assert hasattr(schemathesis, name), f"schemathesis.{name} not found"


def test_the_public_schemathesis_api_used_has_its_shape(contract: Contract) -> None:
    assert "from_dict" in schemathesis.openapi.__all__, "schemathesis.openapi.from_dict not exported"
    assert {mode.value for mode in MODES.values()} == {"positive", "negative"}
    assert MODES["positive"] is schemathesis.GenerationMode.POSITIVE
    assert MODES["negative"] is schemathesis.GenerationMode.NEGATIVE
    schema = load_schema(contract)
    for op in contract:
        operation = schema[op.path][op.method]  # documented: schema[path][METHOD]
        assert isinstance(operation, schemathesis.APIOperation), f"schema[{op.path!r}][{op.method!r}]"
    machine = schema.as_state_machine()
    assert issubclass(machine, schemathesis.stateful.APIStateMachine)
    for hook in ("call", "validate_response", "teardown"):  # what stateful.Machine overrides
        assert callable(getattr(machine, hook, None)), f"APIStateMachine.{hook} not found"


def test_the_hypothesis_names_used_exist() -> None:
    for module, name in [
        (hypothesis, "seed"),
        (hypothesis, "given"),
        (hypothesis, "reject"),
        (hypothesis, "settings"),
        (hypothesis, "HealthCheck"),
        (hypothesis.Phase, "generate"),
        (hypothesis.errors, "Unsatisfiable"),
        (hypothesis.errors, "FlakyStrategyDefinition"),
        (hypothesis.stateful, "run_state_machine_as_test"),
    ]:
        assert hasattr(module, name), f"{getattr(module, '__name__', module)}.{name} not found"
    assert "stateful_step_count" in inspect.signature(settings).parameters, "settings(stateful_step_count=)"


def test_the_installed_schemathesis_is_in_the_tested_range() -> None:
    installed = Version(schemathesis.__version__)
    assert installed in SpecifierSet(SCHEMATHESIS_TESTED), (
        f"schemathesis {installed} is outside the range cbr-conformance is tested with "
        f"({SCHEMATHESIS_TESTED}): if every other test here passes, widen SCHEMATHESIS_TESTED in "
        "cbr_conformance/generation/internals.py and the pin in pyproject.toml"
    )


# --- internals, on real cases -------------------------------------------------------------------


def test_generated_cases_are_public_cases(positive: list[Any], negative: list[Any]) -> None:
    for case in [*positive, *negative]:
        _expect_type(case, schemathesis.Case, "a generated case")


def test_a_negative_case_carries_its_mutations(negative: list[Any]) -> None:
    with_mutations = 0
    for case in negative:
        mutations = st_internal(case, "Case", "meta.phase.data.mutations")
        _expect_type(mutations, tuple, "Case.meta.phase.data.mutations")
        _expect_type(st_internal(case, "Case", "meta.phase.data.description"), (str, type(None)),
                     "Case.meta.phase.data.description")  # fmt: skip
        for mutation in mutations:
            with_mutations += 1
            location = st_internal(mutation, "Mutation", "parameter_location")
            _expect_type(location, Enum, "Mutation.parameter_location")
            _expect_type(location.value, (str, type(None)), "Mutation.parameter_location.value")
            keywords = st_internal(mutation, "Mutation", "keywords")
            _expect_type(keywords, tuple, "Mutation.keywords")
            for keyword in keywords:
                _expect_type(keyword, str, "Mutation.keywords[]")
            parameter = st_internal(mutation, "Mutation", "parameter")
            _expect_type(parameter, (str, type(None)), "Mutation.parameter")
    assert with_mutations, (
        f"schemathesis internals changed: no negative case of {NO_BODY} carries any "
        f"Case.meta.phase.data.mutations; cbr-conformance is tested with schemathesis {SCHEMATHESIS_TESTED}"
    )
    # And the fuzzer's reading of them finds breaks it judges (a declared query parameter broken).
    assert any(("query", parameter) in relevant_mutations(case) for case in negative for parameter in
               ("limit", "offset", "object_type", "cloud_type", "protect_type"))  # fmt: skip
    assert any(case_description(case) for case in negative)


def test_a_positive_case_has_no_mutations_legitimately(positive: list[Any]) -> None:
    for case in positive:
        mutations = st_internal(case, "Case", "meta.phase.data.mutations")
        _expect_type(mutations, tuple, "Case.meta.phase.data.mutations")
        assert mutations == (), f"a positive case carries mutations: {mutations}"
        assert relevant_mutations(case) == []


def test_the_no_body_sentinel_is_what_case_body_holds(contract: Contract, positive: list[Any]) -> None:
    _expect_type(NotSet, type, "schemathesis.core.NotSet")
    for case in positive:  # a GET without requestBody
        _expect_type(case.body, NotSet, f"Case.body of {NO_BODY} (no requestBody)")
        assert case_body(case) is None
    for case in _generate(contract, WITH_BODY, "positive"):
        assert isinstance(case_body(case), dict), f"{WITH_BODY}: {case.body!r}"


def test_cases_name_their_operation_by_public_method_and_path(
    contract: Contract, positive: list[Any]
) -> None:
    by_route = operation_ids(contract)
    assert len(by_route) == len(contract.operations)
    for case in [*positive, *_generate(contract, WITH_BODY, "positive")[:1]]:
        _expect_type(case.path, str, "Case.path")
        assert (str(case.method).upper(), case.path) in by_route, (case.method, case.path)


def test_a_response_is_built_from_an_exchange() -> None:
    exchange = Exchange(
        operation_id="show_vault",
        method="GET",
        url="http://127.0.0.1:1/v3/p/vaults/v-1",
        request_headers={},
        request_body=None,
        status=404,
        response_headers={"Content-Type": "application/json"},
        response_text='{"error_code": "BackupService.6303"}',
        elapsed=0.25,
    )
    response = schemathesis_response(exchange)
    _expect_type(response, schemathesis.Response, "stateful.schemathesis_response()")
    assert response.status_code == 404
    assert response.content == b'{"error_code": "BackupService.6303"}'
    assert response.headers == {"content-type": ["application/json"]}
    assert response.elapsed == 0.25
    assert response.json() == {"error_code": "BackupService.6303"}


# --- the accessor fails loudly ------------------------------------------------------------------


def test_the_accessor_names_a_missing_attribute_and_the_tested_range() -> None:
    case = SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace()))
    with pytest.raises(SchemathesisInternalsMoved) as raised:
        st_internal(case, "Case", "meta.phase.data.mutations")
    assert str(raised.value).startswith(
        "schemathesis internals moved: Case.meta.phase.data not found; "
        f"cbr-conformance is tested with schemathesis {SCHEMATHESIS_TESTED} "
        f"(installed: {schemathesis.__version__})"
    )
    assert raised.value.path == "Case.meta.phase.data"


def test_the_accessor_refuses_a_missing_intermediate() -> None:
    with pytest.raises(SchemathesisInternalsMoved, match=r"internals moved: Case\.meta is None"):
        st_internal(SimpleNamespace(meta=None), "Case", "meta.phase.data.mutations")


def test_reading_the_mutations_fails_loudly_rather_than_finding_none() -> None:
    # Was: getattr(..., None) chains, which read a moved attribute as "no mutation" and so rejected
    # every negative case as breaking nothing.
    moved_meta = SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(info=None)))
    with pytest.raises(SchemathesisInternalsMoved, match=r"Case\.meta\.phase\.data not found"):
        relevant_mutations(moved_meta)
    mutation = SimpleNamespace(parameter_location="query", parameter="limit")  # no `keywords`
    moved_keywords = SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(data=SimpleNamespace(
        mutations=(mutation,), description="violates `minimum`"))))  # fmt: skip
    with pytest.raises(SchemathesisInternalsMoved, match=r"Mutation\.keywords not found"):
        relevant_mutations(moved_keywords)
    no_description = SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(data=SimpleNamespace(
        mutations=()))))  # fmt: skip
    with pytest.raises(SchemathesisInternalsMoved, match=r"Case\.meta\.phase\.data\.description not found"):
        case_description(no_description)  # type: ignore[arg-type]
