"""The page walk and the filter matches of testkit/list_checks.py and list_filters.py, on lists
served from memory: what a walk calls a violation, and what it leaves not tested because others
changed the list meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.testkit import list_checks
from cbr_conformance.testkit.list_checks import Page, walk
from cbr_conformance.testkit.list_filters import FILTERS, LISTINGS, Match, Run, Value

VAULTS = LISTINGS["list_vaults"]
BACKUPS = LISTINGS["list_backups"]
Server = Callable[[int, Mapping[str, Any]], Page]  # (request number, query) -> page


def _serve(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    calls = iter(range(10_000))

    def read_page(
        cbr: Any, listing: Any, path: Any, query: Mapping[str, Any], refusable: bool = False
    ) -> Page:
        return server(next(calls), query)

    monkeypatch.setattr(list_checks, "read_page", read_page)


def _paged(ids: list[str], *, shift: int = 0, marker: bool = True) -> Callable[[Mapping[str, Any]], Page]:
    def page(query: Mapping[str, Any]) -> Page:
        limit, offset = int(query.get("limit", 1000)), int(query.get("offset", 0))
        if marker and "marker" in query:
            offset = ids.index(query["marker"]) + 1
        elif offset:
            offset += shift
        return Page([{"id": i} for i in ids[offset : offset + limit]], len(ids))

    return page


IDS = [f"v{n:02}" for n in range(40)]
MINE = {"v07": "disk item", "v21": "server item", "v33": "linked item"}


def test_a_correct_list_walks_each_item_once(monkeypatch: pytest.MonkeyPatch) -> None:
    serve = _paged(IDS)
    _serve(monkeypatch, lambda _, q: serve(q))
    assert walk(None, BACKUPS, {}, "offset", MINE) == (40, 2)  # type: ignore[arg-type]
    assert walk(None, BACKUPS, {}, "marker", MINE) == (40, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("by", "page", "says"),
    [
        ("offset", _paged(IDS, shift=-1), "each item is listed once"),
        ("offset", _paged(IDS, shift=1), "the pages hold the count of 40 items, got 39"),
        ("marker", _paged(IDS, marker=False), "missing"),
    ],
    ids=["page-repeats", "page-skips", "marker-ignored"],
)
def test_a_broken_page_on_a_list_nobody_changes_is_a_violation(
    monkeypatch: pytest.MonkeyPatch, by: str, page: Callable[[Mapping[str, Any]], Page], says: str
) -> None:
    _serve(monkeypatch, lambda _, q: page(q))
    with pytest.raises(AssertionError, match=says):
        walk(None, BACKUPS, {}, by, MINE)  # type: ignore[arg-type]


def test_a_list_others_keep_changing_is_not_tested_never_violated(monkeypatch: pytest.MonkeyPatch) -> None:
    # another client adds a vault at the head of the list before every read: the walk repeats items
    def server(n: int, query: Mapping[str, Any]) -> Page:
        return _paged([f"new{k}" for k in range(n)] + IDS)(query)

    _serve(monkeypatch, server)
    with pytest.raises(NotTested) as stopped:
        walk(None, VAULTS, {}, "offset", MINE)  # type: ignore[arg-type]
    assert stopped.value.why is Why.OTHER and "changed during each of 3 walks" in str(stopped.value)


def test_a_change_that_ends_before_a_walk_does_not_stop_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    def server(n: int, query: Mapping[str, Any]) -> Page:  # a vault added during the first walk only
        return _paged((["new"] if n >= 3 else []) + IDS)(query)

    _serve(monkeypatch, server)
    assert walk(None, VAULTS, {}, "offset", MINE) == (41, 3)  # type: ignore[arg-type]


def test_matches_read_names_and_times_as_every_reading_allows() -> None:
    name, until = Match("contains", "name"), Match("until")
    assert name.holds({"name": "Run-Disk-01"}, "disk") is True
    assert name.holds({"name": "other"}, "disk") is False and name.holds({}, "disk") is None
    within_second = {"created_at": "2026-01-01T10:00:00.700Z"}
    assert until.holds(within_second, "2026-01-01T10:00:00Z") is True  # to the second
    assert until.holds(within_second, "2026-01-01T09:59:59Z") is False
    assert Match("among", "resources", "id").holds({"resources": [{"id": "a"}, {"id": "b"}]}, "b")


def test_every_filter_is_declared_once_with_its_section_and_a_value() -> None:
    names = [f.name for f in FILTERS]
    assert len(names) == len(set(names)) and len(names) >= 40
    assert all(f.section.startswith("4.") and (f.includes or f.excludes) for f in FILTERS)
    run = Run({"list_vaults": {"disk": {"resources": [{"id": "r1"}], "created_at": "2026-01-01T10:00:00Z"}}})
    assert Value(role="disk", path="resources[0].id").of(run, "list_vaults") == "r1"
    assert Value(role="disk", time="latest", seconds=1).of(run, "list_vaults") == "2026-01-01T10:00:01Z"


def _refusal() -> Any:
    """A 400 answer, with what the client's Response shows of it."""
    exchange = SimpleNamespace(
        response_text='{"error_code": "BackupService.9900"}',
        request_errors=(),
        summary=lambda: "GET /v3/p/backups?marker=... -> HTTP 400",
        curl=lambda: "curl ...",
    )
    return SimpleNamespace(status=400, exchange=exchange, json=lambda: {"error_code": "BackupService.9900"})


