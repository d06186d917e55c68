"""The canonical customs dataset: one row per (year, quarter, month, flow, dept, product, cpf4,
country), with its value in euros and its mass in kilograms.

The period is kept as given: monthly files fill `month` (and `quarter`, derived from it),
quarterly files fill `quarter` only, annual files neither. `cpf4` (the four-digit CPF product
under the A129 `product`) and `mass_kg` are null when the file does not carry them.
"""

from __future__ import annotations

# Column name -> DuckDB type, in canonical order.
COLUMNS: dict[str, str] = {
    "year": "SMALLINT",
    "quarter": "TINYINT",
    "month": "TINYINT",
    "flow": "VARCHAR",
    "dept": "VARCHAR",
    "product": "VARCHAR",
    "cpf4": "VARCHAR",
    "country": "VARCHAR",
    "value_eur": "DOUBLE",
    "mass_kg": "DOUBLE",
}
KEY_COLUMNS = ("year", "quarter", "month", "flow", "dept", "product", "cpf4", "country")
MEASURES = ("value_eur", "mass_kg")
# Columns a source may lack (older datasets, files without them): read as NULL.
OPTIONAL_COLUMNS = ("quarter", "month", "cpf4", "mass_kg")
# Columns stored inside each Parquet file; `year` is carried by the hive path `year=YYYY`.
FILE_COLUMNS = tuple(c for c in COLUMNS if c != "year")
# Sort order inside a partition: a département's rows are contiguous, so a
# one-département query reads only the few row groups whose min/max cover it.
SORT_ORDER = ("dept", "flow", "product", "cpf4", "country", "quarter", "month")
QUARTERS = (1, 2, 3, 4)
MIN_YEAR, MAX_YEAR = 1990, 2100
# Rows per Parquet row group: small enough that one département spans few groups.
ROW_GROUP_SIZE = 16_384


def column_definitions() -> str:
    """`year SMALLINT, quarter TINYINT, …`: the canonical columns, typed, for a CREATE TABLE."""
    return ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())


def select_list(present: set[str] | list[str]) -> str:
    """SELECT items giving every canonical column, typed, NULL for an optional one absent."""
    items = []
    for name, kind in COLUMNS.items():
        if name in present:
            items.append(f"CAST({name} AS {kind}) AS {name}")
        elif name in OPTIONAL_COLUMNS:
            items.append(f"CAST(NULL AS {kind}) AS {name}")
        else:
            raise ValueError(f"column {name!r} is required")
    return ", ".join(items)
