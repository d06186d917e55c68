"""Plotly figures of a territory's fiche, drawn from the frames of lib.queries.

Every number the user reads (axis ticks, bar texts, annotations, hovers) is pre-formatted in
French by lib.formatting: Plotly's own number formatting (`1.2B`, `k`) is never shown. Bars and
labels are in millions of euros (M€); treemap and Sankey values stay in euros (areas and widths
only depend on proportions) and are labelled in M€.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from lib import refs
from lib.formatting import meur, number, pct, share_decimals
from lib.queries import OTHERS

# DSFR-like palette.
BLUE_FRANCE = "#000091"
TEXT_GREY = "#3A3A3A"
GRID_GREY = "#E5E5E5"
IMPORT_BLUE = "#6A6AF4"
EXPORT_VIOLET = "#A558A0"
NEGATIVE_RED = "#CE0500"
POSITIVE_GREEN = "#18753C"
COUNTRY_GREY_BLUE = "#7F8FAE"
OTHERS_GREY = "#A6A6A6"
HIGHLIGHT_LINK = "rgba(206, 5, 0, 0.55)"
PLAIN_LINK = "rgba(150, 150, 160, 0.30)"
FONT_FAMILY = "Marianne, Arial, sans-serif"
SEPARATORS = ", "  # decimal comma, space as thousands separator

NO_DATA = "Aucune donnée"
OTHERS_LABEL = "Autres"
OTHER_PRODUCTS_GROUP = "Autres produits"
MILLION = 1e6
AXIS_PADDING = 1.4  # room for the bar texts drawn outside the bars
WRAP_WIDTH = 24  # characters per line of a treemap label
MIN_LABELLED_SHARE = 0.015  # of the treemap's area, for a product box to be labelled
MAX_NODE_LABEL = 42  # characters of a Sankey node name before it is shortened


@dataclass(frozen=True)
class FlowWords:
    """How the fiche speaks of a flow."""

    code: str  # "E" / "I", as in queries.sankey
    name: str  # "export" / "import", as in queries.products
    key: str  # "exports" / "imports", as in the kpi indicators
    title: str  # « Exportations »
    singular: str  # « exportation »
    plural: str  # « exportations »
    participle: str  # « exportée »
    color: str


FLOWS: dict[str, FlowWords] = {
    "E": FlowWords(
        "E",
        "export",
        "exports",
        "Exportations",
        "exportation",
        "exportations",
        "exportée",
        EXPORT_VIOLET,
    ),
    "I": FlowWords(
        "I",
        "import",
        "imports",
        "Importations",
        "importation",
        "importations",
        "importée",
        IMPORT_BLUE,
    ),
}
_FLOW_ALIASES = {alias: words for words in FLOWS.values() for alias in (words.code, words.name)}


def flow_words(flow: str) -> FlowWords:
    """The flow `E`/`I` (queries.sankey) or `export`/`import` (queries.products)."""
    try:
        return _FLOW_ALIASES[flow]
    except (KeyError, TypeError):
        raise ValueError(f"unknown flow {flow!r}") from None


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _styled(fig: go.Figure, title: str | None, height: int, margin: dict[str, int]) -> go.Figure:
    """The project's look: white background, Marianne, grey text, French separators."""
    fig.update_layout(
        title=(
            {"text": title, "x": 0, "xanchor": "left", "font": {"size": 17, "color": BLUE_FRANCE}}
            if title
            else None
        ),
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT_GREY},
        paper_bgcolor="white",
        plot_bgcolor="white",
        separators=SEPARATORS,
        height=height,
        margin={"t": 70 if title else 40, "b": 40, "l": 20, "r": 20, **margin},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}, "bgcolor": "white"},
    )
    return fig


def empty_figure(title: str | None = None) -> go.Figure:
    """A blank figure saying « Aucune donnée »."""
    fig = go.Figure()
    fig.add_annotation(
        text=NO_DATA,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 16, "color": TEXT_GREY},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _styled(fig, title, 240, {})


