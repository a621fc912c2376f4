"""Structured references: generation, strict validation, and finding them in statement text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.banking.errors import InvalidReference
from node.banking.references import (
    OGM_MAX_NUMBER,
    StructuredReference,
    be_structured_reference,
    find_references,
    parse_reference,
    rf_reference,
    validate_reference,
)

# No example database: every run starts fresh, whatever an earlier run found on this machine.
PROPERTY = settings(database=None, max_examples=300, deadline=None)

OGM = StructuredReference("be_ogm", "123456789002")
RF = StructuredReference("rf", "RF18539007547034")

ogm_numbers = st.integers(min_value=0, max_value=OGM_MAX_NUMBER)
rf_payloads = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


# -- generation ----------------------------------------------------------------------------------


def test_belgian_structured_reference_format_and_checksum() -> None:
    assert be_structured_reference(1234567890) == "+++123/4567/89002+++"
    assert be_structured_reference(108068171) == "+++010/8068/17183+++"  # leading zeros kept


def test_belgian_check_digits_are_97_when_the_remainder_is_zero() -> None:
    assert 97 * 123 % 97 == 0
    assert be_structured_reference(97 * 123) == "+++000/0011/93197+++"
    assert be_structured_reference(0) == "+++000/0000/00097+++"


@pytest.mark.parametrize("number", [-1, OGM_MAX_NUMBER + 1])
def test_belgian_base_number_must_have_ten_digits_at_most(number: int) -> None:
    with pytest.raises(InvalidReference, match="ten digits"):
        be_structured_reference(number)


@pytest.mark.parametrize("number", ["1234567890", 12.0, True])
def test_belgian_base_number_must_be_an_int(number: object) -> None:
    with pytest.raises(TypeError):
        be_structured_reference(number)  # type: ignore[arg-type]


def test_rf_reference_matches_the_iso_11649_example() -> None:
    assert rf_reference("539007547034") == "RF18 5390 0754 7034"
    assert rf_reference("5390 0754 7034") == "RF18 5390 0754 7034"
    assert rf_reference("inv2024031") == "RF44 INV2 0240 31"


@pytest.mark.parametrize("payload", ["", "A" * 22, "INV-2024", "INVOICE#1", "ÄBC"])
def test_rf_payload_must_be_1_to_21_letters_or_digits(payload: str) -> None:
    with pytest.raises(InvalidReference, match="RF payload"):
        rf_reference(payload)


def test_structured_reference_refuses_a_wrong_checksum_on_construction() -> None:
    with pytest.raises(InvalidReference):
        StructuredReference("be_ogm", "123456789003")
    with pytest.raises(InvalidReference):
        StructuredReference("rf", "RF19539007547034")
    with pytest.raises(InvalidReference):
        StructuredReference("vcs", "123456789002")  # type: ignore[arg-type]


def test_structured_reference_forms() -> None:
    assert OGM.formatted == str(OGM) == "+++123/4567/89002+++"
    assert RF.formatted == "RF18 5390 0754 7034"
    assert (OGM.issuer, RF.issuer) == ("BBA", "ISO")


# -- strict validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "+++123/4567/89002+++",
        "***123/4567/89002***",
        " 123/4567/89002 ",
        "123456789002",
        "+++ 123 / 4567 / 89002 +++",
    ],
)
def test_validate_accepts_the_usual_spellings_of_an_ogm(text: str) -> None:
    assert validate_reference(text) == OGM


@pytest.mark.parametrize("text", ["RF18539007547034", "RF18 5390 0754 7034", "rf18 5390 0754 7034"])
def test_validate_accepts_the_usual_spellings_of_an_rf_reference(text: str) -> None:
    assert validate_reference(text) == RF


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+++123/4567/89003+++", "wrong checksum"),
        ("RF19 5390 0754 7034", "wrong checksum"),
        ("12345678900", "not a structured reference"),
        ("invoice 123456789002", "not a structured reference"),
        ("RF18", "malformed"),
        ("RF1A 5390", "malformed"),
        ("", "not a structured reference"),
    ],
)
def test_validate_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidReference, match=message):
        validate_reference(text)


# -- free text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Paid with +++123/4567/89002+++, thanks",
        "COMMUNICATION: ***123/4567/89002***",
        "facture 123/4567/89002",
        "facture 123 4567 89002",
        "REF:123456789002",
        "+++123456789002+++",
    ],
)
def test_parse_finds_an_ogm_in_statement_text(text: str) -> None:
    assert parse_reference(text) == OGM


@pytest.mark.parametrize(
    "text",
    [
        "Invoice RF18 5390 0754 7034 paid",
        "RF18539007547034.",
        "(rf18 5390 0754 7034)",
    ],
)
def test_parse_finds_an_rf_reference_in_statement_text(text: str) -> None:
    assert parse_reference(text) == RF


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Merci pour le bon travail",
        "+++123/4567/89003+++",  # wrong checksum
        "IBAN BE68539007547034",  # the digits of an IBAN are not a reference
        "order 91234567890023",  # twelve valid digits inside a longer number
        "perf18539007547034",  # not a word of its own
        "Frais de gestion de compte 02/2024",
    ],
)
def test_parse_finds_nothing(text: str) -> None:
    assert parse_reference(text) is None


def test_a_delimited_ogm_wins_over_a_bare_number() -> None:
    text = "client 202400001754 pays +++123/4567/89002+++"
    assert parse_reference(text) == OGM
    assert find_references(text) == [OGM, StructuredReference("be_ogm", "202400001754")]


def test_find_references_lists_each_reference_once() -> None:
    text = "RF18 5390 0754 7034 / RF18539007547034 / +++123/4567/89002+++ 123456789002"
    assert find_references(text) == [OGM, RF]


@pytest.mark.parametrize(
    "text",
    [
        "+++123" + " " * 100_000 + "x",
        "123" + " /" * 100_000,
        "RF18" + " AB" * 100_000,
        "1" * 1_000_000,
    ],
)
def test_hostile_text_is_searched_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    assert parse_reference(text) is None
    assert time.perf_counter() - started < 1


# -- properties ------------------------------------------------------------------------------------

decorations = st.sampled_from(
    [
        "{formatted}",
        "Paiement facture {formatted} merci",
        "***{slashed}***",
        "{slashed}",
        "{compact}",
        "communication: {compact}.",
        "+++ {spaced} +++",
        "{spaced}",
    ]
)


@PROPERTY
@given(number=ogm_numbers, template=decorations)
def test_every_generated_ogm_is_found_again_in_text(number: int, template: str) -> None:
    formatted = be_structured_reference(number)
    compact = formatted.strip("+").replace("/", "")
    text = template.format(
        formatted=formatted,
        slashed=formatted.strip("+"),
        compact=compact,
        spaced=f"{compact[:3]} {compact[3:7]} {compact[7:]}",
    )
    expected = StructuredReference("be_ogm", compact)
    assert compact.startswith(f"{number:010d}")
    assert parse_reference(text) == expected
    assert validate_reference(formatted) == expected


@PROPERTY
@given(payload=rf_payloads, lower=st.booleans(), grouped=st.booleans())
def test_every_generated_rf_reference_is_found_again_in_text(
    payload: str, lower: bool, grouped: bool
) -> None:
    formatted = rf_reference(payload)
    compact = formatted.replace(" ", "")
    assert compact[4:] == payload
    written = formatted if grouped else compact
    written = written.lower() if lower else written
    expected = StructuredReference("rf", compact)
    assert parse_reference(f"Payment of invoice {written}, thank you") == expected
    assert validate_reference(written) == expected


@PROPERTY
@given(number=ogm_numbers, position=st.integers(0, 11), delta=st.integers(1, 9))
def test_any_single_digit_typo_in_an_ogm_is_refused(number: int, position: int, delta: int) -> None:
    digits = list(be_structured_reference(number).strip("+").replace("/", ""))
    digits[position] = str((int(digits[position]) + delta) % 10)
    typo = "".join(digits)
    with pytest.raises(InvalidReference):
        validate_reference(typo)
    assert parse_reference(f"+++{typo}+++") is None


@PROPERTY
@given(payload=st.text(alphabet="0123456789", min_size=1, max_size=21), data=st.data())
def test_any_single_digit_typo_in_an_rf_reference_is_refused(
    payload: str, data: st.DataObject
) -> None:
    compact = rf_reference(payload).replace(" ", "")
    position = data.draw(st.integers(2, len(compact) - 1))
    delta = data.draw(st.integers(1, 9))
    typo = compact[:position] + str((int(compact[position]) + delta) % 10) + compact[position + 1 :]
    with pytest.raises(InvalidReference):
        validate_reference(typo)
