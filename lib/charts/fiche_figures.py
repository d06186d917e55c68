"""Plotly figures of a territory's fiche, drawn from the frames of lib.data.queries, and the
sentences of its key figures.

The conventions of lib.charts.kit (numbers in French, names through plotly_text, one go.Figure
built in one go). Bars and labels are in millions of euros (M€); treemap and Sankey values stay
in euros (areas and widths only depend on proportions) and are labelled in M€.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from itertools import compress
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go

from lib.charts.kit import (
    MILLION,
    OTHERS_LABEL,
    HtmlChart,
    columns,
    css_percent,
    empty_figure,
    empty_html,
    html_axis,
    shorten,
    sign_color,
    styled_figure,
    symmetric_ticks,
    wrapped,
)
from lib.core import refs, shortnames
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT, FLOWS, IMPORT, Flow, flow_of
from lib.core.formatting import meur, national_share, number, share
from lib.core.states import OTHERS
from lib.core.theme import (
    COUNTRY_GREY_BLUE,
    FONT_FAMILY,
    GRID_GREY,
    HIGHLIGHT_LINK,
    OTHERS_GREY,
    PLAIN_LINK,
    TEXT_GREY,
    mix,
)

OTHER_PRODUCTS_GROUP = "Autres produits"
WRAP_WIDTH = 24  # characters per line of a treemap label
MIN_LABELLED_SHARE = 0.015  # of the treemap's area, for a product box to be labelled
MAX_NODE_LABEL = 42  # characters of a Sankey node name before it is shortened


# ---------------------------------------------------------------------------------------------
# « Principaux pays à l'import et à l'export »
#
# Two looks of one chart: the wide one of the seed fiches, and a narrow one for a phone (the page
# shows whichever fits its width: .streamlit/layout.css), where the values lose their unit (named
# by the axis and the « Solde (M€) » header), the names are shortened (full in the hover), the
# axis has three ticks and the bars leave more room to the values beside them.


@dataclass(frozen=True)
class _PartnersLook:
    padding: float  # axis half-range over the largest bar: room for the texts beside the bars
    ticks_per_side: int
    with_unit: bool  # « 1 720,4 M€ » beside the bars and in the balances, else « 1 720,4 »
    axis_title: str
    balance_header: str
    name_limit: int  # characters of a country name on the axis
    row_height: int  # px
    text_size: int
    right_margin: int  # px, for the balances


_WIDE_PARTNERS = _PartnersLook(
    padding=1.4,
    ticks_per_side=5,
    with_unit=True,
    axis_title="millions d'euros (importations à gauche, exportations à droite)",
    balance_header="Solde",
    name_limit=60,
    row_height=34,
    text_size=11,
    right_margin=110,
)
_NARROW_PARTNERS = _PartnersLook(
    padding=2.1,
    ticks_per_side=2,
    with_unit=False,
    axis_title="millions d'euros",
    balance_header="Solde (M€)",
    name_limit=13,
    row_height=30,
    text_size=10,
    right_margin=84,
)

_PARTNER_HOVER = (
    "<b>%{customdata[0]}</b><br>Importations : %{customdata[1]}"
    "<br>Exportations : %{customdata[2]}<br>Solde : %{customdata[3]}<extra></extra>"
)
_PARTNERS_LEGEND = {
    "orientation": "h",
    "x": 0,
    "y": 1,
    "yanchor": "bottom",
    "traceorder": "normal",
}
_PARTNERS_XAXIS = {
    "gridcolor": GRID_GREY,
    "zeroline": True,
    "zerolinecolor": TEXT_GREY,
    "zerolinewidth": 1,
    "fixedrange": True,
    "tickangle": 0,
}
_PARTNERS_YAXIS = {
    "autorange": "reversed",
    "showgrid": False,
    "fixedrange": True,
    "automargin": True,
}
_PARTNER_COLUMNS = ("country_name", "imports_eur", "exports_eur", "balance_eur")


def _partner_bar(
    words: Flow, x: list[float], texts: list[str], customdata: list[list[str]], size: int
) -> dict[str, object]:
    return {
        "type": "bar",
        "name": words.title,
        "orientation": "h",
        "x": x,
        "y": list(range(len(x))),
        "marker": {"color": words.color},
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"size": size, "color": TEXT_GREY},
        "customdata": customdata,
        "hovertemplate": _PARTNER_HOVER,
    }


def _balance_header(header: str) -> dict[str, object]:
    """`header` over the balances, left-aligned with them: plotly.js starts a text trace's
    « middle right » text 2 px left of its point (measured in Chromium)."""
    return {
        "text": header,
        "x": 1,
        "xref": "paper",
        "xanchor": "left",
        "xshift": -2,
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "showarrow": False,
    }


# The balances' own x axis: 0 to 1 across the plot area, hidden; their trace is drawn at its
# right end, past the plot area (`cliponaxis` off), in the right margin.
_BALANCE_AXIS = {"overlaying": "x", "range": [0, 1], "visible": False, "fixedrange": True}


def _balance_trace(balances: list[float], texts: list[str]) -> dict[str, object]:
    """Each country's signed, coloured balance in the right margin, on its bar's row.

    One text trace, not one annotation per country: plotly.js measures and places each
    annotation on its own at every redraw, a fifth of a top-N step in Chromium (10 rows:
    about 30 ms of 150, measured with and without them)."""
    return {
        "type": "scatter",
        "mode": "text",
        "xaxis": "x2",
        "x": [1] * len(texts),
        "y": list(range(len(texts))),
        "text": texts,
        "textposition": "middle right",
        "textfont": {"color": [sign_color(b) for b in balances]},
        "cliponaxis": False,
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _bar_texts(values_eur: list[float], texts: list[str]) -> list[str]:
    """The value at the end of each bar; none on an empty bar."""
    return [text if v else "" for v, text in zip(values_eur, texts, strict=True)]


def _largest_first(totals: list[float]) -> list[int]:
    """Row order by decreasing total, ties in frame order, missing totals last (as a stable
    pandas sort_values)."""
    return sorted(range(len(totals)), key=lambda row: (math.isnan(totals[row]), -totals[row]))


def _partner_columns(
    partners: pd.DataFrame,
) -> tuple[list[str], list[float], list[float], list[float]]:
    """Names (as in the data), imports, exports and balances, largest imports + exports first."""
    names, imports, exports, balances = columns(partners, _PARTNER_COLUMNS)
    order = _largest_first([i + e for i, e in zip(imports, exports, strict=True)])
    return (
        [str(names[row]) for row in order],
        [float(imports[row]) for row in order],
        [float(exports[row]) for row in order],
        [float(balances[row]) for row in order],
    )


def _millions(value_eur: float, look: _PartnersLook, signed: bool = False) -> str:
    return (
        meur(value_eur, signed=signed) if look.with_unit else number(value_eur / MILLION, 1, signed)
    )


def _hover_figures(imports: float, exports: float, balance: float) -> tuple[str, str, str]:
    """A country's imports, exports and balance as its hover (Plotly) or tooltip (HTML) says."""
    return meur(imports), meur(exports), meur(balance, signed=True)


