"""`cbr-conformance report`: rebuild a run's page, or merge shards into one run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cbr_conformance.cli.common import contract_of
from cbr_conformance.cli.exits import EXIT_OK, UsageProblem, exit_code_of
from cbr_conformance.cli.results_out import print_matrix
from cbr_conformance.results.summary import read_summary


def handle_report(args: argparse.Namespace) -> int:
    from cbr_conformance.report.html import write_html

    if args.merge:
        return handle_merge(args)
    summary_path = Path(args.summary)
    if summary_path.is_dir():
        summary_path = summary_path / "summary.json"
    if not summary_path.exists():
        raise UsageProblem(f"no summary at {summary_path}")
    summary = read_summary(summary_path)
    out = Path(args.output) if args.output else summary_path.parent / "index.html"
    write_html(summary, out, contract_of(summary.header.get("profile", "errata")))
    print(f"report: {out}")
    return EXIT_OK


def handle_merge(args: argparse.Namespace) -> int:
    """Shards' summaries (pytest-split's groups of one run) into one run folder and its report."""
    from cbr_conformance.report.html import write_html
    from cbr_conformance.results.merge import ShardsDisagree, merge_summaries

    if len(args.merge) < 2 or not args.into:
        raise UsageProblem("report --merge takes two or more shard summaries and --into DIR")
    try:
        merged = merge_summaries([read_summary(Path(shard)) for shard in args.merge])
    except ShardsDisagree as exc:
        raise UsageProblem(str(exc)) from None
    folder = Path(args.into)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(merged.to_dict(), indent=2), encoding="utf-8")
    contract = contract_of(merged.header.get("profile", "errata"))
    write_html(merged, folder / "index.html", contract)
    print_matrix(merged, contract)
    print(f"report: {folder / 'index.html'}")
    return exit_code_of(merged)
