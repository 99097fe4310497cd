"""Money: the one place where amounts are parsed, rounded and formatted.

Amounts are :class:`~decimal.Decimal` everywhere. They are rounded half-up to the cent here and
nowhere else, so that an entry built from the GI's figures is the same cent for cent on every path.
A float is refused: it cannot hold 0.10 exactly, and one silent binary rounding is one cent lost.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class AmountError(ValueError):
    """An amount that cannot be read as a decimal number (the message quotes it)."""


def to_decimal(value: object) -> Decimal:
    """Read an amount from the GI or a file: Decimal, int or text (``"1 200,50"``, ``"-3.5"``).

    Floats are refused (see the module docstring); ``None`` and empty text too: a missing amount is
    a data error the caller must report, never a zero.
    """
    if isinstance(value, bool):
        raise AmountError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        raise AmountError(f"float amount refused (parse JSON with parse_float=Decimal): {value!r}")
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".") if "." in text else text.replace(",", ".")
        if not text:
            raise AmountError("empty amount")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise AmountError(f"not an amount: {value!r}") from exc
    else:
        raise AmountError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise AmountError(f"not a finite amount: {value!r}")
    return result


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent (0.005 → 0.01, -0.005 → -0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: object) -> Decimal:
    """Parse then round to the cent: the usual way an amount enters the product."""
    return round_cents(to_decimal(value))


def to_cents(value: Decimal) -> int:
    """Whole cents, for exact comparisons (balance checks compare integers, never decimals)."""
    return int(round_cents(value) * 100)


def format_fr(value: Decimal) -> str:
    """French display for messages: ``8 004,57`` (narrow grouping with a plain space, comma decimals)."""
    rounded = round_cents(value)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{frac}"
