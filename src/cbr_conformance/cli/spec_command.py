"""`cbr-conformance spec`: validate the contract and summarise it."""

from __future__ import annotations

import argparse
from collections import Counter

from cbr_conformance.cli.common import config_of, contract_of
from cbr_conformance.cli.exits import EXIT_OK
from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.errata import ERRATA_FILE, load_errata
from cbr_conformance.settings.registry import SPEC


def handle_spec(args: argparse.Namespace) -> int:
    """Validate the contract files and print what they hold."""
    from openapi_spec_validator import validate  # only this command needs it; it is slow to import

    config = config_of(args, SPEC)
    contract = contract_of(config.profile, config.spec)
    errata = load_errata(contract.folder / ERRATA_FILE)
    validate(contract.document)
    catalogue = Catalogue.of(contract)
    print(
        f"{contract.source}  OpenAPI {contract.document['openapi']}, API version {contract.version}, "
        f"profile {config.profile}, sha256 {contract.sha256[:16]}"
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
        f"\n{len(contract.operations)} operations, {len(contract.document['components']['schemas'])} "
        f"schemas; errata: {kinds['departure']} departures, {kinds['note']} notes; error codes: "
        f"{sources['appendix']} from the appendix, {sources['gateway']} from the API gateway"
    )
    return EXIT_OK
