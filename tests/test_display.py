"""lib/core/display.py: a machine table as the « Voir les données » grids show it.

Expected cells are written by hand from the fixture's values (1 446 300 000 € is « 1 446,3 »
M€); the registry test reads every table the API serves (the pages' tables) on the demo data.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from lib.core import display
from lib.web import api, registry

NBSP = "\u00a0"  # lib.core.formatting's thousands separator


def plain(text: str) -> str:
    """A cell with its padding and thousands separators as plain spaces, stripped."""
    return text.replace(NBSP, " ").replace("\u2007", " ").replace("\u202f", " ").strip()


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dept": ["61", "14", None],
            "exports_eur": [1_446_300_000.0, 12_340_000.0, None],
            "share_pct": [6.55, 0.31, None],
            "year": [2024, 2023, 2022],
            "flow": ["export", "import", "export"],
            "partial": [True, False, None],
        }
    )


def test_french_headers_with_units_and_names_beside_codes(table: pd.DataFrame) -> None:
    shown = display.display_frame(table)
    assert list(shown.frame.columns) == [
        "Département",
        "Nom du département",
        "Exportations (M€)",
        "Part (%)",
        "Année",
        "Flux",
        "Année incomplète",
    ]
    assert list(shown.frame["Nom du département"]) == ["Orne", "Calvados", ""]
    assert shown.headers["exports_eur"] == "Exportations (M€)"
    assert set(shown.numbers) == {"Exportations (M€)", "Part (%)", "Année"}


def test_numbers_in_french_empty_cells_empty_flags_in_words(table: pd.DataFrame) -> None:
    frame = display.display_frame(table).frame
    assert [plain(v) for v in frame["Exportations (M€)"]] == ["1 446,3", "12,3", ""]
    # One value under 1 % gives the column two decimals (0,31 % says more than 0,3 %).
    assert [plain(v) for v in frame["Part (%)"]] == ["6,55", "0,31", ""]
    assert list(frame["Année"]) == ["2024", "2023", "2022"]  # no thousands separator
    assert list(frame["Flux"]) == ["Exportations", "Importations", "Exportations"]
    assert list(frame["Année incomplète"]) == ["oui", "non", ""]


def test_a_column_is_padded_to_align_and_sorts_by_value_as_text(table: pd.DataFrame) -> None:
    cells = list(display.display_frame(table).frame["Exportations (M€)"])
    assert len(cells[0]) == len(cells[1])  # right-aligned digits line up
    assert sorted(cells[:2]) == [cells[1], cells[0]]  # 12,3 before 1 446,3


def test_the_table_given_is_left_as_it_was(table: pd.DataFrame) -> None:
    before = table.copy()
    display.display_frame(table)
    pd.testing.assert_frame_equal(table, before)


def test_a_redundant_flag_is_left_out() -> None:
    # « 2025 (T1–T2) » says already that the year is incomplete.
    table = pd.DataFrame({"period": ["2025 (T1–T2)"], "partial": [True]})
    assert list(display.display_frame(table).frame.columns) == ["Période"]


def test_an_indicator_is_shown_by_its_title_and_its_value_in_its_unit() -> None:
    table = pd.DataFrame(
        {"indicator": ["exports_eur", "coverage_pct"], "value": [2_500_000_000.0, 87.25]}
    )
    frame = display.display_frame(table).frame
    assert "indicator" not in frame.columns
    first = frame.columns[0]
    assert list(frame[first]) == ["Exportations (M€)", "Taux de couverture (%)"]
    values = [plain(v) for v in frame[frame.columns[1]]]
    assert values == ["2 500,0", "87,3"]  # M€ for the euros, the percentage as it is


def test_sankey_nodes_are_named_and_the_rest_is_autres() -> None:
    assert display.node_name("FR") == "France"
    assert display.node_name(display.OTHERS) == "Autres"
    assert display.name_of("country", None) == ""
    assert display.name_of("country", float("nan")) == ""


def test_an_unknown_numeric_column_is_still_french_text() -> None:
    frame = display.display_frame(pd.DataFrame({"mystery": [1234.5, None]})).frame
    assert [plain(v) for v in frame["mystery"]] == ["1 234,5", ""]


def test_two_columns_with_one_title_get_distinct_headers() -> None:
    table = pd.DataFrame({"year": [2024], "annee": [2023]})  # « annee » is « Année » too
    assert list(display.display_frame(table).frame.columns) == ["Année", "Année (2)"]


def test_an_empty_table_keeps_its_headers() -> None:
    table = pd.DataFrame({"dept": pd.Series([], dtype=object), "exports_eur": []})
    frame = display.display_frame(table).frame
    assert frame.empty and "Exportations (M€)" in frame.columns


# --- every table a page shows ------------------------------------------------------------------

RAW = {"None", "nan", "NaN", "<NA>", "NaT", "True", "False"}


def _example_frame(name: str) -> pd.DataFrame:
    table = registry.TABLES[name]
    params = {key: [value] for key, value in registry.example(table.page).items()}
    return api._build(table, api._validated(table, params))


@pytest.mark.parametrize("name", sorted(registry.TABLES))
def test_every_page_table_reads_in_french(demo: Path, name: str) -> None:
    machine = _example_frame(name)
    shown = display.display_frame(machine)
    assert len(shown.frame) == len(machine)
    for header in shown.frame.columns:
        assert "_" not in header, (name, header)  # a French title, not a machine name
        cells = set(map(str, shown.frame[header]))
        assert not cells & RAW, (name, header, cells & RAW)
    for column in machine.columns:  # no raw boolean column
        if pd.api.types.is_bool_dtype(machine[column]):
            header = shown.headers.get(column)
            assert header is None or set(shown.frame[header]) <= {"oui", "non", ""}
    for header in shown.numbers:  # every number parses back as a French decimal
        for cell in shown.frame[header]:
            text = plain(cell).replace(" ", "").replace(",", ".").replace("\u2212", "-")
            assert text == "" or not math.isnan(float(text)), (name, header, cell)
