"""The fiche's tables as files: the CSV tables of a territory's fiche (the contract every view
follows) and the workbook that holds them, for `python -m lib.fiche` (lib/fiche/cli.py).

`tables()` builds every table of the fiche; the app's downloads are built by the same functions
and written by lib/core/csvfile.py, so a download and an export are byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lib.core import csvfile, filenames, partners, workbook
from lib.core.flows import FLOWS
from lib.core.territory import Territory
from lib.data import diversification, exposure, queries
from lib.web import headings

DEFAULT_TOP = 10
FORMATS = ("csv", "xlsx")
WORKBOOK_NAME = "fiche.xlsx"  # beside fiche.html and fiche.pdf
# The workbook's sheets, in French (a sheet name has at most 31 characters).
SHEET_NAMES = {
    "kpis.csv": "Chiffres clés",
    "partners.csv": "Pays partenaires",
    "products.csv": "Activités (A129)",
    "products_cpf4.csv": "Produits (CPF4)",
    "sankey_export.csv": "Flux à l'export",
    "sankey_import.csv": "Flux à l'import",
    "us_exposure.csv": "Exposition aux États-Unis",
    "exposure.csv": "Exposition",
    "dependency.csv": "Dépendances",
    "alternative_markets.csv": "Autres marchés",
    "diversification.csv": "Activités proches",
    "similar_territories.csv": "Territoires comparables",
}
# Tables whose rows depend on the top N (their heading says it).
_TOP_TABLES = ("partners.csv", "sankey_export.csv", "sankey_import.csv")
TableBuilder = Callable[[Territory, int, int], pd.DataFrame]


def _sankey_table(code: str) -> TableBuilder:
    return lambda t, year, top: queries.sankey(t, year, code, top)


TABLES: dict[str, TableBuilder] = {
    "kpis.csv": lambda t, year, top: queries.kpis(t, year),
    "partners.csv": queries.partners,
    "products.csv": lambda t, year, top: queries.products(t, year),
    "products_cpf4.csv": lambda t, year, top: queries.product_details(t, year),
    **{f"sankey_{flow.name}.csv": _sankey_table(flow.code) for flow in FLOWS},
    # The fiche's « Exposition aux États-Unis » block (the page's and the document's).
    "us_exposure.csv": lambda t, year, top: exposure.partner_summary(t, year, partners.US),
}


def tables(territory: Territory, year: int, top: int = DEFAULT_TOP) -> dict[str, pd.DataFrame]:
    """Every table of the fiche, keyed by its file name."""
    return {name: build(territory, year, top) for name, build in TABLES.items()}


def write_tables(
    territory: Territory,
    year: int,
    top: int,
    out: Path,
    partner: str | None = None,
    table_format: str = "csv",
    diversify: str | None = None,
) -> list[Path]:
    """The fiche's CSV files in `out` (or, in `xlsx`, one workbook with a sheet per table);
    with a partner, also its exposure and dependency; with `diversify` (a partner), the
    Diversifier's tables, except for France (which has none: lib.data.diversification)."""
    out.mkdir(parents=True, exist_ok=True)
    frames = tables(territory, year, top)
    if partner is not None:
        frames |= exposure.tables(territory, year, partner)
    if diversify is not None and territory.level != "france":
        frames |= diversification.tables(territory, year, diversify)
    if table_format == "xlsx":
        path = out / WORKBOOK_NAME
        partners_of = {"exposure.csv": partner, "alternative_markets.csv": diversify}
        workbook.write_workbook(path, _sheets(frames, territory, year, top, partners_of))
        return [path]
    written = []
    for name, frame in frames.items():
        path = out / name
        path.write_bytes(csvfile.to_csv_bytes(frame))
        written.append(path)
    return written


def _sheets(
    frames: dict[str, pd.DataFrame],
    territory: Territory,
    year: int,
    top: int,
    partners_of: dict[str, str | None],
) -> list[workbook.Sheet]:
    """One sheet per table, its heading read from what would be its page's file name
    (`partners_of`: the partner of each table that has one)."""
    sheets = []
    for name, frame in frames.items():
        details = [f"top{top}"] if name in _TOP_TABLES else []
        partner = partners_of.get(name)
        if partner is not None:
            details.append(partner)
        stem = name.removesuffix(".csv")
        file = filenames.csv_name(stem, territory, queries.year_slug(year), *details)
        sheets.append(workbook.Sheet(SHEET_NAMES.get(name, stem), frame, headings.heading(file)))
    return sheets
