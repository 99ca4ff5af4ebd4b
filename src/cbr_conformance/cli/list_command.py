"""`cbr-conformance list`: the tests with their markers, the kinds of test per operation, and the
versioned test list (each test's status and section; `--since VERSION`: what it changed)."""

from __future__ import annotations

import argparse

from cbr_conformance import paths
from cbr_conformance.cli.common import contract_of
from cbr_conformance.cli.exits import EXIT_OK, UsageProblem


def handle_list(args: argparse.Namespace) -> int:
    from cbr_conformance.certification.testlist import (
        BadTestList,
        listing_lines,
        load_test_list,
        since_lines,
        suite_tests,
    )
    from cbr_conformance.suite.test_kinds import collect_tests, coverage_table

    try:
        test_list = load_test_list()
        if args.since is not None:
            print("\n".join(since_lines(test_list, args.since)))
            return EXIT_OK
    except BadTestList as exc:
        raise UsageProblem(str(exc)) from None
    tests = collect_tests([str(paths.suite_dir())])
    for info in tests:
        needs = " needs " + ",".join(f"{n}x{kind}" for kind, n in info.needs) if info.needs else ""
        print(
            f"{info.nodeid}  [{','.join(info.operations)} {info.kind}{' mutates' if info.mutates else ''}"
            f"{needs}{' restores' if info.restores else ''}] id={info.test_id}"
        )
    print()
    print(coverage_table(tests, contract_of("errata")))
    print()
    print("\n".join(listing_lines(test_list, suite_tests())))
    return EXIT_OK
