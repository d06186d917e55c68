"""The fiche's activities treemap in HTML and CSS, without plotly.js (« Principales
activités »): the boxes of lib/charts/fiche_figures.treemap_nodes laid out here, one view per
level a reader can zoom to, the zoom done by the browser alone.

Why not plotly.js: with the world map, its treemap was the last chart of the fiche's sections
drawn by it, and « Principales activités » took half as long again as the « Flux » sections to
open (docs/PERFORMANCE.md). The Plotly figure (fiche_figures.treemap_figure) stays the document's.

The layout is the squarified treemap (Bruls, Huizing and van Wijk, 2000) as d3-hierarchy's
`treemapSquarify` writes it, the tiling plotly.js uses: each box's area is proportional to its
value, its children fill its content (below a header band that names it), largest first.

Three levels are drawn at a time, as the Plotly figure's `maxdepth`: the flows, their A17
groups and their products; a flow's or a group's box zooms to a view of its own (the group,
its products and their CPF4 detail), and the path above the plot, or the view's top box, goes
back up. st.html runs no script: each view is preceded by a radio button, checked for the
first view, and the stylesheet shows the view whose button is checked; the boxes that zoom are
that button's labels (.streamlit/layout.css, `.cb-treemap`). A product's or a CPF4 code's box
is a link to its Produit page (`links`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import NamedTuple

from lib.charts.fiche_figures import TreemapNode
from lib.charts.kit import HtmlChart, css_percent, empty_html
from lib.core.flows import flow_of
from lib.core.formatting import meur, share


class Rect(NamedTuple):
    """A box, in pixels of the layout's frame: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Frame:
    """The plot a look is laid out for, in pixels: the squarified boxes are near-square at this
    size. The browser stretches it to the chart's width; its height is the plot's."""

    width: int
    height: int


WIDE = Frame(1000, 560)  # the Plotly figure's height (fiche_figures.treemap_figure)
NARROW = Frame(360, 560)  # a phone's column
HEAD_PX = 20  # a parent's header band, which names it
PAD_PX = 2  # a parent's colour around its children
LEVELS = 3  # levels drawn at a time (the Plotly figure's `maxdepth`)
# A leaf is named when at least this wide (px of the frame) and one line tall: a line of its
# text (.streamlit/layout.css: 12 px at 1.2) and its box's padding and border, top and bottom.
LABEL_MIN_W = 44
LINE_PX = 14.4
BOX_PADDING_PX = 6
HEAD_MIN_W = 36
ROOT_NAME = "Toutes les activités"


def squarify(values: Sequence[float], rect: Rect) -> list[Rect]:
    """Boxes tiling `rect` whose areas are proportional to `values` (positive, in the order
    given, which should be largest first): d3-hierarchy's `squarifyRatio` with a ratio of 1.
    Rows of boxes are laid along the shorter side while each new box keeps the row's worst
    aspect ratio from growing."""
    boxes: list[Rect] = []
    left = math.fsum(values)
    x0, y0, x1, y1 = rect.x, rect.y, rect.x + rect.w, rect.y + rect.h
    i0, n = 0, len(values)
    while i0 < n:
        dx, dy = x1 - x0, y1 - y0
        i1, row = _row(values, i0, dx, dy, left)
        last = i1 == n  # the last row takes what is left, whatever the rounding
        if dx < dy:  # a row across the top, its boxes side by side
            y_end = y1 if last or not left else min(y0 + dy * row / left, y1)
            boxes += _dice(values[i0:i1], row, x0, y0, x1, y_end)
            y0 = y_end
        else:  # a column on the left, its boxes one above the other
            x_end = x1 if last or not left else min(x0 + dx * row / left, x1)
            boxes += _slice(values[i0:i1], row, x0, y0, x_end, y1)
            x0 = x_end
        left -= row
        i0 = i1
    return boxes


def _row(values: Sequence[float], i0: int, dx: float, dy: float, left: float) -> tuple[int, float]:
    """The end (exclusive) and the sum of the next row from `i0`: values are added while the
    row's worst aspect ratio does not grow."""
    total = values[i0]
    smallest = largest = total
    alpha = max(dy / dx, dx / dy) / left if dx > 0 and dy > 0 and left > 0 else 0.0
    beta = total * total * alpha
    worst = max(largest / beta, beta / smallest) if beta > 0 else math.inf
    i1 = i0 + 1
    while i1 < len(values):
        value = values[i1]
        beta = (total + value) ** 2 * alpha
        low = min(smallest, value)
        ratio = max(max(largest, value) / beta, beta / low) if beta and low else math.inf
        if ratio > worst:
            break
        total += value
        smallest, largest, worst = min(smallest, value), max(largest, value), ratio
        i1 += 1
    return i1, total


