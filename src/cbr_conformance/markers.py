"""The `cbr` marker every conformance test carries, and reading it back.

    @pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="vault-create-echo")

`operation` may be a tuple when a test exercises several operations (scenarios); the first one
places the test in the report's matrix. `id` is stable across renames and releases.
`cross_cutting=True` marks a test that applies one rule to every operation (authentication): it
is reported, but does not count as coverage of the operation's own behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

KINDS = ("contract", "negative", "fuzz", "stateful", "scenario")
MARKER = "cbr"
MARKER_HELP = (
    "cbr(operation, kind, mutates, id, cross_cutting): the operation(s) a conformance test covers, "
    f"its kind ({', '.join(KINDS)}), whether it creates or changes data, its stable id, and whether "
    "it checks a rule common to every operation"
)


@dataclass(frozen=True)
class TestInfo:
    operations: tuple[str, ...]
    kind: str
    mutates: bool
    id: str
    cross_cutting: bool = False

    @property
    def operation(self) -> str:
        return self.operations[0]


class MarkerError(ValueError):
    pass


def info_of(item: pytest.Item) -> TestInfo | None:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None
    kwargs = dict(marker.kwargs)
    operation = kwargs.get("operation") or (marker.args[0] if marker.args else None)
    operations = tuple(operation) if isinstance(operation, list | tuple) else (operation,)
    kind = kwargs.get("kind")
    test_id = kwargs.get("id")
    if not all(isinstance(op, str) and op for op in operations) or kind not in KINDS or not test_id:
        raise MarkerError(f"{item.nodeid}: the cbr marker needs operation, kind (one of {KINDS}) and id")
    return TestInfo(
        operations, kind, bool(kwargs.get("mutates", False)), str(test_id), bool(kwargs.get("cross_cutting"))
    )
