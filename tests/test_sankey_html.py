"""The fiche's Sankeys in HTML (lib/charts/fiche_figures.sankey_html), read back with a plain
parser (tests/html_charts.py) and compared with a layout computed here by hand from the rules
the Plotly Sankey follows: each column's nodes from the top, largest first and « Autres » last,
3 % of the plot between two nodes (for up to 11 nodes), every node on the scale of the fullest
column; each link as thick as its value on that scale, stacked in its source in the order of
the targets and in its target in the order of the sources. Hostile names stay text."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.charts import fiche_figures
from lib.core import refs
from lib.core.flows import EXPORT, IMPORT
from lib.core.theme import COUNTRY_GREY_BLUE, HIGHLIGHT_LINK, OTHERS_GREY, PLAIN_LINK
from tests.html_charts import HtmlChartRead, link_clip_path, polygon, read, sankey_links
from tests.test_figures import EXPORT_LINKS, links_frame

M = 1_000_000
NB = "\u00a0"
PHARMA = refs.product_name("C21Z")
MEAT = refs.product_name("C10A")

# EXPORT_LINKS by hand. Sources: C21Z 100 + 50 = 150 M€, C10A 40 + 30 + 5 = 75, Autres
# 60 + 20 = 80 (last, although larger than C10A); targets: Allemagne 100 + 60 + 40 = 200,
# États-Unis 55, Autres 50. 305 M€ in all; three nodes a column, two gaps of 3 %: 94 % of the
# plot for 305 M€, the same scale in both columns.
SCALE = 0.94 / 305  # fraction of the plot per M€ (×100: a percentage)
NODES = [PHARMA, MEAT, "Autres", "Allemagne", "États-Unis", "Autres"]
VALUES = [150, 75, 80, 200, 55, 50]  # M€


def _tops(values: list[float]) -> list[float]:
    tops, at = [], 0.0
    for value in values:
        tops.append(at)
        at += 100 * SCALE * value + 3
    return tops


TOPS = _tops(VALUES[:3]) + _tops(VALUES[3:])
# Links in the drawing's order: by source, then by target; each starts where the previous one of
# its source ended, and reaches its target where the previous one reaching it ended.
LINKS = [  # (source, target, M€, highlighted)
    (0, 3, 100, 1),
    (0, 4, 50, 1),
    (1, 3, 40, 1),
    (1, 4, 5, 1),
    (1, 5, 30, 0),
    (2, 3, 60, 0),
    (2, 5, 20, 0),
]


def _link_ends() -> list[tuple[float, float]]:
    filled = list(TOPS)
    ends = []
    for source, target, value, _ in LINKS:
        ends.append((filled[source], filled[target]))
        filled[source] += 100 * SCALE * value
        filled[target] += 100 * SCALE * value
    return ends


def _bezier_y(x: float, left: float, right: float) -> float:
    """The height of the Bézier curve (0, left) (0.5, left) (0.5, right) (1, right) where it is
    `x` across: its parameter found by bisection (x grows with it)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        t = (low + high) / 2
        across = 3 * (1 - t) ** 2 * t * 0.5 + 3 * (1 - t) * t**2 * 0.5 + t**3
        low, high = (t, high) if across < x else (low, t)
    t = (low + high) / 2
    return (
        (1 - t) ** 3 * left
        + 3 * (1 - t) ** 2 * t * left
        + 3 * (1 - t) * t**2 * right
        + t**3 * right
    )


def _chart(frame: pd.DataFrame = EXPORT_LINKS, flow: str = "E") -> HtmlChartRead:
    (chart,) = read(fiche_figures.sankey_html(frame, flow).markup)
    return chart


def _pct(text: str) -> float:
    return float(text.rstrip("%"))


def test_nodes_are_stacked_largest_first_on_one_scale() -> None:
    chart = _chart()
    assert "cb-sankey" in chart.classes and chart.node_count == 6 and chart.bars == 7
    assert [node.tooltip for node in chart.nodes] == [
        f"{name} : {value},0{NB}M€" for name, value in zip(NODES, VALUES, strict=True)
    ]
    for node, top, value in zip(chart.nodes, TOPS, VALUES, strict=True):
        assert _pct(node.style["top"]) == pytest.approx(top, abs=0.01)
        assert _pct(node.style["height"]) == pytest.approx(100 * SCALE * value, abs=0.01)
    # Both columns fill the plot: the last node of each ends at its bottom.
    assert TOPS[2] + 100 * SCALE * 80 == pytest.approx(100)
    assert TOPS[5] + 100 * SCALE * 50 == pytest.approx(100)
    colors = [node.color for node in chart.nodes]
    assert colors == [EXPORT.color, EXPORT.color, OTHERS_GREY, COUNTRY_GREY_BLUE,
                      COUNTRY_GREY_BLUE, OTHERS_GREY]  # fmt: skip


