"""Identifier validation of the built-in jurisdictions (python-stdnum underneath).

Valid examples are the published examples of python-stdnum's docstrings; invalid ones change a
single character of a valid example.
"""

from __future__ import annotations

import importlib

import pytest

from plugins.jurisdiction import InvalidIdentifier, Jurisdiction


def jurisdiction(cc: str) -> Jurisdiction:
    registered: list[Jurisdiction] = importlib.import_module(
        f"plugins.{cc}"
    ).coop_register_jurisdictions()
    return registered[0]


VALID = [
    ("be", "national_id", "85.07.30-033 28", "85073003328"),
    ("be", "company_id", "0403.019.261", "0403019261"),
    ("be", "vat_number", "BE 0403.019.261", "BE0403019261"),
    ("fr", "national_id", "2 95 10 99 126 111 93", "295109912611193"),
    ("fr", "company_id", "404 833 048", "404833048"),
    ("fr", "vat_number", "FR 40 303 265 045", "FR40303265045"),
    ("de", "national_id", "36 574 261 809", "36574261809"),
    ("de", "company_id", "Aachen HRA 11223", "Aachen HRA 11223"),
    ("de", "vat_number", "DE 136,695 976", "DE136695976"),
    ("nl", "national_id", "1112.22.333", "111222333"),
    ("nl", "vat_number", "NL4495445B01", "NL004495445B01"),
    ("es", "national_id", "54362315-K", "54362315K"),
    ("es", "national_id", "x-2482300w", "X2482300W"),
    ("es", "company_id", "J99216582", "J99216582"),
    ("es", "vat_number", "ES B-64717838", "ESB64717838"),
    ("it", "national_id", "RCCMNL83S18D969H", "RCCMNL83S18D969H"),
    ("it", "company_id", "00743110157", "00743110157"),
    ("it", "vat_number", "IT 00743110157", "IT00743110157"),
    ("at", "national_id", "1237 010180", "1237010180"),
    ("at", "company_id", "FN 122119m", "122119m"),
    ("at", "vat_number", "AT U13585627", "ATU13585627"),
    ("se", "national_id", "880320-0016", "880320-0016"),
    ("se", "company_id", "123456-7897", "1234567897"),
    ("se", "vat_number", "SE 123456789701", "SE123456789701"),
    ("hu", "company_id", "12892312", "12892312"),
    ("hu", "vat_number", "HU-12892312", "HU12892312"),
]

INVALID = [
    ("be", "national_id", "85.07.30-033 29", "invalid_checksum"),
    ("be", "company_id", "0403.019.262", "invalid_checksum"),
    ("be", "vat_number", "BE0403019262", "invalid_checksum"),
    ("fr", "national_id", "2 95 10 99 126 111 94", "invalid_checksum"),
    ("fr", "company_id", "404833047", "invalid_checksum"),
    ("fr", "vat_number", "FR40303265046", "invalid_checksum"),
    ("de", "national_id", "36 574 261 808", "invalid_checksum"),
    ("de", "company_id", "Nowhere HRA 11223", "invalid_component"),
    ("de", "vat_number", "DE136695978", "invalid_checksum"),
    ("nl", "national_id", "1112.52.333", "invalid_checksum"),
    ("nl", "vat_number", "NL004495446B01", "invalid_checksum"),
    ("es", "national_id", "54362315-Z", "invalid_checksum"),
    ("es", "national_id", "X-2482300-A", "invalid_checksum"),
    ("es", "national_id", "5436231", "invalid_length"),
    ("es", "company_id", "J99216583", "invalid_checksum"),
    ("es", "vat_number", "ESB64717839", "invalid_checksum"),
    ("it", "national_id", "RCCMNL83S18D969A", "invalid_checksum"),
    ("it", "company_id", "00743110158", "invalid_checksum"),
    ("it", "vat_number", "IT00743110158", "invalid_checksum"),
    ("at", "national_id", "2237 010180", "invalid_checksum"),
    ("at", "company_id", "m123123", "invalid_format"),
    ("at", "vat_number", "ATU13585626", "invalid_checksum"),
    ("se", "national_id", "880320-0018", "invalid_checksum"),
    ("se", "company_id", "1234567891", "invalid_checksum"),
    ("se", "vat_number", "SE123456789101", "invalid_checksum"),
    ("hu", "company_id", "12892313", "invalid_checksum"),
    ("hu", "vat_number", "HU12892313", "invalid_checksum"),
    ("be", "vat_number", "BE04030192611", "invalid_length"),
    ("be", "vat_number", "", "invalid_format"),
]


