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


# The 27 operations of the spec (operation id) and the SDK's method for each.
OPERATIONS = {
    "show_operation_log": "show_op_log",
    "list_operation_logs": "list_op_logs",
    "add_share_members": "add_member",
    "list_share_members": "show_members_detail",
    "show_share_member": "show_member_detail",
    "update_share_member_status": "update_member_status",
    "delete_share_member": "delete_member",
    "show_checkpoint": "show_checkpoint",
    "create_checkpoint": "create_checkpoint",
    "list_backups": "list_backups",
    "show_backup": "show_backup",
    "delete_backup": "delete_backup",
    "restore_backup": "restore_backup",
    "create_vault": "create_vault",
    "show_vault": "show_vault",
    "list_vaults": "list_vault",
    "update_vault": "update_vault",
    "delete_vault": "delete_vault",
    "add_vault_resources": "add_vault_resource",
    "remove_vault_resources": "remove_vault_resource",
    "associate_vault_policy": "associate_vault_policy",
    "dissociate_vault_policy": "disassociate_vault_policy",
    "create_policy": "create_policy",
    "list_policies": "list_policies",
    "show_policy": "show_policy",
    "update_policy": "update_policy",
    "delete_policy": "delete_policy",
}
_CONTAINER = re.compile(r"^(?:list\[(.*)\]|dict\(str, (.*)\))$")


@dataclass(frozen=True)
class BodyField:
    """One named field of an operation's request or response body, as the SDK models it."""

    operation: str  # the spec's operation id
    side: str  # request or response
    path: tuple[str, ...]  # JSON names from the body's root; "[]" ends a name whose value is a list
    chain: tuple[str, ...]  # the SDK's Model.field of each step, e.g. ("VaultCreateReq.vault", ...)
    type: str  # the SDK's type of the field, e.g. "list[ResourceResp]"

    def __str__(self) -> str:
        return f"{self.operation} {self.side}: {'.'.join(self.path)} ({self.chain[-1]}: {self.type})"


def _model_of(type_name: str) -> type[Any] | None:
    found = _CONTAINER.match(type_name.strip())
    if found:
        return _model_of(found.group(1) or found.group(2))
    candidate = getattr(importlib.import_module(_PACKAGE), type_name.strip(), None)
    return candidate if hasattr(candidate, "openapi_types") else None


def _walk(
    cls: type[Any],
    operation: str,
    side: str,
    path: tuple[str, ...],
    chain: tuple[str, ...],
    models: tuple[type[Any], ...],
) -> Any:
    for attribute, type_name in cls.openapi_types.items():
        name = cls.attribute_map[attribute]
        step = f"{cls.__name__}.{attribute}"
        field = BodyField(operation, side, (*path, name), (*chain, step), type_name)
        yield field
        sub = _model_of(type_name)
        # A model within itself (a backup's children) is followed one level down, as far as a
        # response nests it.
        if sub is not None and models.count(sub) < 2:
            name += "[]" if type_name.strip().startswith("list[") else ""
            yield from _walk(sub, operation, side, (*path, name), field.chain, (*models, sub))


def body_fields() -> list[BodyField]:
    """Every named field of the 27 operations' request and response bodies, nested."""
    found: list[BodyField] = []
    for operation, method in OPERATIONS.items():
        base = "".join(word.capitalize() for word in method.split("_"))
        request, response = model(base + "Request"), model(base + "Response")
        body = _model_of(request.openapi_types.get("body", ""))
        if body is not None:
            found.extend(_walk(body, operation, "request", (), (), (body,)))
        found.extend(_walk(response, operation, "response", (), (), (response,)))
    return found
