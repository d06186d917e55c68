"""The names of the downloaded CSV files: one pattern, safe characters only."""

from __future__ import annotations

import re

import pytest

from lib.core import filenames, periods
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.web.download import file_name


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("pays", Territory("dept", "53"), "2024", "top10"), "pays_dept_53_2024_top10.csv"),
        (("pays", Territory("dept", "2A"), "2025-T1-T2", "top7"),
         "pays_dept_2A_2025-T1-T2_top7.csv"),
        (("chiffres_cles", FRANCE, "2024", "top10"), "chiffres_cles_france_FR_2024_top10.csv"),
        (("carte_exports_change", None, "2024"), "carte_exports_change_2024.csv"),
        (("donnees", Territory("region", "28"), "2024T2-2025T4", "tous"),
         "donnees_region_28_2024T2-2025T4_tous.csv"),
    ],
)  # fmt: skip
def test_parts_in_order(args: tuple, expected: str) -> None:
    assert filenames.csv_name(*args) == expected


def test_unsafe_characters_become_dashes() -> None:
    name = filenames.csv_name('a/../b "c";\r\nd', Territory("dept", "é"), "2025 (T1–T2)")
    assert name == "a-b-c-d_dept_-_2025-T1-T2-.csv"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", name)


@pytest.mark.parametrize(
    ("quarters", "expected"),
    [((1, 2, 3, 4), "2025"), ((1, 2), "2025-T1-T2"), ((3,), "2025-T3"), ((1, 3), "2025-T1-T3")],
)
def test_year_in_a_file_name(quarters: tuple[int, ...], expected: str) -> None:
    assert periods.year_slug(2025, quarters) == expected


def test_donnees_file_name_names_its_quarters_only_when_partial() -> None:
    whole = DataFilter(Territory("dept", "53"), 2020, 2024, "export")
    assert file_name(whole) == "donnees_dept_53_2020-2024_export.csv"
    partial = DataFilter(FRANCE, 2024, 2025, first_quarter=2, last_quarter=1)
    assert file_name(partial) == "donnees_france_FR_2024T2-2025T1_tous.csv"
