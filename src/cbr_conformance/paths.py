"""Where the contract files live.

The spec, errata and catalogue are data files at the top of the project (`spec/`), the single
source of truth for the suite. `CBR_SPEC_DIR` points elsewhere, e.g. at a patched copy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def spec_dir() -> Path:
    override = os.environ.get("CBR_SPEC_DIR")
    return Path(override) if override else PROJECT_ROOT / "spec"


def fixtures_dir() -> Path:
    override = os.environ.get("CBR_FIXTURES_DIR")
    return Path(override) if override else PROJECT_ROOT / "fixtures"


def reference_example(name: str) -> Any:
    """A request or response of the reference, as fixtures/reference-examples holds it."""
    return json.loads((fixtures_dir() / "reference-examples" / name).read_text(encoding="utf-8"))
