"""« Voir les données » as a person reads it (issue 20): a table is drawn when its expander is
opened, speaks French (headers with units, `1 431,7`, names beside codes, empty cells empty,
no True/False), and its figures are the dataset's.

The grid's cells are read from the accessible table Streamlit's grid keeps beside its canvas
(what a screen reader reads). Expected totals are summed with pandas from the year's Parquet
file, not by lib.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from lib.data import store
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import wait_for_app

ORNE_2023 = "/fiche?niveau=departement&code=61&annee=2023"
RAW = {"None", "nan", "NaN", "<NA>", "NaT", "True", "False", "true", "false"}
GRID = "[data-testid='stDataFrame']"


def orne_2023_totals(data_dir: Path) -> tuple[float, float]:
    """Orne's 2023 exports and imports in M€, from the Parquet file."""
    manifest = store.read_manifest(data_dir)
    rows = pd.read_parquet(data_dir / manifest.files[2023], columns=["flow", "dept", "value_eur"])
    orne = rows[rows["dept"] == "61"].groupby("flow")["value_eur"].sum()
    return orne["E"] / 1e6, orne["I"] / 1e6


def french(value: float) -> str:
    """`1431.66` as `1 431,7` (plain spaces: cells are compared with their spaces normalised)."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",")


def plain(text: str) -> str:
    return re.sub(r"\s", " ", text).strip()


def grid(page, index: int) -> tuple[list[str], list[str]]:
    """Headers and cells of the index-th grid drawn on the page."""
    table = page.locator(GRID).nth(index)
    table.locator("td").first.wait_for(state="attached")
    # The accessible table is hidden: its text content, not innerText (empty when hidden).
    read = "cells => cells.map(c => c.textContent)"
    return table.locator("th").evaluate_all(read), table.locator("td").evaluate_all(read)


def open_table(page, index: int) -> None:
    page.get_by_text("Voir les données").nth(index).click()
    page.locator(GRID).first.wait_for()
    wait_for_app(page)


@pytest.mark.usefixtures("app_url")
def test_a_table_is_drawn_when_opened_and_speaks_french(
    page, app_url: str, demo_data_dir: Path
) -> None:
    page.goto(app_url + ORNE_2023)
    wait_for_app(page)
    assert page.locator(GRID).count() == 0  # closed tables are not drawn
    open_table(page, 0)  # « Chiffres clés »
    headers, cells = grid(page, 0)
    assert headers == ["Indicateur", "Valeur"]
    pairs = dict(zip(cells[::2], map(plain, cells[1::2]), strict=True))
    exports, imports = orne_2023_totals(demo_data_dir)
    assert pairs["Exportations (M€)"] == french(exports)
    assert pairs["Importations (M€)"] == french(imports)
    assert pairs["Solde (M€)"] == french(exports - imports).replace("-", "−")
    assert not set(cells) & RAW
    screenshot(page, "table_kpis_orne_2023")


@pytest.mark.usefixtures("app_url")
def test_every_first_screen_table_has_french_headers_and_no_raw_cells(page, app_url: str) -> None:
    page.goto(app_url + ORNE_2023)
    wait_for_app(page)
    expanders = page.get_by_text("Voir les données").count()
    assert expanders >= 3  # key figures, exposure to the United States, partners
    for index in range(expanders):
        open_table(page, index)
    assert page.locator(GRID).count() == expanders
    seen_names = False
    for index in range(expanders):
        headers, cells = grid(page, index)
        assert all("_" not in header for header in headers), headers
        assert not {plain(cell) for cell in cells} & RAW, headers
        seen_names |= "Nom du pays" in headers or "Pays" in headers
    assert seen_names  # the partners' table names its countries
