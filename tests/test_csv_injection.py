"""CSV formula injection: whatever codes a dataset holds, no CSV the explorer writes (export CLI,
fiche downloads, Données) has a cell a spreadsheet would evaluate.

The dataset is written directly (tests/conftest.py write_dataset), bypassing the import's code
validation, as an older dataset or another path could hold anything. Files are read back with
Python's csv module; a cell is dangerous when it begins with = + - @ tab or carriage return and
Python's float() does not read it (the expectation is computed here, not by lib.core.escaping).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from lib.charts import fiche_figures
from lib.core import config, csvfile
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import queries
from lib.fiche import cli, files
from tests.test_quarters import quarterly

HOSTILE = [
    '=HYPERLINK("http://x","Cliquez")',
    "@SUM(1+1)*CMD|' /C CALC'!A0",
    "+1+1",
    "-1+1",
    "\t=1",
    "\r=1",
]
MAYENNE = Territory("dept", "53")
NEGATIVE = -12.5  # a customs correction: stays a number in every CSV


def _rows() -> pd.DataFrame:
    records = []
    for i, code in enumerate(HOSTILE):
        value = 1000.0 * (i + 1)
        for flow in ("E", "I"):
            # the hostile code as product, as country and as CPF4 code, each on its own row
            records += [
                (2024, 1, flow, "53", code, "1011", "DE", value),
                (2024, 2, flow, "53", "C10A", code, "US", value + 1),
                (2024, 3, flow, "53", "C21Z", "2110", code, value + 2),
            ]
    records.append((2024, 4, "E", "53", "C10A", "1011", "BE", NEGATIVE))
    return quarterly(records)


@pytest.fixture
def hostile(use_dataset) -> Path:
    return use_dataset(_rows())


def _dangerous(cell: str) -> bool:
    if cell.startswith(("\t", "\r")):
        return True
    if not cell.startswith(("=", "+", "-", "@")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _cells(content: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content, newline="")) for cell in row]


def _check(content: str, where: str) -> list[str]:
    """Every cell of a CSV text is harmless; returns the cells for further checks."""
    cells = _cells(content)
    dangerous = [cell for cell in cells if _dangerous(cell)]
    assert not dangerous, (where, dangerous)
    return cells


def _neutralised_quoted(code: str) -> str:
    """How OWASP writes a cell: leading single quote, double quotes doubled, whole cell quoted."""
    return '"' + ("'" + code).replace('"', '""') + '"'


def test_export_cli_files_have_no_formula(hostile: Path, tmp_path: Path) -> None:
    for level, code in (("dept", "53"), ("region", "52"), ("france", None)):
        out = tmp_path / level
        argv = ["--data-dir", str(hostile), "--level", level, "--year", "2024", "--top", "25"]
        assert cli.main([*argv, "--out", str(out)] + (["--code", code] if code else [])) == 0
        seen: set[str] = set()
        for path in sorted(out.iterdir()):
            content = path.read_bytes().decode("utf-8")  # keeps a carriage return in a cell
            seen |= set(_check(content, f"{level}/{path.name}"))
            if path.name == "partners.csv":
                # the hostile countries are there, neutralised and quoted
                for hostile_code in HOSTILE:
                    assert _neutralised_quoted(hostile_code) in content, hostile_code
        # the data is kept: each hostile code is found, behind its single quote
        assert {"'" + c for c in HOSTILE} <= seen, level
        assert str(NEGATIVE) in seen or level == "france"  # kpis keep negative balances as numbers


def test_fiche_downloads_have_no_formula(hostile: Path) -> None:
    for territory in (MAYENNE, Territory("region", "52"), FRANCE):
        tables = files.tables(territory, 2024, 25)
        for name, table in tables.items():
            _check(csvfile.to_csv_bytes(table).decode("utf-8"), f"{territory}/{name}")
        # the products table holds every hostile product code and its name (the code itself)
        products = _cells(csvfile.to_csv_bytes(tables["products.csv"]).decode("utf-8"))
        assert {"'" + c for c in HOSTILE} <= set(products)


def test_donnees_csv_has_no_formula_and_keeps_negative_numbers(
    hostile: Path, tmp_path: Path
) -> None:
    path = tmp_path / "donnees.csv"
    queries.write_rows_csv(DataFilter(MAYENNE, 2024, 2024), str(path))
    content = path.read_bytes().decode("utf-8")  # keeps a carriage return in a cell
    cells = _check(content, "donnees")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert len(rows) == len(_rows())
    for column in ("produit", "produit_nom", "cpf4", "cpf4_nom", "pays", "pays_nom"):
        assert {"'" + c for c in HOSTILE} <= {row[column] for row in rows}, column
    assert NEGATIVE in {float(row["valeur_eur"]) for row in rows}
    assert str(NEGATIVE) in cells
    for hostile_code in HOSTILE:
        assert _neutralised_quoted(hostile_code) in content, hostile_code


def test_ordinary_cells_are_written_as_before(use_dataset) -> None:
    """No hostile cell: the CSV is exactly what pandas writes (the dialect is unchanged)."""
    from tests.test_queries import HAND_MADE

    use_dataset(HAND_MADE)
    for name, table in files.tables(MAYENNE, 2024, 5).items():
        assert csvfile.to_csv_bytes(table) == table.to_csv(index=False, lineterminator="\n").encode(
            "utf-8"
        ), name


def test_to_csv_bytes_cases() -> None:
    frame = pd.DataFrame(
        {
            "code": ["=1+1", "-12.5", "-1e-05", "a,b", 'x"y', None, "", "@x", "plain"],
            "value": [-12.5, 1.0, math.nan, 3.0, -0.5, 2.0, 1e20, -1.0, 0.0],
        }
    )
    lines = csvfile.to_csv_bytes(frame).decode("utf-8").split("\n")
    assert lines == [
        "code,value",
        '"\'=1+1",-12.5',
        "-12.5,1.0",
        "-1e-05,",
        '"a,b",3.0',
        '"x""y",-0.5',
        ",2.0",
        ",1e+20",
        '"\'@x",-1.0',
        "plain,0.0",
        "",
    ]


def test_figures_show_codes_as_text(hostile: Path) -> None:
    """A code that looks like a tag reaches Plotly escaped: no link, no markup."""
    tag = '<a href="http://x">Cliquez</a>'
    partners = pd.DataFrame(
        {"country": [tag], "country_name": [tag], "imports_eur": [1.0], "exports_eur": [2.0],
         "balance_eur": [1.0]}
    )  # fmt: skip
    links = pd.DataFrame({"source": [tag], "target": ["DE"], "value_eur": [5.0], "highlight": [1]})
    products = pd.DataFrame(
        {"flow": ["export"], "product": [tag], "product_name": [tag], "value_eur": [5.0],
         "share_pct": [100.0]}
    )  # fmt: skip
    for figure in (
        fiche_figures.partners_figure(partners),
        fiche_figures.sankey_figure(links, "E"),
        fiche_figures.treemap_figure(products),
    ):
        spec = figure.to_json()
        assert "<a " not in spec and "&lt;a href=" in spec


def test_dataframe_toolbar_export_is_off() -> None:
    """st.dataframe's own CSV download writes cells as they are: it is turned off."""
    import tomllib

    settings = tomllib.loads((config.ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["disableDataExport"] is True


# --- The Excel workbooks of the same data: text cells, never a formula ------------------------


def _workbook_cells(path: Path) -> list:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def _check_workbook(path: Path, where: str) -> set[str]:
    """No formula cell (openpyxl's type, and the XML), no text a spreadsheet would evaluate;
    returns the text cells (as Excel reads them: `_xHHHH_` decoded)."""
    import re
    import zipfile

    cells = _workbook_cells(path)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], where
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if "worksheets" in n)
    assert "<f>" not in xml and "<f " not in xml, where
    texts = {
        re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), cell.value)
        for cell in cells
        if isinstance(cell.value, str)
    }
    assert not [text for text in texts if _dangerous(text)], (where, texts)
    return texts


