"""The fiche's activities treemap in HTML (lib/charts/treemap_html.py), read back with a plain
parser (tests/html_charts.py) and checked against values computed here by hand: the
squarified tiling of Bruls, Huizing and van Wijk's own example, its properties on any values
(hypothesis), and, on a small fiche, which views there are, what each draws three levels deep,
where each box leads, and what it says. Hostile names stay text."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.charts import fiche_figures, treemap_html
from lib.charts.treemap_html import HEAD_PX, NARROW, PAD_PX, WIDE, Rect, squarify
from lib.core.states import OTHERS
from tests.html_charts import (
    STYLESHEET,
    TreemapBox,
    TreemapView,
    read,
    treemap_values,
    treemap_views,
)
from tests.test_figures import products_frame

M = 1_000_000
NB = "\u00a0"
EPS = 0.05  # px: the markup writes places to a thousandth of a percent of the frame


# --- The tiling -------------------------------------------------------------------------------


def test_squarify_lays_out_the_papers_example() -> None:
    """Bruls et al.'s figure: 6, 6, 4, 3, 2, 2, 1 in a 6 × 4 rectangle. By hand: the two 6s in
    a column on the left (3 wide); then, across the top of the 3 × 4 left, 4 and 3 (7 of the 12
    that remain: 7/3 high); then, in the 3 × 5/3 below, a column for each 2 (2/5 of 3, then 2/3
    of 1.8) and the 1 last."""
    boxes = squarify([6, 6, 4, 3, 2, 2, 1], Rect(0, 0, 6, 4))
    expected = [
        (0, 0, 3, 2),
        (0, 2, 3, 2),
        (3, 0, 12 / 7, 7 / 3),
        (3 + 12 / 7, 0, 9 / 7, 7 / 3),
        (3, 7 / 3, 1.2, 5 / 3),
        (4.2, 7 / 3, 1.2, 5 / 3),
        (5.4, 7 / 3, 0.6, 5 / 3),
    ]
    assert [tuple(box) for box in boxes] == [pytest.approx(box) for box in expected]


def _overlap(a: Rect, b: Rect) -> float:
    across = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    down = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return max(across, 0.0) * max(down, 0.0)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(1e-3, 1e9), min_size=1, max_size=40),
    width=st.floats(1, 2000),
    height=st.floats(1, 2000),
    ordered=st.booleans(),
)
def test_squarify_tiles_its_rectangle_in_proportion(
    values: list[float], width: float, height: float, ordered: bool
) -> None:
    if ordered:
        values = sorted(values, reverse=True)
    rect = Rect(10, 20, width, height)
    boxes = squarify(values, rect)
    total = math.fsum(values)
    assert len(boxes) == len(values)
    for box, value in zip(boxes, values, strict=True):
        assert box.w >= 0 and box.h >= 0
        assert box.x >= rect.x - 1e-9 * width and box.x + box.w <= rect.x + width * (1 + 1e-9)
        assert box.y >= rect.y - 1e-9 * height and box.y + box.h <= rect.y + height * (1 + 1e-9)
        assert box.w * box.h == pytest.approx(width * height * value / total, rel=1e-6, abs=1e-9)
    assert math.fsum(b.w * b.h for b in boxes) == pytest.approx(width * height, rel=1e-9)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert _overlap(a, b) <= 1e-6 * width * height


def test_a_parents_content_is_below_its_header_inside_its_padding() -> None:
    assert treemap_html.content(Rect(0, 0, 100, 50)) == Rect(2, 20, 96, 28)
    assert treemap_html.content(Rect(0, 0, 100, HEAD_PX + PAD_PX)) is None  # no room


# --- A small fiche ---------------------------------------------------------------------------

# tests/test_figures.PRODUCTS: exports C21Z 600 and C20A 100 (A17 C5), C10A 300 (C1); imports
# C26A 500 (C3), C29A 250 (C4), ZZ99 50 (unknown: « Autres produits »). C21Z's exports have a
# CPF4 detail: 2110 500 M€, 2120 40 M€, 60 M€ undetailed.
PRODUCTS = products_frame(
    [
        ("export", "C21Z", 600 * M),
        ("export", "C10A", 300 * M),
        ("export", "C20A", 100 * M),
        ("import", "C26A", 500 * M),
        ("import", "C29A", 250 * M),
        ("import", "ZZ99", 50 * M),
    ]
)
DETAILS = pd.DataFrame(
    {
        "flow": ["export", "export"],
        "product": ["C21Z", "C21Z"],
        "cpf4": ["2110", "2120"],
        "cpf4_name": ["Produits pharmaceutiques de base", "Préparations pharmaceutiques"],
        "value_eur": [40 * M, 500 * M],
    }
)
VALUES = {  # M€ of every box, by hand
    "export": 1000,
    "export/C5": 700,
    "export/C5/C21Z": 600,
    "export/C5/C21Z/2120": 500,
    "export/C5/C21Z/2110": 40,
    "export/C5/C21Z/-": 60,
    "export/C5/C20A": 100,
    "export/C1": 300,
    "export/C1/C10A": 300,
    "import": 800,
    "import/C3": 500,
    "import/C3/C26A": 500,
    "import/C4": 250,
    "import/C4/C29A": 250,
    f"import/{OTHERS}": 50,
    f"import/{OTHERS}/ZZ99": 50,
}
GROUPS = ["export/C5", "export/C1", "import/C3", "import/C4", f"import/{OTHERS}"]


def _links(ids: list[str]) -> dict[str, str]:
    """A made-up page per product or CPF4 box (what the page gives: lib/fiche/cached_charts)."""
    return {node_id: f"/produit?code={node_id.split('/')[-1]}" for node_id in ids}


PRODUCT_IDS = [i for i in VALUES if i.count("/") >= 2 and not i.endswith("/-")]


def _views(narrow: bool = False, flows: list[str] | None = None) -> list[TreemapView]:
    nodes = fiche_figures.treemap_nodes(PRODUCTS, flows, DETAILS)
    chart = treemap_html.treemap_html(nodes, _links(PRODUCT_IDS), narrow=narrow)
    return treemap_views(chart.markup)


def _px(box: TreemapBox, frame: treemap_html.Frame) -> Rect:
    left, top, width, height = box.place
    return Rect(
        left * frame.width / 100,
        top * frame.height / 100,
        width * frame.width / 100,
        height * frame.height / 100,
    )


def _parent_id(node_id: str) -> str:
    return node_id.rpartition("/")[0]


def _assert_tiles(view: TreemapView, frame: treemap_html.Frame) -> None:
    """Every set of siblings drawn tiles its parent's content (the whole plot for the flows of
    the root view), each box's area in proportion to its value (VALUES)."""
    boxes = {box.id: box for box in view.boxes}
    siblings: dict[str, list[TreemapBox]] = {}
    for box in view.boxes:
        if box.id != view.top:
            siblings.setdefault(_parent_id(box.id), []).append(box)
    for parent, kids in siblings.items():
        if parent in boxes:
            p = _px(boxes[parent], frame)
            area = Rect(p.x + PAD_PX, p.y + HEAD_PX, p.w - 2 * PAD_PX, p.h - HEAD_PX - PAD_PX)
        else:
            area = Rect(0, 0, frame.width, frame.height)
        total = math.fsum(VALUES[kid.id] for kid in kids)
        for kid in kids:
            r = _px(kid, frame)
            assert r.x >= area.x - EPS and r.x + r.w <= area.x + area.w + EPS, kid.id
            assert r.y >= area.y - EPS and r.y + r.h <= area.y + area.h + EPS, kid.id
            share = area.w * area.h * VALUES[kid.id] / total
            assert r.w * r.h == pytest.approx(share, abs=EPS * (r.w + r.h)), kid.id


