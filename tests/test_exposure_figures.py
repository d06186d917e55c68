"""The Exposition page's figures (lib.charts.exposure_figures) and map (lib.charts.exposure_map),
on small
hand-made frames: which rows are drawn, in which order, with which French texts.

Expected values are written by hand from the fixtures below, never read from the builders.
"""

from __future__ import annotations

import json

import folium
import numpy as np
import pandas as pd
import pytest

from lib.charts import choropleth, exposure_figures, exposure_map
from lib.core import refs
from lib.core.flows import EXPORT
from lib.core.theme import COUNTRY_GREY_BLUE, NEGATIVE_RED

NB = "\u00a0"

# Exports 190 M€ in all: A01Z weighs 0,2 / 190 ≈ 0,1 % (< 0,5 %), so it never ranks by share.
EXPOSURE = pd.DataFrame(
    {
        "product": ["C21Z", "C28A", "C10A", "A01Z", "C11Z"],
        "exports_eur": [50e6, 100e6, 19.8e6, 0.2e6, 20e6],
        "to_partner_eur": [40e6, 30e6, 5e6, 0.2e6, 0.0],
        "share_pct": [80.0, 30.0, 100 * 5 / 19.8, 100.0, 0.0],
    }
)
NAMES = {
    "C21Z": "Industrie pharmaceutique",
    "C28A": "Fabrication de machines d'usage général",
    "C11Z": "Fabrication de boissons",
}


def spec(fig) -> dict:
    return json.loads(fig.to_json())


def only_bar(fig) -> dict:
    (trace,) = spec(fig)["data"]
    assert trace["type"] == "bar" and trace["orientation"] == "h"
    return trace


def test_top_by_value_skips_products_sending_nothing() -> None:
    rows = exposure_figures.top_by_value(EXPOSURE)
    assert list(rows["product"]) == ["C21Z", "C28A", "C10A", "A01Z"]
    assert list(exposure_figures.top_by_value(EXPOSURE, top=2)["product"]) == ["C21Z", "C28A"]


def test_top_by_share_keeps_products_weighing_enough() -> None:
    rows = exposure_figures.top_by_share(EXPOSURE)
    # A01Z (100 % but 0,1 % of the exports) and C11Z (nothing sent) are left out.
    assert list(rows["product"]) == ["C21Z", "C28A", "C10A"]


def test_value_figure_draws_millions_with_french_texts() -> None:
    fig = exposure_figures.exposed_figure(EXPOSURE, "value")
    trace = only_bar(fig)
    assert trace["x"] == pytest.approx([40.0, 30.0, 5.0, 0.2])
    assert trace["text"] == [f"40,0{NB}M€", f"30,0{NB}M€", f"5,0{NB}M€", f"0,2{NB}M€"]
    layout = spec(fig)["layout"]
    assert layout["yaxis"]["ticktext"][:2] == [NAMES["C21Z"], NAMES["C28A"]]
    assert layout["yaxis"]["autorange"] == "reversed"  # the largest on top
    assert layout["xaxis"]["visible"] is False  # no Plotly-formatted number anywhere
    assert trace["marker"]["color"] == [EXPORT.color] * 4
    hover = trace["customdata"][0]
    assert NAMES["C21Z"] in hover
    assert f"Exportations vers le partenaire : 40,0{NB}M€" in hover
    assert f"Exportations totales : 50,0{NB}M€" in hover
    assert f"Part vers le partenaire : 80,0{NB}%" in hover


def test_share_figure_draws_percentages() -> None:
    trace = only_bar(exposure_figures.exposed_figure(EXPOSURE, "share"))
    assert trace["x"] == pytest.approx([80.0, 30.0, 25.2525], abs=1e-3)
    assert trace["text"] == [f"80,0{NB}%", f"30,0{NB}%", f"25,3{NB}%"]


def test_narrow_look_writes_the_names_above_the_bars() -> None:
    fig = exposure_figures.exposed_figure(EXPOSURE, "value", narrow=True)
    layout = spec(fig)["layout"]
    assert layout["yaxis"]["showticklabels"] is False
    names = [note["text"] for note in layout["annotations"]]
    assert names[0] == NAMES["C21Z"]
    # A long name is shortened (full in the hover), to fit a 375 px wide phone.
    long_name = refs.product_name("C10A")
    assert len(long_name) > 46 and names[2].endswith("…") and len(names[2]) <= 46
    assert only_bar(fig)["x"] == only_bar(exposure_figures.exposed_figure(EXPOSURE, "value"))["x"]


