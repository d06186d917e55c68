"""AppTest of the fiche's « Situer le territoire » section on the demonstration dataset.

Expected ranks come from plain pandas over the dataset's Parquet files, not from
lib.data.indicators.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.core import refs
from lib.data import store
from tests.apptables import open_tables
from tests.html_charts import in_app, is_specialisation
from tests.test_pages import _demo_data, _texts, open_page  # noqa: F401  (autouse fixture)

NB = "\u00a0"


def _exports_by_dept(data_dir: Path, year: int) -> pd.Series:
    manifest = store.read_manifest(data_dir)
    frame = pd.read_parquet(data_dir / manifest.files[year], columns=["dept", "flow", "value_eur"])
    frame = frame[frame["dept"].isin(set(refs.departements()["code"]))]
    return frame[frame["flow"] == "E"].groupby("dept")["value_eur"].sum()


def _places(change: int) -> str:
    if change == 0:
        return "stable"
    sign = "+" if change > 0 else "\u2212"
    return f"{sign}{abs(change)} place{'s' if abs(change) > 1 else ''}"


def test_mayenne_shows_its_ranks(demo_data_dir: Path) -> None:
    now = _exports_by_dept(demo_data_dir, 2024).rank(method="min", ascending=False)
    before = _exports_by_dept(demo_data_dir, 2023).rank(method="min", ascending=False)
    rank, previous = int(now["53"]), int(before["53"])
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="situer")
    assert any("Situer le territoire, Mayenne (2024)" in h.value for h in at.subheader)
    text = _texts(at)
    assert "Rang parmi les 101 départements" in text
    expected = (
        f"{rank}e département exportateur sur 101 (1{NB}773,5{NB}M€), "
        f"{_places(previous - rank)} par rapport à 2023"
    )
    assert expected in text
    for words in ("département importateur", "solde commercial des 101", "taux de couverture"):
        assert words in text
    assert "Indice de Balassa" in text
    assert "| Produits exportés |" in text


def _strongest_specialisations(data_dir: Path, dept: str, year: int) -> pd.Series:
    """The five highest Balassa indices of `dept` among its products of at least 0.5 % of its
    exports, by plain pandas over the year's Parquet (France: every row of the year)."""
    manifest = store.read_manifest(data_dir)
    frame = pd.read_parquet(
        data_dir / manifest.files[year], columns=["dept", "flow", "product", "value_eur"]
    )
    exports = frame[frame["flow"] == "E"]
    france = exports.groupby("product")["value_eur"].sum()
    own = exports[exports["dept"] == dept].groupby("product")["value_eur"].sum()
    shares = own / own.sum()
    rca = (shares / (france / france.sum())).dropna()
    return rca[shares[rca.index] >= 0.005].sort_values(ascending=False).head(5)


def test_mayenne_shows_its_specialisations(demo_data_dir: Path) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="situer")
    # No window width in AppTest: both looks are sent, the CSS shows the one that fits.
    wide, narrow = [chart for chart in in_app(at) if is_specialisation(chart)]
    assert "cb-wide" in wide.classes and "cb-narrow" in narrow.classes
    assert [row.values for row in narrow.rows] == [row.values for row in wide.rows]
    chart = wide
    expected = _strongest_specialisations(demo_data_dir, "53", 2024)
    assert len(expected) == 5
    assert [row.name.replace("\n", " ") for row in chart.rows] == [
        refs.product_name(code) for code in expected.index
    ]
    assert [row.values for row in chart.rows] == [
        [f"{value:.1f}".replace(".", ",")] for value in expected
    ]
    widths = [row.widths[0] for row in chart.rows]
    assert widths == sorted(widths, reverse=True) and widths[0] == pytest.approx(
        100 / 1.18, abs=1e-3
    )
    grids = open_tables(at, "situation-balassa", "situation-ranks")
    assert "Indice de Balassa" in grids["situation-balassa"].columns
    ranks = grids["situation-ranks"]
    assert "Rang l'année précédente" in ranks.columns
    assert list(ranks["Indicateur"]) == [
        "Exportations (M€)", "Importations (M€)", "Solde (M€)", "Taux de couverture (%)",
    ]  # fmt: skip


def test_france_has_no_rank_sentence() -> None:
    at = open_page("fiche", niveau="france", annee="2024", section="situer")
    assert any("Situer le territoire" in h.value for h in at.subheader)
    text = _texts(at)
    assert "Rang parmi" not in text
    assert "département exportateur" not in text
    assert "sans objet pour la France entière" in text
    assert "| Pays clients |" in text


@pytest.mark.parametrize("code", ["52"])
def test_region_ranks_among_the_regions(code: str) -> None:
    at = open_page("fiche", niveau="region", code=code, annee="2024", section="situer")
    text = _texts(at)
    assert "Rang parmi les 18 régions" in text
    assert "région exportatrice sur 18" in text


def test_partial_year_compares_the_same_quarters(use_dataset) -> None:
    from tests.test_quarters import ROWS

    # 2025 T1–T2: exports 53 130 + 260 = 390, 61 20 + 40 = 60; 2024 T1–T2: 53 450, 61 210.
    use_dataset(ROWS)
    at = open_page("fiche", niveau="departement", code="53", annee="2025", section="situer")
    assert (
        f"1er département exportateur sur 2 (0,0{NB}M€), stable par rapport à 2024 (T1–T2)"
        in _texts(at)
    )
