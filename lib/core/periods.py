"""Periods as users read them: a year, or a partial year with its quarters, « 2025 (T1–T2) ».

The customs' rolling « 5 derniers trimestres » files leave the latest year partial; wherever a
year is shown (selectors, titles, the map's legend, CSV file names) it carries its quarters.
"""

from __future__ import annotations

from collections.abc import Sequence

from lib.core.schema import QUARTERS


def quarters_text(quarters: Sequence[int]) -> str:
    """`T1–T2` for a run of quarters, `T1, T3` otherwise; "" for a whole year (or none)."""
    quarters = sorted(set(quarters))
    if not quarters or tuple(quarters) == QUARTERS:
        return ""
    if len(quarters) == 1:
        return f"T{quarters[0]}"
    if quarters == list(range(quarters[0], quarters[-1] + 1)):
        return f"T{quarters[0]}–T{quarters[-1]}"
    return ", ".join(f"T{q}" for q in quarters)


def year_label(year: int, quarters: Sequence[int] = QUARTERS) -> str:
    """`2024`, or `2025 (T1–T2)` for a partial year."""
    text = quarters_text(quarters)
    return f"{year} ({text})" if text else str(year)


def year_inline(year: int, quarters: Sequence[int] = QUARTERS) -> str:
    """`2024`, or `2025, T1–T2` (inside a parenthesis of a title)."""
    text = quarters_text(quarters)
    return f"{year}, {text}" if text else str(year)


def year_slug(year: int, quarters: Sequence[int] = QUARTERS) -> str:
    """The year in a file name: `2024`, `2025-T1-T2` for a partial year."""
    text = quarters_text(quarters)
    return f"{year}-{text.replace('–', '-').replace(', ', '-')}" if text else str(year)


def range_slug(first_year: int, first_quarter: int, last_year: int, last_quarter: int) -> str:
    """A run of quarters in a file name: `2020-2024` from whole years, else `2024T2-2025T4`."""
    if (first_quarter, last_quarter) == (1, 4):
        return f"{first_year}-{last_year}"
    return f"{first_year}T{first_quarter}-{last_year}T{last_quarter}"
