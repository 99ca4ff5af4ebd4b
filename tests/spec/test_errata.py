"""Every erratum points at something that exists, and the letter patches apply."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonpatch
import yaml
from openapi_spec_validator import validate

from cbr_conformance.contract.errata import KINDS, Erratum, letter_patches
from cbr_conformance.contract.spec import Contract


def _resolve(root: object, pointer: str) -> object:
    node = root
    for part in pointer.strip("/").split("/"):
        if part == "":
            continue
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    return node


def test_errata_are_many_unique_and_complete(errata: list[Erratum]) -> None:
    assert len([e for e in errata if e.kind == "departure"]) >= 15
    duplicated = [name for name, count in Counter(e.id for e in errata).items() if count > 1]
    assert duplicated == []
    for erratum in errata:
        assert erratum.kind in KINDS
        assert erratum.section and erratum.table and erratum.reference and erratum.spec and erratum.reason
        assert erratum.locations, erratum.id


def test_every_location_exists(errata: list[Erratum], spec_root: Path) -> None:
    documents: dict[str, object] = {}
    for erratum in errata:
        for location in erratum.locations:
            file, _, pointer = location.partition("#")
            path = (spec_root / file).resolve()
            assert path.exists(), f"{erratum.id}: {file} does not exist"
            if not pointer:
                continue
            if file not in documents:
                text = path.read_text(encoding="utf-8")
                documents[file] = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            try:
                _resolve(documents[file], pointer)
            except (KeyError, IndexError) as exc:
                raise AssertionError(f"{erratum.id}: {location} does not resolve ({exc!r})") from exc


def test_letter_patches_apply_and_give_a_valid_spec(contract: Contract, errata: list[Erratum]) -> None:
    patches = letter_patches(errata)
    assert len(patches) >= 5
    strict = Contract.load(letter_patches=patches)
    validate(strict.document)
    assert strict.document != contract.document
    # Each patch changes what its erratum says the spec changed.
    for erratum in errata:
        if erratum.letter:
            single = jsonpatch.apply_patch(contract.document, list(erratum.letter))
            assert single != contract.document, erratum.id


def test_every_corrected_example_has_an_erratum(
    errata: list[Erratum], example_index: list[dict[str, object]]
) -> None:
    located = {loc.rsplit("/", 1)[-1] for e in errata for loc in e.locations if "reference-examples" in loc}
    corrected = {str(entry["file"]) for entry in example_index if entry["file"] and entry["corrections"]}
    assert corrected
    assert corrected <= located
