from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.errata import Erratum, letter_patches, load_errata
from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import fixtures_dir, spec_dir

# The emulator's test fixtures, for the tests that read its answers: an in-process emulator
# (`client`) and its first project (`api_a`).
from tests.emulator.conftest import api_a, client  # noqa: F401

CHECKOUT = Path(__file__).resolve().parents[2]  # the reference lies beside the checkout, in ../shared


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="session")
def errata() -> list[Erratum]:
    return load_errata()


@pytest.fixture(scope="session")
def strict(errata: list[Erratum]) -> Contract:
    """The spec turned back into the reference's letter (the `strict` profile)."""
    return Contract.load(letter_patches=letter_patches(errata))


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return fixtures_dir() / "reference-examples"


@pytest.fixture(scope="session")
def example_index(examples_dir: Path) -> list[dict[str, object]]:
    index: list[dict[str, object]] = yaml.safe_load((examples_dir / "index.yaml").read_text(encoding="utf-8"))
    return index


@pytest.fixture(scope="session")
def reference_text() -> str:
    """The vendor's API reference, which CI places in ../shared beside the checkout."""
    path = CHECKOUT.parent / "shared" / "reference" / "cbr-api-reference.txt"
    if not path.exists():
        pytest.skip(f"the API reference is not at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def spec_root() -> Path:
    return spec_dir()