def _sign_color(value_eur: float) -> str:
    """Red for a deficit, green for a surplus, grey when it rounds to 0,0 M€."""
    rounded = round(value_eur / MILLION, 1)
    if rounded < 0:
        return NEGATIVE_RED
    return POSITIVE_GREEN if rounded > 0 else TEXT_GREY


def _nice_step(raw: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at least `raw`."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _decimals(step: float) -> int:
    """Decimals needed to print every multiple of `step` exactly."""
    return next((d for d in range(7) if round(step, d) == step), 6)


def _symmetric_ticks(half_range: float) -> tuple[list[float], list[str]]:
    """Ticks from −half_range to +half_range, labelled by their absolute value."""
    step = _nice_step(half_range / 5)
    count = math.floor(half_range / step + 1e-9)
    values = [k * step for k in range(-count, count + 1)]
    decimals = _decimals(step)
    return values, [number(abs(v), decimals) for v in values]


def _wrapped(text: str, width: int = WRAP_WIDTH) -> str:
    """Long labels on several lines (Plotly does not wrap), so that more of them fit a box."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _shorten(text: str, limit: int = MAX_NODE_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# « Principaux pays à l'import et à l'export »


def _partner_bar(
    words: FlowWords, x: list[float], values_eur: list[float], customdata: list[list[str]]
) -> go.Bar:
    return go.Bar(
        name=words.title,
        orientation="h",
        x=x,
        y=list(range(len(x))),
        marker={"color": words.color},
        text=[meur(v) if v else "" for v in values_eur],
        textposition="outside",
        cliponaxis=False,
        textfont={"size": 11, "color": TEXT_GREY},
        customdata=customdata,
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>Importations : %{customdata[1]}"
            "<br>Exportations : %{customdata[2]}<br>Solde : %{customdata[3]}<extra></extra>"
        ),
    )


def _right_note(text: str, y: float, **extra: object) -> dict[str, object]:
    """An annotation just right of the plot area, at height `y`."""
    return {
        "text": text,
        "x": 1,
        "xref": "paper",
        "xanchor": "left",
        "xshift": 8,
        "y": y,
        "showarrow": False,
        **extra,
    }


def _balance_annotations(balances: list[float]) -> list[dict[str, object]]:
    """« Solde » over the right margin, then each country's signed, coloured balance."""
    header = _right_note("<b>Solde</b>", 1, yref="paper", yanchor="bottom")
    rows = [
        _right_note(meur(b, signed=True), row, yref="y", font={"color": _sign_color(b)})
        for row, b in enumerate(balances)
    ]
    return [header, *rows]


def partners_figure(partners: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Butterfly bars: imports to the left, exports to the right (M€), balance on the right.

    `partners` is queries.partners: country, country_name, imports_eur, exports_eur, balance_eur.
    Countries keep the frame's order (largest imports + exports first) and are drawn top down.
    """
    if partners.empty:
        return empty_figure(title)
    frame = partners.assign(_total=partners["imports_eur"] + partners["exports_eur"])
    frame = frame.sort_values("_total", ascending=False, kind="stable")
    names = [str(name) for name in frame["country_name"]]
    imports = [float(v) for v in frame["imports_eur"]]
    exports = [float(v) for v in frame["exports_eur"]]
    balances = [float(v) for v in frame["balance_eur"]]
    customdata = [
        [name, meur(i), meur(e), meur(b, signed=True)]
        for name, i, e, b in zip(names, imports, exports, balances, strict=True)
    ]
    fig = go.Figure(
        [
            _partner_bar(FLOWS["I"], [-v / MILLION for v in imports], imports, customdata),
            _partner_bar(FLOWS["E"], [v / MILLION for v in exports], exports, customdata),
        ]
    )
    extent = max(max(map(abs, imports)), max(map(abs, exports))) / MILLION or 1.0
    half_range = extent * AXIS_PADDING
    tick_values, tick_texts = _symmetric_ticks(half_range)
    fig.update_layout(
        barmode="relative",
        bargap=0.3,
        annotations=_balance_annotations(balances),
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom", "traceorder": "normal"},
        xaxis={
            "range": [-half_range, half_range],
            "tickvals": tick_values,
            "ticktext": tick_texts,
            "title": {"text": "millions d'euros (importations à gauche, exportations à droite)"},
            "gridcolor": GRID_GREY,
            "zeroline": True,
            "zerolinecolor": TEXT_GREY,
            "zerolinewidth": 1,
            "fixedrange": True,
        },
        yaxis={
            "tickvals": list(range(len(names))),
            "ticktext": names,
            "autorange": "reversed",
            "showgrid": False,
            "fixedrange": True,
            "automargin": True,
        },
    )
    return _styled(fig, title, 140 + 34 * len(names), {"r": 110, "b": 60})


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


def mix(color: str, other: str, weight: float) -> str:
    """`color` moved towards `other` by `weight` (0 → color, 1 → other), as #rrggbb."""
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * weight):02x}" for x, y in zip(a, b, strict=True))


