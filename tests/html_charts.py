"""The HTML charts of the app (lib/charts/kit.HtmlChart) read back from their markup, as a test
reads a Plotly chart from its spec: a bar chart's rows (name, bars, values, balance, tooltip)
and ticks, a Sankey's nodes, labels and links, and the attributes the bench reads. A plain
parser, independent of the builder's code."""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[1] / ".streamlit" / "layout.css"


@dataclass
class Row:
    name: str = ""
    tooltip: str = ""
    widths: list[float] = field(default_factory=list)  # % of its half: imports, exports
    colors: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # the texts beside the bars ("": none)
    balance: str = ""
    balance_color: str = ""


@dataclass
class Box:
    """A Sankey's node or link: its tooltip, colour and place (inline styles, as written)."""

    tooltip: str
    color: str
    style: dict[str, str]


@dataclass
class Label:
    """A Sankey node's label: its side (cb-sk-source / cb-sk-target), top, and both looks."""

    side: str
    top: str
    wide: str = ""
    narrow: str = ""


@dataclass
class HtmlChartRead:
    classes: list[str]
    bars: int
    signature: str
    rows: list[Row] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (left %, text)
    legend: list[str] = field(default_factory=list)
    head: str = ""
    axis: str = ""
    text: str = ""  # every text, in order
    nodes: list[Box] = field(default_factory=list)  # a Sankey's, in order
    links: list[Box] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    node_count: int = 0  # data-nodes
    plot_height: str = ""  # a Sankey's plot, in px
    reference_at: float | None = None  # the specialisations' dashed line at 1, left %
    note: str = ""  # and its note


