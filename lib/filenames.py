"""The names of the downloaded CSV files, one pattern for all: `<table>_<level>_<code>_<period>
[_<detail>…].csv`, e.g. `pays_dept_53_2025-T1-T2_top10.csv`, `donnees_region_28_2020-2024_tous.csv`.

The parts say what chose the rows: the table, the territory (level and code; none for the map,
which shows every département), the period (lib.periods: `2024`, a partial year `2025-T1-T2`, a
range of quarters `2024T2-2025T4`), then any detail (top N, flow). Only ASCII letters, digits,
`-` and `_` are written: any other run of characters becomes `-`, so that a name is safe on
every file system and in a Content-Disposition header.
"""

from __future__ import annotations

import re

from lib.territory import Territory

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def csv_name(table: str, territory: Territory | None, period: str, *details: str) -> str:
    """`csv_name("pays", Territory("dept", "53"), "2024", "top10")`: `pays_dept_53_2024_top10.csv`;
    empty parts are left out."""
    return file_name(table, territory, period, *details, extension="csv")


def file_name(
    table: str, territory: Territory | None, period: str, *details: str, extension: str
) -> str:
    """The same pattern for any file: `fiche_dept_53_2024_top10.pdf`."""
    parts = [table, *((territory.level, territory.code) if territory else ()), period, *details]
    return "_".join(_UNSAFE.sub("-", part) for part in parts if part) + "." + extension
