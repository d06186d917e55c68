"""The Comparer's figures on hand-made frames: one value axis for every panel, French ticks,
partial years drawn hollow, the narrow look in one column."""

from __future__ import annotations

import pandas as pd

from lib.charts import comparison_figures
from lib.core.flows import EXPORT, IMPORT

NB = "\u00a0"


def _ranking() -> pd.DataFrame:
    records = [
        ("53", "Mayenne", "export", "DE", "Allemagne", 120e6, 60.0, 1),
        ("53", "Mayenne", "export", "US", "États-Unis", 80e6, 40.0, 2),
        ("61", "Orne", "export", "IT", "Italie", 2_400e6, 100.0, 1),
        ("61", "Orne", "import", "CN", "Chine", 10e6, 100.0, 1),
    ]
    columns = ["territory", "name", "flow", "country", "country_name", "value_eur"]
    return pd.DataFrame(records, columns=[*columns, "share_pct", "rank"])


def test_every_territory_panel_has_the_same_value_axis() -> None:
    fig = comparison_figures.ranking_figure(_ranking(), "country", EXPORT)
    layout = fig.layout
    assert layout.xaxis.range == layout.xaxis2.range
    assert layout.xaxis.range[1] >= 2_400  # the largest bar of all, in M€, fits both panels
    assert layout.xaxis2.matches == "x"
    assert [trace.x for trace in fig.data] == [(120.0, 80.0), (2_400.0,)]
    assert fig.data[1].text == (f"2{NB}400,0{NB}M€",)
    assert all("." not in tick for tick in layout.xaxis.ticktext)  # French: `2 000`, no `2.000`
    # Side by side when wide, one above the other when narrow.
    assert layout.xaxis.domain[1] <= layout.xaxis2.domain[0]
    narrow = comparison_figures.ranking_figure(_ranking(), "country", EXPORT, narrow=True).layout
    assert narrow.xaxis.domain == narrow.xaxis2.domain
    assert narrow.yaxis2.domain[1] < narrow.yaxis.domain[0]


def test_a_flow_without_rows_is_an_empty_figure() -> None:
    table = _ranking()
    fig = comparison_figures.ranking_figure(table[table["flow"] == "export"], "country", IMPORT)
    assert fig.layout.annotations[0].text == "Aucune donnée"


def test_evolution_shares_its_axis_and_marks_partial_years() -> None:
    table = pd.DataFrame(
        {
            "territory": ["53", "53", "61", "61"],
            "name": ["Mayenne", "Mayenne", "Orne", "Orne"],
            "year": [2024, 2025, 2024, 2025],
            "exports_eur": [1e9, 0.5e9, 2e9, 1e9],
            "imports_eur": [3e9, 1e9, 1e9, 0.5e9],
            "balance_eur": [-2e9, -0.5e9, 1e9, 0.5e9],
        }
    )
    labels = {2024: "2024", 2025: "2025 (T1–T2)"}
    fig = comparison_figures.evolution_figure(table, labels)
    assert fig.layout.yaxis.range == fig.layout.yaxis2.range
    assert fig.layout.yaxis.range[1] >= 3_000
    assert fig.layout.xaxis.ticktext == ("2024", "2025 (T1–T2)")
    mayenne = fig.data[0]
    assert mayenne.marker.color == ("#000091", "white")  # the partial year hollow
    assert [trace.showlegend for trace in fig.data] == [True, True, False, False]


def test_key_figures_bars_in_millions() -> None:
    table = pd.DataFrame(
        {"name": ["Mayenne", "Orne"], "exports_eur": [1_773.5e6, 10e6], "imports_eur": [5e6, 0.0]}
    )
    fig = comparison_figures.key_figures_figure(table)
    assert [trace.name for trace in fig.data] == ["Exportations", "Importations"]
    assert fig.data[0].x == (1_773.5, 10.0)
    assert fig.data[0].text[0] == f"1{NB}773,5{NB}M€"
