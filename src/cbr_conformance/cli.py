"""`cbr-conformance`: the command line of the suite."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from openapi_spec_validator import validate

from cbr_conformance.catalogue import Catalogue
from cbr_conformance.contract import Contract
from cbr_conformance.errata import letter_patches, load_errata

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_USAGE = 2


def _spec(args: argparse.Namespace) -> int:
    """Validate the contract files and print what they hold."""
    errata = load_errata()
    patches = letter_patches(errata) if args.profile == "strict" else None
    contract = Contract.load(letter_patches=patches)
    validate(contract.document)
    catalogue = Catalogue.load()
    print(
        f"spec/cbr-v3.yaml  OpenAPI {contract.document['openapi']}, API version {contract.version}, "
        f"profile {args.profile}, sha256 {contract.sha256[:16]}"
    )
    by_area: dict[str, list[str]] = {}
    for op in contract:
        by_area.setdefault(op.tag, []).append(f"{op.method:<6} {op.path}  ({op.operation_id})")
    for area, lines in by_area.items():
        print(f"\n{area} ({len(lines)})")
        for line in lines:
            print(f"  {line}")
    kinds = Counter(e.kind for e in errata)
    sources = Counter(e.source for e in catalogue.entries)
    print(
        f"\n{len(contract.operations)} operations, "
        f"{len(contract.document['components']['schemas'])} schemas; "
        f"errata: {kinds['departure']} departures, {kinds['note']} notes; "
        f"error codes: {sources['appendix']} from the appendix, {sources['gateway']} from the API gateway"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cbr-conformance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    spec = commands.add_parser("spec", help="validate the contract and print a summary of it")
    spec.add_argument(
        "--profile",
        choices=("errata", "strict"),
        default="errata",
        help="errata: the spec as corrected (default); strict: the reference's letter",
    )
    spec.set_defaults(handler=_spec)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
