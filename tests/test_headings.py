"""What a download's file name says, in words (lib/web/headings.py): periods, details, titles."""

from __future__ import annotations

import pytest

from lib.core import filenames
from lib.core.territory import Territory
from lib.web import headings


@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("2024", "2024"),
        ("2025-T1-T2", "2025 (T1–T2)"),
        ("2025-T3", "2025 (T3)"),
        ("2020-2024", "2020–2024"),
        ("2024-2024", "2024"),
        ("2024T2-2025T4", "T2 2024 – T4 2025"),
        ("2020-2025-T1-T2", "2020–2025 (T1–T2)"),
    ],
)
def test_period_labels(slug: str, label: str) -> None:
    assert headings.period_label(slug) == label


@pytest.mark.parametrize(
    ("detail", "label"),
    [
        ("top10", "10 premiers"),
        ("base2015", "base 100 en 2015"),
        ("taux25", "droit additionnel de 25 %"),
        ("elasticite1.5", "élasticité 1,5"),
        ("export", "exportations"),
        ("tous", "exportations et importations"),
        ("US", "États-Unis (US)"),
        ("C21Z", "Industrie pharmaceutique (C21Z)"),
        ("<script>", "<script>"),  # unknown: as it is (a workbook cell is text, never markup)
    ],
)
def test_detail_labels(detail: str, label: str) -> None:
    assert headings.detail_label(detail) == label


def test_titles_by_name_or_longest_prefix() -> None:
    from lib.web import registry

    partners = registry.TABLES["partners"].title
    assert headings.table_title("pays") == headings.table_title("partners") == partners
    assert headings.table_title("pays_departements") == "Échanges avec le pays, par département"
    assert headings.table_title("carte_exports_eur") == registry.TABLES["carte"].title
    assert headings.table_title("comparaison_pays_dept_53-61") == (
        "Comparaison : principaux pays partenaires"
    )
    assert headings.table_title("pays_monde_export") == registry.TABLES["pays_monde"].title
    assert headings.table_title("donnees") == "Données détaillées"
    assert headings.table_title("quelque_chose") == "Quelque chose"


def test_every_registered_table_has_one_title_whatever_its_name() -> None:
    from lib.web import registry

    for table in registry.TABLES.values():
        assert headings.table_title(table.name) == table.title
        if table.download:
            assert headings.table_title(table.download) == table.title


def test_a_heading_from_a_file_name(use_dataset) -> None:
    from tests.test_quarters import ROWS

    use_dataset(ROWS)
    name = filenames.csv_name("pays", Territory("dept", "53"), "2025-T1-T2", "top10")
    heading = headings.heading(name)
    assert heading.lines()[0] == (
        "Principaux pays à l'import et à l'export — Mayenne (53) — 2025 (T1–T2) — 10 premiers"
    )
    assert heading.dataset_date and not heading.demo
    compared = filenames.csv_name("comparaison_pays_dept_53-61", None, "2024", scope="A, B")
    assert headings.heading(compared).territory == "A, B"
    assert headings.heading("plain.csv").title == "plain"
