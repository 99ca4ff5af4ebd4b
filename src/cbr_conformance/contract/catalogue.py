"""The error-code catalogue (`spec/error-codes.yaml`): which codes exist, with which status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cbr_conformance.paths import read_yaml, spec_dir

if TYPE_CHECKING:
    from cbr_conformance.contract.spec import Contract

CATALOGUE_FILE = "error-codes.yaml"


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    message: str
    source: str  # "appendix" (the reference's table) or "gateway" (the API gateway's own codes)


class Catalogue:
    def __init__(self, entries: list[ErrorCode]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        data = read_yaml(path or spec_dir() / CATALOGUE_FILE)
        entries = [
            ErrorCode(str(item["code"]), int(item["status"]), str(item["message"]), source)
            for source, key in (("appendix", "codes"), ("gateway", "gateway"))
            for item in data[key]
        ]
        return cls(entries)

    @classmethod
    def of(cls, contract: Contract) -> Catalogue:
        """The error codes beside the contract (a draft's, with one), read once per contract."""
        return contract.derived("error-code catalogue", lambda c: cls.load(c.folder / CATALOGUE_FILE))

    @cached_property
    def statuses(self) -> dict[str, frozenset[int]]:
        found: dict[str, set[int]] = defaultdict(set)
        for entry in self.entries:
            found[entry.code].add(entry.status)
        return {code: frozenset(statuses) for code, statuses in found.items()}

    def problem(self, status: int, code: str) -> str | None:
        """Why an error response's (status, code) pair breaks the catalogue, or None if it does not."""
        documented = self.statuses.get(code)
        if documented is None:
            return f"error_code {code!r} is not in the error-code catalogue"
        if status not in documented:
            expected = ", ".join(str(s) for s in sorted(documented))
            return f"error_code {code!r} is documented with status {expected}, not {status}"
        return None
