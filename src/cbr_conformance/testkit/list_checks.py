"""Trying a list filter of testkit/list_filters.py against the run's items, and walking a list's
pages: the checks of conformance/test_filters_and_pages.py."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.target.client import CBRClient, Response, query_pairs
from cbr_conformance.testkit.expect import expect_status
from cbr_conformance.testkit.list_filters import LISTINGS, Filter, Item, Listing, Run
from cbr_conformance.testkit.paging import page_query

FILTERED_PAGES = 10  # a filtered list is read up to this many pages of 1000
WALK_PAGES = 20  # a walk takes about this many pages, whatever the list's length
WALKS = 3  # walks tried before a list that others keep changing is left not tested


@dataclass(frozen=True)
class Page:
    items: list[Item]
    count: int | None
    refused: Response | None = None  # a page asked for by marker and not answered 200


def read_page(
    cbr: CBRClient,
    listing: Listing,
    path: Mapping[str, str],
    query: Mapping[str, Any],
    refusable: bool = False,
) -> Page:
    """One page of a list (the whole list, for one that does not page). `refusable`: an answer
    other than 200 is returned (`Page.refused`), not failed at once."""
    __tracebackhide__ = True
    answer = cbr.call(listing.operation, path=dict(path), query=page_query(**query))
    if refusable and answer.status != 200:
        return Page([], None, answer)
    body = expect_status(answer, 200)
    items = body[listing.key]
    count = body.get("count")
    return Page(items, count if isinstance(count, int) else None)


def listed(cbr: CBRClient, listing: Listing, path: Mapping[str, str], query: Mapping[str, Any]) -> list[Item]:
    """Every item a filtered query lists, page after page of 1000."""
    if not listing.paging:
        return read_page(cbr, listing, path, query).items
    items: list[Item] = []
    for _ in range(FILTERED_PAGES):
        page = read_page(cbr, listing, path, {**query, "limit": 1000, "offset": len(items)})
        items += page.items
        if len(page.items) < 1000:
            break
    return items


def _ids(items: list[Item]) -> list[str]:
    return [str(i.get("id")) for i in items]


def _every_item_matches(flt: Filter, items: list[Item], value: Any) -> None:
    __tracebackhide__ = True
    wrong = [i.get("id") for i in items if flt.match.holds(i, value) is False]
    assert not wrong, (
        f"{flt.section}: {flt.param}={value!r} lists only items whose {flt.match.field or 'times'} "
        f"{_MEANING[flt.match.how]} it, got {len(wrong)} that do not: {wrong[:5]}"
    )


_MEANING = {"equals": "is", "contains": "holds", "among": "include", "from": "reach", "until": "start by"}


def try_filter(cbr: CBRClient, flt: Filter, run: Run, path: Mapping[str, str]) -> None:
    """The filter's value lists the included item and not the excluded one, and every item
    listed matches the value; a filter that can exclude nothing the run made is not tested."""
    __tracebackhide__ = True
    listing = LISTINGS[flt.operation]
    value = flt.value.of(run, flt.operation)
    if value is None:
        not_tested(Why.NOT_APPLICABLE, f"the run's {flt.includes} item shows no {flt.param} to filter by")
    items = listed(cbr, listing, path, {flt.param: value})
    _every_item_matches(flt, items, value)
    if flt.includes is not None:
        included = run.item(flt.operation, flt.includes) or {}
        assert str(included.get("id")) in _ids(items), (
            f"{flt.section}: {flt.param}={value!r} lists the run's {flt.includes} item "
            f"{included.get('id')}, which has that {flt.param}; got {len(items)} items without it"
        )
    if flt.excludes is not None:
        _excluded(cbr, flt, run, path, value, items)
    if flt.untestable is not None:
        not_tested(*flt.untestable)


def _excluded(
    cbr: CBRClient, flt: Filter, run: Run, path: Mapping[str, str], value: Any, items: list[Item]
) -> None:
    __tracebackhide__ = True
    left_out = run.item(flt.operation, flt.excludes or "") or {}
    if flt.excluding is not None:
        value = flt.excluding.of(run, flt.operation)
        _allowed(cbr, flt, path, value)
        items = listed(cbr, LISTINGS[flt.operation], path, {flt.param: value})
        _every_item_matches(flt, items, value)
    elif flt.match.holds(left_out, value):
        not_tested(
            Why.INVENTORY,
            f"the run's {flt.excludes} item has the {flt.param} {value!r} too: none of another to leave out",
        )
    assert str(left_out.get("id")) not in _ids(items), (
        f"{flt.section}: {flt.param}={value!r} leaves out the run's {flt.excludes} item "
        f"{left_out.get('id')}, whose {flt.param} is another; it was listed"
    )


def _allowed(cbr: CBRClient, flt: Filter, path: Mapping[str, str], value: Any) -> None:
    """A value the spec, as the run's profile reads it, does not allow is not sent: the strict
    profile's letter knows fewer values of some filters than the errata's reading."""
    sent = query_pairs(page_query(**{flt.param: value}))
    problems = request_errors(
        cbr.context.contract, flt.operation, {"project_id": cbr.project_id, **path}, sent, None
    )
    if problems:
        not_tested(
            Why.NOT_APPLICABLE,
            f"the spec allows no {flt.param} but the run's item's to leave it out: {problems[0]}",
        )


Snapshot = tuple[int | None, tuple[str, ...]]


def _snapshot(read: Callable[[Mapping[str, Any]], Page]) -> Snapshot:
    """What shows whether others changed the list: its count and its first 1000 ids."""
    page = read({"limit": 1000})
    return page.count, tuple(_ids(page.items))


def _walk_once(
    read: Callable[[Mapping[str, Any]], Page], by: str, limit: int
) -> tuple[list[str], set[int | None], Response | None]:
    """The ids of every page in turn, by offset or by marker, the counts the pages gave, and
    the answer that refused a marker, if one did (the walk stops there)."""
    seen: list[str] = []
    counts: set[int | None] = set()
    pages = 0
    while pages < 10 * WALK_PAGES:
        pages += 1
        where: dict[str, Any] = {"offset": len(seen)} if by == "offset" else {}
        if by == "marker" and seen:
            where["marker"] = seen[-1]
        page = read({"limit": limit, **where})
        if page.refused is not None:
            return seen, counts, page.refused
        counts.add(page.count)
        ids = _ids(page.items)
        fresh = [i for i in ids if i not in seen]
        seen += ids
        if len(ids) < limit or not fresh:  # the end, or a page that brings nothing new
            break
    return seen, counts, None


def walk(
    cbr: CBRClient, listing: Listing, path: Mapping[str, str], by: str, mine: Mapping[str, str]
) -> tuple[int, int]:
    """Walk the whole list page by page (by "offset" or "marker", or unpaged by "none"); each of
    `mine` (id -> what it is, the run's items made before the walk and kept through it) is
    listed exactly once, no item twice, and the walk holds `count` items.

    Others' items may come and go on a shared target: a walk during which the list's count or
    first 1000 items changed proves nothing and is tried again (so is a marker refused because
    another client deleted the item it names); after WALKS such walks, the walk is not tested.
    Returns the list's length and the page size walked with."""
    __tracebackhide__ = True

    def read(query: Mapping[str, Any]) -> Page:
        return read_page(cbr, listing, path, query if listing.paging else {}, refusable="marker" in query)

    for _ in range(WALKS):
        before = _snapshot(read)
        limit = max(2, min(1000, math.ceil((before[0] or len(before[1])) / WALK_PAGES)))
        walked = ([*before[1]], {before[0]}, None) if by == "none" else _walk_once(read, by, limit)
        seen, counts, refused = walked
        if _snapshot(read) == before and len(counts) <= 1:
            if refused is not None:  # a marker of an item still listed
                expect_status(refused, 200)
            _judge(listing, by, limit, seen, counts.pop() if counts else None, mine)
            return len(seen), limit
    not_tested(
        Why.OTHER,
        f"{listing.operation}: the list changed during each of {WALKS} walks (others' items came or went)",
    )


def _judge(
    listing: Listing, by: str, limit: int, seen: list[str], count: int | None, mine: Mapping[str, str]
) -> None:
    __tracebackhide__ = True
    how = f"walked by {by} {limit} a page" if by != "none" else "listed"
    times = Counter(seen)
    missing = [f"{what} {i}" for i, what in mine.items() if times[i] == 0]
    assert not missing, f"{listing.section}: {how}, the list holds the run's items; missing {missing}"
    twice = sorted(i for i, n in times.items() if n > 1)
    assert not twice, f"{listing.section}: {how}, each item is listed once; got twice or more {twice[:5]}"
    if count is not None:
        assert count == len(seen), (
            f"{listing.section} (E-LIST-COUNTS): {how}, the pages hold the count of {count} items, "
            f"got {len(seen)}"
        )
