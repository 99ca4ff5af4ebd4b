"""Contract coverage: how much of the contract a run's exchanges exercised, operation by operation.

Measured from what was sent and received (the facts of exchanges, contract/exchange_facts.py), never from
the tests' markers: a test marked for an operation that never calls it adds nothing. What the
contract offers to exercise comes from contract/surface.py. Marker coverage (which kinds of test
name which operation) is another thing: suite/test_kinds.py.

The JSON shape (summary.json's `coverage`)::

    {
      "categories": ["responses", "error_codes", "parameters", "values", "links"],
      "overall": {
        "responses": {"hit": 120, "of": 131, "percent": 91.6},   # the sum over operations
        ...,                                                      # percent: null when of == 0
        "percent": 61.2                        # the mean of the categories' percents
      },
      "operations": {
        "create_vault": {
          "responses": {"hit": 3, "of": 5, "percent": 60.0, "missing": ["401", "403"]},
          "error_codes": {..., "missing": ["BackupService.0001", ...]},
          "parameters": {..., "missing": ["body.vault.name invalid", "query.limit valid"]},
          "values": {..., "missing": ["sent body.vault.billing.object_type=turbo",
                                      "seen vault.billing.status=error"]},
          "links": {..., "missing": ["create_vault 200 -> show_vault"]},
          "percent": 55.0                      # the mean of its categories' percents
        },
        ...                                    # every operation of the contract, in its order
      },
      "timed": [                               # items only timed exchanges exercised
        {"operation": "list_backups", "category": "values", "item": "seen backups[].status=protecting"},
        ...
      ]
    }
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.exchange_facts import ExchangeFacts, FactFinder, FactSheet
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.surface import Surface, surfaces
from cbr_conformance.transport.recording import Exchange

# The kinds of coverage, in the order they are shown, with what a missing item of each means.
CATEGORIES = {
    "responses": "documented statuses never answered",
    "error_codes": "catalogued error codes never answered",
    "parameters": "parameters never sent with a valid value, or never with an invalid one",
    "values": "enum values never sent, or never seen in an answer",
    "links": "links never followed",
}


def _figure(hit: int, of: int) -> dict[str, Any]:
    return {"hit": hit, "of": of, "percent": round(100 * hit / of, 1) if of else None}


def _mean(percents: Iterable[float | None]) -> float | None:
    known = [p for p in percents if p is not None]
    return round(sum(known) / len(known), 1) if known else None


def _items(
    surface: Surface, facts: ExchangeFacts, followed: set[str]
) -> dict[str, tuple[list[str], list[str]]]:
    """By category: the items the operation offers, and those the facts exercised (`followed`: the
    links followed, which the facts of their targets name)."""
    wanted_parameters = [f"{name} valid" for name in surface.parameters] + [
        f"{name} invalid" for name, parameter in surface.parameters.items() if parameter.breakable
    ]
    done_parameters = {f"{name} valid" for name in facts.valid} | {
        f"{name} invalid" for name in facts.invalid
    }
    wanted_values = [f"sent {where}={v}" for where, values in surface.request_enums.items() for v in values]
    wanted_values += [f"seen {where}={v}" for where, values in surface.response_enums.items() for v in values]
    done_values = {f"sent {v}" for v in facts.sent} | {f"seen {v}" for v in facts.seen}
    statuses = [str(status) for status in surface.statuses]
    return {
        "responses": (statuses, [s for s in statuses if int(s) in facts.statuses]),
        "error_codes": (
            list(surface.error_codes),
            [c for c in surface.error_codes if c in facts.error_codes],
        ),
        "parameters": (wanted_parameters, [p for p in wanted_parameters if p in done_parameters]),
        "values": (wanted_values, [v for v in wanted_values if v in done_values]),
        "links": (
            [link.id for link in surface.links],
            [link.id for link in surface.links if link.id in followed],
        ),
    }


def contract_coverage(
    facts: Iterable[ExchangeFacts], contract: Contract, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """The coverage of the contract by the exchanges `facts` were read from (any number, any order,
    of any operations: they are merged by operation). `catalogue` defaults to the contract's.

    The JSON shape (summary.json's `coverage`) is in this module's docstring.

    What each category counts (contract/surface.py says what the contract offers):
    responses, the documented statuses answered (a documented 5xx is left out: a server error is no
    behaviour to provoke); error_codes, the catalogued codes whose status the operation documents
    (5xx left out) that an error body named; parameters, each path, query and body parameter sent
    once with a value its schema allows ("valid") and, when its schema states a rule a value can
    break, once with a value that breaks it ("invalid"); values, each enum value of a request sent,
    and each enum value of a 2xx answer seen; links, each link from the operation followed (a later
    request used a value the link names from one of its answers).

    `timed`: the items exercised only by exchanges whose course depends on the target's timing
    (contract/exchange_facts.py): a run of the same seed against the same target may miss them, or hit
    others in their place. They count in the figures; the console and the report name them.
    """
    sheet = FactSheet()
    sheet.extend(facts)
    exercised = sheet.merged()
    followed = {link for observed in exercised.values() for link in observed.links}
    steady_followed = {link for observed in sheet.by_operation.values() for link in observed.links}
    totals = {category: [0, 0] for category in CATEGORIES}
    operations: dict[str, Any] = {}
    timed: list[dict[str, str]] = []
    for operation_id, surface in surfaces(contract, catalogue).items():
        observed = exercised.get(operation_id, ExchangeFacts(operation_id))
        steady = sheet.by_operation.get(operation_id, ExchangeFacts(operation_id))
        steady_items = _items(surface, steady, steady_followed)
        entry: dict[str, Any] = {}
        for category, (wanted, done) in _items(surface, observed, followed).items():
            entry[category] = {
                **_figure(len(done), len(wanted)),
                "missing": [w for w in wanted if w not in done],
            }
            totals[category][0] += len(done)
            totals[category][1] += len(wanted)
            steadily = set(steady_items[category][1])
            timed += [
                {"operation": operation_id, "category": category, "item": item}
                for item in done
                if item not in steadily
            ]
        entry["percent"] = _mean(entry[category]["percent"] for category in CATEGORIES)
        operations[operation_id] = entry
    overall: dict[str, Any] = {category: _figure(*totals[category]) for category in CATEGORIES}
    overall["percent"] = _mean(overall[category]["percent"] for category in CATEGORIES)
    return {"categories": list(CATEGORIES), "overall": overall, "operations": operations, "timed": timed}


def coverage_of_exchanges(
    exchanges: Iterable[Exchange], contract: Contract, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """`contract_coverage` of recorded exchanges (a proxy's, say), in the order they were made:
    a link is followed only by a request after the answer it takes its value from."""
    finder = FactFinder(contract, catalogue)
    facts = (finder.facts(exchange) for exchange in exchanges)
    return contract_coverage((f for f in facts if f is not None), contract, catalogue)


def _shown(figure: dict[str, Any]) -> str:
    percent = "n/a" if figure["percent"] is None else f"{figure['percent']:g}%"
    return f"{percent} ({figure['hit']}/{figure['of']})"


def coverage_line(coverage: dict[str, Any]) -> str:
    """One console line with the overall figures, and one more when some of them depend on the
    target's timing."""
    overall = coverage["overall"]
    parts = [
        f"{category.replace('_', ' ')} {_shown(overall[category])}" for category in coverage["categories"]
    ]
    total = "n/a" if overall["percent"] is None else f"{overall['percent']:g}%"
    line = f"contract coverage {total}: " + ", ".join(parts)
    timed = timed_items(coverage)
    if timed:
        line += (
            f"\n{len(timed)} of the items exercised depend on the target's timing (another run of the "
            f"same seed may miss them): {', '.join(_item_name(t) for t in timed[:5])}"
            + (f" and {len(timed) - 5} more (the report lists them)" if len(timed) > 5 else "")
        )
    return line


TIMING_NOTE = (
    "Exercised only by exchanges whose course depends on the target's timing: polls of an "
    "asynchronous state (a backup seen protecting before available, or not), cleanups that wait "
    "for one, a vault refused because another test still held a resource, the state machine, whose "
    "path follows the target's answers and its time budget, and fuzz tests whose budget ran out. "
    "Another run of the same seed against the same target may miss these, or hit others."
)


def timed_items(coverage: dict[str, Any]) -> list[dict[str, str]]:
    """The coverage's items only timing-dependent exchanges exercised (none in an older summary)."""
    timed = coverage.get("timed")
    return [t for t in timed if isinstance(t, dict)] if isinstance(timed, list) else []


def _item_name(timed: dict[str, str]) -> str:
    return f"{timed.get('operation')} {timed.get('category')} {timed.get('item')}"


def never_exercised(coverage: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operation, category, missing items) for every gap, in the contract's order: what to do next."""
    return [
        (operation, category, entry[category]["missing"])
        for operation, entry in coverage["operations"].items()
        for category in coverage["categories"]
        if entry[category]["missing"]
    ]