def test_names_are_plotly_text() -> None:
    frame = EXPOSURE.assign(product=["<b>X</b>", "C28A", "C10A", "A01Z", "C11Z"])
    layout = spec(exposure_figures.exposed_figure(frame, "value"))["layout"]
    assert layout["yaxis"]["ticktext"][0] == "&lt;b&gt;X&lt;/b&gt;"


def test_empty_tables_give_the_no_data_figure() -> None:
    empty = EXPOSURE.iloc[0:0]
    for fig in (
        exposure_figures.exposed_figure(empty, "value"),
        exposure_figures.exposed_figure(empty, "share"),
    ):
        assert spec(fig)["layout"]["annotations"][0]["text"] == "Aucune donnée"


SHARES = pd.DataFrame(
    {
        "scope": ["territory", "region", "france"],
        "code": ["42", "84", "FR"],
        "name": ["Loire", "Auvergne-Rhône-Alpes", "France entière"],
        "exports_eur": [4000e6, 60000e6, 600000e6],
        "to_partner_eur": [400e6, 4500e6, 48000e6],
        "share_pct": [10.0, 7.5, 8.0],
    }
)


def test_shares_figure_highlights_the_territory() -> None:
    fig = exposure_figures.shares_figure(SHARES)
    trace = only_bar(fig)
    assert trace["x"] == [10.0, 7.5, 8.0]
    assert trace["text"] == [f"10,0{NB}%", f"7,5{NB}%", f"8,0{NB}%"]
    assert trace["marker"]["color"] == [EXPORT.color, COUNTRY_GREY_BLUE, COUNTRY_GREY_BLUE]
    assert spec(fig)["layout"]["xaxis"]["range"][0] == 0  # bars from zero, the axis hidden
    assert spec(fig)["layout"]["yaxis"]["ticktext"] == list(SHARES["name"])
    assert f"Exportations vers le partenaire : 4{NB}500,0{NB}M€" in trace["customdata"][1]


# Changes at ε = 5 (chosen), 2 and 8 for a 10 % tariff, written by hand (factors −0,379,
# −0,174 and −0,533 of the exports to the partner).
SCENARIO = pd.DataFrame(
    {
        "product": ["C21Z", "C28A", "C11Z", "C10A"],
        "to_partner_eur": [40e6, 30e6, 1e6, 5e6],
        "change_eur": [-15.2e6, -11.4e6, 0.0, -1.9e6],
        "change_elasticity_low_eur": [-6.94e6, -5.21e6, 0.0, -0.87e6],
        "change_elasticity_high_eur": [-21.34e6, -16.0e6, 0.0, -2.67e6],
    }
)


def test_scenario_figure_draws_each_product_s_range_largest_losses_first() -> None:
    fig = spec(exposure_figures.scenario_figure(SCENARIO, 5.0))
    dark, light, chosen = fig["data"]
    # No bar for a zero change. Dark: from 0 to the change at ε = 2; light: on to ε = 8.
    assert dark["x"] == pytest.approx([-6.94, -5.21, -0.87])
    assert dark["marker"]["color"] == [NEGATIVE_RED] * 3
    assert light["base"] == pytest.approx([-6.94, -5.21, -0.87])
    assert light["x"] == pytest.approx([-21.34 + 6.94, -16.0 + 5.21, -2.67 + 0.87])
    # Each range rounded to two significant figures of its larger bound.
    assert light["text"] == [f"−7 à −21{NB}M€", f"−5 à −16{NB}M€", f"−0,9 à −2,7{NB}M€"]
    assert chosen["type"] == "scatter" and chosen["x"] == pytest.approx([-15.2, -11.4, -1.9])
    hover = dark["customdata"][0]
    assert f"Variation estimée : −7 à −21{NB}M€ (élasticités 2 à 8)" in hover
    assert f"Avec l'élasticité choisie (5) : −15{NB}M€" in hover
    # The hidden value axis holds 0 and the longest range: lengths compare from zero.
    low, high = fig["layout"]["xaxis"]["range"]
    assert high == 0 and low < -21.34
    assert list(exposure_figures.top_changes(SCENARIO, top=2)["product"]) == ["C21Z", "C28A"]


