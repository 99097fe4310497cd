from decimal import Decimal

import pytest

from gisync.money import AmountError, format_fr, money, round_cents, to_cents, to_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200.00", Decimal("1200.00")),
        ("1 200,50", Decimal("1200.50")),
        ("1.200,50", Decimal("1200.50")),
        ("-3.5", Decimal("-3.5")),
        (12, Decimal("12")),
        (Decimal("0.835"), Decimal("0.835")),
        ("\u00a08\u202f004,57", Decimal("8004.57")),
    ],
)
def test_to_decimal_reads_gi_and_file_formats(text: object, expected: Decimal) -> None:
    assert to_decimal(text) == expected


@pytest.mark.parametrize("bad", [0.1, None, "", "abc", True, "NaN", "Infinity"])
def test_to_decimal_refuses_floats_and_garbage(bad: object) -> None:
    with pytest.raises(AmountError):
        to_decimal(bad)


def test_round_half_up_to_the_cent() -> None:
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("0.015")) == Decimal("0.02")  # banker's rounding would give 0.02 too
    assert round_cents(Decimal("0.025")) == Decimal("0.03")  # ... but 0.02 here: half-up differs
    assert round_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert round_cents(Decimal("1.67499")) == Decimal("1.67")


def test_money_and_cents() -> None:
    assert money("0.835") == Decimal("0.84")
    assert to_cents(Decimal("9605.49")) == 960549
    assert to_cents(Decimal("-0.01")) == -1


def test_format_fr() -> None:
    assert format_fr(Decimal("8004.57")) == "8 004,57"
    assert format_fr(Decimal("1000")) == "1 000,00"
    assert format_fr(Decimal("0.01")) == "0,01"
    assert format_fr(Decimal("-1234567.5")) == "-1 234 567,50"