def test_export_workbooks_have_no_formula(hostile: Path, tmp_path: Path) -> None:
    argv = ["--data-dir", str(hostile), "--level", "dept", "--code", "53", "--year", "2024"]
    out = tmp_path / "xlsx"
    assert cli.main([*argv, "--top", "25", "--out", str(out), "--format", "xlsx"]) == 0
    texts = _check_workbook(out / "fiche.xlsx", "fiche.xlsx")
    assert {"'" + c for c in HOSTILE} <= texts  # the data is kept, behind its quote


def test_donnees_workbook_has_no_formula_and_keeps_negative_numbers(hostile: Path) -> None:
    from lib.web import download

    path = download.write_xlsx_file(DataFilter(MAYENNE, 2024, 2024))
    try:
        texts = _check_workbook(path, "donnees.xlsx")
        numbers = {c.value for c in _workbook_cells(path) if isinstance(c.value, int | float)}
    finally:
        path.unlink()
    assert {"'" + c for c in HOSTILE} <= texts
    assert NEGATIVE in numbers  # a customs correction stays a number


def test_open_data_package_csvs_have_no_formula(hostile: Path, tmp_path: Path) -> None:
    import gzip

    from lib.data import datapackage

    written = datapackage.write_package(tmp_path / "paquet")
    seen: set[str] = set()
    for path in written:
        if path.name.endswith(".csv.gz"):
            content = gzip.decompress(path.read_bytes()).decode("utf-8")
        elif path.name.endswith(".csv"):
            content = path.read_bytes().decode("utf-8")
        else:
            continue
        seen |= set(_check(content, path.name))
    assert {"'" + c for c in HOSTILE} <= seen  # the data is kept, behind its quote
    assert str(NEGATIVE) in seen  # a customs correction stays a number