def _shades(base: str, count: int) -> list[str]:
    """`count` shades of `base`, from darker to `base` itself (white text stays readable)."""
    if count == 1:
        return [base]
    return [mix(base, "#000000", 0.45 * (1 - i / (count - 1))) for i in range(count)]


def _flow_names(flows: str | Sequence[str] | None) -> list[str]:
    """The `export`/`import` names to draw, imports first as in the fiche's title."""
    if flows is None:
        return ["import", "export"]
    wanted = [flows] if isinstance(flows, str) else list(flows)
    names = {flow_words(flow).name for flow in wanted}
    return [name for name in ("import", "export") if name in names]


def _with_a17(products: pd.DataFrame) -> pd.DataFrame:
    """Adds the A17 parent of each product; unknown products go to « Autres produits »."""
    a17 = refs.products()[["code", "a17_code", "a17_name"]].rename(columns={"code": "product"})
    frame = products.merge(a17, on="product", how="left")
    frame["a17_code"] = frame["a17_code"].fillna(OTHERS)
    frame["a17_name"] = frame["a17_name"].fillna(OTHER_PRODUCTS_GROUP)
    return frame


def _flow_treemap_nodes(frame: pd.DataFrame, words: FlowWords) -> list[TreemapNode]:
    """The flow's box, its A17 groups (largest first) and their products."""
    groups = (
        frame.groupby(["a17_code", "a17_name"], sort=False)
        .agg(value=("value_eur", math.fsum), share=("share_pct", math.fsum))
        .reset_index()
        .sort_values(["value", "a17_code"], ascending=[False, True], kind="stable")
    )
    root = TreemapNode(
        words.name,
        "",
        words.title,
        math.fsum(groups["value"]),
        math.fsum(groups["share"]),
        words.color,
    )
    nodes = [root]
    for group, color in zip(
        groups.itertuples(index=False), _shades(words.color, len(groups)), strict=True
    ):
        group_id = f"{words.name}/{group.a17_code}"
        nodes.append(
            TreemapNode(group_id, root.id, group.a17_name, group.value, group.share, color)
        )
        members = frame[frame["a17_code"] == group.a17_code]
        nodes += [
            TreemapNode(
                f"{group_id}/{row.product}",
                group_id,
                str(row.product_name),
                float(row.value_eur),
                float(row.share_pct),
                color,
            )
            for row in members.itertuples(index=False)
        ]
    return nodes


def treemap_nodes(
    products: pd.DataFrame, flows: str | Sequence[str] | None = None
) -> list[TreemapNode]:
    """Every box of the treemap: flows, then A17 groups, then products (positive values only).

    Parents' values are the exact sums of their children's (branchvalues="total").
    """
    nodes: list[TreemapNode] = []
    positive = products[products["value_eur"] > 0]
    for name in _flow_names(flows):
        frame = positive[positive["flow"] == name]
        if not frame.empty:
            nodes += _flow_treemap_nodes(_with_a17(frame), flow_words(name))
    return nodes


