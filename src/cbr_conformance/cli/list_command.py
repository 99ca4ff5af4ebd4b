"""`cbr-conformance list`: the tests with their markers, and the kinds of test per operation."""

from __future__ import annotations

import argparse

from cbr_conformance import paths
from cbr_conformance.cli.common import contract_of
from cbr_conformance.cli.exits import EXIT_OK


def handle_list(args: argparse.Namespace) -> int:
    from cbr_conformance.coverage import collect_tests, coverage_table

    tests = collect_tests([str(paths.suite_dir())])
    for info in tests:
        needs = " needs " + ",".join(f"{n}x{kind}" for kind, n in info.needs) if info.needs else ""
        print(
            f"{info.nodeid}  [{','.join(info.operations)} {info.kind}{' mutates' if info.mutates else ''}"
            f"{needs}{' restores' if info.restores else ''}] id={info.test_id}"
        )
    print()
    print(coverage_table(tests, contract_of("errata")))
    return EXIT_OK