def _half_axis(imports: list[float], exports: list[float], look: _PartnersLook) -> float:
    """Half the value axis (M€): the largest bar, with room for the texts beside it."""
    extent = max(max(map(abs, imports)), max(map(abs, exports))) / MILLION or 1.0
    return extent * look.padding


def _partner_bars(
    imports: list[float], exports: list[float], customdata: list[list[str]], look: _PartnersLook
) -> list[dict[str, object]]:
    """Imports to the left, exports to the right, in M€, each with its value beside it."""

    def texts(values: list[float]) -> list[str]:
        return _bar_texts(values, [_millions(v, look) for v in values])

    return [
        _partner_bar(
            IMPORT, [-v / MILLION for v in imports], texts(imports), customdata, look.text_size
        ),
        _partner_bar(
            EXPORT, [v / MILLION for v in exports], texts(exports), customdata, look.text_size
        ),
    ]


def partners_figure(
    partners: pd.DataFrame, title: str | None = None, narrow: bool = False
) -> go.Figure:
    """Butterfly bars: imports to the left, exports to the right (M€), balance on the right.

    `partners` is queries.partners: country, country_name, imports_eur, exports_eur, balance_eur.
    Countries keep the frame's order (largest imports + exports first) and are drawn top down.
    `narrow`: the phone's look (see _NARROW_PARTNERS), the same bars and hovers.
    """
    if partners.empty:
        return empty_figure(title)
    look = _NARROW_PARTNERS if narrow else _WIDE_PARTNERS
    names, imports, exports, balances = _partner_columns(partners)
    customdata = [
        [plotly_text(name), *_hover_figures(i, e, b)]
        for name, i, e, b in zip(names, imports, exports, balances, strict=True)
    ]
    half_range = _half_axis(imports, exports, look)
    tick_values, tick_texts = symmetric_ticks(half_range, look.ticks_per_side)
    balance_texts = [_millions(b, look, signed=True) for b in balances]
    return styled_figure(
        [
            *_partner_bars(imports, exports, customdata, look),
            _balance_trace(balances, balance_texts),
        ],
        title,
        140 + look.row_height * len(names),
        {"r": look.right_margin, "b": 60},
        barmode="relative",
        bargap=0.3,
        annotations=[_balance_header(f"<b>{look.balance_header}</b>")],
        legend=_PARTNERS_LEGEND,
        xaxis2=_BALANCE_AXIS,
        xaxis={
            **_PARTNERS_XAXIS,
            "title": {"text": look.axis_title},
            "range": [-half_range, half_range],
            "tickvals": tick_values,
            "ticktext": tick_texts,
        },
        yaxis={
            **_PARTNERS_YAXIS,
            "tickvals": list(range(len(names))),
            "ticktext": [plotly_text(shorten(name, look.name_limit)) for name in names],
        },
    )


def _butterfly_half(side: str, flow: Flow, share_pct: float, text: str) -> str:
    """One flow's bar from the centre (`share_pct` of the half), its value beside it."""
    return (
        f'<span class="cb-half cb-{side}">'
        f'<span class="cb-bar" style="width:{css_percent(share_pct)};background:{flow.color}">'
        f'</span><span class="cb-value">{escape(text)}</span></span>'
    )


def _butterfly_row(
    row: int, name: str, flows: tuple[float, float, float], look: _PartnersLook, half: float
) -> str:
    """A country's name, its two bars and its balance, on grid row `row`; its figures in the
    row's tooltip (the Plotly chart's hover)."""
    imports, exports, balance = flows
    bought, sold, net = _hover_figures(imports, exports, balance)
    tip = f"{name}\nImportations : {bought}\nExportations : {sold}\nSolde : {net}"
    return (
        f'<div class="cb-row" style="--cb-line:{row}" title="{escape(tip)}">'
        f'<span class="cb-name">{escape(shorten(name, look.name_limit))}</span>'
        '<span class="cb-plot">'
        + _butterfly_half("left", IMPORT, 100 * imports / MILLION / half, _bar_text(imports, look))
        + _butterfly_half("right", EXPORT, 100 * exports / MILLION / half, _bar_text(exports, look))
        + f'</span><span class="cb-balance" style="color:{sign_color(balance)}">'
        f"{escape(_millions(balance, look, signed=True))}</span></div>"
    )


