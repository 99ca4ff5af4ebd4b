"""The product a certification is for, from a small file its vendor writes (TOML or YAML):

    name = "Example Backup"       # the product
    version = "2.3.1"
    vendor = "Example Cloud Ltd"
    contact = "conformance@example.com"
    region = "eu-west-101"        # the target's region, or: url = "https://cbr.example.com"

It holds no credentials: a key it does not know is refused, so that none slips into a report.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

REQUIRED = ("name", "version", "vendor", "contact")
WHERE = ("region", "url")  # at least one


class BadProduct(ValueError):
    """The product file cannot be used: the message says why, in one line."""


def load_product(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadProduct(f"cannot read the product file {path}: {exc.strerror}") from None
    try:
        data: Any = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        problem = str(exc).splitlines()[0]
        language = "TOML" if path.suffix == ".toml" else "YAML"
        raise BadProduct(f"the product file {path} is not valid {language}: {problem}") from None
    return product_of(data, path.name)


def product_of(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise BadProduct(f"{where}: a mapping of {', '.join(REQUIRED)} and region or url")
    unknown = sorted(set(data) - set(REQUIRED) - set(WHERE))
    if unknown:
        raise BadProduct(f"{where}: unknown keys {', '.join(map(str, unknown))} (it names the product only)")
    missing = [key for key in REQUIRED if not _given(data.get(key))]
    if missing or not any(_given(data.get(key)) for key in WHERE):
        wanted = [*missing, *([] if any(_given(data.get(k)) for k in WHERE) else ["region or url"])]
        raise BadProduct(f"{where}: missing {', '.join(wanted)}")
    return {key: str(data[key]) for key in (*REQUIRED, *WHERE) if _given(data.get(key))}


def _given(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip() != ""