def _styles(attrs: dict[str, str | None]) -> dict[str, str]:
    """Every declaration of an inline style (values may hold commas, never a semicolon)."""
    pairs = (part.split(":", 1) for part in (attrs.get("style") or "").split(";") if ":" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def _style(attrs: dict[str, str | None], name: str) -> str:
    return _styles(attrs).get(name, "")


def _box(attrs: dict[str, str | None]) -> Box:
    styles = _styles(attrs)
    return Box(attrs.get("title") or "", styles.get("background", ""), styles)


def link_clip_path() -> str:
    """The stylesheet's `clip-path` of `.cb-sk-link` (every link's curve), spaces collapsed."""
    rule = re.search(r"\.cb-sk-link \{(.*?)\}", STYLESHEET.read_text(encoding="utf-8"), re.S)
    assert rule is not None, "no .cb-sk-link rule in the stylesheet"
    declaration = re.search(r"clip-path:\s*polygon\((.*?)\);", rule.group(1), re.S)
    assert declaration is not None, rule.group(1)
    points = re.sub(r"\s+", " ", declaration.group(1)).strip()
    return f"clip-path: polygon({points});"


@functools.cache
def _curve_points() -> list[tuple[str, str]]:
    """The stylesheet's polygon as (x, y) CSS texts, y in terms of var(--a), var(--b), var(--h)."""
    inner = link_clip_path().removeprefix("clip-path: polygon(").removesuffix(");")
    pairs = (point.split(" ", 1) for point in re.split(r", (?=[\d.]+% )", inner))
    return [(x, y) for x, y in pairs]


def _length(text: str, variables: dict[str, float]) -> float:
    """A CSS percentage (« 12.5% », « var(--a) », « calc(var(--a) + … * 0.5) »), in %."""
    expression = re.sub(r"var\(--(\w)\)", lambda m: repr(variables[m.group(1)]), text)
    expression = expression.removeprefix("calc").replace("%", "")
    return _arithmetic(ast.parse(expression.strip(), mode="eval").body, text)


_OPERATORS: dict[type, Callable[..., float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _arithmetic(node: ast.expr, text: str) -> float:
    """The value of a parsed `calc()`: numbers, + - * / and brackets; anything else (a name, a
    call) fails the test that read it, instead of being run."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _arithmetic(node.left, text), _arithmetic(node.right, text)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_arithmetic(node.operand, text))
    raise AssertionError(f"not arithmetic: {ast.dump(node)} in {text!r}")


def polygon(box: Box) -> list[tuple[float, float]]:
    """A link's band as (x, y) percentages: the stylesheet's curve for its `--a`, `--b`, `--h`."""
    variables = {name: float(box.style[f"--{name}"].rstrip("%")) for name in "abh"}
    return [(_length(x, variables), _length(y, variables)) for x, y in _curve_points()]


class _ClassStack(HTMLParser):
    """A parser that knows the classes of the elements it is inside (void ones excepted)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []  # the class of each open element

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def _inside(self, name: str) -> bool:
        return any(name in classes.split() for classes in self.stack)


class _Reader(_ClassStack):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[HtmlChartRead] = []
        self.tick_at: float | None = None

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if tag == "br":  # a void element: nothing to close; a line break in a name
            if self.charts and self._inside("cb-name"):
                self.charts[-1].rows[-1].name += "\n"
            return
        classes = (attrs.get("class") or "").split()
        self.stack.append(" ".join(classes))
        if "comext-chart" in classes:
            self.charts.append(
                HtmlChartRead(
                    classes,
                    int(attrs.get("data-bars") or 0),
                    attrs.get("data-signature") or "",
                    node_count=int(attrs.get("data-nodes") or 0),
                )
            )
            return
        if not self.charts:
            return
        chart = self.charts[-1]
        if "cb-row" in classes:
            chart.rows.append(Row(tooltip=attrs.get("title") or ""))
        elif "cb-bar" in classes:
            chart.rows[-1].widths.append(float(_style(attrs, "width").rstrip("%")))
            chart.rows[-1].colors.append(_style(attrs, "background"))
        elif "cb-value" in classes:
            chart.rows[-1].values.append("")
        elif "cb-balance" in classes:
            chart.rows[-1].balance_color = _style(attrs, "color")
        elif "cb-ref" in classes:
            chart.reference_at = float(_style(attrs, "left").rstrip("%"))
        elif "cb-sk-plot" in classes:
            chart.plot_height = _style(attrs, "height")
        elif "cb-sk-link" in classes:
            chart.links.append(_box(attrs))
        elif "cb-sk-node" in classes:
            chart.nodes.append(_box(attrs))
        elif "cb-sk-label" in classes:
            chart.labels.append(Label(classes[1], _style(attrs, "top")))
        elif self._inside("cb-ticks") and not classes:
            self.tick_at = float(_style(attrs, "left").rstrip("%"))

    def handle_data(self, data: str) -> None:
        if not self.charts or not self.stack:
            return
        chart, here = self.charts[-1], self.stack[-1].split()
        chart.text += data
        if self._inside("cb-name"):
            chart.rows[-1].name += data
        elif self._inside("cb-note"):
            chart.note += data
        elif "cb-value" in here:
            chart.rows[-1].values[-1] += data
        elif "cb-balance" in here:
            chart.rows[-1].balance += data
        elif "cb-head" in here:
            chart.head += data
        elif "cb-axis" in here:
            chart.axis += data
        elif "cb-key" in here:
            chart.legend.append(data)
        elif "cb-sk-wide" in here:
            chart.labels[-1].wide += data
        elif "cb-sk-narrow" in here:
            chart.labels[-1].narrow += data
        elif self.tick_at is not None and self._inside("cb-ticks"):
            chart.ticks.append((self.tick_at, data))
            self.tick_at = None


def read(markup: str) -> list[HtmlChartRead]:
    """The HTML charts in `markup`, in order."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader.charts


def charts_in(bodies: Iterable[str]) -> list[HtmlChartRead]:
    """The HTML charts of several st.html bodies (an AppTest's or a protocol run's)."""
    return [chart for body in bodies if "comext-chart" in body for chart in read(body)]


def in_app(at: object) -> list[HtmlChartRead]:
    """The HTML charts an AppTest run drew (its st.html elements), in order."""
    return charts_in(element.proto.body for element in at.get("html"))  # type: ignore[attr-defined]


def is_sankey(chart: HtmlChartRead) -> bool:
    return "cb-sankey" in chart.classes


def is_partners(chart: HtmlChartRead) -> bool:
    return "cb-partners" in chart.classes


def is_specialisation(chart: HtmlChartRead) -> bool:
    return "cb-spec" in chart.classes


def sankeys_in(bodies: Iterable[str]) -> list[HtmlChartRead]:
    """The Sankeys among the HTML charts of several st.html bodies, in order."""
    return [chart for chart in charts_in(bodies) if is_sankey(chart)]


def sankey_links(chart: HtmlChartRead) -> tuple[list[str], list[tuple[int, int, float]]]:
    """A Sankey's `data-signature`: its node names, and its links as (source index, target
    index, euros), in the drawing's order."""
    names, _, bands = chart.signature.partition("\n")
    links = []
    for band in bands.split(",") if bands else []:
        ends, _, value = band.partition(":")
        source, _, target = ends.partition(">")
        links.append((int(source), int(target), float(value)))
    return names.split("|"), links


# --- The activities treemap (lib/charts/treemap_html.py) -------------------------------------


@dataclass
class TreemapBox:
    """A box of a treemap view, as written: its element (`a`, `label`, `div`), node id, place
    (left, top, width, height: % of the plot), colour, tooltip, what a click leads to (`href`
    or the radio button a label is `for`) and its texts."""

    tag: str
    id: str
    parent: bool
    place: tuple[float, float, float, float]
    color: str
    tooltip: str
    href: str | None = None
    label_for: str | None = None
    head: str = ""
    name: str = ""
    value: str = ""
    clamp: str = ""  # the name's -webkit-line-clamp


@dataclass
class TreemapView:
    """A view: its radio button (id, name, checked), top (node id, "" for the root), plot height
    (px), the path above the plot as (text, the radio button it is a label `for`, or None), and
    its boxes in order."""

    radio: str
    group: str
    checked: bool
    top: str = ""
    height: str = ""
    path: list[tuple[str, str | None]] = field(default_factory=list)
    boxes: list[TreemapBox] = field(default_factory=list)


class _TreemapReader(_ClassStack):
    def __init__(self) -> None:
        super().__init__()
        self.views: list[TreemapView] = []
        self.in_path_label = False

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        classes = (attrs.get("class") or "").split()
        if tag == "input":  # void: not on the stack
            if "cb-tm-pick" in classes:
                radio = attrs.get("id") or ""
                self.views.append(TreemapView(radio, attrs.get("name") or "", "checked" in attrs))
            return
        self.stack.append(" ".join(classes))
        view = self.views[-1] if self.views else None
        if view is None:
            return
        if "cb-tm-view" in classes:
            view.top = attrs.get("data-top") or ""
        elif "cb-tm-plot" in classes:
            view.height = _style(attrs, "height")
        elif tag == "label" and self._inside("cb-tm-path"):
            view.path.append(("", attrs.get("for")))
            self.in_path_label = True
        elif "cb-tm-box" in classes:
            top, right, bottom, left = (
                float(side.rstrip("%")) for side in _style(attrs, "inset").split()
            )
            place = (left, top, 100 - left - right, 100 - top - bottom)
            view.boxes.append(
                TreemapBox(
                    tag,
                    attrs.get("data-id") or "",
                    "cb-tm-parent" in classes,
                    place,
                    _style(attrs, "background"),
                    attrs.get("title") or "",
                    attrs.get("href"),
                    attrs.get("for"),
                )
            )
        elif "cb-tm-name" in classes:
            view.boxes[-1].clamp = _style(attrs, "-webkit-line-clamp")

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        self.in_path_label = False

    def handle_data(self, data: str) -> None:
        if not self.views or not self.stack:
            return
        view, here = self.views[-1], self.stack[-1].split()
        if self._inside("cb-tm-path"):
            self._path_text(view, data)
        elif "cb-tm-head" in here:
            view.boxes[-1].head += data
        elif "cb-tm-name" in here:
            view.boxes[-1].name += data
        elif "cb-tm-value" in here:
            view.boxes[-1].value += data

    def _path_text(self, view: TreemapView, data: str) -> None:
        """The path's steps: each label's text, then the view's own name (after the last « › »)."""
        if self.in_path_label:
            text, target = view.path[-1]
            view.path[-1] = (text + data, target)
            return
        for part in data.split("›"):
            if part.strip():
                view.path.append((part.strip(), None))


def treemap_views(markup: str) -> list[TreemapView]:
    """The views of the treemap in `markup`, in order."""
    reader = _TreemapReader()
    reader.feed(markup)
    reader.close()
    return reader.views


def is_treemap(chart: HtmlChartRead) -> bool:
    return "cb-treemap" in chart.classes


def treemap_values(chart: HtmlChartRead) -> dict[str, float]:
    """A treemap's `data-signature`: each box's id (`export/C5/C21Z`…) → its euros."""
    boxes = (item.rsplit(":", 1) for item in chart.signature.split(","))
    return {node: float(value) for node, value in boxes}
