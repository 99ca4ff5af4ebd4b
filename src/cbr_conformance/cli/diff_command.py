"""`cbr-conformance diff OLD NEW`: what changed between two runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from cbr_conformance.cli.exits import EXIT_NONCONFORMANT, EXIT_OK, UsageProblem
from cbr_conformance.results.summary import read_summary


def handle_diff(args: argparse.Namespace) -> int:
    """Compare two runs: violations new, fixed and still present; skips; coverage; exit 1 on new."""
    from cbr_conformance.results.diff import diff_html, diff_runs, diff_text

    old, new = Path(args.old), Path(args.new)
    diff = diff_runs(read_summary(old), read_summary(new), str(old), str(new))
    print(diff_text(diff))
    page = Path(args.html) if args.html else (new if new.is_dir() else new.parent) / "diff.html"
    try:
        page.write_text(diff_html(diff), encoding="utf-8")
    except OSError as exc:
        raise UsageProblem(f"cannot write {page}: {exc.strerror or exc}") from None
    print(f"html: {page}")
    return EXIT_NONCONFORMANT if diff.has_new_violations else EXIT_OK
