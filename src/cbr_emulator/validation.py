"""Readers for JSON bodies and query strings that raise 400 BackupService.9900 on bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from cbr_emulator.errors import CBRError, invalid_parameter

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise invalid_parameter("the request body is empty")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        # "\ud800" escapes decode to lone surrogates, which neither SQLite nor a response can hold
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise invalid_parameter(f"the request body is not valid JSON: {exc}") from None
    return value


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


class Obj:
    """A JSON object being read; ``path`` names it in error details."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise invalid_parameter(f"{path} must be an object")
        self.value: dict[str, Any] = value
        self.path = path

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def _field(self, key: str, required: bool, nullable: bool = False) -> Any:
        """The field's value; None when absent. An explicit null in an optional field is the field
        left out, as clients that serialise unset fields send it (e.g. "vault_id": null when
        rejecting a share); in a required field it is refused."""
        value = self.value.get(key)
        if value is None and required:
            raise invalid_parameter(
                f"{self.path}.{key} " + ("must not be null" if key in self.value else "is required")
            )
        return value

    def child(self, key: str, *, required: bool = False) -> Obj | None:
        value = self._field(key, required)
        return None if value is None else Obj(value, f"{self.path}.{key}")

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        choices: Collection[str] | None = None,
        pattern: re.Pattern[str] | None = None,
        nullable: bool = False,
    ) -> str | None:
        value = self._field(key, required, nullable)
        if value is None:
            return None
        return check_str(
            value, f"{self.path}.{key}", min_len=min_len, max_len=max_len, choices=choices, pattern=pattern
        )

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        range_error: CBRError | None = None,
    ) -> int | None:
        value = self._field(key, required)
        if value is None:
            return None
        where = f"{self.path}.{key}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_parameter(f"{where} must be an integer")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise range_error or invalid_parameter(f"{where} must be within [{minimum}, {maximum}]")
        return value

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self._field(key, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise invalid_parameter(f"{self.path}.{key} must be a boolean")
        return value

    def array(self, key: str, *, required: bool = False, max_items: int | None = None) -> list[Any] | None:
        value = self._field(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise invalid_parameter(f"{self.path}.{key} must be an array")
        if max_items is not None and len(value) > max_items:
            raise invalid_parameter(f"{self.path}.{key} has more than {max_items} items")
        return value

    def texts(self, key: str, *, required: bool = False, max_len: int | None = None) -> list[str] | None:
        items = self.array(key, required=required)
        if items is None:
            return None
        return [
            check_str(item, f"{self.path}.{key}[{i}]", min_len=1, max_len=max_len)
            for i, item in enumerate(items)
        ]


def check_str(
    value: Any,
    where: str,
    *,
    min_len: int = 0,
    max_len: int | None = None,
    choices: Collection[str] | None = None,
    pattern: re.Pattern[str] | None = None,
) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(f"{where} must be a string")
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        raise invalid_parameter(f"{where} must have {min_len} to {max_len} characters")
    if choices is not None and value not in choices:
        raise invalid_parameter(f"{where} must be one of {sorted(choices)}")
    if pattern is not None and not pattern.match(value):
        raise invalid_parameter(f"{where} has an invalid format")
    return value


class Query:
    """A query string being read. Single-valued parameters take their last occurrence."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    @classmethod
    def of(cls, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> Query:
        return cls(list(params.items()) if isinstance(params, Mapping) else list(params))

    def text(
        self,
        key: str,
        *,
        choices: Collection[str] | None = None,
        max_len: int | None = None,
        uuid_only: bool = False,
    ) -> str | None:
        values = self._values.get(key)
        if not values:
            return None
        value = values[-1]
        if max_len is not None and len(value) > max_len:
            raise invalid_parameter(f"query {key} is longer than {max_len} characters")
        if choices is not None and value not in choices:
            raise invalid_parameter(f"query {key} must be one of {sorted(choices)}")
        if uuid_only and not is_uuid(value):
            raise invalid_parameter(f"query {key} must be a UUID")
        return value

    def multi(self, key: str, *, choices: Collection[str] | None = None) -> list[str]:
        values = self._values.get(key, [])
        for value in values:
            if choices is not None and value not in choices:
                raise invalid_parameter(f"query {key} must be one of {sorted(choices)}")
        return values

    def integer(
        self, key: str, *, minimum: int | None = None, maximum: int | None = None, default: int | None = None
    ) -> int | None:
        text = self.text(key)
        if text is None:
            return default
        if not re.fullmatch(r"[+-]?\d{1,40}", text.strip()):
            raise invalid_parameter(f"query {key} must be an integer")
        # any size the spec allows; SQLite holds 64 bits, and a page that far is empty all the same
        value = max(min(int(text), 2**62), -(2**62))
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise invalid_parameter(f"query {key} must be within [{minimum}, {maximum}]")
        return value

    def boolean(self, key: str) -> bool | None:
        text = self.text(key)
        if text is None:
            return None
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise invalid_parameter(f"query {key} must be true or false")
        return lowered == "true"