def _bar_text(value_eur: float, look: _PartnersLook) -> str:
    return _bar_texts([value_eur], [_millions(value_eur, look)])[0]


def _butterfly_axis(half: float, look: _PartnersLook, rows: int) -> str:
    """The grid lines behind the rows, the zero line, the ticks below and the axis title."""
    values, texts = symmetric_ticks(half, look.ticks_per_side)
    ticks = [(v, css_percent(50 + 50 * v / half), t) for v, t in zip(values, texts, strict=True)]
    return html_axis(ticks, rows, look.axis_title)


def _butterfly_signature(names: list[str], imports: list[float], exports: list[float]) -> str:
    return "|".join(
        f"{name}:{i:.0f}:{e:.0f}" for name, i, e in zip(names, imports, exports, strict=True)
    )


def partners_html(partners: pd.DataFrame, narrow: bool = False) -> HtmlChart:
    """partners_figure's chart in HTML and CSS (.streamlit/layout.css, `cb-` classes): the
    fiche's first screen draws it without plotly.js, whose 4.7 MB a first visit would otherwise
    download and evaluate before the chart shows, and which a top-N step would wait for
    (issue 18, docs/PERFORMANCE.md « The partners chart without plotly.js »). The same
    countries, order, bars, values, balances, ticks and looks; the hover is the row's tooltip.
    The fiche's document keeps partners_figure."""
    if partners.empty:
        return empty_html()
    look = _NARROW_PARTNERS if narrow else _WIDE_PARTNERS
    names, imports, exports, balances = _partner_columns(partners)
    half = _half_axis(imports, exports, look)
    figures = zip(imports, exports, balances, strict=True)
    rows = [
        _butterfly_row(row + 2, name, flows, look, half)
        for row, (name, flows) in enumerate(zip(names, figures, strict=True))
    ]
    header = escape(look.balance_header)
    legend = "".join(
        f'<span class="cb-key"><span style="background:{flow.color}"></span>'
        f"{escape(flow.title)}</span>"
        for flow in (IMPORT, EXPORT)
    )
    signature = escape(_butterfly_signature(names, imports, exports))
    return HtmlChart(
        f'<figure class="comext-chart cb-partners cb-{"narrow" if narrow else "wide"}" '
        f'data-bars="{len(names)}" data-signature="{signature}" '
        f'style="--cb-row:{look.row_height}px;--cb-text:{look.text_size}px">'
        f'<div class="cb-legend">{legend}</div><div class="cb-body">'
        f'<span class="cb-head">{header}</span>'
        + _butterfly_axis(half, look, len(names))
        + "".join(rows)
        + "</div></figure>"
    )


# ---------------------------------------------------------------------------------------------
# « Principales activités à l'import et à l'export »


@dataclass(frozen=True)
class TreemapNode:
    id: str
    parent: str
    label: str
    value: float  # euros
    share_pct: float  # of the flow's total
    color: str


class _Product(NamedTuple):
    """One row of queries.products."""

    code: Any
    name: str
    value: float  # euros
    share_pct: float


_PRODUCT_COLUMNS = ("flow", "product", "product_name", "value_eur", "share_pct")
_NO_A17 = (OTHERS, OTHER_PRODUCTS_GROUP)


@cache
def _shades(base: str, count: int) -> tuple[str, ...]:
    """`count` shades of `base`, from darker to `base` itself (white text stays readable)."""
    if count == 1:
        return (base,)
    return tuple(mix(base, "#000000", 0.45 * (1 - i / (count - 1))) for i in range(count))


# The treemap's order, imports first as in the fiche's title.
_TREEMAP_ORDER = (IMPORT, EXPORT)


def _flow_names(wanted: str | Sequence[str] | None) -> list[str]:
    """The `export`/`import` names to draw (any alias of lib.core.flows), in the treemap's order."""
    if wanted is None:
        return [flow.name for flow in _TREEMAP_ORDER]
    chosen = {flow_of(alias) for alias in ([wanted] if isinstance(wanted, str) else wanted)}
    return [flow.name for flow in _TREEMAP_ORDER if flow in chosen]


@cache
def _a17_of() -> dict[str, tuple[str, str]]:
    """Product code → (A17 code, A17 name), read once from the reference table."""
    codes, a17_codes, a17_names = columns(refs.products(), ("code", "a17_code", "a17_name"))
    return dict(zip(codes, zip(a17_codes, a17_names, strict=True), strict=True))


def _positive_products(products: pd.DataFrame, names: list[str]) -> dict[str, list[_Product]]:
    """The products of each flow of `names` with a positive value, in the frame's order."""
    by_flow: dict[str, list[_Product]] = {name: [] for name in names}
    for flow, code, name, value, pct in zip(*columns(products, _PRODUCT_COLUMNS), strict=True):
        if value > 0 and flow in by_flow:
            by_flow[flow].append(_Product(code, str(name), float(value), float(pct)))
    return by_flow


def _a17_groups(
    rows: list[_Product],
) -> tuple[dict[tuple[str, str], list[_Product]], dict[str, list[_Product]]]:
    """The products by (A17 code, A17 name) and by A17 code, in order of first appearance;
    unknown products go to « Autres produits »."""
    a17_of = _a17_of()
    groups: dict[tuple[str, str], list[_Product]] = {}
    members: dict[str, list[_Product]] = {}
    for row in rows:
        code, name = a17_of.get(row.code, _NO_A17)
        groups.setdefault((code, name), []).append(row)
        members.setdefault(code, []).append(row)
    return groups, members


