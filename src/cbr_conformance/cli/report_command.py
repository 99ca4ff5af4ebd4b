"""`cbr-conformance report`: rebuild a run's page, merge shards into one run, or build the site of
many runs' history."""

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

    if args.history:
        return handle_history(args)
    if args.merge:
        return handle_merge(args)
    summary_path = Path(args.summary or "reports/latest")
    if summary_path.is_dir():
        summary_path = summary_path / "summary.json"
    if not summary_path.exists():
        raise UsageProblem(f"no summary at {summary_path}")
    summary = read_summary(summary_path)
    out = Path(args.output) if args.output else summary_path.parent / "index.html"
    write_html(summary, out, contract_of(summary.header.profile))
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
    contract = contract_of(merged.header.profile)
    write_html(merged, folder / "index.html", contract)
    print_matrix(merged, contract)
    print(f"report: {folder / 'index.html'}")
    return exit_code_of(merged)


def handle_history(args: argparse.Namespace) -> int:
    """The run folders of DIR as one static site (history.py)."""
    from cbr_conformance.report.history import build_site
    from cbr_conformance.results.history import NoRuns

    if args.summary or args.merge or args.into:
        raise UsageProblem("report --history DIR takes no run summary, --merge or --into")
    root = Path(args.history)
    if not root.is_dir():
        raise UsageProblem(f"report --history: {root} is not a folder of runs")
    out = Path(args.output) if args.output else root / "history"
    if out.exists() and not out.is_dir():
        raise UsageProblem(f"report --history: the site's folder {out} is a file")
    try:
        site = build_site(root, out)
    except NoRuns as exc:
        raise UsageProblem(f"report --history: {exc}") from None
    except OSError as exc:
        raise UsageProblem(f"report --history: cannot write {out}: {exc.strerror or exc}") from None
    for line in site.problems:
        print(f"no page for {line}")
    shown = sum(run.summary is not None for run in site.runs)
    print(f"history: {len(site.runs)} runs, {shown} with a page: {site.index}")
    return EXIT_OK
