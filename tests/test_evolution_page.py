"""The Évolution page: its URL parsed, validated and written back (lib.web.urlstate), its figures
(partial years drawn apart, the waterfall from one total to the other), and the page itself
(AppTest on the demonstration dataset): its tables are lib.data.evolution's, its links lead to the
Pays and Produit pages, the fiche links to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.charts import evolution_figures
from lib.core import config, csvfile, refs
from lib.core.states import EvolutionState
from lib.core.territory import FRANCE, Territory
from lib.data import db, evolution
from lib.web import urlstate
from pages.parts.on_demand import RUNS_KEY
from tests.apptables import meur, numbers, open_tables, page_csvs, record_csvs
from tests.test_pages import open_page

MAYENNE = Territory("dept", "53")
YEARS = [2015, 2016, 2017, 2024, 2025]
WHOLE = [2015, 2016, 2017, 2024]


def _parse(**params: str) -> tuple[EvolutionState, list[str]]:
    return urlstate.parse_evolution(params, YEARS, WHOLE)


def test_defaults_and_round_trip() -> None:
    state, notices = _parse(niveau="departement", code="53")
    assert notices == []
    assert state == EvolutionState(MAYENNE, base=2015, start=2024, end=2025, flux="export")
    params = urlstate.params_of(state)
    assert params == {
        "niveau": "departement", "code": "53", "base": "2015", "debut": "2024", "fin": "2025",
        "flux": "export",
    }  # fmt: skip
    assert _parse(**params) == (state, [])
    assert urlstate.evolution_url(state).startswith("/evolution?niveau=departement&code=53")


def test_malformed_parameters_give_a_notice_and_a_default() -> None:
    # A partial year cannot be a base; inverted years are swapped; `tous` is one flow.
    state, notices = _parse(base="2025", debut="2024", fin="2016", flux="tous", x="1")
    assert (state.territory, state.base, state.start, state.end) == (FRANCE, 2015, 2016, 2024)
    assert state.flux == "export"
    assert any("Année de base « 2025 »" in notice for notice in notices)
    assert any("échangées" in notice for notice in notices)
    assert any("« x »" in notice for notice in notices)
    state, notices = _parse(debut="2017", fin="2017", flux="import")
    assert (state.start, state.end, state.flux) == (2016, 2017, "import")
    assert any("l'année précédente" in notice for notice in notices)
    state, notices = _parse(fin="1999", debut="abc")
    assert (state.start, state.end) == (2024, 2025) and len(notices) == 2


def test_empty_dataset_state() -> None:
    state, _ = urlstate.parse_evolution({}, [], [])
    assert (state.base, state.start, state.end) == (0, 0, 0)


# --- Figures, on hand-made frames -------------------------------------------------------------


def _series() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "scope": "territory", "code": "53", "name": "Mayenne", "year": [2023, 2024, 2025],
            "period": ["2023", "2024", "2025 (T1–T2)"], "partial": [False, False, True],
            "exports_eur": [100e6, 120e6, 70e6], "imports_eur": [80e6, 90e6, 40e6],
            "exports_prev_eur": [None, 100e6, 60e6], "imports_prev_eur": [None, 80e6, 50e6],
            "exports_index": [100.0, 120.0, 140.0], "imports_index": [100.0, 112.5, 90.0],
        }
    )  # fmt: skip
    frame["balance_eur"] = frame["exports_eur"] - frame["imports_eur"]
    for key in ("exports", "imports"):
        prev = frame[f"{key}_prev_eur"]
        frame[f"{key}_growth_pct"] = 100 * (frame[f"{key}_eur"] - prev) / prev
    return frame


def test_a_partial_year_is_drawn_apart_from_the_same_quarters_before() -> None:
    fig = evolution_figures.values_figure(_series())
    solid = [t for t in fig.data if t.type == "scatter" and t.line.dash is None]
    dotted = [t for t in fig.data if t.type == "scatter" and t.line.dash == "dot"]
    assert [list(t.x) for t in solid] == [[2023, 2024]] * 2  # whole years only
    # Exports: from 2024's T1–T2 (60 M€) to 2025's (70 M€), open markers.
    assert list(dotted[0].x) == [2024, 2025] and list(dotted[0].y) == [60.0, 70.0]
    assert dotted[0].marker.color == "white"
    assert "contre 60,0\u00a0M€ aux mêmes trimestres de 2024" in dotted[0].customdata[0]
    assert list(fig.layout.xaxis.ticktext) == ["2023", "2024", "2025<br>T1–T2"]
    growth = evolution_figures.growth_figure(_series(), "export")
    assert list(growth.data[0].marker.pattern.shape) == ["", "/"]  # 2024, hatched 2025


def test_the_waterfall_runs_from_one_total_to_the_other() -> None:
    table = pd.DataFrame(
        {
            "code": list("ABCD"), "name": ["A", "B", "C", "D"],
            "start_eur": [50e6, 30e6, 10e6, 10e6], "end_eur": [70e6, 25e6, 12e6, 9e6],
        }
    )  # fmt: skip
    table["change_eur"] = table["end_eur"] - table["start_eur"]
    table["contribution_pct"] = 100 * table["change_eur"] / table["start_eur"].sum()
    rows = evolution_figures.waterfall_rows(table, top=2)
    assert list(rows["code"]) == ["A", "B", "Autres"]
    assert rows["change_eur"].sum() == pytest.approx(table["change_eur"].sum())
    trace = evolution_figures.waterfall_figure(table, "2023", "2024", top=2).data[0]
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert list(trace.x) == pytest.approx([100.0, 20.0, -5.0, 1.0, 116.0])
    assert list(trace.y)[-2] == "Autres (2)"


def _contributions(start_eur: list[float], end_eur: list[float]) -> pd.DataFrame:
    table = pd.DataFrame(
        {"code": list("AB"), "name": ["A", "B"], "start_eur": start_eur, "end_eur": end_eur}
    )
    table["change_eur"] = table["end_eur"] - table["start_eur"]
    table["contribution_pct"] = 100 * table["change_eur"] / table["start_eur"].sum()
    return table


@pytest.mark.parametrize("narrow", [False, True])
def test_the_waterfall_s_axis_starts_at_zero_and_is_shown(narrow: bool) -> None:
    """Issue 20: from 1 393 to 1 459 M€, the axis was cut to the running totals and hidden,
    drawing the first total a quarter of the last. Read from the figure: the value axis starts
    at 0 and shows its ticks, so the drawn lengths of the totals are as 1 393 to 1 459."""
    table = _contributions([1000e6, 393e6], [1040e6, 419e6])
    fig = evolution_figures.waterfall_figure(table, "2023", "2024", narrow=narrow)
    axis = fig.layout.xaxis
    low, high = axis.range
    assert low == 0
    assert axis.visible is not False and axis.showticklabels is not False
    first, last = fig.data[0].x[0], fig.data[0].x[-1]
    assert (first, last) == pytest.approx((1393.0, 1459.0))
    assert high > last  # room for the value written beside the longest bar
    assert (first - low) / (last - low) == pytest.approx(1393 / 1459)


def test_a_falling_waterfall_s_axis_starts_at_zero_too() -> None:
    table = _contributions([1000e6, 393e6], [900e6, 400e6])  # 1 393 → 1 300 M€
    fig = evolution_figures.waterfall_figure(table, "2023", "2024")
    assert fig.layout.xaxis.range[0] == 0
    assert fig.layout.xaxis.range[1] > 1393.0
    empty = evolution_figures.waterfall_figure(table.iloc[0:0], "2023", "2024")
    assert empty.layout.annotations[0].text == "Aucune donnée"


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def demo(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def test_the_page_shows_lib_evolution_s_tables_and_links(demo, monkeypatch) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("evolution", niveau="departement", code="53", base="2016")
    assert at.query_params == {
        "niveau": "departement", "code": "53", "base": "2016", "debut": "2023", "fin": "2024",
        "flux": "export",
    }  # fmt: skip
    countries = evolution.contributions(MAYENNE, "export", 2023, 2024, "country")
    first = countries["code"].iloc[0]  # the largest contribution is named, linked to its page
    link = f"[{refs.country_name(first)}](/pays?code={first}&annee=2024&flux=export)"
    # The first screen: the series; the breakdown of the change one click away.
    assert RUNS_KEY not in at.session_state
    assert not any(refs.country_name(first) in m.value for m in at.markdown)
    at.query_params["section"] = "variation"
    at.run()
    assert dict(at.session_state[RUNS_KEY]) == {"evolution-section-variation": 1}
    # The tables are lib.data.evolution's (their CSVs, byte for byte), each country with its page.
    csvs = page_csvs(at, recorded)
    series = evolution.series(MAYENNE, 2016)
    assert csvs["evolution-index"] == csvfile.to_csv_bytes(series)
    pages = [f"/pays?code={code}&annee=2024&flux=export" for code in countries["code"]]
    assert csvs["evolution-country"] == csvfile.to_csv_bytes(countries.assign(page=pages))
    # The grid shows them, in M€ to one decimal, the pages as links.
    shown = open_tables(at, "evolution-country")["evolution-country"]
    assert list(shown["Code"]) == list(countries["code"])
    assert numbers(shown["Variation (M€)"]) == meur(countries["change_eur"])
    assert shown.loc[shown["Code"] == "DE", "Page"].item() == "/pays?code=DE&annee=2024&flux=export"
    texts = "\n".join(m.value for m in at.markdown)
    assert link in texts
    assert "/produit?code=" in texts and "territoire=53" in texts
    total = evolution.change_total(MAYENNE, "export", 2023, 2024)
    assert abs(countries["change_eur"].sum() - total.change_eur) < 1


def test_the_widgets_write_the_url(demo) -> None:
    at = open_page("evolution", niveau="region", code="52", section="variation,inconnue")
    assert any("Section « inconnue » inconnue" in i.value for i in at.info)
    at.radio(key="evolution-flux").set_value("import").run()
    assert at.query_params["flux"] == "import"
    at.selectbox(key="evolution-start").set_value(2019).run()
    assert at.query_params["debut"] == "2019"
    assert at.query_params["section"] == "variation"  # kept open across the changes
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert "Ce qui a porté la variation des importations entre 2019 et 2024" in headers


def test_the_fiche_links_to_its_evolution(demo) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    links = [link for link in at.get("page_link") if "Évolution" in link.proto.label]
    assert len(links) == 1
    assert "evolution" in links[0].proto.page
