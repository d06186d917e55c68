"""Every « Télécharger les données (CSV) » of every page has its « Télécharger (Excel) »: AppTest
opens each page, then runs what each Excel button's click would run (the deferred function
Streamlit registers) and reads the workbook back with openpyxl.

Each workbook must be described for a French reader: a title from the catalogue of table names
(never a file name's raw words), every header in French (no column left under its English
machine name), the same number of rows as the CSV beside it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from lib.core import columns, sections
from lib.web import headings
from tests.apptables import RecordedFiles, record_csvs, record_files
from tests.test_pages import APP, TIMEOUT
from tests.test_pages import _demo_data as _demo_data  # the demo dataset, for every test here

PAGES = {
    "carte": {},
    "fiche": {
        "niveau": "departement",
        "code": "61",
        "annee": "2024",
        "flux": "tous",
        "section": ",".join(sections.slugs(sections.FICHE)),  # every table of the fiche
    },
    "exposition": {
        "niveau": "departement",
        "code": "42",
        "annee": "2024",
        "partenaire": "US",
        "section": ",".join(sections.slugs(sections.EXPOSITION)),
    },
    "evolution": {
        "niveau": "departement",
        "code": "61",
        "section": ",".join(sections.slugs(sections.EVOLUTION)),
    },
    "produit": {
        "code": "C21Z",
        "annee": "2024",
        "section": ",".join(sections.slugs(sections.PRODUIT)),
    },
    "pays": {"code": "US", "annee": "2024", "section": ",".join(sections.slugs(sections.PAYS))},
    "comparer": {
        "niveau": "departement",
        "codes": "53,61",
        "annee": "2024",
        "section": ",".join(sections.slugs(sections.COMPARER)),
    },
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def csv_files(monkeypatch: pytest.MonkeyPatch) -> RecordedFiles:
    """Each CSV download the pages hand to Streamlit (made at the click: the function a click
    runs)."""
    return record_csvs(monkeypatch)


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The function each deferred Excel download registers, by file name."""
    return record_files(monkeypatch, XLSX).by_name


def open_page(page: str, deferred: dict[str, Any], **params: str):
    """The page as tests.test_pages.open_page opens it, with only its own downloads recorded
    (the Carte, where the app starts, is forgotten)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page != "carte":
        at.switch_page(f"pages/{page}.py")
        deferred.clear()
    at.query_params = dict(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _csv_rows(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1


def _sheet(data: bytes) -> tuple[str, list[str], int]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [list(row) for row in sheet.iter_rows()]
    header = next(
        i
        for i, row in enumerate(rows)
        if row[0].font.bold and row[0].fill.fgColor.rgb not in (None, "00000000")
    )
    return rows[0][0].value, [str(cell.value) for cell in rows[header]], len(rows) - header - 1


@pytest.mark.parametrize("page", PAGES)
def test_every_csv_has_its_described_workbook(page: str, deferred) -> None:
    at = open_page(page, deferred, **PAGES[page])
    csv_keys = [b.key for b in at.download_button if (b.key or "").startswith("csv-")]
    assert csv_keys, f"no CSV download on {page}"
    for key in csv_keys:
        assert f"xlsx-{key.removeprefix('csv-')}" in {b.key for b in at.download_button}, key
    assert len(deferred) == len(csv_keys)
    titles = set(headings.titles().values())
    english = set(columns.COLUMNS) | set(columns.DATA_ROW_COLUMNS)
    for name, build in deferred.items():
        title, header, _ = _sheet(build())
        assert any(title.startswith(known + " — ") or title == known for known in titles), (
            f"{page}: {name} has no catalogued title ({title!r})"
        )
        assert not set(header) & english, f"{page}: {name} keeps machine names: {header}"


def test_the_workbook_has_the_rows_of_its_csv(deferred, csv_files) -> None:
    open_page("fiche", deferred, **PAGES["fiche"])
    for stem in (
        "pays_dept_61_2024_top10",
        "produits_dept_61_2024",  # every activity: not top N's
        "sankey_export_dept_61_2024_top10",
        "sankey_import_dept_61_2024_top10",
    ):
        _, _, rows = _sheet(deferred[f"{stem}.xlsx"]())
        assert rows == _csv_rows(csv_files.named()[f"{stem}.csv"]) > 0, stem
    _, header, _ = _sheet(deferred["pays_dept_61_2024_top10.xlsx"]())
    assert header[:2] == ["Pays", "Nom du pays"]