def test_scenario_without_change_says_no_data() -> None:
    flat = SCENARIO.assign(change_eur=0.0)
    fig = exposure_figures.scenario_figure(flat, 5.0)
    assert spec(fig)["layout"]["annotations"][0]["text"] == "Aucune donnée"


# ----------------------------------------------------------------------------- the map


def by_dept_frame() -> pd.DataFrame:
    """exposure_by_dept's columns; the share grows with the row, one département without
    exports (no share, no rank)."""
    frame = refs.departements()[["code", "name"]].rename(columns={"code": "dept"})
    n = len(frame)
    exports = np.full(n, 100e6)
    to_partner = np.arange(n, dtype=float) * 0.5e6
    frame["exports_eur"] = exports
    frame["to_partner_eur"] = to_partner
    frame["share_pct"] = 100 * to_partner / exports
    frame.loc[frame["dept"] == "48", ["exports_eur", "to_partner_eur", "share_pct"]] = [
        0.0,
        0.0,
        np.nan,
    ]
    ranks = frame["share_pct"].rank(ascending=False, method="min")
    frame["rank_share"] = ranks.astype("Int64")
    frame["rank_value"] = frame["to_partner_eur"].rank(ascending=False, method="min")
    frame["rank_value"] = frame["rank_value"].astype("Int64")
    return frame


def layer(m: folium.Map) -> folium.GeoJson:
    (found,) = [
        c
        for c in m._children.values()
        if isinstance(c, folium.GeoJson) and c.layer_name == "departements"
    ]
    return found


def test_rank_text_is_french() -> None:
    assert exposure_map.rank_text(1, 101) == "1er sur 101"
    assert exposure_map.rank_text(12, 101) == "12e sur 101"
    assert exposure_map.rank_text(float("nan"), 101) == "–"


def test_exposure_map_colours_by_share_and_tells_the_values() -> None:
    frame = by_dept_frame()
    m = exposure_map.exposure_choropleth(frame, "États-Unis", selected="42", period="2024")
    geo = layer(m)
    features = {f["id"]: f for f in geo.data["features"]}
    last = frame["dept"].iloc[-1]  # the largest share: the darkest class of the export ramp
    assert geo.style_function(features[last])["fillColor"].lower() == EXPORT.ramp[1].lower()
    assert geo.style_function(features["48"])["fillColor"] == choropleth.NAN_COLOR
    row = frame.set_index("dept").loc["42"]
    properties = features["42"]["properties"]
    assert properties["exposure_share"] == f"{row['share_pct']:.1f}".replace(".", ",") + f"{NB}%"
    assert (
        properties["exposure_value"]
        == f"{row['to_partner_eur'] / 1e6:.1f}".replace(".", ",") + f"{NB}M€"
    )
    assert properties["exposure_rank"] == f"{int(row['rank_share'])}e sur 101"
    assert features["48"]["properties"]["exposure_rank"] == "–"
    tooltip = next(c for c in geo._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.fields == [
        "label",
        "exposure_share",
        "exposure_rank",
        "exposure_value",
        "exposure_rank_value",
        "exposure_exports",
    ]
    assert tooltip.aliases[:2] == ["Département", "Part vers le partenaire"]
    (legend,) = [c for c in m._children.values() if isinstance(c, choropleth._Legend)]
    assert "Part des exportations vers le partenaire (États-Unis), 2024" in legend.content


def test_the_carte_keeps_its_own_tooltip() -> None:
    """The generalised choropleth draws the Carte exactly as before by default."""
    frame = by_dept_frame().assign(
        exports_eur=1.0,
        imports_eur=1.0,
        balance_eur=0.0,
        coverage_pct=100.0,
        exports_share_national_pct=1.0,
        imports_share_national_pct=1.0,
        exports_change_pct=0.0,
        imports_change_pct=0.0,
    )
    geo = layer(choropleth.choropleth(frame, "exports"))
    tooltip = next(c for c in geo._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.fields == ["label", "exports", "imports", "balance", "coverage"]
    assert set(choropleth.METRICS) <= set(geo.data["features"][0]["properties"])
