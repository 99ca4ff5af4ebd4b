"""summary.json's `header` as a type: what a run tests, as whom and how, and what happened to it.

`RunHeader` writes the same flat JSON object the published schema describes (its fields in that
order), and reads any header a summary of format 2 holds. A header need not record every setting:
a proxy session's has no fuzzing or inventory, an older run's may lack a setting added since.
Those it lacks are named in `absent`, so that the words leave them out and a comparison says they
cannot be compared, rather than taking them for their defaults. What only some sessions have (the
run's duration, a merge's shards, a proxy's mode, exchanges and enforcement) is written only when
set. Keys a later version of the suite wrote are kept as read (`extra`), so a header reads back
as it was written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class InventoryFacts:
    """Where the run's inventory came from (None: it had none) and, per project, what it held: the
    kinds the suite leases by count, and how many of them may be restored onto."""

    source: str | None = None
    held: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "held": {p: dict(counts) for p, counts in self.held.items()}}

    @classmethod
    def from_dict(cls, data: Any) -> InventoryFacts:
        if data is None:
            return cls()
        if not isinstance(data, Mapping) or not isinstance(data.get("held") or {}, Mapping):
            raise ValueError(f"an inventory of {type(data).__name__}, not an object with `held`")
        source = data.get("source")
        held = {str(p): dict(counts) for p, counts in (data.get("held") or {}).items()}
        return cls(None if source is None else str(source), held)


@dataclass(frozen=True)
class Departure:
    """An erratum the run applied: where the emulated service departs from the reference's letter."""

    id: str
    section: str
    spec: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "section": self.section, "spec": self.spec}


# A field's JSON types, as a header of format 2 may hold them (None where the field allows it).
_TEXT = (str, type(None))
_FLAG = (bool,)
_NUMBER = (int, float, type(None))
_KINDS: Mapping[str, tuple[type, ...]] = MappingProxyType({
    "suite_version": _TEXT, "target_url": _TEXT, "project_id": _TEXT, "auth": _TEXT,
    "second_project_id": _TEXT, "second_auth": _TEXT, "read_only": _FLAG, "allow_restore": _FLAG,
    "max_vault_size": _NUMBER, "time_control": _TEXT, "spec": _TEXT, "workers": _TEXT,
    "profile": (str,), "require_complete": _FLAG, "baseline": _TEXT, "run_prefix": _TEXT,
    "spec_version": _TEXT, "spec_sha256": _TEXT, "seed": (int, str, type(None)),
    "fuzz_examples": (int, type(None)), "fuzz_seconds": _NUMBER, "started": _TEXT,
    "enforce": (bool, type(None)), "mode": _TEXT, "exchanges": (int, type(None)),
    "duration": _NUMBER, "shards": (int, type(None)),
})  # fmt: skip
# Written only when set: what happened to a session, not a setting every run records.
_WHEN_SET = frozenset({"enforce", "mode", "exchanges", "duration", "shards"})


@dataclass(frozen=True)
class RunHeader:
    """The run's settings as plain data, never a secret (credentials by kind only)."""

    suite_version: str | None = None
    target_url: str | None = None
    project_id: str | None = None
    auth: str | None = None  # the kind of the project's credentials: "AK/SK" or "token"
    second_project_id: str | None = None
    second_auth: str | None = None
    read_only: bool = False
    inventory: InventoryFacts = field(default_factory=InventoryFacts)
    allow_restore: bool = False
    max_vault_size: int | float | None = None  # GB; None: no limit
    time_control: str | None = None  # "embedded", the control URL, or None
    spec: str | None = None  # the spec's file, or "packaged"
    workers: str | None = None
    pytest_args: tuple[str, ...] = ()  # the user's arguments that choose what runs
    profile: str = "errata"
    require_complete: bool = False
    baseline: str | None = None
    run_prefix: str | None = None
    spec_version: str | None = None
    spec_sha256: str | None = None
    seed: int | str | None = None  # a proxy's says it generates nothing
    fuzz_examples: int | None = None
    fuzz_seconds: int | float | None = None
    started: str | None = None  # ISO 8601
    errata: tuple[Departure, ...] = ()
    enforce: bool | None = None  # a proxy's: does it refuse what violates the contract
    mode: str | None = None  # "proxy" for a proxy's traffic
    exchanges: int | None = None  # a proxy's
    duration: float | None = None  # seconds
    shards: int | None = None  # a merged run's
    absent: frozenset[str] = frozenset()  # the settings this header does not record
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys of a later suite's, as read

    def records(self, name: str) -> bool:
        """Whether the header holds this setting (a proxy's or an older run's may not)."""
        if name in _WHEN_SET:
            return getattr(self, name) is not None
        return name in RECORDED and name not in self.absent

    def recording(self, **settings: Any) -> RunHeader:
        """The header, recording these settings with these values."""
        return dataclasses.replace(self, **settings, absent=self.absent - frozenset(settings))

    def without(self, *names: str) -> RunHeader:
        """The header, not recording these settings."""
        return dataclasses.replace(self, absent=self.absent | frozenset(names))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in FIELDS:
            if not self.records(name):
                continue
            value = getattr(self, name)
            if name == "inventory":
                value = self.inventory.to_dict()
            elif name == "errata":
                value = [e.to_dict() for e in self.errata]
            elif name == "pytest_args":
                value = list(self.pytest_args)
            data[name] = value
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: Any) -> RunHeader:
        """The header a summary holds; ValueError or TypeError when a setting has another type."""
        if not isinstance(data, Mapping):
            raise TypeError(f"a header of {type(data).__name__}, not an object")
        given: dict[str, Any] = {}
        for name, kinds in _KINDS.items():
            if name in data:
                if not isinstance(data[name], kinds):
                    raise TypeError(f"the header's {name} is {data[name]!r}")
                given[name] = data[name]
        if "inventory" in data:
            given["inventory"] = InventoryFacts.from_dict(data["inventory"])
        if "pytest_args" in data:
            given["pytest_args"] = tuple(str(arg) for arg in data["pytest_args"])
        if "errata" in data:
            given["errata"] = tuple(
                Departure(str(e["id"]), str(e["section"]), str(e["spec"])) for e in data["errata"]
            )
        return cls(
            **given,
            absent=frozenset(RECORDED - set(data)),
            extra={key: value for key, value in data.items() if key not in FIELDS},
        )


FIELDS = tuple(f.name for f in dataclasses.fields(RunHeader) if f.name not in ("absent", "extra"))
# The settings a header records unless it names them absent.
RECORDED = frozenset(FIELDS) - _WHEN_SET