def test_the_first_view_draws_flows_groups_and_products() -> None:
    views = _views()
    first = views[0]
    assert first.checked and not any(view.checked for view in views[1:])
    assert first.top == "" and first.height == f"{WIDE.height}px"
    # Three levels: the flows, their A17 groups, their products; not the CPF4 codes.
    assert {box.id for box in first.boxes} == {i for i in VALUES if i.count("/") <= 2}
    _assert_tiles(first, WIDE)
    # Imports (800 M€) and exports (1 000): the exports take 1 000 / 1 800 of the plot.
    (exports,) = [box for box in first.boxes if box.id == "export"]
    assert exports.place[2] * exports.place[3] == pytest.approx(100 * 100 * 1000 / 1800, rel=1e-4)


def test_a_flow_and_a_group_zoom_to_views_of_their_own() -> None:
    views = _views()
    by_top = {view.top: view for view in views}
    assert views[0].top == "" and len(views) == len(by_top)
    assert set(by_top) == {"", "export", "import", *GROUPS}
    radios = {view.top: view.radio for view in views}
    assert len(set(radios.values())) == len(views)
    assert {view.group for view in views} == {views[0].group}  # one choice at a time
    first = by_top[""]
    for box in first.boxes:
        if box.id in radios:  # a flow or a group: a label of its view's button
            assert (box.tag, box.label_for) == ("label", radios[box.id])
    # The group C5 of the exports: itself, its products, and C21Z's CPF4 detail.
    group = by_top["export/C5"]
    assert group.boxes[0].id == "export/C5"
    assert {box.id for box in group.boxes} == {i for i in VALUES if i.startswith("export/C5")}
    _assert_tiles(group, WIDE)
    top = group.boxes[0]
    assert top.place == (0, 0, 100, 100)
    assert (top.tag, top.label_for) == ("label", radios["export"])  # back up, to the flow
    # The path above: each level above a label of its view; the group's name last, plain.
    assert group.path == [
        ("Toutes les activités", radios[""]),
        ("Exportations", radios["export"]),
        ("Fabrication d'autres produits industriels", None),
    ]
    assert by_top["export"].boxes[0].label_for == radios[""]