@pytest.mark.parametrize(("cc", "kind", "value", "compact"), VALID)
def test_valid_identifiers(cc: str, kind: str, value: str, compact: str) -> None:
    j = jurisdiction(cc)
    assert j.validate_identifier(kind, value) == compact
    shortcut = {
        "national_id": j.validate_national_id,
        "company_id": j.validate_company_id,
        "vat_number": j.validate_vat_number,
    }[kind]
    assert shortcut(value) == compact
    assert j.validate_identifier(kind, j.format_identifier(kind, value)) == compact


@pytest.mark.parametrize(("cc", "kind", "value", "code"), INVALID)
def test_invalid_identifiers(cc: str, kind: str, value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        jurisdiction(cc).validate_identifier(kind, value)
    assert caught.value.code == code
    assert cc.upper() in caught.value.reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("cc", "bare", "prefixed"),
    [
        ("be", "0403019261", "BE0403019261"),
        ("fr", "40303265045", "FR40303265045"),
        ("de", "136695976", "DE136695976"),
        ("nl", "004495445B01", "NL004495445B01"),
        ("es", "B64717838", "ESB64717838"),
        ("it", "00743110157", "IT00743110157"),
        ("at", "U13585627", "ATU13585627"),
        ("se", "123456789701", "SE123456789701"),
        ("hu", "12892312", "HU12892312"),
    ],
)
def test_vat_prefix_is_optional_and_returned(cc: str, bare: str, prefixed: str) -> None:
    j = jurisdiction(cc)
    assert j.validate_vat_number(bare) == prefixed
    assert j.validate_vat_number(prefixed) == prefixed
    assert j.validate_vat_number(prefixed.lower()) == prefixed
    other = "DE" if cc != "de" else "FR"
    with pytest.raises(InvalidIdentifier):
        j.validate_vat_number(other + bare)


@pytest.mark.parametrize(("cc", "kind"), [("nl", "company_id"), ("hu", "national_id")])
def test_unsupported_kinds_refuse_everything(cc: str, kind: str) -> None:
    j = jurisdiction(cc)
    assert kind not in j.identifier_schemes()
    with pytest.raises(InvalidIdentifier, match="python-stdnum") as caught:
        j.validate_identifier(kind, "12345678")
    assert caught.value.code == "not_supported"


@pytest.mark.parametrize(
    ("cc", "kind", "value", "formatted"),
    [
        ("be", "national_id", "85073003328", "85.07.30-033.28"),
        ("fr", "national_id", "295109912611193", "2 95 10 99 126 111 93"),
        ("fr", "company_id", "404833048", "404 833 048"),
        ("de", "national_id", "36574261809", "36 574 261 809"),
        ("nl", "national_id", "111222333", "1112.22.333"),
        ("se", "company_id", "1234567897", "123456-7897"),
        ("it", "company_id", "00743110157", "00743110157"),
    ],
)
def test_format_identifiers(cc: str, kind: str, value: str, formatted: str) -> None:
    j = jurisdiction(cc)
    assert j.format_identifier(kind, value) == formatted
    if kind == "national_id":
        assert j.format_national_id(value) == formatted
    else:
        assert j.format_company_id(value) == formatted


def test_identifier_input_must_be_text() -> None:
    with pytest.raises(TypeError):
        jurisdiction("be").validate_vat_number(403019261)  # type: ignore[arg-type]


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="passport"):
        jurisdiction("be").validate_identifier("passport", "X")


def test_schemes_are_named() -> None:
    assert jurisdiction("es").identifier_schemes() == {
        "national_id": "DNI / NIE",
        "company_id": "CIF (NIF de persona jurídica)",
        "vat_number": "NIF-IVA",
    }