# A product's CPF4 boxes are drawn when they account for its value; what they leave of it (rows
# without CPF4 detail) becomes one « non détaillé » box.
UNDETAILED_LABEL = "Non détaillé"
_Details = dict[tuple[str, str], list[tuple[str, str, float]]]  # (flow, product) -> cpf4 rows


def _details_by_product(details: pd.DataFrame | None) -> _Details:
    """queries.product_details as (flow, product) -> [(cpf4, name, value)], positive only."""
    by_product: _Details = {}
    if details is None or details.empty:
        return by_product
    rows = columns(details, ("flow", "product", "cpf4", "cpf4_name", "value_eur"))
    for flow, product, cpf4, name, value in zip(*rows, strict=True):
        if value > 0:
            by_product.setdefault((flow, product), []).append((str(cpf4), str(name), value))
    return by_product


def _cpf4_nodes(parent: TreemapNode, rows: list[tuple[str, str, float]]) -> list[TreemapNode]:
    """A product's CPF4 boxes, or none when they do not fit inside it (negative corrections)."""
    detailed = math.fsum(value for _, _, value in rows)
    if not rows or detailed > parent.value * (1 + 1e-9):
        return []
    per_euro = parent.share_pct / parent.value if parent.value else 0.0
    nodes = [
        TreemapNode(f"{parent.id}/{code}", parent.id, f"{code} – {name}" if name != code else code,
                    value, value * per_euro, parent.color)
        for code, name, value in rows
    ]  # fmt: skip
    rest = parent.value - detailed
    if rest > 1e-6 * parent.value:
        nodes.append(
            TreemapNode(f"{parent.id}/-", parent.id, UNDETAILED_LABEL, rest, rest * per_euro,
                        mix(parent.color, "#ffffff", 0.35))
        )  # fmt: skip
    return nodes


def _flow_treemap_nodes(
    rows: list[_Product], words: Flow, details: _Details | None = None
) -> list[TreemapNode]:
    """The flow's box, its A17 groups (largest first), their products and, where the data has
    it, each product's CPF4 detail."""
    groups, members = _a17_groups(rows)
    sums = {
        key: (math.fsum(r.value for r in group), math.fsum(r.share_pct for r in group))
        for key, group in groups.items()
    }
    order = sorted(sums, key=lambda key: (-sums[key][0], key[0]))
    root = TreemapNode(
        words.name,
        "",
        words.title,
        math.fsum(value for value, _ in sums.values()),
        math.fsum(share for _, share in sums.values()),
        words.color,
    )
    nodes = [root]
    for (code, name), color in zip(order, _shades(words.color, len(order)), strict=True):
        group_id = f"{words.name}/{code}"
        nodes.append(TreemapNode(group_id, root.id, name, *sums[code, name], color))
        for r in members[code]:
            product = TreemapNode(
                f"{group_id}/{r.code}", group_id, r.name, r.value, r.share_pct, color
            )
            nodes.append(product)
            nodes += _cpf4_nodes(product, (details or {}).get((words.name, r.code), []))
    return nodes


def treemap_nodes(
    products: pd.DataFrame,
    flows: str | Sequence[str] | None = None,
    details: pd.DataFrame | None = None,
) -> list[TreemapNode]:
    """Every box of the treemap: flows, then A17 groups, then products, then their CPF4 detail
    when `details` (queries.product_details) has it (positive values only).

    Parents' values are the exact sums of their children's (branchvalues="total").
    """
    nodes: list[TreemapNode] = []
    by_product = _details_by_product(details)
    for name, rows in _positive_products(products, _flow_names(flows)).items():
        if rows:
            nodes += _flow_treemap_nodes(rows, flow_of(name), by_product)
    return nodes


def _treemap_text(node: TreemapNode, is_leaf: bool, total: float) -> str:
    """A box's text: name and value; none on boxes too small to read (hover still works).

    Plotly draws a parent's text in its header band, where the name alone fits best.
    """
    label = plotly_text(node.label)
    if not is_leaf:
        return label
    if node.value < MIN_LABELLED_SHARE * total:
        return ""
    return f"<b>{wrapped(label, WRAP_WIDTH)}</b><br>{meur(node.value)}"


def _treemap_hover(node: TreemapNode) -> list[str]:
    """Value in M€ and share of the flow (the flow is the first part of the node's id)."""
    plural = flow_of(node.id.split("/")[0]).plural
    return [meur(node.value), f"{share(node.share_pct)} des {plural}"]


_TREEMAP_STYLE: dict[str, object] = {
    "branchvalues": "total",
    "texttemplate": "%{text}",
    "hovertemplate": "<b>%{label}</b><br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
    "textfont": {"color": "white", "family": FONT_FAMILY},
    "root": {"color": "white"},
    "pathbar": {"visible": True},
    "tiling": {"pad": 2},
}
_WHITE_LINE = {"color": "white", "width": 1}


def treemap_figure(
    products: pd.DataFrame,
    flows: str | Sequence[str] | None = None,
    title: str | None = None,
    details: pd.DataFrame | None = None,
) -> go.Figure:
    """Areas proportional to value: « Importations » in blue, « Exportations » in violet.

    `products` is queries.products (flow, product, product_name, value_eur, share_pct);
    `flows` restricts to "export"/"import" (or "E"/"I", or a list of them). Products with a
    negative or zero value (customs corrections) cannot have an area and are left out. With
    `details` (queries.product_details), a click on a product drills down to its CPF4 codes:
    three levels are drawn at a time.
    """
    nodes = treemap_nodes(products, flows, details)
    if not nodes:
        return empty_figure(title)
    depth = {node.id: node.id.count("/") for node in nodes}
    # A product is drawn as a leaf (name and value) even when it has CPF4 boxes beneath it.
    parents = {node.parent for node in nodes if depth[node.id] <= 2}
    total = math.fsum(node.value for node in nodes if not node.parent)
    trace = {
        "type": "treemap",
        "ids": [n.id for n in nodes],
        "parents": [n.parent for n in nodes],
        "labels": [plotly_text(n.label) for n in nodes],
        "text": [_treemap_text(n, n.id not in parents, total) for n in nodes],
        "values": [n.value for n in nodes],
        "marker": {"colors": [n.color for n in nodes], "line": _WHITE_LINE},
        "customdata": [_treemap_hover(n) for n in nodes],
        **_TREEMAP_STYLE,
    }
    if max(depth.values()) > 2:
        trace["maxdepth"] = 3
    return styled_figure([trace], title, 560, {"l": 5, "r": 5, "b": 5})


