"""Schemas: all load into one registry, every example behaves as its name says, formats are checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.errors import FederationError, InvalidBody, Malformed, UnsupportedType
from federation.schemas import (
    BASE_URI,
    Catalogue,
    Schema,
    default_catalogue,
    format_checker,
    negotiate,
    parse_type,
    read_schema_files,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
EXAMPLES = sorted((SCHEMAS / "examples").glob("*/*.json"))
MESSAGE_TYPES = {
    "ping",
    "peering-request",
    "peering-accept",
    "keys-rotated",
    "keys-revoked",
    "attestation-request",
    "attestation-answer",
    "posting-notice",
    "posting-answer",
    "hosting-request",
    "hosting-answer",
    "hosting-completion",
    "receipt",
    "chain-proposal",
    "chain-acceptance",
    "chain-cancelled",
    "chain-invoiced",
    "chain-allocation",
    "settlement-statement",
    "settlement-answer",
    "settlement-paid",
    "clearing-query",
    "clearing-report",
}


def _schema_of(example: Path) -> tuple[str, int]:
    name, _, major = example.parent.name.rpartition(".v")
    return name, int(major)


def test_every_file_loaded_with_matching_id() -> None:
    files = sorted(path.name for path in SCHEMAS.glob("*.json"))
    loaded = read_schema_files()
    assert sorted(f"{s.name}.v{s.major}.json" for s in loaded) == files
    for schema in loaded:
        assert schema.contents["$id"] == f"{BASE_URI}{schema.name}/{schema.major}"
        assert schema.contents["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_message_types_advertised() -> None:
    assert set(default_catalogue().advertised()) == MESSAGE_TYPES
    assert all(majors == [1] for majors in default_catalogue().advertised().values())


def test_every_schema_has_valid_and_invalid_examples() -> None:
    covered = {_schema_of(path) for path in EXAMPLES}
    catalogue = default_catalogue()
    wanted = {key for key, schema in catalogue.schemas.items() if schema.kind != "definitions"}
    assert covered == wanted
    for key in wanted:
        names = [p.name for p in EXAMPLES if _schema_of(p) == key]
        assert any(n.startswith("valid-") for n in names), key
        assert any(n.startswith("invalid-") for n in names), key


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_example(example: Path) -> None:
    name, major = _schema_of(example)
    errors = default_catalogue().errors(name, major, json.loads(example.read_text()))
    if example.name.startswith("valid-"):
        assert errors == []
    else:
        assert example.name.startswith("invalid-")
        assert errors, f"{example} should be refused"


def test_refs_resolve_through_registry() -> None:
    catalogue = default_catalogue()
    assert f"{BASE_URI}common/1" in catalogue.registry
    # A $ref'd definition is enforced (kid pattern comes from common/1).
    assert catalogue.errors(
        "keys-revoked", 1, {"kid": "x", "revoked_at": "2026-01-01T00:00:00Z", "reason": "unused"}
    )


def test_formats_are_really_checked() -> None:
    for fmt in ("date-time", "uri", "date", "node-id", "country-code", "currency-code"):
        assert fmt in format_checker.checkers, fmt
    assert not format_checker.conforms("2026-02-30T10:00:00Z", "date-time")
    assert not format_checker.conforms("no scheme", "uri")
    assert not format_checker.conforms("ZZ", "country-code")
    assert not format_checker.conforms("EURO", "currency-code")
    assert not format_checker.conforms("http://coop.example", "node-id")
    assert format_checker.conforms("https://coop.example", "node-id")


def test_validate_body_codes() -> None:
    catalogue = default_catalogue()
    assert catalogue.validate_body("ping/1", {"nonce": "abc"}) == ("ping", 1)
    with pytest.raises(InvalidBody):
        catalogue.validate_body("ping/1", {"nonce": "abc", "more": 1})
    with pytest.raises(UnsupportedType):
        catalogue.validate_body("ping/9", {"nonce": "abc"})
    with pytest.raises(UnsupportedType):
        catalogue.validate_body("envelope/1", {})  # a document, not a message type
    with pytest.raises(Malformed):
        catalogue.validate_body("PING", {})


def test_restricted_catalogue() -> None:
    catalogue = default_catalogue().restricted(["ping/1", "receipt/1"])
    assert catalogue.advertised() == {"ping": [1], "receipt": [1]}
    with pytest.raises(FederationError):
        default_catalogue().restricted(["ping/7"])


def test_parse_type() -> None:
    assert parse_type("keys-rotated/12") == ("keys-rotated", 12)
    for bad in ("ping/0", "ping/01", "Ping/1", "ping", "/1", "ping/1/2", 7):
        with pytest.raises(Malformed):
            parse_type(bad)


def test_negotiate_highest_common_major() -> None:
    ours = {"ping": [1, 2, 3], "receipt": [1]}
    theirs = {"ping": [1, 2, 4], "receipt": [2]}
    assert negotiate(ours, theirs, "ping") == 2
    assert negotiate(ours, theirs, "receipt") is None
    assert negotiate(ours, theirs, "unknown") is None


def test_bad_schema_files_refused() -> None:
    from federation.schemas import _read

    good = {"$id": f"{BASE_URI}thing/1", "x-coopnode-kind": "message", "type": "object"}
    assert _read("thing.v1.json", json.dumps(good)).uri == f"{BASE_URI}thing/1"
    with pytest.raises(FederationError):
        _read("thing.v2.json", json.dumps(good))
    with pytest.raises(FederationError):
        _read("thing.json", json.dumps(good))
    with pytest.raises(FederationError):
        _read("thing.v1.json", json.dumps({**good, "x-coopnode-kind": "other"}))
    # A later major of a type is a separate schema, and negotiation sees both.
    v2 = Schema("thing", 2, "message", {**good, "$id": f"{BASE_URI}thing/2"})
    catalogue = Catalogue.from_schemas(
        [*read_schema_files(), _read("thing.v1.json", json.dumps(good)), v2]
    )
    assert catalogue.advertised()["thing"] == [1, 2]