def test_links_are_as_thick_as_their_value_and_stacked_in_their_nodes() -> None:
    chart = _chart()
    assert len(chart.links) == len(LINKS)
    for link, (source, target, value, red), (left, right) in zip(
        chart.links, LINKS, _link_ends(), strict=True
    ):
        points = polygon(link)
        half = len(points) // 2
        top, bottom = points[:half], points[half:][::-1]  # both edges, left to right
        assert top[0] == pytest.approx((0, left), abs=0.01)
        assert top[-1] == pytest.approx((100, right), abs=0.01)
        thickness = 100 * SCALE * value
        assert all(
            b[1] - t[1] == pytest.approx(thickness, abs=0.02)
            for t, b in zip(top, bottom, strict=True)
        )
        # plotly.js's curve: a cubic Bézier from (0, left) to (100, right) with both control
        # points half-way across, level with their end; flat at both ends, never turning back.
        for x, y in top:
            assert y == pytest.approx(_bezier_y(x / 100, left, right), abs=0.02)
        middle = next(y for x, y in top if x == 50)
        assert middle == pytest.approx((left + right) / 2, abs=0.01)
        ys = [y for _, y in top]
        assert ys == sorted(ys) or ys == sorted(ys, reverse=True)
        assert link.color == (HIGHLIGHT_LINK if red else PLAIN_LINK)
        assert link.tooltip == f"{NODES[source]} → {NODES[target]} : {value},0{NB}M€"


def test_labels_sit_beside_their_node_in_both_looks() -> None:
    chart = _chart()
    sides = ["cb-sk-source"] * 3 + ["cb-sk-target"] * 3
    assert [label.side for label in chart.labels] == sides
    for label, top, value in zip(chart.labels, TOPS, VALUES, strict=True):
        assert _pct(label.top) == pytest.approx(top + 100 * SCALE * value / 2, abs=0.01)
    assert chart.labels[0].wide == f"{PHARMA} (150,0{NB}M€)"
    assert chart.labels[3].narrow == f"Allemagne 200,0{NB}M€"
    # The narrow look shortens a long name (the whole one is in the node's tooltip).
    meat = chart.labels[1]
    assert meat.wide.endswith(f"(75,0{NB}M€)") and meat.narrow.endswith(f" 75,0{NB}M€")
    assert len(meat.narrow) < len(MEAT) and "…" in meat.narrow


def test_the_signature_lists_the_nodes_and_the_links_drawn() -> None:
    names, links = sankey_links(_chart())
    assert names == NODES
    assert links == [(s, t, value * M) for s, t, value, _ in LINKS]


def test_the_same_nodes_and_links_as_the_documents_plotly_sankey() -> None:
    (trace,) = fiche_figures.sankey_figure(EXPORT_LINKS, "E").data
    chart = _chart()
    plotly_nodes = [text.split(" : ")[0] for text in trace.node.customdata]
    assert plotly_nodes == NODES
    _, links = sankey_links(chart)
    assert [(s, t, v) for s, t, v in links] == list(
        zip(trace.link.source, trace.link.target, trace.link.value, strict=True)
    )
    assert [link.color for link in chart.links] == list(trace.link.color)


def test_imports_run_from_countries_to_products() -> None:
    frame = links_frame([("DE", "C21Z", 30 * M, 1), ("US", "C21Z", 10 * M, 0)])
    chart = _chart(frame, "I")
    assert [node.tooltip.split(" : ")[0] for node in chart.nodes] == [
        "Allemagne", "États-Unis", PHARMA,
    ]  # fmt: skip
    assert [node.color for node in chart.nodes] == [
        COUNTRY_GREY_BLUE, COUNTRY_GREY_BLUE, IMPORT.color,
    ]  # fmt: skip


def test_a_long_column_sets_the_height_and_the_scale() -> None:
    # 12 countries against one product: 12 × 34 + 120 px of figure, 74 of them outside the plot;
    # gaps of 0.3 / 11 of the plot, which the product's column, alone, does not need.
    countries = ["DE", "US", "IT", "ES", "BE", "NL", "GB", "CH", "CN", "JP", "PL", "SE"]
    frame = links_frame([("C21Z", c, (20 - i) * M, 0) for i, c in enumerate(countries)])
    chart = _chart(frame)
    assert chart.plot_height == f"{12 * 34 + 120 - 74}px"
    total = sum(20 - i for i in range(12))
    scale = 100 * (1 - 0.3) / total  # % per M€
    assert _pct(chart.nodes[0].style["height"]) == pytest.approx(total * scale, abs=0.01)
    assert _pct(chart.nodes[-1].style["top"]) + _pct(chart.nodes[-1].style["height"]) == (
        pytest.approx(100, abs=0.02)
    )


def test_no_positive_link_says_so() -> None:
    for frame in (EXPORT_LINKS.iloc[0:0], links_frame([("C21Z", "DE", -3.0, 0)])):
        markup = fiche_figures.sankey_html(frame, "E").markup
        (chart,) = read(markup)
        assert chart.text == "Aucune donnée" and chart.bars == 0 and not chart.links


def test_a_hostile_name_stays_text(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = '<img src=x onerror="alert(1)">=HYPERLINK("x")'
    monkeypatch.setattr(refs, "country_name", lambda code: hostile)
    markup = fiche_figures.sankey_html(EXPORT_LINKS, "E").markup
    assert "<img" not in markup
    chart = _chart()
    assert chart.nodes[3].tooltip == f"{hostile} : 200,0{NB}M€"
    assert chart.labels[3].wide.startswith('<img src=x onerror="alert(1)">=HYPERLINK')
    assert chart.links[0].tooltip.endswith(f"→ {hostile} : 100,0{NB}M€")


def test_the_stylesheet_draws_every_link_on_the_builders_curve() -> None:
    """The links carry three numbers and the stylesheet the curve: its copy of the builder's
    (link_curve_css writes it; a change to one without the other would move every link)."""
    assert link_clip_path() == fiche_figures.link_curve_css()
    link = _chart().links[0]
    assert set(link.style) == {"background", "--a", "--b", "--h"}  # no polygon of its own
