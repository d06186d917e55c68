"""The names of the downloaded CSV files, one pattern for all: `<table>_<level>_<code>_<period>
[_<detail>…].csv`, e.g. `pays_dept_53_2025-T1-T2_top10.csv`, `donnees_region_28_2020-2024_tous.csv`.

The parts say what chose the rows: the table, the territory (level and code; none for the map,
which shows every département), the period (lib.core.periods: `2024`, a partial year `2025-T1-T2`, a
range of quarters `2024T2-2025T4`), then any detail (top N, flow). Only ASCII letters, digits,
`-` and `_` are written: any other run of characters becomes `-`, so that a name is safe on
every file system and in a Content-Disposition header.
"""

from __future__ import annotations

import re

from lib.core.territory import Territory

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class TableFileName(str):
    """A table's CSV file name that remembers the parts it was made of.

    The page that offers a CSV also offers the same rows as an Excel workbook, whose first line
    says what the file name says in words (title, territory, period, details: lib/web/headings.py).
    Carrying the parts with the name lets every page keep passing one file name around.
    `scope` names what the rows cover when no single territory does (« Mayenne (53), Orne
    (61) » on the Comparer page).
    """

    table: str
    territory: Territory | None
    period: str
    details: tuple[str, ...]
    scope: str | None

    def __new__(
        cls,
        table: str,
        territory: Territory | None,
        period: str,
        details: tuple[str, ...] = (),
        scope: str | None = None,
    ) -> TableFileName:
        name = super().__new__(cls, file_name(table, territory, period, *details, extension="csv"))
        name.table, name.territory, name.period = table, territory, period
        name.details, name.scope = details, scope
        return name

    def with_extension(self, extension: str) -> str:
        """The same name with another extension: `pays_dept_53_2024_top10.xlsx`."""
        return self.removesuffix(".csv") + "." + extension


def csv_name(
    table: str, territory: Territory | None, period: str, *details: str, scope: str | None = None
) -> TableFileName:
    """`csv_name("pays", Territory("dept", "53"), "2024", "top10")`: `pays_dept_53_2024_top10.csv`;
    empty parts are left out."""
    return TableFileName(table, territory, period, details, scope)


def file_name(
    table: str, territory: Territory | None, period: str, *details: str, extension: str
) -> str:
    """The same pattern for any file: `fiche_dept_53_2024_top10.pdf`."""
    parts = [table, *((territory.level, territory.code) if territory else ()), period, *details]
    return "_".join(_UNSAFE.sub("-", part) for part in parts if part) + "." + extension
