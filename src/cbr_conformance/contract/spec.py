"""The OpenAPI contract: operations, their schemas, and validators for them.

One `Contract` is loaded per run. Validation uses openapi-schema-validator's OAS 3.0 dialect
(`nullable`, OpenAPI formats) with `$ref`s resolved against the whole document.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import unquote

import jsonpatch
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cbr_conformance.paths import read_yaml, spec_dir

T = TypeVar("T")

SPEC_FILE = "cbr-v3.yaml"
_COMPONENT = "#/components/schemas/"
_DOC_URI = "urn:cbr-spec"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

JSON = Any


@dataclass(frozen=True)
class Operation:
    """One documented operation of the contract."""

    operation_id: str
    method: str
    path: str
    tag: str
    section: str
    definition: Mapping[str, JSON] = field(repr=False, compare=False)

    @property
    def statuses(self) -> frozenset[int]:
        return frozenset(int(code) for code in self.definition["responses"])

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(segment[1:-1] for segment in self.path.split("/") if segment.startswith("{"))


class Contract:
    """The parsed spec, with lookup by operation and schema validation."""

    def __init__(self, document: dict[str, JSON], source: Path | None = None) -> None:
        self.document = document
        self.source = source
        registry: Registry[JSON] = Registry().with_resource(
            _DOC_URI, Resource.from_contents(document, default_specification=DRAFT4)
        )
        self._registry = registry
        self._validators: dict[int, tuple[JSON, OAS30Validator]] = {}
        self._derived: dict[str, object] = {}

    def derived(self, key: str, make: Callable[[Contract], T]) -> T:
        """What `make` derives from this contract, made once: caches live and die with the
        contract they were made from, rather than in module globals keyed by its id()."""
        if key not in self._derived:
            self._derived[key] = make(self)
        return cast(T, self._derived[key])

    @classmethod
    def load(cls, path: Path | None = None, letter_patches: list[dict[str, JSON]] | None = None) -> Contract:
        """Load the spec; `letter_patches` (JSON Patch) turn it back into the reference's letter."""
        source = path or spec_dir() / SPEC_FILE
        document = read_yaml(source)
        if letter_patches:
            document = jsonpatch.apply_patch(document, letter_patches)
        return cls(document, source)

    @classmethod
    def for_profile(cls, profile: str, draft: Path | None = None) -> Contract:
        """The spec as a profile reads it: `strict` turns it back into the reference's letter.
        `draft`: a folder holding a draft of the contract (the `spec` setting), else the packaged one."""
        from cbr_conformance.contract.errata import ERRATA_FILE, letter_patches, load_errata

        folder = spec_dir(draft)
        patches = letter_patches(load_errata(folder / ERRATA_FILE)) if profile == "strict" else None
        return cls.load(folder / SPEC_FILE, letter_patches=patches)

    @property
    def folder(self) -> Path:
        """The folder the contract was read from, where its errata and error codes are too."""
        return self.source.parent if self.source is not None else spec_dir()

    @cached_property
    def sha256(self) -> str:
        if self.source is None:
            return ""
        return hashlib.sha256(self.source.read_bytes()).hexdigest()

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])

    @cached_property
    def operations(self) -> dict[str, Operation]:
        found: dict[str, Operation] = {}
        for path, item in self.document["paths"].items():
            for method, definition in item.items():
                if method not in HTTP_METHODS:
                    continue
                merged = dict(definition)
                merged["parameters"] = [*item.get("parameters", []), *definition.get("parameters", [])]
                op = Operation(
                    operation_id=definition["operationId"],
                    method=method.upper(),
                    path=path,
                    tag=definition["tags"][0],
                    section=str(definition.get("x-reference-section", "")),
                    definition=merged,
                )
                found[op.operation_id] = op
        return found

    @cached_property
    def _path_patterns(self) -> list[tuple[re.Pattern[str], Operation]]:
        # Templates with fewer parameters first: a literal segment wins over a parameter there.
        patterns = []
        for op in sorted(self.operations.values(), key=lambda o: (len(o.path_parameters), o.path)):
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path))
            # Anything before the template is a gateway's path prefix.
            patterns.append((re.compile(f"(?:/.*)?{pattern}"), op))
        return patterns

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a request of `method` on the URL path as sent (percent-encoded) calls,
        with its path parameters decoded; None when the spec has no such operation."""
        for pattern, op in self._path_patterns:
            if op.method != method.upper():
                continue
            found = pattern.fullmatch(path)
            if found is not None:
                return op, {name: unquote(value) for name, value in found.groupdict().items()}
        return None

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    def resolve(self, node: JSON) -> JSON:
        """Follow a local `$ref` (one level at a time until a non-reference node)."""
        while isinstance(node, Mapping) and "$ref" in node:
            node = self.pointer(node["$ref"])
        return node

    def pointer(self, ref: str) -> JSON:
        """The node at a local reference (`#/a/b`) or JSON pointer (`/a/b`)."""
        target: JSON = self.document
        for part in ref.lstrip("#").strip("/").split("/"):
            if part == "":
                continue
            key = part.replace("~1", "/").replace("~0", "~")
            target = target[int(key)] if isinstance(target, list) else target[key]
        return target

    def schema_at(self, schema: JSON, instance_path: Sequence[str | int]) -> str | None:
        """The component schema (`#/components/schemas/Name`) that describes the value at
        `instance_path` of a document `schema` describes, or the nearest one above it; None when
        the value lies in an inline schema of the operation itself."""
        found: str | None = None
        node: JSON = schema
        for part in [*instance_path, None]:
            while isinstance(node, Mapping) and "$ref" in node:
                if node["$ref"].startswith(_COMPONENT):
                    found = node["$ref"]
                node = self.pointer(node["$ref"])
            if part is None or not isinstance(node, Mapping):
                break
            node = self._child(node, part)
        return found

    def _child(self, node: Mapping[str, JSON], part: str | int) -> JSON:
        if isinstance(part, int):
            return node.get("items")
        combined = [self.resolve(sub) for key in ("allOf", "anyOf", "oneOf") for sub in node.get(key, [])]
        for candidate in [node, *combined]:
            if isinstance(candidate, Mapping) and part in candidate.get("properties", {}):
                return candidate["properties"][part]
        return None

    def reference_tables(self, component: str | None) -> list[str]:
        """The reference's tables a component schema transcribes (`x-reference-tables`)."""
        if component is None:
            return []
        return list(self.pointer(component).get("x-reference-tables", []))

    def request_schema(self, operation_id: str) -> JSON | None:
        body = self.resolve(self.operations[operation_id].definition.get("requestBody"))
        if not body:
            return None
        return body["content"]["application/json"]["schema"]

    def response(self, operation_id: str, status: int) -> JSON | None:
        responses = self.operations[operation_id].definition["responses"]
        return self.resolve(responses.get(str(status)))

    def response_schema(self, operation_id: str, status: int) -> JSON | None:
        response = self.response(operation_id, status)
        if not response or "content" not in response:
            return None
        return response["content"]["application/json"]["schema"]

    def validator(self, schema: JSON) -> OAS30Validator:
        """A validator for a schema fragment of this document (local `$ref`s allowed).

        Built once per fragment: every request and response of a run is validated.
        """
        cached = self._validators.get(id(schema))
        if cached is not None and cached[0] is schema:  # holding the fragment keeps its id unique
            return cached[1]
        validator = OAS30Validator(
            _absolute_refs(copy.deepcopy(schema)),
            registry=self._registry,
            format_checker=oas30_format_checker,  # e.g. uuid, where the reference says "Only UUID"
        )
        self._validators[id(schema)] = (schema, validator)
        return validator

    def schema_ref(self, name: str) -> JSON:
        return {"$ref": f"#/components/schemas/{name}"}


def _absolute_refs(node: JSON) -> JSON:
    """Point the local `$ref`s of a detached fragment at the registered document."""
    if isinstance(node, dict):
        return {
            key: (_DOC_URI + value if key == "$ref" and value.startswith("#") else _absolute_refs(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    return node
