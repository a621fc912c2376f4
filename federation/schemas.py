"""The schema catalogue: every file under ``schemas/`` in one ``referencing`` registry, loaded once.

A message type is named by a *type tag* ``name/major`` (``ping/1``); its schema's ``$id`` is
``https://coopnode.org/schemas/federation/<name>/<major>``. Minor, compatible changes keep the
major; anything a receiver could refuse needs a new major, and a node advertises every major it
handles so senders can pick the highest one both sides know (:func:`negotiate`).

Format checking is on: ``date-time`` and ``uri`` (jsonschema checks them through rfc3339-validator
and rfc3986-validator), ``date``, plus ``node-id``, ``country-code`` and ``currency-code`` defined
here, because a format nobody checks would pass anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urldefrag, urljoin

import pycountry
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from federation.errors import FederationError, InvalidBody, Malformed, UnsupportedType
from federation.identity import is_node_id

BASE_URI = "https://coopnode.org/schemas/federation/"
_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9-]{0,62})\.v(?P<major>[1-9][0-9]{0,3})\.json$")
_TAG = re.compile(r"^(?P<name>[a-z][a-z0-9-]{0,62})/(?P<major>[1-9][0-9]{0,3})$")
KINDS = ("message", "document", "definitions")
_MAX_ERRORS = 10

format_checker = FormatChecker()


@format_checker.checks("node-id")
def _is_node_id(value: object) -> bool:
    return not isinstance(value, str) or _node_id_ok(value)


@lru_cache(maxsize=1024)
def _node_id_ok(value: str) -> bool:
    """A node talks to few nodes, and each message names two: parse each id once."""
    return is_node_id(value)


@format_checker.checks("country-code")
def is_country_code(value: object) -> bool:
    """ISO 3166-1 alpha-2 (``BE``); anything not a string is left to the ``type`` keyword.
    The node's request validation checks the same format with this function."""
    return not isinstance(value, str) or (
        len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None
    )


@format_checker.checks("currency-code")
def is_currency_code(value: object) -> bool:
    """ISO 4217 (``EUR``); anything not a string is left to the ``type`` keyword."""
    return not isinstance(value, str) or (
        len(value) == 3 and value.isupper() and pycountry.currencies.get(alpha_3=value) is not None
    )


def parse_type(tag: object) -> tuple[str, int]:
    """Split a type tag ``name/major``; a tag of the wrong shape is malformed."""
    match = _TAG.match(tag) if isinstance(tag, str) else None
    if match is None:
        raise Malformed(f"not a message type tag (name/major): {tag!r}")
    return match["name"], int(match["major"])


def type_tag(name: str, major: int) -> str:
    return f"{name}/{major}"


def schema_uri(name: str, major: int) -> str:
    return f"{BASE_URI}{name}/{major}"


@dataclass(frozen=True)
class Schema:
    """One schema file: its name, major version, kind and contents."""

    name: str
    major: int
    kind: str
    contents: Mapping[str, Any]

    @property
    def uri(self) -> str:
        return schema_uri(self.name, self.major)


def _read(filename: str, text: str) -> Schema:
    """Parse one schema file and check that its name, ``$id`` and kind agree."""
    match = _FILE.match(filename)
    if match is None:
        raise FederationError(f"schema file {filename!r} is not named <name>.v<major>.json")
    contents = json.loads(text)
    schema = Schema(match["name"], int(match["major"]), contents.get("x-coopnode-kind"), contents)
    if contents.get("$id") != schema.uri:
        raise FederationError(f"{filename}: $id must be {schema.uri}")
    if schema.kind not in KINDS:
        raise FederationError(f"{filename}: x-coopnode-kind must be one of {KINDS}")
    Draft202012Validator.check_schema(contents)
    return schema


_URI = re.compile(
    re.escape(BASE_URI) + r"(?P<name>[a-z][a-z0-9-]{0,62})/(?P<major>[1-9][0-9]{0,3})$"
)


def schema_from_document(contents: Mapping[str, Any]) -> Schema:
    """A schema given as a document (a plugin's message type): its name and major come from its
    ``$id``, which must be ``BASE_URI + name/major``; checked like a shipped file."""
    match = _URI.match(str(contents.get("$id", "")))
    if match is None:
        raise FederationError(f"a schema's $id must be {BASE_URI}<name>/<major>")
    filename = f"{match['name']}.v{match['major']}.json"
    return _read(filename, json.dumps(contents))


def read_schema_files() -> list[Schema]:
    """Every schema shipped in the ``schemas`` package (package data, so it works from a wheel)."""
    root = resources.files("schemas")
    return [
        _read(entry.name, entry.read_text(encoding="utf-8"))
        for entry in sorted(root.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".json")
    ]