# ---------------------------------------------------------------------------------------------
# « Flux à l'export par produit et par pays » / « Flux à l'import par pays et par produit »


@dataclass(frozen=True)
class SankeyNode:
    side: str  # "source" / "target"
    kind: str  # "product" / "country"
    code: str
    name: str
    value: float  # euros through the node


class _Links(NamedTuple):
    """The rows of queries.sankey, as one list per column."""

    sources: list[str]
    targets: list[str]
    values: list[float]  # euros
    highlights: list[int]


_LINK_COLUMNS = ("source", "target", "value_eur", "highlight")


def _node_name(kind: str, code: str) -> str:
    if code == OTHERS:
        return OTHERS_LABEL
    return refs.product_name(code) if kind == "product" else refs.country_name(code)


def _positive_links(links: pd.DataFrame) -> _Links:
    """Links a Sankey can draw (a negative total, from customs corrections, cannot)."""
    table = columns(links, _LINK_COLUMNS)
    drawn = [value > 0 for value in table[2]]
    return _Links(*(list(compress(column, drawn)) for column in table))


def _sums_by(keys: list[str], values: list[float]) -> dict[str, float]:
    """Exact sum of `values` per key, keys in order of first appearance.

    On whole euros (customs values) every summation order is exact, so these are the very
    totals a pandas groupby sum gives; on other values they differ by an ulp at most.
    """
    groups: dict[str, list[float]] = {}
    for key, value in zip(keys, values, strict=True):
        groups.setdefault(key, []).append(value)
    return {key: math.fsum(group) for key, group in groups.items()}


def _side_nodes(codes: list[str], values: list[float], side: str, kind: str) -> list[SankeyNode]:
    totals = _sums_by(codes, values)
    order = sorted(totals, key=lambda code: (code == OTHERS, -totals[code], code))
    return [SankeyNode(side, kind, code, _node_name(kind, code), totals[code]) for code in order]


def _all_nodes(links: _Links, flow: str | Flow) -> list[SankeyNode]:
    """Sources then targets, each side by decreasing value with « Autres » last."""
    kinds = flow_of(flow).sankey_ends
    return _side_nodes(links.sources, links.values, "source", kinds[0]) + _side_nodes(
        links.targets, links.values, "target", kinds[1]
    )


def sankey_nodes(links: pd.DataFrame, flow: str | Flow) -> list[str]:
    """The node names in the figure's order (the two « Autres » nodes are distinct)."""
    return [node.name for node in _all_nodes(_positive_links(links), flow)]


def _column_gap(count: int) -> float:
    """The gap between two nodes of a column of `count` nodes, as a fraction of the plot: 3 %,
    less from 11 nodes on (the gaps then take 30 % of the plot)."""
    return min(0.03, 0.3 / max(count - 1, 1))


def _column_positions(values: list[float]) -> list[float]:
    """Vertical centres (0 = top) stacking the nodes of one column in order, with gaps."""
    total = math.fsum(values) or 1.0
    gap = _column_gap(len(values))
    room = 1 - gap * (len(values) - 1)
    positions, start = [], 0.0
    for value in values:
        height = room * value / total
        positions.append(min(max(start + height / 2, 0.001), 0.999))
        start += height + gap
    return positions


def _node_color(node: SankeyNode, words: Flow) -> str:
    if node.code == OTHERS:
        return OTHERS_GREY
    return words.color if node.kind == "product" else COUNTRY_GREY_BLUE


_HOVER_CUSTOMDATA = "%{customdata}<extra></extra>"
_SANKEY_NODE_STYLE: dict[str, object] = {
    "pad": 10,
    "thickness": 16,
    "line": {"width": 0},
    "hovertemplate": _HOVER_CUSTOMDATA,
}
_SANKEY_LINK_STYLE: dict[str, object] = {
    "hovertemplate": _HOVER_CUSTOMDATA,
    "hoverlabel": {"bgcolor": "white", "font": {"color": TEXT_GREY}},
}
_SANKEY_TEXTFONT = {"family": FONT_FAMILY, "size": 12, "color": TEXT_GREY}


# A node's label in the two looks of the chart, in one text: the wide look of the seed fiches
# (« Fabrication de textiles (872,8 M€) ») and the narrow one of a phone, where the two columns'
# labels share some 250 px (« Textiles 872,8 M€ », « Industrie pharmaceu… 12 191 M€ »: names
# shortened by lib/core/shortnames.py, distinct within their column; no decimal from a billion up,
# where it would cost the name two characters and say little). What differs is wrapped in
# spans marked `--look:wide` / `--look:narrow` (a CSS variable: no effect on its own), and the
# CSS hides the look that does not fit the chart's width (.streamlit/layout.css): one figure,
# drawn once, whatever the width.
WIDE_ONLY = "--look:wide"
NARROW_ONLY = "--look:narrow"
# Characters of a name in the narrow look: a product's column has more room than a country's
# (country names are short; the longest product labels face them at the same height).
NARROW_NAME_LIMITS = {"product": 20, "country": 14}
NARROW_WHOLE_FROM = 1e9  # euros: 1 000 M€ and more read without decimal in the narrow look


