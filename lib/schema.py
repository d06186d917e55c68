"""The canonical customs dataset: one row per (year, month, flow, dept, product, country)."""

from __future__ import annotations

# Column name -> DuckDB type, in canonical order.
COLUMNS: dict[str, str] = {
    "year": "SMALLINT",
    "month": "TINYINT",
    "flow": "VARCHAR",
    "dept": "VARCHAR",
    "product": "VARCHAR",
    "country": "VARCHAR",
    "value_eur": "DOUBLE",
}
KEY_COLUMNS = ("year", "month", "flow", "dept", "product", "country")
# Columns stored inside each Parquet file; `year` is carried by the hive path `year=YYYY`.
FILE_COLUMNS = tuple(c for c in COLUMNS if c != "year")
# Sort order inside a partition: a département's rows are contiguous, so a
# one-département query reads only the few row groups whose min/max cover it.
SORT_ORDER = ("dept", "flow", "product", "country", "month")
FLOWS = {"E": "export", "I": "import"}
MIN_YEAR, MAX_YEAR = 1990, 2100
# Rows per Parquet row group: small enough that one département spans few groups.
ROW_GROUP_SIZE = 16_384