def _dice(
    values: Sequence[float], row: float, x0: float, y0: float, x1: float, y1: float
) -> list[Rect]:
    """The row's boxes side by side across [x0, x1] (the last one ends at x1)."""
    edges = _edges(values, row, x0, x1)
    return [Rect(a, y0, b - a, y1 - y0) for a, b in pairwise(edges)]


def _slice(
    values: Sequence[float], row: float, x0: float, y0: float, x1: float, y1: float
) -> list[Rect]:
    """The column's boxes one above the other across [y0, y1] (the last one ends at y1)."""
    edges = _edges(values, row, y0, y1)
    return [Rect(x0, a, x1 - x0, b - a) for a, b in pairwise(edges)]


def _edges(values: Sequence[float], row: float, start: float, end: float) -> list[float]:
    """Where each of the row's boxes starts along [start, end], then `end`."""
    edges, at = [start], start
    for value in values[:-1]:
        at = min(at + (end - start) * value / row if row else start, end)
        edges.append(at)
    return [*edges, end]


def content(box: Rect) -> Rect | None:
    """Where a parent's children go: below its header band, inside its padding; None when the
    box is too small to show them."""
    inner = Rect(box.x + PAD_PX, box.y + HEAD_PX, box.w - 2 * PAD_PX, box.h - HEAD_PX - PAD_PX)
    return inner if inner.w > 0 and inner.h > 0 else None


# --- The tree and its views ---------------------------------------------------------------


class _Tree:
    """The treemap's nodes by id, and each node's children, largest first ("" is the root)."""

    def __init__(self, nodes: Sequence[TreemapNode]) -> None:
        self.nodes = {node.id: node for node in nodes}
        self.children: dict[str, list[TreemapNode]] = {}
        for node in nodes:
            self.children.setdefault(node.parent, []).append(node)
        for kids in self.children.values():
            kids.sort(key=lambda node: -node.value)  # stable: ties keep the data's order

    def top(self) -> str:
        """The first view's top: the root, or the one flow when only one is drawn."""
        flows = self.children.get("", [])
        return flows[0].id if len(flows) == 1 else ""

    def views(self) -> list[str]:
        """The first view's top, then every flow and group with a view of its own."""
        top = self.top()
        zoomable = [
            node.id
            for node in self.nodes.values()
            if node.id != top and node.id.count("/") <= 1 and node.id in self.children
        ]
        return [top, *zoomable]

    def name(self, node_id: str) -> str:
        """What a view's top is called, in the path and for its radio button."""
        return self.nodes[node_id].label if node_id else ROOT_NAME

    def path(self, node_id: str) -> list[str]:
        """The ids from the first view's top down to `node_id`."""
        path, top = [], self.top()
        while node_id and node_id != top:
            path.append(node_id)
            node_id = self.nodes[node_id].parent
        return [top, *reversed(path)]


class Placed(NamedTuple):
    """A box of a view: its node, where it is, and whether its children are drawn inside it."""

    node: TreemapNode
    rect: Rect
    parent: bool


def place_view(tree: _Tree, top: str, frame: Frame) -> list[Placed]:
    """The boxes of the view of `top`, parents before their children: `top`'s box filling the
    plot (none for the root), then LEVELS levels in all."""
    plot = Rect(0.0, 0.0, float(frame.width), float(frame.height))
    if top == "":
        return _place(tree, tree.children.get("", []), plot, 0)
    node = tree.nodes[top]
    inner = content(plot)
    kids = tree.children.get(top, []) if inner else []
    return [Placed(node, plot, bool(kids)), *_place(tree, kids, inner or plot, 1)]


def _place(tree: _Tree, nodes: list[TreemapNode], rect: Rect, level: int) -> list[Placed]:
    """`nodes` tiling `rect`, and their descendants down to the view's last level."""
    placed: list[Placed] = []
    for node, box in zip(nodes, squarify([n.value for n in nodes], rect), strict=True):
        inner = content(box) if level < LEVELS - 1 else None
        kids = tree.children.get(node.id, []) if inner else []
        placed.append(Placed(node, box, bool(kids)))
        if kids and inner:
            placed += _place(tree, kids, inner, level + 1)
    return placed


# --- HTML -------------------------------------------------------------------------------


def _tooltip(node: TreemapNode) -> str:
    """Name, value in M€ and share of its flow (the flow is the first part of the node's id)."""
    plural = flow_of(node.id.split("/")[0]).plural
    return f"{node.label}\n{meur(node.value)}\n{share(node.share_pct)} des {plural}"


def _position(rect: Rect, frame: Frame) -> str:
    """The box's place in the plot as CSS `inset` (top, right, bottom, left: % of the plot's
    height or width), one property instead of four: the treemap's markup is some 500 boxes."""
    top, bottom = (100 * y / frame.height for y in (rect.y, frame.height - rect.y - rect.h))
    left, right = (100 * x / frame.width for x in (rect.x, frame.width - rect.x - rect.w))
    return "inset:" + " ".join(css_percent(side) for side in (top, right, bottom, left))


