"""The errata (`spec/errata.yaml`): where the spec departs from the reference's letter, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cbr_conformance.paths import read_yaml, spec_dir

ERRATA_FILE = "errata.yaml"
KINDS = ("departure", "note")


@dataclass(frozen=True)
class Erratum:
    id: str
    kind: str
    section: str
    table: str
    reference: str
    spec: str
    reason: str
    locations: tuple[str, ...]
    letter: tuple[dict[str, Any], ...] = field(default=())
    service: str | None = None
    evidence: tuple[dict[str, str], ...] = field(default=())


def load_errata(path: Path | None = None) -> list[Erratum]:
    data = read_yaml(path or spec_dir() / ERRATA_FILE)
    return [
        Erratum(
            id=item["id"],
            kind=item["kind"],
            section=str(item["section"]),
            table=str(item["table"]),
            reference=item["reference"],
            spec=item["spec"],
            reason=item["reason"],
            locations=tuple(item["locations"]),
            letter=tuple(item.get("letter", ())),
            service=item.get("service"),
            evidence=tuple(item.get("evidence", ())),
        )
        for item in data["entries"]
    ]


def letter_patches(errata: list[Erratum]) -> list[dict[str, Any]]:
    """The JSON Patch operations that turn the spec back into the reference's letter."""
    return [op for erratum in errata for op in erratum.letter]
