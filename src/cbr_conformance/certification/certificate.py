"""The conformance report of a certification run, and its digest.

One JSON document holds what a customer needs to check a claim without rerunning anything: the
suite (version, and the sha256 of its tests and test list), the test list's version, the
contract's and errata's sha256, the certification's fixed settings, the run's header (the
settings that change what is tested; never a credential), the product, and each listed test's
outcome. `digest` is the sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of all the
rest, so a changed byte of the claim no longer matches it; an optional signature covers the same
(signing.py).

A parametrized test's cases share its id: its outcome is the worst of them. A case that cannot
exist for this contract (not tested, "not applicable") says nothing of the target and is left
out; a test all of whose cases are so is "not applicable".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cbr_conformance import __version__, paths
from cbr_conformance.certification.testlist import Status, TestList, list_path
from cbr_conformance.contract.errata import ERRATA_FILE
from cbr_conformance.contract.spec import SPEC_FILE
from cbr_conformance.outcome import Outcome, Why
from cbr_conformance.results.record import TestRecord
from cbr_conformance.results.summary import RunSummary, reason_of

FORMAT = "cbr-conformance certification report 1"
# What a certification fixes, whatever the user's settings say: the same cases for every vendor.
CERTIFICATION_SEED = 20261123
CERTIFICATION_FUZZ_EXAMPLES = 20
CERTIFICATION_FUZZ_SECONDS = 30.0
MISSING = "missing"  # a listed test the run has no record of
NOT_APPLICABLE = "not applicable"
# Worst first: a test's outcome is the first of these any of its cases had.
_WORST_FIRST = (Outcome.VIOLATED, Outcome.SUITE_ERROR, Outcome.BLOCKED, Outcome.NOT_TESTED, Outcome.PASSED)


def certification_settings() -> dict[str, Any]:
    return {
        "fuzz_seed": CERTIFICATION_SEED,
        "fuzz_examples": CERTIFICATION_FUZZ_EXAMPLES,
        "fuzz_seconds": CERTIFICATION_FUZZ_SECONDS,
    }


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def suite_sha256() -> str:
    """The sha256 of the suite's tests as installed: each file of conformance/ by its name."""
    digest = hashlib.sha256()
    root = paths.suite_dir()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def identity(test_list: TestList) -> dict[str, Any]:
    """The suite, test list and contract this installation certifies with."""
    return {
        "suite": {"version": __version__, "sha256": suite_sha256()},
        "test_list": {"version": test_list.version, "sha256": sha256_of(list_path())},
        "contract": {
            "sha256": sha256_of(paths.spec_dir() / SPEC_FILE),
            "errata_sha256": sha256_of(paths.spec_dir() / ERRATA_FILE),
        },
    }


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_content(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the digest and the signature cover: everything in the report but themselves."""
    return {k: v for k, v in report.items() if k not in ("digest", "signature")}


def digest_of(report: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(signed_content(report))).hexdigest()


def _outcome(cases: list[TestRecord]) -> tuple[str, str]:
    """A listed test's outcome over its cases, and why it is not passed (empty when it is)."""
    counted = [c for c in cases if not (c.outcome is Outcome.NOT_TESTED and c.why is Why.NOT_APPLICABLE)]
    if not cases:
        return MISSING, "the run has no record of it"
    if not counted:
        return NOT_APPLICABLE, ""
    worst = next(o for o in _WORST_FIRST if any(c.outcome is o for c in counted))
    if worst is Outcome.PASSED:
        return worst.value, ""
    case = next(c for c in counted if c.outcome is worst)
    return worst.value, f"{case.nodeid}: {reason_of(case)}".strip()


def outcomes_by_test(test_list: TestList, records: Iterable[TestRecord]) -> list[dict[str, Any]]:
    by_id: dict[str, list[TestRecord]] = {}
    for record in records:
        by_id.setdefault(record.key, []).append(record)
    rows = []
    for entry in test_list.entries:
        outcome, why = _outcome(by_id.get(entry.id, []))
        row: dict[str, Any] = {"id": entry.id, "status": entry.status.value, "section": entry.section}
        row |= {"outcome": outcome, "cases": len(by_id.get(entry.id, []))}
        if why:
            row["why"] = why
        if entry.reason:
            row["flag_reason" if entry.status is Status.FLAGGED else "note"] = entry.reason
        rows.append(row)
    return rows


def passes(row: Mapping[str, Any]) -> bool:
    return row.get("outcome") in (Outcome.PASSED.value, NOT_APPLICABLE)


def failures(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Why a certification fails: each required test not passed, with its reason."""
    return [
        f"{row.get('id')}: {row.get('outcome')}" + (f" ({row['why']})" if row.get("why") else "")
        for row in rows
        if row.get("status") == Status.REQUIRED.value and not passes(row)
    ]


def build_report(summary: RunSummary, test_list: TestList, product: Mapping[str, str]) -> dict[str, Any]:
    rows = outcomes_by_test(test_list, summary.tests)
    failed = failures(rows)
    report: dict[str, Any] = {
        "format": FORMAT,
        **identity(test_list),
        "certification": certification_settings(),
        "settings": summary.header.to_dict(),
        "product": dict(product),
        "result": {"certified": not failed, "failures": failed},
        "tests": rows,
    }
    report["digest"] = {"algorithm": "sha256", "value": digest_of(report)}
    return report


def write_report(report: Mapping[str, Any], out: Path) -> None:
    out.write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
