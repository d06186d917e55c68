"""lib.charts.product_figures: the product read from a clicked treemap box, the bars' rows, the map
and the evolution's partial years (expected values written by hand)."""

from __future__ import annotations

import math

import pandas as pd

from lib.charts import fiche_figures, kit, product_figures
from lib.core import refs
from lib.core.flows import EXPORT, IMPORT


def test_treemap_product_reads_the_box_ids_of_the_fiche() -> None:
    read = product_figures.treemap_product
    assert read("export") is None  # the flow's box
    assert read("import/C2") is None  # an A17 group
    assert read("export/C2/C21Z") == ("export", "C21Z")
    assert read("import/C1/C10A/1011") == ("import", "1011")  # a CPF4 box
    assert read("export/C1/C10A/-") == ("export", "C10A")  # the undetailed rest
    # Every product box the fiche's treemap draws is read back as its product.
    products = pd.DataFrame(
        {"flow": ["export", "import"], "product": ["C21Z", "C10A"],
         "product_name": ["a", "b"], "value_eur": [3.0, 2.0], "share_pct": [100.0, 100.0]}
    )  # fmt: skip
    ids = [node.id for node in fiche_figures.treemap_nodes(products)]
    read_back = {read(node_id) for node_id in ids} - {None}
    assert read_back == {("export", "C21Z"), ("import", "C10A")}


def _by_dept(values: dict[str, float]) -> pd.DataFrame:
    depts = refs.departements()
    frame = pd.DataFrame({"dept": depts["code"], "name": depts["name"]})
    frame["value_eur"] = frame["dept"].map(values).fillna(0.0)
    total = sum(values.values())
    frame["share_pct"] = 100 * frame["value_eur"] / total
    frame["rank"] = (
        frame["value_eur"]
        .where(frame["value_eur"] != 0)
        .rank(ascending=False, method="min")
        .astype("Int64")
    )
    return frame


def test_top_depts_keep_the_largest_positive_values() -> None:
    frame = _by_dept({"53": 5.0, "61": 5.0, "72": 9.0, "44": -1.0})
    top = product_figures.top_depts(frame, top=2)
    assert list(top["dept"]) == ["72", "53"]  # equal values: by code
    fig = product_figures.top_depts_figure(frame, EXPORT)
    assert list(fig.data[0].y) == [0, 1, 2]
    assert list(fig.data[0].text) == ["0,0\u00a0M€"] * 3
    assert fig.data[0].marker.color[0] == EXPORT.color


def test_partners_figure_and_empty_tables() -> None:
    partners = pd.DataFrame(
        {"country": ["US", "DE"], "country_name": ["États-Unis", "Allemagne"],
         "value_eur": [3e6, -1e6], "share_pct": [150.0, -50.0]}
    )  # fmt: skip
    fig = product_figures.partners_figure(partners, IMPORT)
    assert list(fig.data[0].text) == ["3,0\u00a0M€"]
    empty = product_figures.partners_figure(partners.iloc[:0], IMPORT)
    assert empty.layout.annotations[0].text == kit.NO_DATA


def test_the_map_colours_by_value_and_outlines_the_selection() -> None:
    fmap = product_figures.product_choropleth(
        _by_dept({"53": 2e6, "61": 1e6}), EXPORT, "Pharma", selected="53", period="2024"
    )
    html = fmap.get_root().render()
    assert "Exportations : Pharma" in html
    assert "1er sur 101" in html


def test_evolution_draws_partial_years_hollow() -> None:
    evolution = pd.DataFrame(
        {"year": [2024, 2024, 2025, 2025], "flow": ["export", "import"] * 2,
         "france_eur": [2e6, 1e6, 1e6, math.nan]}
    )  # fmt: skip
    labels = {2024: "2024", 2025: "2025 (T1–T2)"}
    fig = product_figures.evolution_figure(evolution, "france_eur", labels, "M€")
    exports = fig.data[0]
    assert exports.name == "Exportations"
    assert list(exports.x) == ["2024", "2025 (T1–T2)"]
    assert list(exports.y) == [2.0, 1.0]
    assert list(exports.marker.color) == [EXPORT.color, "white"]
    assert list(exports.customdata) == ["2,0\u00a0M€", "1,0\u00a0M€"]
