"""Where the contract files live.

The spec, errata and catalogue are data files at the top of the project (`spec/`), the single
source of truth for the suite. `CBR_SPEC_DIR` points elsewhere, e.g. at a patched copy.
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser is ~6x faster than the pure-Python one on the spec; fall back where it is absent.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def read_yaml(path: Path) -> Any:
    """A YAML file's data, parsed once per process for each version of the file.

    Each caller gets its own copy: the spec is read by several modules of a run, and some
    (JSON Patch, schemathesis) may change what they are handed.
    """
    stat = path.stat()
    return copy.deepcopy(_parsed(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_YAML_LOADER)
