"""schemathesis's own account of where a negative case breaks the spec (its mutation metadata, an
undocumented part of it), which the tests compare with the suite's request check: the fuzzer
itself judges a case by the request check alone."""

from __future__ import annotations

from enum import Enum
from typing import Any

from cbr_conformance.generation.internals import st_internal


def relevant_mutations(case: Any) -> list[tuple[str, str | None]]:
    """Where schemathesis meant a negative case to break the spec, as (location, parameter) pairs,
    leaving out an undeclared query parameter and a bad project id (the run always sends its own)."""
    found: list[tuple[str, str | None]] = []
    for mutation in tuple(st_internal(case, "Case", "meta.phase.data.mutations")):
        where = st_internal(mutation, "Mutation", "parameter_location")
        location = str(where.value if isinstance(where, Enum) else where)
        keywords = set(st_internal(mutation, "Mutation", "keywords"))
        parameter: str | None = st_internal(mutation, "Mutation", "parameter")
        if location in ("query", "header", "cookie", "path") and keywords == {"additionalProperties"}:
            continue
        if location == "path" and parameter == "project_id":
            continue
        found.append((location, parameter))
    return found
