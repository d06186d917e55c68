"""French number formatting: `1 773,5 M€`, `6,6 %`, `−437,8 M€`.

Thousands are separated by a no-break space (U+00A0) so that a figure never wraps across
lines; the unit is attached with one too.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
MINUS = "\u2212"  # typographic minus, as in the DSFR


def number(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """`1234567.891` → `1 234 567,9`; NaN/None → `–` (no data)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    # Half-up on the decimal text, as a reader rounds: 6.55 → 6,6 (binary 6.5499… would give 6,5).
    rounded = Decimal(repr(abs(float(value)))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if value < 0 and text.strip("0,") != "":
        return MINUS + text
    if signed and value > 0 and text.strip("0,") != "":
        return "+" + text
    return text


def meur(value_eur: float | None, decimals: int = 1, signed: bool = False) -> str:
    """Euros shown in millions: `1773500000` → `1 773,5 M€`."""
    if value_eur is None or (isinstance(value_eur, float) and math.isnan(value_eur)):
        return "–"
    return f"{number(value_eur / 1e6, decimals, signed)}{NBSP}M€"


def pct(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """`6.55` → `6,6 %`; NaN/None → `–`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{number(value, decimals, signed)}{NBSP}%"


NATIONAL_SHARE_DECIMALS = 2  # as the published fiches: « 1,85 % », « 0,93 % »


def share_decimals(value: float) -> int:
    """Small shares need more digits to say anything: 0,31 % rather than 0,3 %."""
    return 2 if abs(value) < 1 else 1


def share(value: float | None) -> str:
    """A share of a région or of a flow: `6,6 %`, two decimals below 1 % (`0,31 %`)."""
    return pct(value, share_decimals(value or 0.0))


def national_share(value: float | None) -> str:
    """A share of the national total, always with two decimals as published: `1,85 %`."""
    return pct(value, NATIONAL_SHARE_DECIMALS)


_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(day: dt.date) -> str:
    """« 30 novembre 2026 » (« 1er » for the first of the month)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"
