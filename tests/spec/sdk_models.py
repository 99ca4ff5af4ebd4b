"""What the official SDK's models (huaweicloudsdkcbr, installed with the dev extra) say of a field.

The SDK is a second reading of the contract, written by the vendor from its own API definitions.
Its model classes carry, for each field, a one-line description (often in Chinese) in the
constructor's docstring; the values and bounds it documents are read out of that text here, so
that project tests can hold the spec to the principle of spec/errata.yaml: no refusal is asserted
of a value any reading documents as valid.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from typing import Any

_PACKAGE = "huaweicloudsdkcbr.v1"
# "[text](tag:hws,hws_hk)": the text applies to the regions named after "tag:"; the region names
# are not values.
_REGION_TAGS = re.compile(r"\(tag:[^)]*\)")
_PARAM = re.compile(r"^\s*:param (\w+): (.*)$")
_WORD = re.compile(r"(?<![A-Za-z0-9_:])[a-z][a-z0-9_]*[a-z0-9](?![A-Za-z0-9_:])")
_TYPE_NAME = re.compile(r"OS::[A-Za-z]+::[A-Za-z0-9]+")
_RANGE = re.compile(r"(-?\d+)\s*(?:-|~|到|至)\s*(\d+)")
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?![\d.])")
# Character classes the descriptions name, each with a character of that class.
_CLASSES = {"中文": "备", "字母": "a", "数字": "7"}
_QUOTED = re.compile(r"[“\"]([^”\"\s])[”\"]")
# "只能由 ... 组成": "may only consist of ..."; the allowed characters are named there.
_ALLOWED = re.compile(r"只能由(.*?)组成")
_MAX_LENGTH = re.compile(r"(?:最大长度为?[：:]?|最大支持|长度限制：\s*\d+\s*-)\s*(\d+)")


def model(name: str) -> type[Any]:
    """The SDK's model class `name` (e.g. "BillingCreate")."""
    return getattr(importlib.import_module(_PACKAGE), name)  # type: ignore[no-any-return]


def description(cls: type[Any], field: str) -> str:
    """The SDK's one-line description of `field` of model `cls`."""
    for line in (inspect.getdoc(cls.__init__) or "").splitlines():
        found = _PARAM.match(line)
        if found and found.group(1) == field:
            return found.group(2).replace("&#x3D;", "=").replace("&quot;", '"').replace("\\", "")
    raise LookupError(f"the SDK's {cls.__name__} documents no field {field}")


def fields(cls: type[Any]) -> tuple[str, ...]:
    return tuple(getattr(cls, "attribute_map", {}))


def required(cls: type[Any]) -> set[str]:
    """The fields the SDK's constructor always sets (the others it sets only when given)."""
    source = inspect.getsource(cls.__init__)
    return {name for name in fields(cls) if re.search(rf"^\s{{8}}self\.{name} = {name}$", source, re.M)}


@dataclass(frozen=True)
class Documented:
    """The values and bounds one SDK description names."""

    words: frozenset[str]  # lower-case identifiers, e.g. pre_paid
    type_names: frozenset[str]  # resource types, e.g. OS::Workspace::DesktopV2
    numbers: frozenset[int]  # every number, and both ends of every range
    characters: frozenset[str]  # one character of each class the text allows
    max_length: int | None  # the longest string it allows

    def values_like(self, enum: list[Any]) -> set[Any]:
        """The documented values of the same kind as the enum's (its words, type names or numbers)."""
        if all(isinstance(value, str) and "::" in value for value in enum):
            return set(self.type_names)
        if all(isinstance(value, str) for value in enum):
            return set(self.words)
        return set(self.numbers)


def documented(text: str) -> Documented:
    text = _REGION_TAGS.sub("", text)
    numbers = {int(n) for n in _NUMBER.findall(text)}
    for low, high in _RANGE.findall(text):
        numbers |= {int(low), int(high)}
    allowed = " ".join(_ALLOWED.findall(text))
    characters = {char for word, char in _CLASSES.items() if word in allowed}
    characters |= set(_QUOTED.findall(allowed))
    longest = _MAX_LENGTH.search(text)
    return Documented(
        words=frozenset(_WORD.findall(text)),
        type_names=frozenset(_TYPE_NAME.findall(text)),
        numbers=frozenset(numbers),
        characters=frozenset(characters),
        max_length=int(longest.group(1)) if longest else None,
    )
