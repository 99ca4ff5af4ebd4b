"""Checking a certification's report without rerunning anything (`cbr-conformance verify`).

Each check passes or says what it found:
- digest: the report is unchanged since it was written (its sha256 over the rest matches);
- test list: its version is one this suite knows (its changelog names it), and for the suite's
  current version, the list's file is the one shipped;
- suite and contract: made with this suite's version, its tests, its contract and errata;
- required tests: every test the list requires is in the report, and passed;
- signature, given the vendor's public key: the holder of its private key signed it as it is.

The digest alone stops an accidental or careless edit; the suite and list checks hold against
anyone who recomputes it, because they compare the report with this installation, not with
itself; only the signature holds an outcome against such a forger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cbr_conformance.certification.certificate import (
    FORMAT,
    NOT_APPLICABLE,
    digest_of,
    failures,
    identity,
)
from cbr_conformance.certification.testlist import Status, TestList


class UnreadableReport(ValueError):
    """The file is not a certification report: the message says why, in one line."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def read_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableReport(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UnreadableReport(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UnreadableReport(f"{path} is not a certification report ({FORMAT})")
    return data


def _get(report: Mapping[str, Any], *keys: str) -> Any:
    value: Any = report
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def check_digest(report: Mapping[str, Any]) -> Check:
    stated = _get(report, "digest", "value")
    if _get(report, "digest", "algorithm") != "sha256" or not isinstance(stated, str):
        return Check("digest", False, "the report has no sha256 digest")
    actual = digest_of(report)
    if actual != stated:
        return Check("digest", False, f"the report was changed after it was written (sha256 {actual[:12]}…)")
    return Check("digest", True, f"sha256 {stated[:12]}… matches")


def check_test_list(report: Mapping[str, Any], test_list: TestList) -> Check:
    version = str(_get(report, "test_list", "version"))
    if version not in test_list.versions:
        known = ", ".join(test_list.versions)
        return Check("test list", False, f"version {version} is not known to this suite (it knows {known})")
    if version == test_list.version:
        shipped = identity(test_list)["test_list"]["sha256"]
        if _get(report, "test_list", "sha256") != shipped:
            return Check("test list", False, f"version {version} but not the file this suite ships")
    return Check("test list", True, f"version {version} is known")


def check_suite(report: Mapping[str, Any], test_list: TestList) -> Check:
    ours = identity(test_list)
    version = _get(report, "suite", "version")
    if version != ours["suite"]["version"]:
        return Check(
            "suite and contract",
            False,
            f"made with suite {version}, this is {ours['suite']['version']}: verify with that version",
        )
    changed = [
        name
        for name, keys in (
            ("the suite's tests", ("suite", "sha256")),
            ("the contract", ("contract", "sha256")),
            ("the errata", ("contract", "errata_sha256")),
        )
        if _get(report, *keys) != _get(ours, *keys)
    ]
    if changed:
        return Check("suite and contract", False, f"sha256 of {', '.join(changed)} differs from this suite's")
    return Check("suite and contract", True, f"suite {version}, its tests, contract and errata")


def check_required(report: Mapping[str, Any], test_list: TestList) -> Check:
    rows = [row for row in _get(report, "tests") or [] if isinstance(row, Mapping)]
    listed = {str(row.get("id")): row for row in rows}
    # The list of the report's version names what is required; for an older version, only the
    # report itself can say.
    if _get(report, "test_list", "version") == test_list.version:
        required = test_list.ids(Status.REQUIRED)
    else:
        required = [i for i, row in listed.items() if row.get("status") == Status.REQUIRED.value]
    missing = [test_id for test_id in required if test_id not in listed]
    failed = failures({**listed[i], "status": Status.REQUIRED.value} for i in required if i in listed)
    if missing or failed:
        problems = [f"{test_id}: missing" for test_id in missing] + failed
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        return Check("required tests", False, f"{len(problems)} not passed: {shown}")
    moot = sum(listed[i].get("outcome") == NOT_APPLICABLE for i in required)
    return Check(
        "required tests", True, f"all {len(required)} passed" + (f" ({moot} not applicable)" if moot else "")
    )


def verify(report: Mapping[str, Any], test_list: TestList, public_key: Path | None = None) -> list[Check]:
    """The checks of a report; with the vendor's public key, its signature too."""
    checks = [
        check_digest(report),
        check_test_list(report, test_list),
        check_suite(report, test_list),
        check_required(report, test_list),
    ]
    if public_key is not None:
        from cbr_conformance.certification.signing import check_signature

        checks.append(Check("signature", *check_signature(report, public_key)))
    return checks