def test_products_and_cpf4_codes_link_to_their_pages() -> None:
    views = _views()
    for view in views:
        for box in view.boxes:
            if box.id in PRODUCT_IDS:
                assert (box.tag, box.href) == ("a", f"/produit?code={box.id.split('/')[-1]}")
            elif box.id.endswith("/-"):  # C21Z's undetailed rest: no page of its own here
                assert box.tag == "div" and box.href is None
    group = {view.top: view for view in views}["export/C5"]
    pharma = next(box for box in group.boxes if box.id == "export/C5/C21Z")
    assert pharma.parent and pharma.head == "Industrie pharmaceutique"


def test_a_box_says_its_name_value_and_share() -> None:
    group = {view.top: view for view in _views()}["export/C5"]
    boxes = {box.id: box for box in group.boxes}
    base = boxes["export/C5/C21Z/2120"]
    assert base.tooltip == (
        f"2120 – Préparations pharmaceutiques\n500,0{NB}M€\n50,0{NB}% des exportations"
    )
    assert (base.name, base.value) == ("2120 – Préparations pharmaceutiques", f"500,0{NB}M€")
    assert int(base.clamp) >= 1
    assert boxes["export/C5/C21Z/-"].tooltip.startswith(f"Non détaillé\n60,0{NB}M€\n6,0{NB}%")
    # Colours: the group's for its products and their codes; lighter for the undetailed rest.
    colors = {box.id: box.color for box in group.boxes}
    assert {colors[i] for i in colors if not i.endswith("/-")} == {colors["export/C5"]}
    assert colors["export/C5/C21Z/-"] != colors["export/C5"]


def test_one_flow_starts_on_its_own_view() -> None:
    views = _views(flows=["export"])
    first = views[0]
    assert first.top == "export" and first.boxes[0].id == "export"
    assert first.boxes[0].tag == "div"  # nowhere further up
    assert [view.top for view in views[1:]] == ["export/C5", "export/C1"]
    assert first.path == [("Exportations", None)]
    assert {view.top: view for view in views}["export/C1"].boxes[0].label_for == first.radio
    assert not any(box.id.startswith("import") for view in views for box in view.boxes)


def test_the_narrow_look_is_laid_out_for_a_phone() -> None:
    wide, narrow = _views(), _views(narrow=True)
    assert [view.top for view in wide] == [view.top for view in narrow]
    # Each look its own buttons: both may be in the page at once (one hidden by the CSS).
    assert not {view.radio for view in wide} & {view.radio for view in narrow}
    for view in narrow:
        _assert_tiles(view, NARROW)


def test_hostile_names_stay_text() -> None:
    hostile = '<img src=x onerror="alert(1)">Viande & "co"'
    products = PRODUCTS.copy()
    products.loc[products["product"] == "C10A", "product_name"] = hostile
    nodes = fiche_figures.treemap_nodes(products)
    markup = treemap_html.treemap_html(nodes, {"export/C1/C10A": '/p?a="><b>'}).markup
    assert "<img" not in markup and "<b>" not in markup
    (first, *_) = treemap_views(markup)
    (box,) = [box for box in first.boxes if box.id == "export/C1/C10A"]
    assert box.name == hostile and box.tooltip.startswith(hostile)
    assert box.href == '/p?a="><b>'


def test_no_value_no_treemap() -> None:
    empty = PRODUCTS.assign(value_eur=0.0)
    chart = treemap_html.treemap_html(fiche_figures.treemap_nodes(empty), {})
    (drawn,) = read(chart.markup)
    assert "cb-empty" in drawn.classes


def test_the_signature_says_every_box() -> None:
    nodes = fiche_figures.treemap_nodes(PRODUCTS, details=DETAILS)
    (drawn,) = read(treemap_html.treemap_html(nodes, {}).markup)
    assert {k: v / M for k, v in treemap_values(drawn).items()} == VALUES
    assert drawn.bars == len(VALUES)


def test_the_stylesheet_shows_the_checked_view_alone() -> None:
    css = re.sub(r"\s+", " ", STYLESHEET.read_text(encoding="utf-8"))
    assert ".cb-tm-view { display: none; }" in css
    assert ".cb-tm-pick:checked + .cb-tm-view { display: block; }" in css