def test_a_marker_refused_after_others_deleted_its_item_is_walked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deleted = {"v05"}  # another client deletes v05 while the first walk is at it, then v05 is back

    def server(n: int, query: Mapping[str, Any]) -> Page:
        if query.get("marker") in deleted and n < 6:
            return Page([], None, _refusal())
        ids = [i for i in IDS if not (1 <= n < 6 and i in deleted)]
        return _paged(ids)(query)

    _serve(monkeypatch, server)
    assert walk(None, BACKUPS, {}, "marker", MINE) == (40, 2)  # type: ignore[arg-type]


def test_a_marker_refused_on_a_list_nobody_changes_is_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    serve = _paged(IDS)

    def server(n: int, query: Mapping[str, Any]) -> Page:
        return Page([], None, _refusal()) if query.get("marker") == "v05" else serve(query)

    _serve(monkeypatch, server)
    with pytest.raises(AssertionError, match="expected 200, got 400"):
        walk(None, BACKUPS, {}, "marker", MINE)  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["tolerant", "strict"])
def test_a_value_to_leave_out_that_the_profile_does_not_allow_is_not_sent(
    monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    # the reference's letter knows protect_type backup only; the errata's reading also replication
    from cbr_conformance.contract.spec import Contract

    sent: list[Mapping[str, Any]] = []

    def serve(n: int, query: Mapping[str, Any]) -> Page:
        sent.append(query)
        disk = {"id": "v1", "billing": {"protect_type": "backup"}}
        return Page([disk] if query["protect_type"] == "backup" else [], None)

    _serve(monkeypatch, serve)
    cbr = SimpleNamespace(context=SimpleNamespace(contract=Contract.for_profile(profile)), project_id="p")
    (flt,) = [f for f in FILTERS if f.name == "list_vaults-protect_type"]
    run = Run(
        {"list_vaults": {"disk": {"id": "v1", "billing": {"protect_type": "backup"}}, "server": {"id": "v2"}}}
    )
    if profile == "strict":
        with pytest.raises(NotTested, match="allows no protect_type but the run's item's"):
            list_checks.try_filter(cbr, flt, run, {})  # type: ignore[arg-type]
        assert [q["protect_type"] for q in sent] == ["backup"]
    else:
        list_checks.try_filter(cbr, flt, run, {})  # type: ignore[arg-type]
        assert [q["protect_type"] for q in sent] == ["backup", "replication"]
