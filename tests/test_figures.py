"""The Plotly figures of lib.charts.fiche_figures, checked on their JSON from small hand-made
query frames.

Bar positions are in millions of euros (M€); treemap and Sankey values stay in euros.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.charts import fiche_figures, kit
from lib.charts.kit import NO_DATA
from lib.core import config, refs, theme
from lib.core.territory import Territory
from lib.core.theme import HIGHLIGHT_LINK, NEGATIVE_RED, POSITIVE_GREEN, TEXT_GREY
from lib.data import db, queries

NB = "\u00a0"  # no-break space of lib.core.formatting
M = 1e6


def partners_frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """queries.partners columns from (country, name, imports €, exports €)."""
    frame = pd.DataFrame(rows, columns=["country", "country_name", "imports_eur", "exports_eur"])
    frame["balance_eur"] = frame["exports_eur"] - frame["imports_eur"]
    return frame


PARTNERS = partners_frame(
    [
        ("DE", "Allemagne", 304.2 * M, 141.1 * M),
        ("ES", "Espagne", 140.5 * M, 230.6 * M),
        ("CN", "Chine", 224.6 * M, 0.0),
        ("CH", "Suisse", 20.0 * M, 20.0 * M),
    ]
)


def products_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """queries.products columns from (flow, product, value €); shares of each flow's total."""
    frame = pd.DataFrame(rows, columns=["flow", "product", "value_eur"])
    frame["share_pct"] = (
        100 * frame["value_eur"] / frame.groupby("flow")["value_eur"].transform("sum")
    )
    frame.insert(2, "product_name", frame["product"].map(refs.product_name))
    return frame


PRODUCTS = products_frame(
    [
        ("export", "C21Z", 600 * M),  # A17 C5
        ("export", "C10A", 300 * M),  # A17 C1
        ("export", "C20A", 100 * M),  # A17 C5
        ("import", "C26A", 500 * M),  # A17 C3
        ("import", "C29A", 250 * M),  # A17 C4
        ("import", "ZZ99", 50 * M),  # unknown: « Autres produits »
    ]
)


def links_frame(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "target", "value_eur", "highlight"])


# Exports: products → countries, AUTRES on both sides, the product AUTRES bigger than C10A.
EXPORT_LINKS = links_frame(
    [
        ("C21Z", "DE", 100 * M, 1),
        ("AUTRES", "DE", 60 * M, 0),
        ("C21Z", "US", 50 * M, 1),
        ("C10A", "DE", 40 * M, 1),
        ("C10A", "AUTRES", 30 * M, 0),
        ("AUTRES", "AUTRES", 20 * M, 0),
        ("C10A", "US", 5 * M, 1),
    ]
)


