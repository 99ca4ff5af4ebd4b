"""The bundled spec (spec/cbr-v3.bundled.yaml) is the source with its examples inline, and every
example a generic tool would serve honours the schema it illustrates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cbr_conformance.contract import bundle as spec_bundle
from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import fixtures_dir, read_yaml, spec_dir


def _without_examples(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_examples(item) for item in node]
    if isinstance(node, dict):
        example = "externalValue" in node or ("value" in node and "summary" in node)
        dropped = ("value", "externalValue") if example else ()
        return {key: _without_examples(value) for key, value in node.items() if key not in dropped}
    return node


def _examples(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _examples(item)
    elif isinstance(node, dict):
        if "externalValue" in node or ("value" in node and "summary" in node):
            yield node
        for value in node.values():
            yield from _examples(value)


def test_the_bundle_is_up_to_date() -> None:
    assert spec_bundle.main(["--check"]) == 0, "run: python -m cbr_conformance.contract.bundle"


def test_the_bundle_has_the_sources_content() -> None:
    source = read_yaml(spec_dir() / spec_bundle.SOURCE)
    bundle = read_yaml(spec_dir() / spec_bundle.BUNDLE)
    assert _without_examples(bundle) == _without_examples(source)
    external = list(_examples(source))
    inline = list(_examples(bundle))
    assert len(external) == len(inline) >= 27
    for reference, example in zip(external, inline, strict=True):
        path = fixtures_dir() / reference["externalValue"].removeprefix("../fixtures/")
        assert example["value"] == json.loads(path.read_text(encoding="utf-8"))
        assert "externalValue" not in example


def test_the_check_fails_on_a_stale_bundle(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / spec_bundle.BUNDLE
    stale.write_text(spec_bundle.render(spec_bundle.bundled()).replace("CBR", "CBX", 1), encoding="utf-8")
    (tmp_path / spec_bundle.SOURCE).write_text((spec_dir() / spec_bundle.SOURCE).read_text(encoding="utf-8"))
    monkeypatch.setattr(spec_bundle, "spec_dir", lambda: tmp_path)
    assert spec_bundle.main(["--check"]) == 1


def _patterned(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield where, node
        for key, value in node.items():
            yield from _patterned(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _patterned(item, f"{where}/{index}")


def test_every_pattern_has_an_example_that_honours_it(contract: Contract) -> None:
    """A mock built from the spec serves a schema's example; without one it serves "string"."""
    found = list(_patterned(contract.document))
    assert len(found) >= 10
    for where, schema in found:
        assert "example" in schema, f"{where}: a pattern without an example"
        assert re.search(schema["pattern"], str(schema["example"])), f"{where}: {schema['example']!r}"


def test_each_error_response_shows_a_code_of_its_own_status(contract: Contract, catalogue: Catalogue) -> None:
    statuses = {"BadRequest": 400, "Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "ServerError": 500}
    responses = contract.document["components"]["responses"]
    for name, status in statuses.items():
        example = responses[name]["content"]["application/json"]["example"]
        assert catalogue.problem(status, example["error_code"]) is None, (name, example)
