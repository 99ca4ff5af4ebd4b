"""The spec as one self-contained file, for the ecosystem's tools (`python -m` this module).

spec/cbr-v3.yaml refers to its examples with `externalValue: ../fixtures/...`, so that each
example of the reference is one fixture file the tests share. Linters, mock servers and code
generators do not follow such references (and OpenAPI 3.0 resolves them against the server URL,
which makes them ambiguous), so they would see no example at all. The bundle is the same document
with each example's content inline as `value`; a project test checks it is up to date, and CI
lints it with Spectral.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from cbr_conformance.paths import fixtures_dir, read_yaml, spec_dir

SOURCE = "cbr-v3.yaml"
BUNDLE = "cbr-v3.bundled.yaml"
_FIXTURES_PREFIX = "../fixtures/"
HEADER = (
    "# Generated from spec/cbr-v3.yaml and fixtures/ by `python -m cbr_conformance.contract.bundle`:\n"
    "# the same document, with every example inline. Edit the sources, not this file.\n"
)


def _inline(node: Any, fixtures: Path) -> Any:
    if isinstance(node, list):
        return [_inline(item, fixtures) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("externalValue"), str) and node["externalValue"].startswith(_FIXTURES_PREFIX):
        path = fixtures / node["externalValue"][len(_FIXTURES_PREFIX) :]
        inlined = {key: value for key, value in node.items() if key != "externalValue"}
        inlined["value"] = json.loads(path.read_text(encoding="utf-8"))
        return inlined
    return {key: _inline(value, fixtures) for key, value in node.items()}


def bundled(source: Path | None = None, fixtures: Path | None = None) -> dict[str, Any]:
    """The spec with every fixture example inline."""
    document: dict[str, Any] = _inline(read_yaml(source or spec_dir() / SOURCE), fixtures or fixtures_dir())
    return document


def render(document: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the bundle is out of date")
    args = parser.parse_args(argv)
    target = spec_dir() / BUNDLE
    text = render(bundled())
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(
                f"{target.name} is out of date: run python -m cbr_conformance.contract.bundle",
                file=sys.stderr,
            )
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