def _marked(text: str, look: str) -> str:
    return f'<span style="{look}">{plotly_text(text)}</span>' if text else ""


def two_looks(wide: str, narrow: str) -> str:
    """One label reading `wide` or `narrow`: their common start, then each one's rest."""
    pairs = zip(wide, narrow, strict=False)
    rest = next((i for i, (w, n) in enumerate(pairs) if w != n), min(len(wide), len(narrow)))
    return (
        plotly_text(wide[:rest])
        + _marked(wide[rest:], WIDE_ONLY)
        + _marked(narrow[rest:], NARROW_ONLY)
    )


def _narrow_names(nodes: list[SankeyNode]) -> list[str]:
    """Each column's names shortened together, so that they stay distinct in the column."""
    names = [node.name for node in nodes]
    for side in ("source", "target"):
        column = [i for i, node in enumerate(nodes) if node.side == side]
        if column:
            limit = NARROW_NAME_LIMITS[nodes[column[0]].kind]
            short = shortnames.short_names([names[i] for i in column], limit)
            for i, name in zip(column, short, strict=True):
                names[i] = name
    return names


def _node_texts(node: SankeyNode, narrow_name: str) -> tuple[str, str]:
    """A node's label in the wide look and in the narrow one, as plain text."""
    value = meur(node.value)
    wide = f"{shorten(node.name, MAX_NODE_LABEL)} ({value})"
    narrow_value = meur(node.value, 0) if abs(node.value) >= NARROW_WHOLE_FROM else value
    return wide, f"{narrow_name} {narrow_value}"


def _node_label(node: SankeyNode, narrow_name: str) -> str:
    return two_looks(*_node_texts(node, narrow_name))


def _sankey_node_dict(nodes: list[SankeyNode], words: Flow) -> dict[str, object]:
    """Labels, colours and positions: sources in the left column, targets in the right one."""
    sources = [n.value for n in nodes if n.side == "source"]
    targets = [n.value for n in nodes if n.side == "target"]
    return {
        "sort": "input",  # placed by x and y below, in this order (see sankey_figure)
        "label": [
            _node_label(n, short) for n, short in zip(nodes, _narrow_names(nodes), strict=True)
        ],
        "color": [_node_color(n, words) for n in nodes],
        "x": [0.001 if n.side == "source" else 0.999 for n in nodes],
        "y": _column_positions(sources) + _column_positions(targets),
        "customdata": [f"{plotly_text(n.name)} : {meur(n.value)}" for n in nodes],
        **_SANKEY_NODE_STYLE,
    }


def _link_ends(links: _Links, nodes: list[SankeyNode]) -> list[tuple[int, int]]:
    """Each link's source and target, as indices into `nodes`."""
    index = {(node.side, node.code): i for i, node in enumerate(nodes)}
    return [
        (index["source", source], index["target", target])
        for source, target in zip(links.sources, links.targets, strict=True)
    ]


def _in_node_order(links: _Links, nodes: list[SankeyNode]) -> _Links:
    """The links from the top of the left column down, each node's in the order of the nodes
    at their other end: the order in which they leave and reach the nodes, drawn as given
    (`sort: input`), so that no two links of a node cross each other."""
    ends = _link_ends(links, nodes)
    order = sorted(range(len(ends)), key=ends.__getitem__)

    def reordered(column: list[Any]) -> list[Any]:
        return [column[row] for row in order]

    return _Links(
        reordered(links.sources),
        reordered(links.targets),
        reordered(links.values),
        reordered(links.highlights),
    )


def _sankey_link_dict(links: _Links, nodes: list[SankeyNode]) -> dict[str, object]:
    """Node indices, values and hovers (the colours are set apart: see _with_link_colors)."""
    ends = _link_ends(links, nodes)
    sources = [source for source, _ in ends]
    targets = [target for _, target in ends]
    values = [float(value) for value in links.values]
    return {
        "sort": "input",
        "source": sources,
        "target": targets,
        "value": values,
        "customdata": [
            f"{plotly_text(nodes[s].name)} → {plotly_text(nodes[t].name)} : {meur(v)}"
            for s, t, v in zip(sources, targets, values, strict=True)
        ],
        **_SANKEY_LINK_STYLE,
    }


def _sankey_height(nodes: list[SankeyNode]) -> int:
    """A Sankey's height in px: 34 px a node of its longer column, at least 440."""
    column = max(len(side) for side in _columns(nodes))
    return max(440, 120 + 34 * column)


def sankey_figure(links: pd.DataFrame, flow: str | Flow, title: str | None = None) -> go.Figure:
    """Products → countries (exports) or countries → products (imports), in M€.

    `links` is queries.sankey: source, target, value_eur, highlight. The five highlighted links
    are red, the others light grey. The node labels read in a wide or a narrow look, whichever
    fits the chart (two_looks).
    """
    rows = _positive_links(links)
    if not rows.values:
        return empty_figure(title)
    nodes = _all_nodes(rows, flow)
    # Nodes and links in the order they are drawn, told to plotly.js (`sort: input`): it would
    # otherwise lay the diagram out itself, re-sorting every node's links at each of its 50
    # iterations (12 ms a Sankey in Chromium, three in a « Flux » section), before moving the
    # nodes to the x and y given here anyway.
    rows = _in_node_order(rows, nodes)
    trace: dict[str, object] = {
        "type": "sankey",
        "arrangement": "snap",
        "node": _sankey_node_dict(nodes, flow_of(flow)),
        "link": _sankey_link_dict(rows, nodes),
        "textfont": _SANKEY_TEXTFONT,
    }
    fig = styled_figure([trace], title, _sankey_height(nodes), {"l": 10, "r": 10})
    return _with_link_colors(fig, rows)