def _text(box: Placed) -> str:
    """A parent's name in its header band; a leaf's name, on the lines its box has room for
    (cut with « … » beyond: `-webkit-line-clamp`), then its value when a line is left."""
    name = escape(box.node.label)
    if box.parent:
        return f'<span class="cb-tm-head">{name}</span>' if box.rect.w >= HEAD_MIN_W else ""
    lines = int((box.rect.h - BOX_PADDING_PX) // LINE_PX)
    if box.rect.w < LABEL_MIN_W or lines < 1:
        return ""
    value = escape(meur(box.node.value))
    shown = f'<span class="cb-tm-name" style="-webkit-line-clamp:{max(lines - 1, 1)}">{name}</span>'
    return shown + (f'<span class="cb-tm-value">{value}</span>' if lines >= 2 else "")


class _Targets(NamedTuple):
    """Where a box leads: the radio buttons of the views (by top id; `group`, their name) and
    the Produit pages."""

    group: str
    views: Mapping[str, str]  # top id -> its radio button's id
    links: Mapping[str, str]  # node id -> URL


def _box_html(box: Placed, view_top: str, tree: _Tree, targets: _Targets, frame: Frame) -> str:
    """One box: a link to its Produit page, a label that zooms to its view (or, for the view's
    own top, back to the view above), or a plain box."""
    node = box.node
    attrs = (
        f'class="cb-tm-box{" cb-tm-parent" if box.parent else ""}" data-id="{escape(node.id)}" '
        f'title="{escape(_tooltip(node))}" '
        f'style="{_position(box.rect, frame)};background:{node.color}"'
    )
    text = _text(box)
    url = targets.links.get(node.id)
    if url is not None:
        return f'<a href="{escape(url)}" {attrs}>{text}</a>'
    zoom = _zoom_target(node, view_top, tree, targets.views)
    if zoom is not None:
        return f'<label for="{targets.views[zoom]}" {attrs}>{text}</label>'
    return f"<div {attrs}>{text}</div>"


def _zoom_target(
    node: TreemapNode, view_top: str, tree: _Tree, views: Mapping[str, str]
) -> str | None:
    """The view a click on `node`'s box shows: its own, or, for the view's top, the view above;
    None for a box that leads nowhere. (A view's top is a flow or a group, whose parent, the
    root or a flow, is the first view's top or has a view of its own.)"""
    if node.id != view_top:
        return node.id if node.id in views else None
    return None if view_top == tree.top() else node.parent


def _path_html(tree: _Tree, top: str, views: Mapping[str, str]) -> str:
    """The path above the plot: each level above the view a label back to its view."""
    steps = []
    for node_id in tree.path(top):
        name = escape(tree.name(node_id))
        steps.append(name if node_id == top else f'<label for="{views[node_id]}">{name}</label>')
    return '<div class="cb-tm-path">' + " › ".join(steps) + "</div>"


def _view_html(tree: _Tree, top: str, index: int, targets: _Targets, frame: Frame) -> str:
    own = targets.views[top]
    checked = " checked" if index == 0 else ""
    name = escape(tree.name(top))
    boxes = "".join(
        _box_html(box, top, tree, targets, frame) for box in place_view(tree, top, frame)
    )
    return (
        f'<input type="radio" class="cb-tm-pick" name="{targets.group}" id="{own}"'
        f'{checked} aria-label="{name}">'
        f'<div class="cb-tm-view" data-top="{escape(top)}">'
        + _path_html(tree, top, targets.views)
        + f'<div class="cb-tm-plot" style="height:{frame.height}px">'
        + boxes
        + "</div></div>"
    )


def signature(nodes: Sequence[TreemapNode]) -> str:
    """What is drawn, as text: each box as « id:euros », separated by « , » (ids are codes)."""
    return ",".join(f"{node.id}:{node.value:.15g}" for node in nodes)


def treemap_html(
    nodes: Sequence[TreemapNode], links: Mapping[str, str], narrow: bool = False
) -> HtmlChart:
    """The treemap of `nodes` (fiche_figures.treemap_nodes), wide or `narrow` for a phone;
    `links`: a box's id -> its Produit page's URL."""
    if not nodes:
        return empty_html()
    frame = NARROW if narrow else WIDE
    tree = _Tree(nodes)
    drawn = signature(nodes)
    # Radio buttons' ids, unique in the page: the data's and the look's.
    prefix = "tm" + hashlib.sha1(drawn.encode()).hexdigest()[:10] + ("n" if narrow else "w")
    views = {top: f"{prefix}-{i}" for i, top in enumerate(tree.views())}
    targets = _Targets(prefix, views, links)
    return HtmlChart(
        f'<figure class="comext-chart cb-treemap" data-bars="{len(nodes)}" '
        f'data-signature="{escape(drawn)}">'
        + "".join(_view_html(tree, top, i, targets, frame) for i, top in enumerate(views))
        + "</figure>"
    )