def _treemap_text(node: TreemapNode, is_leaf: bool, total: float) -> str:
    """A box's text: name and value; none on boxes too small to read (hover still works).

    Plotly draws a parent's text in its header band, where the name alone fits best.
    """
    if not is_leaf:
        return node.label
    if node.value < MIN_LABELLED_SHARE * total:
        return ""
    return f"<b>{_wrapped(node.label)}</b><br>{meur(node.value)}"


def treemap_figure(
    products: pd.DataFrame, flows: str | Sequence[str] | None = None, title: str | None = None
) -> go.Figure:
    """Areas proportional to value: « Importations » in blue, « Exportations » in violet.

    `products` is queries.products (flow, product, product_name, value_eur, share_pct);
    `flows` restricts to "export"/"import" (or "E"/"I", or a list of them). Products with a
    negative or zero value (customs corrections) cannot have an area and are left out.
    """
    nodes = treemap_nodes(products, flows)
    if not nodes:
        return empty_figure(title)
    flow_of = {node.id: flow_words(node.id.split("/")[0]) for node in nodes}
    parents = {node.parent for node in nodes}
    total = math.fsum(node.value for node in nodes if not node.parent)
    customdata = [
        [
            meur(n.value),
            f"{pct(n.share_pct, share_decimals(n.share_pct))} des {flow_of[n.id].plural}",
        ]
        for n in nodes
    ]
    fig = go.Figure(
        go.Treemap(
            ids=[n.id for n in nodes],
            parents=[n.parent for n in nodes],
            labels=[n.label for n in nodes],
            text=[_treemap_text(n, n.id not in parents, total) for n in nodes],
            values=[n.value for n in nodes],
            branchvalues="total",
            marker={"colors": [n.color for n in nodes], "line": {"color": "white", "width": 1}},
            customdata=customdata,
            texttemplate="%{text}",
            hovertemplate=(
                "<b>%{label}</b><br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"
            ),
            textfont={"color": "white", "family": FONT_FAMILY},
            root={"color": "white"},
            pathbar={"visible": True},
            tiling={"pad": 2},
        )
    )
    return _styled(fig, title, 560, {"l": 5, "r": 5, "b": 5})


# ---------------------------------------------------------------------------------------------
# « Flux à l'export par produit et par pays » / « Flux à l'import par pays et par produit »


@dataclass(frozen=True)
class SankeyNode:
    side: str  # "source" / "target"
    kind: str  # "product" / "country"
    code: str
    name: str
    value: float  # euros through the node


def _node_name(kind: str, code: str) -> str:
    if code == OTHERS:
        return OTHERS_LABEL
    return refs.product_name(code) if kind == "product" else refs.country_name(code)


def _positive_links(links: pd.DataFrame) -> pd.DataFrame:
    """Links a Sankey can draw (a negative total, from customs corrections, cannot)."""
    return links[links["value_eur"] > 0].reset_index(drop=True)


def _side_nodes(links: pd.DataFrame, side: str, kind: str) -> list[SankeyNode]:
    totals = links.groupby(side)["value_eur"].sum()
    order = sorted(totals.index, key=lambda code: (code == OTHERS, -totals[code], code))
    return [SankeyNode(side, kind, code, _node_name(kind, code), totals[code]) for code in order]


def _all_nodes(links: pd.DataFrame, flow: str) -> list[SankeyNode]:
    """Sources then targets, each side by decreasing value with « Autres » last."""
    kinds = ("product", "country") if flow_words(flow).code == "E" else ("country", "product")
    return _side_nodes(links, "source", kinds[0]) + _side_nodes(links, "target", kinds[1])


def sankey_nodes(links: pd.DataFrame, flow: str) -> list[str]:
    """The node names in the figure's order (the two « Autres » nodes are distinct)."""
    return [node.name for node in _all_nodes(_positive_links(links), flow)]


def _column_positions(values: list[float]) -> list[float]:
    """Vertical centres (0 = top) stacking the nodes of one column in order, with gaps."""
    total = math.fsum(values) or 1.0
    gap = min(0.03, 0.3 / max(len(values) - 1, 1))
    room = 1 - gap * (len(values) - 1)
    positions, start = [], 0.0
    for value in values:
        height = room * value / total
        positions.append(min(max(start + height / 2, 0.001), 0.999))
        start += height + gap
    return positions