def _with_link_colors(fig: go.Figure, links: _Links) -> go.Figure:
    """The highlighted links in red, the others light grey.

    Plotly validates a colour array one element at a time (some 20 µs each: most of a large
    Sankey's cost). These colours are only ever the two constants, whose validity
    tests/test_figures.py checks, so the array is set as it is, through Plotly's public
    restyle operation (which stores without validating), for the same figure JSON.
    """
    colors = [HIGHLIGHT_LINK if h == 1 else PLAIN_LINK for h in links.highlights]
    fig.plotly_restyle({"link.color": [colors]}, 0)
    return fig


# The Sankey in HTML and CSS (.streamlit/layout.css, `cb-sk-` classes), for the fiche's
# « Flux » sections: drawn without plotly.js, as the partners chart is (issue 18, docs/
# PERFORMANCE.md « The Sankeys without plotly.js »), with sankey_figure's nodes, order, colours,
# positions and labels. Every coordinate is a percentage of the plot (nodes and labels) or of
# the band between the two columns of nodes (links), so the chart follows its width; each link
# is a box of that band clipped to its curve (`clip-path: polygon`), which is also what the
# pointer hits, so that its tooltip is the link's. The curve is the stylesheet's, the same for
# every link (link_curve_css, copied in .streamlit/layout.css); a link carries only its three
# numbers (`--a`, `--b`, `--h`: _link_style), which halved a Sankey's markup. Both
# looks' labels are sent; the CSS shows the one that fits the chart's width (container
# queries, as for the Plotly Sankey).
SANKEY_MARGINS_PX = 74  # of sankey_figure's height, outside its plot: the HTML plot's height
# Above and below the HTML plot, in its figure (.cb-sk-plot's margins, .streamlit/layout.css):
# with the plot's height, the figure's, which the browser reserves for a Sankey it has not laid
# out yet (`contain-intrinsic-block-size`: below).
SANKEY_PLOT_MARGINS_PX = 12
_CURVE_STEPS = 10  # segments of each edge of a link: a smooth curve at any width


def _curve(t: float) -> tuple[float, float]:
    """A link's edge at `t` in [0, 1], as fractions of its run across and of its rise: the cubic
    Bézier curve of plotly.js's links (`curvature` 0.5: both control points half-way across,
    level with their end), flat at both ends."""
    return 1.5 * t * (1 - t) + t**3, t * t * (3 - 2 * t)


def _pct(value: float) -> str:
    """A fraction as a CSS percentage, to a hundredth of a percent (« 12.34% »)."""
    return f"{round(100 * value, 2):g}%"


def _columns(nodes: list[SankeyNode]) -> list[list[SankeyNode]]:
    """The source column's nodes, then the target column's, each in the figure's order."""
    return [[n for n in nodes if n.side == side] for side in ("source", "target")]


def _sankey_scale(nodes: list[SankeyNode]) -> float:
    """Fraction of the plot's height per euro: the fullest column's, with its gaps (those of
    _column_positions), so that every node is on one scale, as plotly.js draws them."""
    scales = []
    for column in _columns(nodes):
        if column:
            gap = _column_gap(len(column))
            total = math.fsum(n.value for n in column) or 1.0
            scales.append((1 - gap * (len(column) - 1)) / total)
    return min(scales)


def _node_boxes(nodes: list[SankeyNode], scale: float) -> list[tuple[float, float]]:
    """Each node's top and height, as fractions of the plot, centred where sankey_figure puts
    it (_column_positions)."""
    boxes: list[tuple[float, float]] = []
    for column in _columns(nodes):
        centres = _column_positions([n.value for n in column])
        boxes += [
            (y - scale * n.value / 2, scale * n.value) for n, y in zip(column, centres, strict=True)
        ]
    return boxes


def _link_style(top_left: float, top_right: float, height: float) -> str:
    """One link's band, as link_curve_css's polygon reads it: its top where it leaves its source
    (`--a`) and where it reaches its target (`--b`), and its thickness (`--h`), in % of the
    band."""
    return f"--a:{_pct(top_left)};--b:{_pct(top_right)};--h:{_pct(height)}"


def _edge_point(x: float, rise: float, lower: bool) -> str:
    """A point of a link's top edge (or of its lower edge, `--h` below), `rise` of the way from
    `--a` to `--b`, as CSS: a bare `var()` at either end of the top edge, else a `calc()`."""
    if 0 < rise < 1:
        y = f"var(--a) + (var(--b) - var(--a)) * {round(rise, 5):g}"
    else:
        y = "var(--a)" if rise == 0 else "var(--b)"
    if lower:
        y += " + var(--h)"
    return f"{_pct(x)} {y}" if " " not in y else f"{_pct(x)} calc({y})"


def link_curve_css() -> str:
    """The `clip-path` every link of an HTML Sankey is cut to (.streamlit/layout.css's
    `.cb-sk-link`, checked against this by tests/test_sankey_html.py): its top edge along
    plotly.js's curve (_curve) from `--a` to `--b`, then its lower edge back, `--h` below."""
    along = [_curve(i / _CURVE_STEPS) for i in range(_CURVE_STEPS + 1)]
    top = [_edge_point(x, rise, lower=False) for x, rise in along]
    lower = [_edge_point(x, rise, lower=True) for x, rise in reversed(along)]
    return "clip-path: polygon(" + ", ".join(top + lower) + ");"


