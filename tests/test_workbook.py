"""The Excel workbooks (lib/core/workbook.py), read back with openpyxl, an independent reader.

Expectations are written here: French headers as a user reads them, names from the reference
CSVs read with plain pandas, codes with their zeros, numbers as numbers, no formula anywhere
(checked on the cells and in the sheet's XML), the heading lines and the warning.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core import config, workbook
from lib.core.workbook import Heading, Sheet

REF = config.ROOT / "data" / "ref"
HOSTILE = '=HYPERLINK("http://x","Cliquez")'
DAY = dt.date(2026, 12, 5)


def _names(table: str) -> dict[str, str]:
    frame = pd.read_csv(REF / f"{table}.csv", dtype=str, keep_default_na=False)
    return dict(zip(frame["code"], frame["name"], strict=True))


def _heading(demo: bool = False) -> Heading:
    return Heading(
        "Principaux pays partenaires",
        territory="Orne (61)",
        period="2024",
        details="10 premiers",
        dataset_date="2026-12-04T10:00:00+00:00",
        demo=demo,
        downloaded=DAY,
    )


def _book(frame: pd.DataFrame, demo: bool = False) -> tuple[bytes, openpyxl.Workbook]:
    data = workbook.table_bytes(frame, _heading(demo))
    return data, openpyxl.load_workbook(io.BytesIO(data))


def _header_row(sheet) -> int:
    for row in sheet.iter_rows():
        if row[0].font.bold and row[0].fill.fgColor.rgb not in (None, "00000000"):
            return row[0].row
    raise AssertionError("no header row")


def _table(sheet) -> tuple[list[str], list[list]]:
    header = _header_row(sheet)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=header)]
    return rows[0], rows[1:]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


FIXTURE = pd.DataFrame(
    {
        "dept": ["01", "2A", "971"],
        "country": ["DE", "US", "XX"],
        "product": ["C10A", "C21Z", HOSTILE],
        "exports_eur": [1_773_500_000.0, 101.21771992441738, float("nan")],
        "share_pct": [6.6, 0.25, 100.0],
        "rank": [1, 2, 3],
    }
)


def test_french_headers_names_beside_codes_and_codes_as_text() -> None:
    _, book = _book(FIXTURE)
    header, rows = _table(book.active)
    assert header == [
        "Département",
        "Nom du département",
        "Pays",
        "Nom du pays",
        "Produit (A129)",
        "Libellé du produit",
        "Exportations (€)",
        "Part (%)",
        "Rang",
    ]
    depts, countries, products = _names("departements"), _names("countries"), _names("products")
    assert [row[0] for row in rows] == ["01", "2A", "971"]  # zeros kept: text
    assert [row[1] for row in rows] == [depts["01"], depts["2A"], depts["971"]]
    assert [row[3] for row in rows] == [countries["DE"], countries["US"], "XX"]  # unknown: code
    assert [row[5] for row in rows][:2] == [products["C10A"], products["C21Z"]]


def test_numbers_are_numbers_with_a_french_display_format() -> None:
    _, book = _book(FIXTURE)
    sheet = book.active
    header = _header_row(sheet)
    first, second, third = sheet.iter_rows(min_row=header + 1, max_row=header + 3)
    euros, share, rank = first[6], first[7], first[8]
    assert euros.value == 1_773_500_000 and euros.data_type == "n"
    assert euros.number_format == "#,##0"  # grouped thousands: « 1 773 500 000 » in French
    assert share.value == pytest.approx(6.6) and share.number_format == "#,##0.00"
    assert rank.value == 1 and rank.number_format == "0"
    assert second[6].value == pytest.approx(101.21771992441738, rel=1e-15)  # full precision
    assert third[6].value is None  # NaN: an empty cell, not an error
    assert first[0].number_format == "@" and first[0].data_type == "s"


def test_a_hostile_label_arrives_as_text_never_a_formula() -> None:
    data, book = _book(FIXTURE)
    _, rows = _table(book.active)
    assert rows[2][4] == "'" + HOSTILE  # the CSVs' neutralisation: a leading quote
    assert rows[2][5] == "'" + HOSTILE  # its « name » (unknown product: the code) too
    for row in book.active.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    assert "<f>" not in _sheet_xml(data) and "<f " not in _sheet_xml(data)


def test_heading_lines_source_dates_and_the_demo_warning() -> None:
    _, book = _book(FIXTURE, demo=True)
    lines = [row[0].value for row in book.active.iter_rows(max_row=4)]
    assert lines[0] == "Principaux pays partenaires — Orne (61) — 2024 — 10 premiers"
    assert "DGDDI" in lines[1] and "Statistiques régionales et départementales" in lines[1]
    assert lines[2] == "Données du 4 décembre 2026 · téléchargé le 5 décembre 2026"
    assert lines[3].startswith("Données de démonstration synthétiques")
    _, plain = _book(FIXTURE, demo=False)
    texts = [row[0].value or "" for row in plain.active.iter_rows()]
    assert not any("démonstration" in text for text in texts)


def test_header_frozen_filtered_and_columns_sized() -> None:
    _, book = _book(FIXTURE)
    sheet = book.active
    header = _header_row(sheet)
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref == f"A{header}:I{header + 3}"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABDF"}
    assert widths["B"] > widths["A"]  # « Nom du département » wider than its code
    longest_product = max(len(name) for name in _names("products").values())
    assert widths["F"] <= max(longest_product, workbook.MAX_WIDTH) + 2


def test_the_indicator_table_names_each_indicator_and_formats_its_value() -> None:
    kpis = pd.DataFrame(
        {"indicator": ["exports_eur", "coverage_pct"], "value": [1_446_300_000.0, 101.2177]}
    )
    _, book = _book(kpis)
    header, rows = _table(book.active)
    assert header == ["Indicateur", "Libellé", "Valeur"]
    assert [row[1] for row in rows] == ["Exportations (€)", "Taux de couverture (%)"]
    sheet = book.active
    first = _header_row(sheet) + 1
    assert sheet.cell(first, 3).number_format == "#,##0"
    assert sheet.cell(first + 1, 3).number_format == "#,##0.00"


def test_sankey_nodes_are_named_whatever_their_kind() -> None:
    links = pd.DataFrame(
        {
            "source": ["C29B", "AUTRES"],
            "target": ["CN", "AUTRES"],
            "value_eur": [5.0, 3.0],
            "highlight": [1, 0],
        }
    )
    _, book = _book(links)
    header, rows = _table(book.active)
    assert header[:4] == [
        "Origine du flux",
        "Nom de l'origine",
        "Destination du flux",
        "Nom de la destination",
    ]
    assert rows[0][:4] == ["C29B", _names("products")["C29B"], "CN", _names("countries")["CN"]]
    assert rows[1][:4] == ["AUTRES", "Autres", "AUTRES", "Autres"]


def test_several_sheets_with_safe_unique_names() -> None:
    sheets = [
        Sheet("Pays/partenaires: [2024]?", FIXTURE, _heading()),
        Sheet("Pays/partenaires: [2024]?", FIXTURE, _heading()),
        Sheet("x" * 40, FIXTURE, _heading()),
    ]
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(sheets)))
    names = book.sheetnames
    assert len(set(names)) == 3 and all(len(name) <= 31 for name in names)
    assert not any(re.search(r"[\[\]:*?/\\]", name) for name in names)


def test_an_empty_table_keeps_its_headers() -> None:
    _, book = _book(FIXTURE.iloc[0:0])
    header, rows = _table(book.active)
    assert header[0] == "Département" and rows == []


def test_more_rows_than_a_sheet_holds_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 10)
    frame = pd.DataFrame({"year": range(20), "value_eur": [1.0] * 20})
    with pytest.raises(workbook.TooManyRows, match="Excel"):
        workbook.table_bytes(frame, _heading())


# Characters XML 1.0 cannot hold, written in their place as U+FFFD (computed here).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _expected_text(cell: str) -> str:
    cleaned = _ILLEGAL.sub("\ufffd", cell)
    if not cleaned.startswith(("=", "+", "-", "@", "\t", "\r")):
        return cleaned
    try:
        float(cleaned)
    except ValueError:
        return "'" + cleaned
    return cleaned if re.fullmatch(r"[+-]?[0-9.eE+-]+", cleaned) else "'" + cleaned


def _as_excel_reads(cell: str) -> str:
    """A string cell as Excel shows it: OOXML writes `_xHHHH_` for a character (a carriage
    return, or a literal `_x…_` as `_x005F_x…_`), which Excel decodes and openpyxl does not."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match[1], 16)), cell)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.text(max_size=30), min_size=1, max_size=6),
    # Excel holds numbers up to 9.99e307 (beyond: not a number it can store), NaN and ±inf are
    # written as empty cells.
    values=st.lists(
        st.one_of(
            st.floats(min_value=-1e307, max_value=1e307),
            st.sampled_from([float("nan"), float("inf"), -float("inf")]),
        ),
        min_size=6,
        max_size=6,
    ),
)
def test_any_text_stays_text_and_any_number_a_number(names: list[str], values: list[float]):
    frame = pd.DataFrame({"name": names, "value_eur": values[: len(names)]})
    data = workbook.table_bytes(frame, _heading())
    book = openpyxl.load_workbook(io.BytesIO(data))
    _, rows = _table(book.active)
    for (name, value), (read_name, read_value) in zip(
        zip(names, values, strict=False), rows, strict=True
    ):
        assert _as_excel_reads(read_name or "") == _expected_text(name)
        if math.isfinite(value):
            # XlsxWriter writes 16 significant digits (Excel shows 15): exact for whole euros.
            assert read_value == pytest.approx(value, rel=1e-15, abs=1e-300)
        else:
            assert read_value is None
    assert "<f>" not in _sheet_xml(data)
