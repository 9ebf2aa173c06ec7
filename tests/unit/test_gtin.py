"""Barcode rules: GS1 check digits and the one stored GTIN-14 form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.domain.errors import BadCheckDigit, ValidationError
from pos.domain.gtin import check_digit, display, is_gtin, make, normalize


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("01234567890", 5),  # UPC-A 012345678905
        ("400638133393", 1),  # EAN-13 4006381333931
        ("9638507", 4),  # EAN-8 96385074
        ("1001234567890", 2),  # GTIN-14 10012345678902
        ("000000000000", 0),
    ],
)
def test_check_digit_matches_published_examples(body: str, digit: int) -> None:
    assert check_digit(body) == digit


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("012345678905", "00012345678905"),  # UPC-A
        ("0012345678905", "00012345678905"),  # the same item spelt as EAN-13
        ("00012345678905", "00012345678905"),  # ... and as GTIN-14
        ("4006381333931", "04006381333931"),  # EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("  4006381333931\n", "04006381333931"),  # scanners add whitespace
    ],
)
def test_normalize_gives_one_gtin14_form(typed: str, stored: str) -> None:
    assert normalize(typed) == stored


def test_upc_a_and_its_ean13_spelling_are_the_same_code() -> None:
    assert normalize("012345678905") == normalize("0012345678905")


@pytest.mark.parametrize("bad", ["012345678906", "4006381333932", "96385075", "00012345678900"])
def test_wrong_check_digit_is_refused_with_the_code_named(bad: str) -> None:
    with pytest.raises(BadCheckDigit) as err:
        normalize(bad)
    assert bad in str(err.value)
    assert str(err.value).startswith("barcode: ")


@pytest.mark.parametrize("code", ["ABC-123", "12345", "1234567890", "INSTORE0001"])
def test_non_gtin_codes_are_kept_as_typed(code: str) -> None:
    assert not is_gtin(code) or len(code) in (8, 12, 13, 14)
    assert normalize(code) == code


@pytest.mark.parametrize("bad", ["", "   ", "12 34", "a" * 49, "abc\x00", "tab\there"])
def test_empty_spaced_long_or_unprintable_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        normalize(bad)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("00012345678905", "0012345678905"),
        ("04006381333931", "4006381333931"),
        ("00000096385074", "96385074"),
        ("10012345678902", "10012345678902"),
        ("INSTORE0001", "INSTORE0001"),
    ],
)
def test_display_form(stored: str, shown: str) -> None:
    assert display(stored) == shown


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    )
)
def test_made_codes_validate_and_round_trip(body: str) -> None:
    code = make(body)
    stored = normalize(code)
    assert len(stored) == 14 and stored.lstrip("0") == code.lstrip("0")
    assert normalize(stored) == stored  # idempotent
    # every single-digit error in the check digit is caught
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(BadCheckDigit):
        normalize(wrong)