@dataclass(frozen=True)
class Catalogue:
    """Schemas by (name, major), their registry, and the message types this node accepts."""

    schemas: Mapping[tuple[str, int], Schema]
    registry: Registry[Any]
    accepted: frozenset[tuple[str, int]]
    _validators: dict[tuple[str, int], Draft202012Validator] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_schemas(cls, schemas: Iterable[Schema]) -> Catalogue:
        by_key = {(schema.name, schema.major): schema for schema in schemas}
        resources_ = [
            (schema.uri, Resource.from_contents(schema.contents, default_specification=DRAFT202012))
            for schema in by_key.values()
        ]
        registry: Registry[Any] = Registry().with_resources(resources_).crawl()
        messages = frozenset(key for key, schema in by_key.items() if schema.kind == "message")
        return cls(by_key, registry, messages)

    def restricted(self, tags: Iterable[str]) -> Catalogue:
        """The same schemas, accepting only the message types ``tags`` (a node's own choice)."""
        wanted = frozenset(parse_type(tag) for tag in tags)
        unknown = wanted - self.accepted
        if unknown:
            raise FederationError(f"no schema for {sorted(type_tag(*key) for key in unknown)}")
        return Catalogue(self.schemas, self.registry, wanted)

    def advertised(self) -> dict[str, list[int]]:
        """Message types and majors for the node descriptor: ``{"ping": [1], …}``."""
        out: dict[str, list[int]] = {}
        for name, major in sorted(self.accepted):
            out.setdefault(name, []).append(major)
        return out

    def validator(self, name: str, major: int) -> Draft202012Validator:
        key = (name, major)
        if key not in self._validators:
            schema = self.schemas[key]
            contents = _inline_refs(schema.contents, self.registry, schema.uri)
            self._validators[key] = Draft202012Validator(
                contents, registry=self.registry, format_checker=format_checker
            )
        return self._validators[key]

    def errors(self, name: str, major: int, instance: object) -> list[str]:
        """Readable violations of schema ``name/major`` (at most ten), empty when valid."""
        found = sorted(
            self.validator(name, major).iter_errors(instance), key=lambda e: list(e.path)
        )
        return [
            f"{'/'.join(str(part) for part in error.absolute_path) or '(root)'}: {error.message}"
            for error in found[:_MAX_ERRORS]
        ]

    def validate_body(self, tag: str, body: object) -> tuple[str, int]:
        """Check a message body against its type's schema; refuses types this node does not accept."""
        key = parse_type(tag)
        if key not in self.accepted:
            raise UnsupportedType(f"this node does not accept messages of type {tag}")
        problems = self.errors(*key, body)
        if problems:
            raise InvalidBody(f"{tag} body: " + "; ".join(problems))
        return key

    def validate_document(self, name: str, instance: object, major: int = 1) -> None:
        """Check envelope claims, a descriptor or a consent token; any violation is malformed."""
        problems = self.errors(name, major, instance)
        if problems:
            raise Malformed(f"{name}/{major}: " + "; ".join(problems))


_NOT_SCHEMAS = frozenset({"$defs", "const", "enum", "examples", "default"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})


def _inline_refs(
    schema: Any,
    registry: Registry[Any],
    base: str,
    seen: frozenset[str] = frozenset(),
    root: bool = True,
) -> Any:
    """``schema`` with each ``$ref`` replaced by the subschema it names (``allOf`` beside any
    sibling keywords), so validation resolves no reference: looking one up in the registry costs
    several times what checking its target does, and every message is validated twice. A cyclic
    reference, or one below a nested ``$id``, is left for the registry to resolve."""
    if isinstance(schema, list):
        return [_inline_refs(item, registry, base, seen, False) for item in schema]
    if not isinstance(schema, dict) or ("$id" in schema and not root):
        return schema
    out = {key: _inline_member(key, value, registry, base, seen) for key, value in schema.items()}
    out.pop("$ref", None)
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return out
    target = urljoin(base, ref)
    if target in seen:
        return {**out, "$ref": target}
    contents = registry.resolver(base).lookup(ref).contents
    inlined = _inline_refs(contents, registry, urldefrag(target).url, seen | {target})
    return {**out, "allOf": [*out.get("allOf", []), inlined]} if out else inlined


def _inline_member(
    key: str, value: Any, registry: Registry[Any], base: str, seen: frozenset[str]
) -> Any:
    """One keyword's value, inlined: a schema, a list of schemas or a map of names to schemas."""
    if key in _NOT_SCHEMAS:
        return value
    if key in _SCHEMA_MAPS and isinstance(value, dict):
        return {name: _inline_refs(sub, registry, base, seen, False) for name, sub in value.items()}
    return _inline_refs(value, registry, base, seen, False)


@cache
def default_catalogue() -> Catalogue:
    """All shipped schemas, every message type accepted; loaded once per process."""
    return Catalogue.from_schemas(read_schema_files())


def negotiate(
    ours: Mapping[str, Iterable[int]], theirs: Mapping[str, Iterable[int]], name: str
) -> int | None:
    """The highest major of message type ``name`` both nodes handle, or None if there is none."""
    common = set(ours.get(name, ())) & set(theirs.get(name, ()))
    return max(common) if common else None
