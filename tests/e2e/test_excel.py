"""What a chargée de mission does: on the Orne fiche, « Télécharger (Excel) » beside the partners'
CSV; on Données, the filtered rows as a workbook. The files the browser receives are read back
with openpyxl; expected figures come from the Parquet files read with DuckDB and the
reference CSVs read with pandas, never from the app's code.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from lib.core import config
from lib.data import store
from tests.e2e.conftest import download_from_link, screenshot
from tests.e2e.test_explorer import wait_for_app

COUNTRIES = pd.read_csv(config.ROOT / "data" / "ref" / "countries.csv", keep_default_na=False)


def _files(data_dir: Path, *years: int) -> list[str]:
    manifest = store.read_manifest(data_dir)
    return [str(data_dir / manifest.files[year]) for year in years]


def _rows(content: bytes) -> tuple[list[str], list[list[object]], list[str]]:
    """Heading lines, header and data rows of the first sheet."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[1] is not None)
    lines = [row[0] for row in rows[:header] if row[0]]
    return lines, [str(cell) for cell in rows[header]], rows[header + 1 :]


def test_the_fiche_partners_in_excel(page, app_url: str, demo_data_dir: Path) -> None:
    page.goto(f"{app_url}/fiche?niveau=departement&code=61&annee=2024&top=10&flux=export")
    wait_for_app(page)
    button = page.locator(".st-key-xlsx-partners").get_by_role("button")
    button.wait_for()
    assert "Excel" in button.inner_text()
    button.scroll_into_view_if_needed()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "pays_dept_61_2024_top10.xlsx"
    lines, header, rows = _rows(Path(download.path()).read_bytes())
    assert lines[0] == "Principaux pays à l'import et à l'export — Orne (61) — 2024 — 10 premiers"
    assert "DGDDI" in lines[1]
    assert lines[-1].startswith("Données de démonstration synthétiques")
    assert header == ["Pays", "Nom du pays", "Importations (€)", "Exportations (€)", "Solde (€)"]
    # Independently: Orne's exports by country in 2024 from the Parquet file.
    by_country = dict(
        duckdb.sql(
            f"SELECT country, sum(value_eur) FROM read_parquet({_files(demo_data_dir, 2024)!r}) "
            "WHERE dept = '61' AND flow = 'E' GROUP BY country"
        ).fetchall()
    )
    names = dict(zip(COUNTRIES["code"], COUNTRIES["name"], strict=True))
    named = [row for row in rows if row[0] != "AUTRES"]
    assert len(named) == 10
    for code, name, _, exports, _ in named:
        assert name == names[code]
        assert exports == pytest.approx(by_country[code])


def test_the_download_buttons_fit_desktop_and_phone(browser, app_url: str) -> None:
    for width, height, name in ((1400, 1000, "desktop"), (375, 812, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{app_url}/fiche?niveau=departement&code=61&annee=2024&flux=export")
            wait_for_app(page)
            excel = page.locator(".st-key-xlsx-partners").get_by_role("button")
            csv = page.locator(".st-key-csv-partners").get_by_role("button")
            excel.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            for button in (csv, excel):
                box = button.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            page.locator(".st-key-xlsx-partners").screenshot(
                path=str(screenshot_dir() / f"excel-buttons-{name}.png")
            )
        finally:
            context.close()


def screenshot_dir() -> Path:
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_donnees_rows_in_excel(page, app_url: str, demo_data_dir: Path) -> None:
    query = "niveau=departement&code=01&debut=2024&fin=2024&flux=import"
    page.goto(f"{app_url}/donnees?{query}")
    wait_for_app(page)
    link = page.get_by_role("link", name=re.compile(r"Télécharger les lignes filtrées \(Excel\)"))
    assert link.get_attribute("href") == f"/telecharger/donnees.xlsx?{query}"
    screenshot(page, "excel-donnees")
    download = download_from_link(page, link)
    assert download.suggested_filename == "donnees_dept_01_2024-2024_import.xlsx"  # as the CSV
    lines, header, rows = _rows(Path(download.path()).read_bytes())
    assert lines[0] == "Données détaillées — Ain (01) — 2024 — importations"
    assert header[4:6] == ["Département", "Nom du département"]
    count, total = duckdb.sql(
        f"SELECT count(*), sum(value_eur) FROM read_parquet({_files(demo_data_dir, 2024)!r}) "
        "WHERE dept = '01' AND flow = 'I'"
    ).fetchall()[0]
    assert len(rows) == count > 0
    assert sum(row[12] for row in rows) == pytest.approx(total)
    assert {row[4] for row in rows} == {"01"}  # the zero kept: a text cell
