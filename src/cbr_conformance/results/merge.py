"""One summary from the summaries of shards: `cbr-conformance report --merge SHARD... --into DIR`.

A nightly run with a large fuzz budget can be split across CI jobs with pytest-split (each job
runs `cbr-conformance run -- --splits N --group I`); each job writes its own summary.json. The
merge puts their tests together and builds the summary again, so the matrix, the distinct
violations, the skips and the verdict are those of one run. Coverage is merged from what each
shard left unexercised: an item is exercised when any shard exercised it, and depends on the
target's timing when every shard that exercised it did so only as the timing allowed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cbr_conformance.outcome import Outcome
from cbr_conformance.results.exercised import timed_items
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import RunSummary, Scope, build_summary


class ShardsDisagree(ValueError):
    """Shards of different specs or profiles: their tests are not parts of one run."""


def _merged_coverage(coverages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Per operation and category, what no shard exercised is what the merged run missed."""
    if not coverages:
        return None
    merged: dict[str, Any] = {"categories": coverages[0]["categories"], "operations": {}}
    totals = {category: [0, 0] for category in merged["categories"]}
    for operation, first in coverages[0]["operations"].items():
        figures: dict[str, Any] = {}
        percents = []
        for category in merged["categories"]:
            missing = set(first[category]["missing"])
            for other in coverages[1:]:
                missing &= set(other["operations"][operation][category]["missing"])
            of = first[category]["of"]
            hit = of - len(missing)
            percent = round(100 * hit / of, 1) if of else None
            figures[category] = {
                "hit": hit,
                "of": of,
                "percent": percent,
                "missing": [m for m in first[category]["missing"] if m in missing],
            }
            totals[category][0] += hit
            totals[category][1] += of
            if percent is not None:
                percents.append(percent)
        figures["percent"] = round(sum(percents) / len(percents), 1) if percents else None
        merged["operations"][operation] = figures
    overall: dict[str, Any] = {
        category: {"hit": hit, "of": of, "percent": round(100 * hit / of, 1) if of else None}
        for category, (hit, of) in totals.items()
    }
    shown = [figure["percent"] for figure in overall.values() if figure["percent"] is not None]
    overall["percent"] = round(sum(shown) / len(shown), 1) if shown else None
    merged["overall"] = overall
    merged["timed"] = _merged_timed(coverages)
    return merged


def _merged_timed(coverages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The items every shard that exercised them exercised only as the target's timing allowed."""

    def key(timed: dict[str, str]) -> tuple[Any, ...]:
        return timed.get("operation"), timed.get("category"), timed.get("item")

    def hit(coverage: dict[str, Any], item: tuple[Any, ...]) -> bool:
        operation, category, name = item
        return name not in coverage["operations"].get(operation, {}).get(category, {}).get("missing", [name])

    timed_in = [{key(t): t for t in timed_items(coverage)} for coverage in coverages]
    found = {item: timed for kept in timed_in for item, timed in kept.items()}
    return [
        timed
        for item, timed in found.items()
        if all(
            item in kept or not hit(coverage, item)
            for coverage, kept in zip(coverages, timed_in, strict=True)
        )
    ]


def merge_summaries(summaries: list[RunSummary]) -> RunSummary:
    """The summary of one run made of `summaries`, the shards' (two or more)."""
    first = summaries[0].header
    for other in summaries[1:]:
        for key in ("spec_sha256", "profile"):
            mine, theirs = _setting(first, key), _setting(other.header, key)
            if mine != theirs:
                raise ShardsDisagree(f"the shards differ in {key}: {mine!r} and {theirs!r}")
    # blocked is the judgement of a whole run: each shard's tests are judged again together
    records = [
        replace(t, outcome=Outcome.VIOLATED, blocked_by=None) if t.outcome is Outcome.BLOCKED else t
        for summary in summaries
        for t in summary.tests
    ]
    duration = max(float(s.header.duration or 0) for s in summaries)
    header = replace(first, shards=len(summaries), duration=duration)
    selections = {s.scope.selection for s in summaries if s.scope.selection}
    return build_summary(
        records,
        header,
        operations=summaries[0].operations,
        interrupted=any(s.interrupted for s in summaries),
        scope=Scope(summaries[0].scope.read_only, "; ".join(sorted(selections)) or None),
        coverage=_merged_coverage([s.coverage for s in summaries if s.coverage]),
        leftovers=[item for s in summaries for item in s.leftovers if item not in _test_leftovers(s)],
    )


def _setting(header: RunHeader, key: str) -> object:
    """A setting the shards must agree on; None where a shard's header does not record it."""
    return getattr(header, key) if header.records(key) else None


def _test_leftovers(summary: RunSummary) -> set[str]:
    """What a summary's tests left (the merge gathers them again from the tests)."""
    return {item for t in summary.tests for item in t.leftovers}
