"""`cbr-conformance certify` and `verify`: a certification run of the suite for a product, with
its report (certification/), and the check of such a report without rerunning anything."""

from __future__ import annotations

import argparse
from pathlib import Path

from cbr_conformance.cli import run
from cbr_conformance.cli.common import config_of
from cbr_conformance.cli.exits import (
    EXIT_INTERRUPTED,
    EXIT_NONCONFORMANT,
    EXIT_OK,
    EXIT_UNREACHABLE,
    UsageProblem,
)
from cbr_conformance.results.rundirs import LAST
from cbr_conformance.results.summary import read_summary
from cbr_conformance.settings.registry import RUN


def handle_certify(args: argparse.Namespace) -> int:
    """Run the suite with a certification's fixed seed and fuzz budget, and write its report."""
    from cbr_conformance.certification.certificate import build_report, certification_settings, write_report
    from cbr_conformance.certification.html import write_certification_html
    from cbr_conformance.certification.product import BadProduct, load_product
    from cbr_conformance.certification.signing import BadKey, sign
    from cbr_conformance.certification.testlist import BadTestList, load_test_list

    try:
        product = load_product(Path(args.product))
        test_list = load_test_list()
        if args.sign_key:
            sign({}, Path(args.sign_key))  # a key that cannot sign is refused before the run
    except (BadProduct, BadTestList, BadKey) as exc:
        raise UsageProblem(str(exc)) from None
    fixed = certification_settings()
    chosen = [
        f"--{name.replace('_', '-')}" for name in (*fixed, "fuzz_replay", "spec") if getattr(args, name)
    ]
    if chosen:
        raise UsageProblem(
            f"a certification runs the suite's own contract with fixed fuzzing ({', '.join(chosen)} given): "
            + ", ".join(f"{name} {value}" for name, value in fixed.items())
        )
    if config_of(args, RUN).spec is not None:  # a draft given by CBR_SPEC or the config file
        raise UsageProblem("a certification runs the suite's own contract: unset the spec setting (CBR_SPEC)")
    for name, value in fixed.items():
        setattr(args, name, str(value))
    args.plan = False
    code = run.handle_run(args, [])
    if code == EXIT_INTERRUPTED:
        return code
    run_dir = (config_of(args, RUN).report_dir / LAST).resolve()
    report = build_report(read_summary(run_dir / "summary.json"), test_list, product)
    if args.sign_key:
        report["signature"] = sign(report, Path(args.sign_key))
    out = Path(args.output) if args.output else run_dir / "certification.json"
    write_report(report, out)
    write_certification_html(report, out.with_suffix(".html"))
    failed = report["result"]["failures"]
    name = f"{product['name']} {product['version']}"
    print(f"\n{'certified' if not failed else 'NOT CERTIFIED'}: {name}, test list {test_list.version}")
    for line in failed[:10]:
        print(f"  {line}")
    if len(failed) > 10:
        print(f"  and {len(failed) - 10} more (see the report)")
    print(f"certification report: {out} ({out.with_suffix('.html').name} beside it)")
    if code == EXIT_UNREACHABLE:
        return code
    return EXIT_NONCONFORMANT if failed else EXIT_OK


def handle_verify(args: argparse.Namespace) -> int:
    """Check a certification's report without rerunning: digest, test list, suite, required tests."""
    from cbr_conformance.certification.signing import BadKey
    from cbr_conformance.certification.testlist import BadTestList, load_test_list
    from cbr_conformance.certification.verify import UnreadableReport, read_report, verify

    try:
        report = read_report(Path(args.report))
        test_list = load_test_list()
        checks = verify(report, test_list, Path(args.public_key) if args.public_key else None)
    except (UnreadableReport, BadTestList, BadKey) as exc:
        raise UsageProblem(str(exc)) from None
    for check in checks:
        print(f"{'ok' if check.ok else 'FAILED':<7}{check.name}: {check.detail}")
    failed = [check.name for check in checks if not check.ok]
    if not args.public_key and "signature" in report:
        print("-      signature: not checked (give the vendor's --public-key)")
    print(f"the report does not hold: {', '.join(failed)}" if failed else "the report holds")
    return EXIT_NONCONFORMANT if failed else EXIT_OK
