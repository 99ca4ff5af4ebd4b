"""Every example of the reference is stored, referenced from the spec, and valid for its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.spec import Contract


def _external_values(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["externalValue"]] if "externalValue" in node else []
        return own + [v for value in node.values() for v in _external_values(value)]
    if isinstance(node, list):
        return [v for item in node for v in _external_values(item)]
    return []


def test_index_lists_every_fixture_once(examples_dir: Path, example_index: list[dict[str, Any]]) -> None:
    files = sorted(p.name for p in examples_dir.glob("*.json"))
    indexed = sorted(str(entry["file"]) for entry in example_index if entry["file"])
    assert indexed == files
    assert len(files) >= 45


def test_spec_references_every_fixture(contract: Contract, examples_dir: Path) -> None:
    referenced = _external_values(contract.document["paths"])
    assert all(ref.startswith("../fixtures/reference-examples/") for ref in referenced)
    names = [ref.rsplit("/", 1)[1] for ref in referenced]
    assert sorted(names) == sorted(p.name for p in examples_dir.glob("*.json"))


def _cases(index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in index if entry["file"]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "example" in metafunc.fixturenames:
        import yaml

        from cbr_conformance.paths import fixtures_dir

        index = yaml.safe_load((fixtures_dir() / "reference-examples" / "index.yaml").read_text())
        cases = _cases(index)
        metafunc.parametrize("example", cases, ids=[case["file"] for case in cases])


def test_example_validates_against_its_schema(
    contract: Contract, examples_dir: Path, example: dict[str, Any]
) -> None:
    body = json.loads((examples_dir / example["file"]).read_text(encoding="utf-8"))
    operation_id = example["operation_id"]
    if example["direction"] == "request":
        schema = contract.request_schema(operation_id)
    else:
        schema = contract.response_schema(operation_id, int(example["status"]))
    assert schema is not None, f"{operation_id} has no {example['direction']} body schema"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in contract.validator(schema).iter_errors(body)]
    assert errors == []
