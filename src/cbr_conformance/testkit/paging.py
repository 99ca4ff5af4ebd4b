"""Paged list queries that mean the same under both profiles of the spec."""

from __future__ import annotations

from typing import Any


def page_query(**query: Any) -> dict[str, Any]:
    """The query as given, less `offset=0`: the first page is asked for without an offset.

    The reference's letter wants an offset of at least 1 (the strict profile keeps it, see
    E-OFFSET-MIN) while 0 is its default; leaving it out asks for the same page under both.
    """
    return {name: value for name, value in query.items() if not (name == "offset" and value == 0)}