def _node_color(node: SankeyNode, flow: str) -> str:
    if node.code == OTHERS:
        return OTHERS_GREY
    return flow_words(flow).color if node.kind == "product" else COUNTRY_GREY_BLUE


def sankey_figure(links: pd.DataFrame, flow: str, title: str | None = None) -> go.Figure:
    """Products → countries (exports) or countries → products (imports), in M€.

    `links` is queries.sankey: source, target, value_eur, highlight. The five highlighted links
    are red, the others light grey.
    """
    links = _positive_links(links)
    if links.empty:
        return empty_figure(title)
    nodes = _all_nodes(links, flow)
    index = {(node.side, node.code): i for i, node in enumerate(nodes)}
    sources = [index["source", code] for code in links["source"]]
    targets = [index["target", code] for code in links["target"]]
    values = [float(v) for v in links["value_eur"]]
    sides = {side: [n for n in nodes if n.side == side] for side in ("source", "target")}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [f"{_shorten(n.name)} ({meur(n.value)})" for n in nodes],
                "color": [_node_color(n, flow) for n in nodes],
                "x": [0.001 if n.side == "source" else 0.999 for n in nodes],
                "y": _column_positions([n.value for n in sides["source"]])
                + _column_positions([n.value for n in sides["target"]]),
                "pad": 10,
                "thickness": 16,
                "line": {"width": 0},
                "customdata": [f"{n.name} : {meur(n.value)}" for n in nodes],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "color": [HIGHLIGHT_LINK if h == 1 else PLAIN_LINK for h in links["highlight"]],
                "customdata": [
                    f"{nodes[s].name} → {nodes[t].name} : {meur(v)}"
                    for s, t, v in zip(sources, targets, values, strict=True)
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
                "hoverlabel": {"bgcolor": "white", "font": {"color": TEXT_GREY}},
            },
            textfont={"family": FONT_FAMILY, "size": 12, "color": TEXT_GREY},
        )
    )
    rows = max(len(sides["source"]), len(sides["target"]))
    return _styled(fig, title, max(440, 120 + 34 * rows), {"l": 10, "r": 10})


# ---------------------------------------------------------------------------------------------
# Key figures


def kpi_sentences(
    kpis: pd.DataFrame, territory_label: str, region_name: str | None, flow: str
) -> list[str]:
    """The fiche's sentences under a Sankey, e.g.

    « Total des exportations : 1 773,5 M€ »,
    « soit 6,6 % de la valeur exportée par la région Pays de la Loire »,
    « soit 0,31 % de la valeur exportée au niveau national ».

    `kpis` is queries.kpis. The région sentence needs `region_name` and is skipped when the
    territory is the whole région (a région itself, or a one-département région: 100 % says
    nothing); the national sentence is skipped for France (its kpis have no région rows).
    A territory without this flow gets a sentence naming it instead of shares.
    """
    words = flow_words(flow)
    values = {str(k): float(v) for k, v in zip(kpis["indicator"], kpis["value"], strict=True)}
    total = values.get(f"{words.key}_eur", math.nan)
    sentences = [f"Total des {words.plural} : {meur(total)}"]
    if math.isnan(total) or total == 0:
        return [*sentences, f"Aucune {words.singular} enregistrée pour {territory_label}."]
    has_region = f"region_{words.key}_eur" in values
    whole_region = has_region and all(
        math.isclose(values.get(f"region_{key}_eur", math.nan), values.get(f"{key}_eur", math.nan))
        for key in ("exports", "imports")
    )
    if region_name and has_region and not whole_region:
        share = values[f"{words.key}_share_region_pct"]
        sentences.append(
            f"soit {_share(share)} de la valeur {words.participle} par la région {region_name}"
        )
    if has_region:
        share = values[f"{words.key}_share_national_pct"]
        sentences.append(f"soit {_share(share)} de la valeur {words.participle} au niveau national")
    return sentences


def _share(value: float) -> str:
    return pct(value, share_decimals(value))
