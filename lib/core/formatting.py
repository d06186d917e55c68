"""French number formatting: `1 773,5 M€`, `6,6 %`, `−437,8 M€`.

Thousands are separated by a no-break space (U+00A0) so that a figure never wraps across
lines; the unit is attached with one too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
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


def trimmed(value: float, decimals: int = 1) -> str:
    """`number` without a whole number's decimals: 5.0 → `5`, 2.5 → `2,5` (as a URL writes
    a setting, `elasticite=5`)."""
    return number(value, 0 if float(value).is_integer() else decimals)


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


def ordinal(rank: int, feminine: bool = False) -> str:
    """French ordinals as numbers: « 1er » (« 1re »), « 2e », « 12e »."""
    if rank == 1:
        return "1re" if feminine else "1er"
    return f"{rank}e"


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


# An estimate is written with the precision its method deserves, not the data's: two
# significant figures of the largest of the numbers written together (a range's bounds), so
# that « −148,9 M€ » from an elasticity known within a factor of two reads « −150 M€ ».
ESTIMATE_DIGITS = 2


def round_significant(
    values: Sequence[float], digits: int = ESTIMATE_DIGITS
) -> tuple[list[float], int]:
    """`values` rounded together to `digits` significant figures of the largest in absolute
    value, half away from zero as `number` (−68.4, −209.3 → −70, −210; 0.351, 1.07 → 0.4,
    1.1), and the decimals that print them (0, 1). Zeros and NaN stay as they are."""
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if not finite:
        return list(values), 0
    exponent = math.floor(math.log10(max(finite))) - digits + 1
    step = Decimal(1).scaleb(exponent)
    rounded = [
        float(Decimal(repr(float(v))).quantize(step, ROUND_HALF_UP)) if math.isfinite(v) else v
        for v in values
    ]
    return rounded, max(0, -exponent)


def estimate_bounds(low: float, high: float, digits: int = ESTIMATE_DIGITS) -> tuple[str, str]:
    """Two bounds of an estimate rounded together (round_significant), each signed:
    (−68.4, −209.3) → (« −70 », « −210 »); `–` for an unknown one."""
    (first, last), decimals = round_significant([low, high], digits)
    return number(first, decimals, signed=True), number(last, decimals, signed=True)


BETWEEN = ("entre ", " et ")  # « entre −70 et −210 M€ », in a sentence
SHORT_RANGE = ("", " à ")  # « −70 à −210 M€ », where a label says what it is


def estimate_range(
    low: float,
    high: float,
    unit: str,
    words: tuple[str, str] = BETWEEN,
    digits: int = ESTIMATE_DIGITS,
) -> str:
    """« entre −70 et −210 M€ » (estimate_bounds; values already in the unit's scale: −68.4,
    −209.3, "M€"; `words` SHORT_RANGE: « −70 à −210 M€ »); one figure when they round alike;
    `–` when one is unknown."""
    if math.isnan(low) or math.isnan(high):
        return "–"
    first, last = estimate_bounds(low, high, digits)
    if first == last:
        return f"{first}{NBSP}{unit}"
    return f"{words[0]}{first}{words[1]}{last}{NBSP}{unit}"


def estimate(value: float, unit: str, digits: int = ESTIMATE_DIGITS) -> str:
    """One estimate rounded to `digits` significant figures, signed: « −150 M€ »."""
    if math.isnan(value):
        return "–"
    (rounded,), decimals = round_significant([value], digits)
    return f"{number(rounded, decimals, signed=True)}{NBSP}{unit}"


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