def annotations_text(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def assert_no_data(fig) -> None:
    assert annotations_text(fig) == [NO_DATA]
    assert len(fig.data) == 0


# ----------------------------------------------------------------------------- partners


def test_partner_bars_are_minus_imports_and_plus_exports_in_millions_largest_first():
    shuffled = PARTNERS.iloc[[2, 0, 3, 1]]
    fig = fiche_figures.partners_figure(shuffled, "Titre")
    imports, exports, _ = fig.data
    assert (imports.name, exports.name) == ("Importations", "Exportations")
    assert list(imports.x) == pytest.approx([-304.2, -140.5, -224.6, -20.0])
    assert list(exports.x) == pytest.approx([141.1, 230.6, 0.0, 20.0])
    assert list(imports.y) == list(exports.y) == [0, 1, 2, 3]
    assert list(fig.layout.yaxis.ticktext) == ["Allemagne", "Espagne", "Chine", "Suisse"]
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 (the largest) on top
    assert imports.marker.color == theme.IMPORT_BLUE
    assert exports.marker.color == theme.EXPORT_VIOLET


def test_partner_balances_are_signed_and_coloured_at_the_right():
    fig = fiche_figures.partners_figure(PARTNERS)
    (header,) = fig.layout.annotations
    assert header.text == "<b>Solde</b>"
    assert (header.xref, header.x, header.xanchor) == ("paper", 1, "left")
    *_, balances = fig.data
    assert balances.type == "scatter" and balances.mode == "text"
    assert list(balances.text) == [
        f"−163,1{NB}M€",
        f"+90,1{NB}M€",
        f"−224,6{NB}M€",
        f"0,0{NB}M€",
    ]
    colours = [NEGATIVE_RED, POSITIVE_GREEN, NEGATIVE_RED, TEXT_GREY]
    assert list(balances.textfont.color) == colours
    assert list(balances.y) == [0, 1, 2, 3]  # each on its bar's row
    # At the right end of an axis spanning the plot area, drawn past it, left-aligned.
    assert set(balances.x) == {1} and balances.xaxis == "x2"
    assert balances.textposition == "middle right" and balances.cliponaxis is False
    axis = fig.layout.xaxis2
    assert (axis.overlaying, tuple(axis.range), axis.visible) == ("x", (0, 1), False)
    assert balances.hoverinfo == "skip" and balances.showlegend is False


def test_partner_axis_is_symmetric_with_positive_french_ticks():
    fig = fiche_figures.partners_figure(PARTNERS)
    low, high = fig.layout.xaxis.range
    assert low == -high and high >= 304.2
    values, texts = list(fig.layout.xaxis.tickvals), list(fig.layout.xaxis.ticktext)
    assert values == [-v for v in reversed(values)]
    assert 0 in values
    assert all(not t.startswith(("−", "-")) for t in texts)
    assert texts[values.index(-100)] == texts[values.index(100)] == "100"


def test_partner_hover_and_texts_are_preformatted_french():
    fig = fiche_figures.partners_figure(PARTNERS)
    imports, exports, _ = fig.data
    assert list(imports.customdata[0]) == [
        "Allemagne",
        f"304,2{NB}M€",
        f"141,1{NB}M€",
        f"−163,1{NB}M€",
    ]
    assert "%{x" not in imports.hovertemplate and "Solde" in imports.hovertemplate
    assert list(exports.text) == [f"141,1{NB}M€", f"230,6{NB}M€", "", f"20,0{NB}M€"]
    assert fig.layout.separators == ", "
    assert fig.layout.font.family.startswith("Marianne")


def test_partner_small_values_get_decimal_ticks():
    fig = fiche_figures.partners_figure(partners_frame([("DE", "Allemagne", 0.3 * M, 0.1 * M)]))
    assert fig.layout.xaxis.ticktext[-1] in {"0,1", "0,2", "0,3", "0,4"}
    assert list(fig.data[-1].text) == [f"−0,2{NB}M€"]


def test_partners_narrow_look_keeps_the_bars_and_leaves_room_for_the_values():
    """On a phone: values without their unit (named once in the header and the axis), three
    horizontal ticks, long names shortened on the axis only, the hover unchanged."""
    frame = partners_frame(
        [
            ("AE", "Émirats arabes unis", 304.2 * M, 141.1 * M),
            ("ES", "Espagne", 140.5 * M, 230.6 * M),
            ("CN", "Chine", 224.6 * M, 0.0),
        ]
    )
    wide, narrow = (
        fiche_figures.partners_figure(frame),
        fiche_figures.partners_figure(frame, narrow=True),
    )
    for wide_bar, narrow_bar in zip(wide.data[:2], narrow.data[:2], strict=True):
        assert list(narrow_bar.x) == list(wide_bar.x)
        assert narrow_bar.customdata == wide_bar.customdata
    assert narrow.data[0].customdata[0][0] == "Émirats arabes unis"
    assert list(narrow.data[0].text) == ["304,2", "140,5", "224,6"]
    (header,) = narrow.layout.annotations
    assert header.text == "<b>Solde (M€)</b>"
    assert list(narrow.data[-1].text) == ["−163,1", "+90,1", "−224,6"]
    assert list(narrow.layout.yaxis.ticktext) == ["Émirats arab…", "Espagne", "Chine"]
    assert wide.layout.yaxis.ticktext[0] == "Émirats arabes unis"
    assert narrow.layout.xaxis.title.text == "millions d'euros"
    assert len(narrow.layout.xaxis.tickvals) == 3
    assert narrow.layout.xaxis.tickangle == wide.layout.xaxis.tickangle == 0
    # The largest bar leaves more of the half axis to its value than in the wide look.
    assert narrow.layout.xaxis.range[1] > wide.layout.xaxis.range[1]


def test_partners_empty_frame_says_no_data():
    assert_no_data(fiche_figures.partners_figure(PARTNERS.iloc[0:0], "Titre"))


# Equal totals (15 M€ each but Italie's 20): kept in the frame's order.
EQUAL_TOTALS = partners_frame(
    [
        ("ES", "Espagne", 10 * M, 5 * M),
        ("DE", "Allemagne", 5 * M, 10 * M),
        ("IT", "Italie", 20 * M, 0.0),
        ("BE", "Belgique", 0.0, 15 * M),
    ]
)


def test_partners_of_equal_total_keep_the_frame_order():
    fig = fiche_figures.partners_figure(EQUAL_TOTALS)
    assert list(fig.layout.yaxis.ticktext) == ["Italie", "Espagne", "Allemagne", "Belgique"]


# ----------------------------------------------------------------------------- treemap


def treemap_trace(fig):
    (trace,) = fig.data
    return trace


def test_treemap_leaves_are_the_input_and_parents_the_sums():
    trace = treemap_trace(fiche_figures.treemap_figure(PRODUCTS))
    ids, parents, values = list(trace.ids), list(trace.parents), list(trace.values)
    assert len(set(ids)) == len(ids)
    assert trace.branchvalues == "total"
    value_of = dict(zip(ids, values, strict=True))
    children: dict[str, list[str]] = {}
    for node, parent in zip(ids, parents, strict=True):
        children.setdefault(parent, []).append(node)
    for node, kids in children.items():
        if node:
            assert value_of[node] == pytest.approx(math.fsum(value_of[k] for k in kids), rel=1e-12)
    leaves = {node.rsplit("/", 1)[-1]: value_of[node] for node in ids if node not in children}
    assert leaves == dict(zip(PRODUCTS["product"], PRODUCTS["value_eur"], strict=True))
    assert children[""] == ["import", "export"]
    assert value_of["export"] == 1000 * M and value_of["import"] == 800 * M


def test_treemap_groups_by_a17_with_unknown_products_in_autres_produits():
    trace = treemap_trace(fiche_figures.treemap_figure(PRODUCTS))
    label_of = dict(zip(trace.ids, trace.labels, strict=True))
    parent_of = dict(zip(trace.ids, trace.parents, strict=True))
    assert label_of["import"] == "Importations" and label_of["export"] == "Exportations"
    assert parent_of["export/C5/C21Z"] == parent_of["export/C5/C20A"] == "export/C5"
    assert parent_of["export/C5"] == "export"
    assert label_of["import/AUTRES"] == "Autres produits"
    assert parent_of["import/AUTRES/ZZ99"] == "import/AUTRES"
    assert label_of["export/C5/C21Z"] == "Industrie pharmaceutique"
    a17 = refs.products().set_index("a17_code")["a17_name"].to_dict()
    assert label_of["export/C5"] == a17["C5"]


def test_treemap_hover_shows_millions_and_share_of_the_flow():
    trace = treemap_trace(fiche_figures.treemap_figure(PRODUCTS))
    custom = dict(zip(trace.ids, (list(c) for c in trace.customdata), strict=True))
    assert custom["export/C5/C21Z"] == [f"600,0{NB}M€", f"60,0{NB}% des exportations"]
    assert custom["export/C5"] == [f"700,0{NB}M€", f"70,0{NB}% des exportations"]
    assert custom["import"] == [f"800,0{NB}M€", f"100,0{NB}% des importations"]
    assert "%{value" not in trace.hovertemplate


def test_treemap_colours_blue_for_imports_violet_for_exports():
    trace = treemap_trace(fiche_figures.treemap_figure(PRODUCTS))
    color_of = dict(zip(trace.ids, trace.marker.colors, strict=True))
    assert color_of["import"] == theme.IMPORT_BLUE
    assert color_of["export"] == theme.EXPORT_VIOLET


@pytest.mark.parametrize("flows", ["export", "E", ["export"]])
def test_treemap_can_show_one_flow(flows):
    trace = treemap_trace(fiche_figures.treemap_figure(PRODUCTS, flows=flows))
    assert all(node.startswith("export") for node in trace.ids)


def test_treemap_leaves_out_non_positive_values_and_says_no_data_when_nothing_is_left():
    with_correction = pd.concat(
        [PRODUCTS, products_frame([("export", "C29A", -5 * M)])], ignore_index=True
    )
    trace = treemap_trace(fiche_figures.treemap_figure(with_correction))
    assert "export/C4/C29A" not in trace.ids
    assert_no_data(fiche_figures.treemap_figure(PRODUCTS.iloc[0:0]))
    only_imports = PRODUCTS[PRODUCTS["flow"] == "import"]
    assert_no_data(fiche_figures.treemap_figure(only_imports, flows="export"))


def test_treemap_groups_of_equal_value_by_a17_code_and_their_products_in_frame_order():
    frame = products_frame(
        [
            ("export", "C21Z", 100 * M),  # A17 C5
            ("export", "C10A", 300 * M),  # A17 C1
            ("export", "C20A", 200 * M),  # A17 C5
        ]
    )
    trace = treemap_trace(fiche_figures.treemap_figure(frame))
    assert list(trace.ids) == [
        "export",
        "export/C1",
        "export/C1/C10A",
        "export/C5",
        "export/C5/C21Z",
        "export/C5/C20A",
    ]


def test_unknown_flow_is_refused():
    with pytest.raises(ValueError):
        fiche_figures.treemap_figure(PRODUCTS, flows="both")
    with pytest.raises(ValueError):
        fiche_figures.sankey_figure(EXPORT_LINKS, "X")


# ----------------------------------------------------------------------------- sankey


def sankey_trace(fig):
    (trace,) = fig.data
    return trace


def reading(label: str, look: str) -> str:
    """A node label as the page's CSS shows it in `look` ("wide" or "narrow"): the other look's
    spans hidden, the tags gone."""
    other = {"wide": "narrow", "narrow": "wide"}[look]
    label = re.sub(rf'<span style="--look:{other}">[^<]*</span>', "", label)
    return re.sub(r"</?span[^>]*>", "", label)


def test_sankey_nodes_by_value_with_two_distinct_autres_last():
    names = fiche_figures.sankey_nodes(EXPORT_LINKS, "E")
    assert names == [
        "Industrie pharmaceutique",
        refs.product_name("C10A"),
        "Autres",
        "Allemagne",
        "États-Unis",
        "Autres",
    ]
    trace = sankey_trace(fiche_figures.sankey_figure(EXPORT_LINKS, "E"))
    assert len(trace.node.label) == 6
    labels = [reading(label, "wide") for label in trace.node.label]
    assert labels[0] == f"Industrie pharmaceutique (150,0{NB}M€)"
    assert labels[2] == f"Autres (80,0{NB}M€)"
    assert labels[5] == f"Autres (50,0{NB}M€)"
    assert trace.arrangement == "snap"


# EXPORT_LINKS' rows, in the frame's order, as (source node, target node) of the figure.
EXPORT_PAIRS = [(0, 3), (2, 3), (0, 4), (1, 3), (1, 5), (2, 5), (1, 4)]


def test_sankey_links_keep_values_and_join_the_right_sides():
    trace = sankey_trace(fiche_figures.sankey_figure(EXPORT_LINKS, "E"))
    drawn = list(zip(trace.link.source, trace.link.target, trace.link.value, strict=True))
    given = [(*pair, v) for pair, v in zip(EXPORT_PAIRS, EXPORT_LINKS["value_eur"], strict=True)]
    assert sorted(drawn) == sorted(given)
    assert trace.link.customdata[0] == f"Industrie pharmaceutique → Allemagne : 100,0{NB}M€"


def test_sankey_links_and_nodes_are_drawn_in_the_order_given():
    """From the top of the left column down, each node's links by the node at their other end
    (nodes top down by index: their y grows with it); plotly.js keeps that order."""
    trace = sankey_trace(fiche_figures.sankey_figure(EXPORT_LINKS, "E"))
    pairs = list(zip(trace.link.source, trace.link.target, strict=True))
    assert pairs == [(0, 3), (0, 4), (1, 3), (1, 4), (1, 5), (2, 3), (2, 5)]
    assert trace.link.sort == trace.node.sort == "input"
    sources, targets = trace.node.y[:3], trace.node.y[3:]
    assert list(sources) == sorted(sources) and list(targets) == sorted(targets)


def test_sankey_exactly_the_highlighted_links_are_red():
    trace = sankey_trace(fiche_figures.sankey_figure(EXPORT_LINKS, "E"))
    red = {
        pair: color == HIGHLIGHT_LINK
        for pair, color in zip(
            zip(trace.link.source, trace.link.target, strict=True), trace.link.color, strict=True
        )
    }
    assert red == {
        pair: h == 1 for pair, h in zip(EXPORT_PAIRS, EXPORT_LINKS["highlight"], strict=True)
    }
    assert all(color.startswith("rgba(") for color in trace.link.color)


def test_sankey_import_runs_from_countries_to_products():
    links = links_frame(
        [("CN", "C26A", 80 * M, 1), ("DE", "C21Z", 25 * M, 1), ("AUTRES", "C26A", 5 * M, 0)]
    )
    assert fiche_figures.sankey_nodes(links, "I") == [
        "Chine",
        "Allemagne",
        "Autres",
        refs.product_name("C26A"),
        "Industrie pharmaceutique",
    ]
    trace = sankey_trace(fiche_figures.sankey_figure(links, "import"))
    colors = list(trace.node.color)
    assert colors[:2] == [theme.COUNTRY_GREY_BLUE] * 2
    assert colors[2] == theme.OTHERS_GREY
    assert colors[3:] == [theme.IMPORT_BLUE] * 2
    assert trace.link.customdata[0] == f"Chine → {refs.product_name('C26A')} : 80,0{NB}M€"


def test_sankey_export_products_are_violet():
    trace = sankey_trace(fiche_figures.sankey_figure(EXPORT_LINKS, "E"))
    assert list(trace.node.color[:2]) == [theme.EXPORT_VIOLET] * 2


def test_sankey_long_names_are_shortened_in_labels_only():
    links = links_frame([("C20A", "DE", 10 * M, 1)])
    trace = sankey_trace(fiche_figures.sankey_figure(links, "E"))
    assert reading(trace.node.label[0], "wide") == (
        f"Fabrication de produits chimiques de base… (10,0{NB}M€)"
    )
    assert trace.node.customdata[0].startswith(refs.product_name("C20A"))


def test_sankey_labels_read_shorter_in_the_narrow_look():
    """On a phone the two columns' labels share some 250 px: short names (the product without
    « Fabrication de », whole words, a last one cut), no brackets, no decimal from 1 000 M€."""
    links = links_frame([("C13Z", "DE", 10 * M, 1), ("C21Z", "AUTRES", 1_234.5 * M, 0)])
    trace = sankey_trace(fiche_figures.sankey_figure(links, "E"))
    assert [reading(label, "narrow") for label in trace.node.label] == [
        f"Industrie pharmaceu… 1{NB}235{NB}M€",  # 1 234,5 rounded half up
        f"Textiles 10,0{NB}M€",
        f"Allemagne 10,0{NB}M€",
        f"Autres 1{NB}235{NB}M€",
    ]
    assert [reading(label, "wide") for label in trace.node.label] == [
        f"Industrie pharmaceutique (1{NB}234,5{NB}M€)",
        f"Fabrication de textiles (10,0{NB}M€)",
        f"Allemagne (10,0{NB}M€)",
        f"Autres (1{NB}234,5{NB}M€)",
    ]


def test_the_page_css_hides_the_other_look_of_the_labels():
    css = (config.ROOT / ".streamlit" / "layout.css").read_text(encoding="utf-8")
    assert f'tspan[style*="{fiche_figures.WIDE_ONLY}"]' in css
    assert f'tspan[style*="{fiche_figures.NARROW_ONLY}"]' in css


def test_sankey_narrow_labels_tell_alike_products_apart():
    """Names that read alike once cut get words back until they differ, within a column."""
    links = links_frame(
        [("C28B", "DE", 30 * M, 1), ("C28E", "DE", 20 * M, 1), ("C29A", "US", 10 * M, 1)]
    )
    trace = sankey_trace(fiche_figures.sankey_figure(links, "E"))
    names = [reading(label, "narrow").rsplit(" ", 1)[0] for label in trace.node.label]  # no value
    assert names[:3] == [
        "Autres machines d'usage général",  # both « Autres machines d'usage… » at 20
        "Autres machines d'usage spécifique",
        "Construction de véh…",
    ]
    assert len(set(names[:3])) == 3


def test_sankey_label_text_from_the_data_stays_text_in_both_looks():
    label = fiche_figures.two_looks("<b>Fabrication</b> (1 M€)", "<b>Fab.</b> 1 M€")
    assert "<b>" not in label
    assert reading(label, "wide") == fiche_figures.plotly_text("<b>Fabrication</b> (1 M€)")


def test_sankey_empty_or_non_positive_links_say_no_data():
    assert_no_data(fiche_figures.sankey_figure(EXPORT_LINKS.iloc[0:0], "E", "Titre"))
    assert_no_data(fiche_figures.sankey_figure(links_frame([("C21Z", "DE", -3.0, 0)]), "E"))
    assert fiche_figures.sankey_nodes(EXPORT_LINKS.iloc[0:0], "E") == []


# ----------------------------------------------------------------------------- as built

BUILDERS = {
    "partners": lambda: fiche_figures.partners_figure(PARTNERS, "Titre"),
    "partners-untitled": lambda: fiche_figures.partners_figure(PARTNERS),
    "partners-narrow": lambda: fiche_figures.partners_figure(PARTNERS, narrow=True),
    "treemap": lambda: fiche_figures.treemap_figure(PRODUCTS),
    "sankey": lambda: fiche_figures.sankey_figure(EXPORT_LINKS, "E", "Titre"),
    "empty": lambda: kit.empty_figure(),
}


def plotly_json(fig: go.Figure) -> str:
    """The figure's JSON, keys sorted, less the empty title that Plotly drops on reading."""
    figure = fig.to_plotly_json()
    if figure["layout"].get("title") == {}:
        del figure["layout"]["title"]
    return json.dumps(figure, sort_keys=True)


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_figures_are_valid_plotly_that_revalidation_leaves_unchanged(build):
    # go.Figure(dict) validates every property again, the Sankey link colours included (they
    # are stored without validation: see fiche_figures._with_link_colors).
    fig = build()
    assert plotly_json(go.Figure(fig.to_dict())) == plotly_json(fig)


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_changing_a_figure_leaves_the_next_ones_unchanged(build):
    # The static parts of the figures are module constants: no figure may share them.
    expected = plotly_json(build())
    fig = build()
    fig.update_layout(
        title_text="Autre",
        font_size=30,
        margin_t=1,
        hoverlabel_bgcolor="red",
        legend_x=0.5,
        xaxis_gridcolor="red",
        yaxis_showgrid=True,
    )
    for annotation in fig.layout.annotations:
        annotation.font.size = 30
    fig.update_traces(textfont_size=30, marker_color="red", selector={"type": "bar"})
    fig.update_traces(textfont_size=30, marker_line_width=5, selector={"type": "treemap"})
    fig.update_traces(node_pad=1, link_hoverlabel_bgcolor="red", selector={"type": "sankey"})
    assert plotly_json(build()) == expected


# ----------------------------------------------------------------------------- kpis


def kpis_frame(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(list(values.items()), columns=["indicator", "value"])


MAYENNE_KPIS = kpis_frame(
    {
        "exports_eur": 1773.5 * M,
        "imports_eur": 2212.3 * M,
        "balance_eur": -438.8 * M,
        "coverage_pct": 80.2,
        "national_exports_eur": 580354.5 * M,
        "national_imports_eur": 684776.3 * M,
        "exports_share_national_pct": 0.3056,
        "imports_share_national_pct": 0.3231,
        "region_exports_eur": 27075.2 * M,
        "region_imports_eur": 34136.8 * M,
        "exports_share_region_pct": 6.55,
        "imports_share_region_pct": 6.48,
    }
)


def test_kpi_sentences_of_a_departement():
    assert fiche_figures.kpi_sentences(MAYENNE_KPIS, "Mayenne (53)", "Pays de la Loire", "E") == [
        f"Total des exportations : 1{NB}773,5{NB}M€",
        f"soit 6,6{NB}% de la valeur exportée par la région Pays de la Loire",
        f"soit 0,31{NB}% de la valeur exportée au niveau national",
    ]
    assert fiche_figures.kpi_sentences(
        MAYENNE_KPIS, "Mayenne (53)", "Pays de la Loire", "import"
    ) == [
        f"Total des importations : 2{NB}212,3{NB}M€",
        f"soit 6,5{NB}% de la valeur importée par la région Pays de la Loire",
        f"soit 0,32{NB}% de la valeur importée au niveau national",
    ]


def test_kpi_sentences_of_a_region_skip_the_region_sentence():
    region = kpis_frame(
        {
            "exports_eur": 27075.2 * M,
            "imports_eur": 34136.8 * M,
            "exports_share_national_pct": 4.665,
            "imports_share_national_pct": 4.985,
            "region_exports_eur": 27075.2 * M,
            "region_imports_eur": 34136.8 * M,
            "exports_share_region_pct": 100.0,
            "imports_share_region_pct": 100.0,
        }
    )
    assert fiche_figures.kpi_sentences(
        region, "Pays de la Loire (52)", "Pays de la Loire", "E"
    ) == [
        f"Total des exportations : 27{NB}075,2{NB}M€",
        f"soit 4,67{NB}% de la valeur exportée au niveau national",  # national: two decimals
    ]
    # Without a région name, no région sentence either.
    assert len(fiche_figures.kpi_sentences(MAYENNE_KPIS, "Mayenne (53)", None, "E")) == 2


def test_kpi_sentences_of_france_have_only_the_total():
    france = kpis_frame(
        {
            "exports_eur": 580354.5 * M,
            "imports_eur": 684776.3 * M,
            "exports_share_national_pct": 100.0,
            "imports_share_national_pct": 100.0,
        }
    )
    assert fiche_figures.kpi_sentences(france, "France entière", None, "I") == [
        f"Total des importations : 684{NB}776,3{NB}M€"
    ]


def test_kpi_sentences_without_the_flow_name_the_territory():
    empty = kpis_frame({"exports_eur": 0.0, "imports_eur": 5.0 * M, "region_exports_eur": 1.0})
    assert fiche_figures.kpi_sentences(empty, "Mayotte (976)", "Mayotte", "E") == [
        f"Total des exportations : 0,0{NB}M€",
        "Aucune exportation enregistrée pour Mayotte (976).",
    ]


# The seed fiches' figures as the project received them (the demo is calibrated on them).
SEED_TOTALS = config.ROOT.parent / "shared" / "reference" / "published_totals_2024.csv"
SEED_FLOWS = {"E": ("exports", "exportée"), "I": ("imports", "importée")}


def _seed_share(value: float, decimals: int) -> str:
    """A share as the seed fiches print it, formatted here without lib.core.formatting."""
    return f"{value:.{decimals}f}".replace(".", ",") + f"{NB}%"


def _seed_departements() -> list[dict[str, object]]:
    path = SEED_TOTALS if SEED_TOTALS.exists() else config.REF_DIR / SEED_TOTALS.name
    table = pd.read_csv(path, dtype={"code": str, "region_code": str})
    return table[table["level"] == "dept"].to_dict("records")


@pytest.fixture
def demo_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()
    yield
    db.reset()


@pytest.mark.usefixtures("demo_dataset")
@pytest.mark.parametrize("seed", _seed_departements(), ids=lambda seed: str(seed["code"]))
@pytest.mark.parametrize("flow", ["E", "I"])
def test_kpi_shares_read_as_in_the_seed_fiches(seed: dict[str, object], flow: str) -> None:
    """National shares with two decimals (« 1,85 % »), régional ones with one (« 6,6 % »)."""
    territory = Territory("dept", str(seed["code"]))
    kpis = queries.kpis(territory, 2024)
    region = refs.region_name(str(seed["region_code"]))
    key, participle = SEED_FLOWS[flow]
    sentences = fiche_figures.kpi_sentences(kpis, territory.label, region, flow)
    regional = _seed_share(float(seed[f"{key}_share_region_pct"]), 1)
    national = _seed_share(float(seed[f"{key}_share_national_pct"]), 2)
    assert sentences[1:] == [
        f"soit {regional} de la valeur {participle} par la région {region}",
        f"soit {national} de la valeur {participle} au niveau national",
    ]