def _sankey_links_html(
    links: _Links,
    ends: list[tuple[int, int]],
    nodes: list[SankeyNode],
    boxes: list[tuple[float, float]],
    scale: float,
) -> str:
    """Each link's band (`ends`: _link_ends), stacked in its source and in its target in the
    links' order."""
    filled = [top for top, _ in boxes]  # where the next link of each node starts
    bands = []
    for (s, t), value, highlight in zip(ends, links.values, links.highlights, strict=True):
        height = scale * value
        tip = f"{nodes[s].name} → {nodes[t].name} : {meur(value)}"
        color = HIGHLIGHT_LINK if highlight == 1 else PLAIN_LINK
        bands.append(
            f'<div class="cb-sk-link" title="{escape(tip)}" style="background:{color};'
            f'{_link_style(filled[s], filled[t], height)}"></div>'
        )
        filled[s] += height
        filled[t] += height
    return '<div class="cb-sk-links">' + "".join(bands) + "</div>"


def _sankey_node_html(
    node: SankeyNode, box: tuple[float, float], texts: tuple[str, str], color: str
) -> str:
    """A node's bar (its tooltip: name and value) and its label in both looks."""
    top, height = box
    side = f"cb-sk-{node.side}"
    wide, narrow = (escape(text) for text in texts)
    return (
        f'<div class="cb-sk-node {side}" title="{escape(f"{node.name} : {meur(node.value)}")}" '
        f'style="top:{_pct(top)};height:{_pct(height)};background:{color}"></div>'
        f'<span class="cb-sk-label {side}" style="top:{_pct(top + height / 2)}">'
        f'<span class="cb-sk-wide">{wide}</span><span class="cb-sk-narrow">{narrow}</span></span>'
    )


def _sankey_signature(links: _Links, ends: list[tuple[int, int]], nodes: list[SankeyNode]) -> str:
    """What is drawn, as text: the node names in order, separated by « | », then, on a line of
    its own, each link in the drawing's order as « source index>target index:euros », separated
    by « , » (a name may hold « ; » or « , », never a line break)."""
    names = "|".join(node.name for node in nodes)
    bands = ",".join(f"{s}>{t}:{v:.15g}" for (s, t), v in zip(ends, links.values, strict=True))
    return f"{names}\n{bands}"


def sankey_html(links: pd.DataFrame, flow: str | Flow) -> HtmlChart:
    """sankey_figure's chart in HTML and CSS (see above); the fiche's document keeps
    sankey_figure."""
    rows = _positive_links(links)
    if not rows.values:
        return empty_html()
    nodes = _all_nodes(rows, flow)
    rows = _in_node_order(rows, nodes)
    ends = _link_ends(rows, nodes)
    scale = _sankey_scale(nodes)
    boxes = _node_boxes(nodes, scale)
    words = flow_of(flow)
    labelled = zip(nodes, boxes, _narrow_names(nodes), strict=True)
    signature = escape(_sankey_signature(rows, ends, nodes))
    plot_px = _sankey_height(nodes) - SANKEY_MARGINS_PX
    return HtmlChart(
        f'<figure class="comext-chart cb-sankey" data-bars="{len(rows.values)}" '
        f'data-nodes="{len(nodes)}" data-signature="{signature}" '
        f'style="contain-intrinsic-block-size:{plot_px + SANKEY_PLOT_MARGINS_PX}px">'
        f'<div class="cb-sk-plot" style="height:{plot_px}px">'
        + _sankey_links_html(rows, ends, nodes, boxes, scale)
        + "".join(
            _sankey_node_html(node, box, _node_texts(node, short), _node_color(node, words))
            for node, box, short in labelled
        )
        + "</div></figure>"
    )


# ---------------------------------------------------------------------------------------------
# Key figures


def kpi_values(kpis: pd.DataFrame) -> dict[str, float]:
    """queries.kpis as indicator → value: what the fiche's parts read a few values from (a
    plain dict, not a frame indexed anew at each reading)."""
    return {str(k): float(v) for k, v in zip(kpis["indicator"], kpis["value"], strict=True)}


def kpi_sentences(
    kpis: pd.DataFrame, territory_label: str, region_name: str | None, flow: str | Flow
) -> list[str]:
    """The fiche's sentences under a Sankey, e.g.

    « Total des exportations : 1 773,5 M€ »,
    « soit 6,6 % de la valeur exportée par la région Pays de la Loire »,
    « soit 0,31 % de la valeur exportée au niveau national ».

    National shares always have two decimals (« 1,85 % »), as the published fiches; régional
    ones one, two below 1 % (lib.core.formatting.share).

    `kpis` is queries.kpis. The région sentence needs `region_name` and is skipped when the
    territory is the whole région (a région itself, or a one-département région: 100 % says
    nothing); the national sentence is skipped for France (its kpis have no région rows).
    A territory without this flow gets a sentence naming it instead of shares.
    """
    words = flow_of(flow)
    values = kpi_values(kpis)
    total = values.get(f"{words.key}_eur", math.nan)
    sentences = [f"Total des {words.plural} : {meur(total)}"]
    if math.isnan(total) or total == 0:
        return [*sentences, f"Aucune {words.singular} enregistrée pour {territory_label}."]
    has_region = f"region_{words.key}_eur" in values
    whole_region = has_region and all(
        math.isclose(values.get(f"region_{key}_eur", math.nan), values.get(f"{key}_eur", math.nan))
        for key in (f.key for f in FLOWS)
    )
    if region_name and has_region and not whole_region:
        regional = share(values[f"{words.key}_share_region_pct"])
        sentences.append(
            f"soit {regional} de la valeur {words.participle} par la région {region_name}"
        )
    if has_region:
        national = national_share(values[f"{words.key}_share_national_pct"])
        sentences.append(f"soit {national} de la valeur {words.participle} au niveau national")
    return sentences
