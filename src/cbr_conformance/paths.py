"""Where the contract, the fixtures and the conformance tests live.

In a checkout they are the top-level `spec/`, `fixtures/` and `conformance/`, the single source of
truth; the wheel carries copies of the three under `cbr_conformance/bundle/` (pyproject.toml's
force-include), so an installed suite runs from any folder. A user's `--spec` folder (a draft of
the contract) replaces `spec/` for the run.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser is ~6x faster than the pure-Python one on the spec; fall back where it is absent.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CONTRACT_FILES = ("cbr-v3.yaml", "errata.yaml", "error-codes.yaml")
BUNDLE = "bundle"
# The file a run's folder keeps its results in, read by the report, diff, merge and --baseline.
SUMMARY_FILE = "summary.json"
_PARTS = ("spec", "fixtures", "conformance")


class MissingSuiteFiles(FileNotFoundError):
    """Neither the installed package nor a checkout holds the suite's files: a broken install."""


@lru_cache(maxsize=1)
def suite_root() -> Path:
    """The folder holding spec/, fixtures/ and conformance/: the wheel's bundle, else the checkout."""
    bundled = Path(str(resources.files("cbr_conformance"))) / BUNDLE
    checkout = Path(__file__).resolve().parents[2]
    for root in (bundled, checkout):
        if all((root / part).is_dir() for part in _PARTS):
            return root
    raise MissingSuiteFiles(
        f"the suite's files (spec/, fixtures/, conformance/) are neither in {bundled} nor in {checkout}: "
        "reinstall cbr-conformance"
    )


def spec_dir(draft: Path | None = None) -> Path:
    """The folder of the contract: a draft's (the `spec` setting), else the packaged one."""
    return draft or suite_root() / "spec"


def fixtures_dir() -> Path:
    return suite_root() / "fixtures"


def suite_dir() -> Path:
    """The conformance tests users run."""
    return suite_root() / "conformance"


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
