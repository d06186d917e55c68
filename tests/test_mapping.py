"""The Carte page's choropleth (lib.charts.choropleth) on a hand-made queries.map_metrics frame."""

from __future__ import annotations

import itertools
import json
import math
import re

import folium
import numpy as np
import pandas as pd
import pytest

from lib.charts import choropleth
from lib.charts.choropleth import CENTER_COLOR, DROM, METRICS, NAN_COLOR, NAN_LABEL
from lib.core import refs

NB = "\u00a0"


def metrics_frame() -> pd.DataFrame:
    """queries.map_metrics columns: skewed exports, mixed balances, a few NaN on purpose."""
    frame = refs.departements().rename(columns={"code": "dept"})
    n = len(frame)
    rank = np.arange(1, n + 1, dtype=float)
    exports = rank**3 * 1e5  # very skewed, as the real data
    imports = exports * np.where(rank % 2 == 0, 1.5, 0.6)
    prev_exports = exports * np.where(rank % 3 == 0, 0.8, 1.1)
    prev_imports = np.where(rank % 10 == 0, np.nan, imports * np.where(rank % 4 == 0, 1.2, 0.9))
    frame["exports_eur"] = exports
    frame["imports_eur"] = imports
    frame["balance_eur"] = exports - imports
    frame["coverage_pct"] = 100 * exports / imports
    frame["exports_share_national_pct"] = 100 * exports / exports.sum()
    frame["imports_share_national_pct"] = 100 * imports / imports.sum()
    frame["exports_change_pct"] = 100 * (exports - prev_exports) / prev_exports
    frame["imports_change_pct"] = 100 * (imports - prev_imports) / prev_imports
    return frame


METRICS_FRAME = metrics_frame()
CODES = list(METRICS_FRAME["dept"])


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def legend_html(m: folium.Map) -> str:
    """The legend control's HTML (the rendered page carries it escaped in the map's script)."""
    (legend,) = [c for c in m._children.values() if isinstance(c, choropleth._Legend)]
    assert f"({legend.get_name()}, {m.get_name()});" in rendered(m)  # placed on this map
    return legend.content


def geojson_layers(m: folium.Map, name: str) -> list[folium.GeoJson]:
    return [
        c for c in m._children.values() if isinstance(c, folium.GeoJson) and c.layer_name == name
    ]


# ----------------------------------------------------------------------------- geometry


def test_geojson_has_the_101_departements_and_is_cached():
    geojson = choropleth.load_departements_geojson()
    assert len(geojson["features"]) == 101
    assert {f["properties"]["code"] for f in geojson["features"]} == set(CODES)
    assert choropleth.load_departements_geojson() is geojson


def test_choropleth_leaves_the_cached_geojson_untouched():
    choropleth.choropleth(METRICS_FRAME, "exports", selected="53")
    feature = choropleth.load_departements_geojson()["features"][0]
    assert set(feature["properties"]) == {"code", "name", "region_code"}
    assert "id" not in feature


# The two layouts of the insets: (insets, id suffix, CSS class, the view that must hold them).
LAYOUTS = [
    (choropleth.INSETS, "-encart", choropleth.WIDE_ONLY, choropleth.METROPOLE_BOUNDS),
    (choropleth.ROW_INSETS, "-encart-ligne", choropleth.NARROW_ONLY, choropleth.NARROW_BOUNDS),
]


@pytest.mark.parametrize(("insets", "suffix", "look", "view"), LAYOUTS)
def test_drom_have_framed_insets_inside_their_frames(insets, suffix, look, view):
    assert DROM == ["971", "972", "973", "974", "976"]
    assert [inset.code for inset in insets] == DROM
    m = choropleth.choropleth(METRICS_FRAME, "exports")
    (layer,) = geojson_layers(m, "departements")
    features = {f["id"]: f for f in choropleth.with_shapes(layer.data["features"])}
    for inset in insets:
        copy = features[f"{inset.code}{suffix}"]
        assert copy["properties"]["code"] == inset.code
        lons, lats = zip(*choropleth._points(copy["geometry"]["coordinates"]), strict=True)
        assert inset.west <= min(lons) and max(lons) <= inset.east
        assert inset.south <= min(lats) and max(lats) <= inset.north
        (south, west), (north, east) = view
        assert south <= inset.south and inset.north <= north
        assert west <= inset.west and inset.east <= east
        assert layer.style_function(copy)["className"] == look  # the other layout hides it
    assert len(features) == 101 + 2 * len(DROM)
    assert "className" not in layer.style_function(features["29"])  # drawn at every width


INSET_CALLS = re.compile(
    r"L\.rectangle\((?P<bounds>\[\[.*?\]\]), (?P<frame>\{.*?\})\)\.addTo\(map\);\s*"
    r"L\.marker\((?P<at>\[.*?\]), \{\"interactive\": false, \"icon\": L\.divIcon\(\s*"
    r"(?P<icon>\{.*?\})\)\}\)\.addTo\(map\);"
)


def test_each_inset_s_frame_and_name_are_drawn_once_on_the_map() -> None:
    """The rendered script holds, for each inset of both layouts, one frame (its bounds, the
    layout's class, a thin grey line, no fill, not clickable) and one name (the column's above
    its frame's north-west corner, the row's centred under its frame), on this map."""
    m = choropleth.choropleth(METRICS_FRAME, "exports", selected="53")
    html = rendered(m)
    calls = [match.groupdict() for match in INSET_CALLS.finditer(html)]
    expected = [(inset, look) for insets, _, look, _ in LAYOUTS for inset in insets]
    assert len(calls) == len(expected) == 2 * len(DROM)
    for call, (inset, look) in zip(calls, expected, strict=True):
        assert json.loads(call["bounds"]) == [[inset.south, inset.west], [inset.north, inset.east]]
        frame = json.loads(call["frame"])
        assert frame == {
            "className": look,
            "color": choropleth.INSET_FRAME,
            "weight": 1,
            "fill": False,
            "interactive": False,
        }
        icon = json.loads(call["icon"])
        assert icon["html"] == f'<div class="comext-inset-label">{inset.name}</div>'
        row = look == choropleth.NARROW_ONLY
        assert icon["className"] == f"{look} comext-inset-{'row' if row else 'column'}"
        below = [inset.south, (inset.west + inset.east) / 2]
        assert json.loads(call["at"]) == (below if row else [inset.north, inset.west])
    assert f"}})({m.get_name()});" in html  # drawn on this map


@pytest.mark.parametrize("order", [("53", "971"), ("971", "53")])
def test_a_layer_s_bounds_are_its_own_shapes_whichever_map_came_first(order) -> None:
    """The bounds of each map's outline layer, however many maps were drawn before (a
    layer's bounds are kept once computed): the extent of its own shapes, read here from
    their coordinates."""
    for selected in order:
        m = choropleth.choropleth(METRICS_FRAME, "exports", selected=selected)
        (outline,) = geojson_layers(m, "selection")
        boxes = [_bbox(choropleth.shapes()[f["id"]]) for f in outline.data["features"]]
        souths, wests, norths, easts = zip(*boxes, strict=True)
        assert outline.get_bounds() == [[min(souths), min(wests)], [max(norths), max(easts)]]


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    lons, lats = zip(*choropleth._points(geometry["coordinates"]), strict=True)
    return min(lats), min(lons), max(lats), max(lons)


def _apart(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Two (south, west, north, east) boxes that do not intersect."""
    return a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]


@pytest.mark.parametrize(("insets", "suffix", "look", "view"), LAYOUTS)
def test_inset_frames_cover_no_metropolitan_departement(insets, suffix, look, view):
    """Read from the map's own GeoJSON: no frame on any metropolitan département's bounding
    box (Brittany's first), none on another frame."""
    metropole = [
        f
        for f in choropleth.load_departements_geojson()["features"]
        if f["properties"]["code"] not in DROM
    ]
    assert len(metropole) == 96
    frames = [(i.south, i.west, i.north, i.east) for i in insets]
    for feature in metropole:
        box = _bbox(feature["geometry"])
        assert all(_apart(frame, box) for frame in frames), feature["properties"]["name"]
    for a, b in itertools.combinations(frames, 2):
        assert _apart(a, b)


def test_the_row_of_insets_lies_under_metropolitan_france():
    mainland = [
        _bbox(f["geometry"])
        for f in choropleth.load_departements_geojson()["features"]
        if f["properties"]["code"] not in DROM
    ]
    south_of_france = min(box[0] for box in mainland)  # Corsica's southern tip
    assert max(inset.north for inset in choropleth.ROW_INSETS) < south_of_france
    wests = [inset.west for inset in choropleth.ROW_INSETS]
    assert wests == sorted(wests)  # one row, west to east, in the column's order


def test_each_layout_is_hidden_by_the_map_css_at_the_other_width():
    html = rendered(choropleth.choropleth(METRICS_FRAME, "exports", selected="971"))
    assert (
        f"@media {choropleth.NARROW_MAP} {{ .{choropleth.WIDE_ONLY} {{ display: none; }} }}" in html
    )
    narrow_hidden = f"@media not all and {choropleth.NARROW_MAP} {{ .{choropleth.NARROW_ONLY} {{"
    assert narrow_hidden in html
    for look in (choropleth.WIDE_ONLY, choropleth.NARROW_ONLY):
        assert html.count(f'"className": "{look}"') >= len(DROM)  # frames, shapes
        assert html.count(f'"className": "{look} comext-inset-') == len(DROM)  # names


# ----------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("metric_key", list(METRICS))
def test_every_metric_renders_every_departement_offline(metric_key):
    html = rendered(choropleth.choropleth(METRICS_FRAME, metric_key))
    for code in CODES:
        assert f'"code": "{code}"' in html
    assert "openstreetmap" not in html.lower()
    assert "tileLayer" not in html
    assert not re.search(r"https?://[^\"' ]*\{z\}", html)
    assert METRICS[metric_key].label in legend_html(
        choropleth.choropleth(METRICS_FRAME, metric_key)
    )


def test_metric_labels_are_french():
    assert METRICS["exports"].label == "Exportations"
    assert METRICS["imports"].label == "Importations"
    assert METRICS["balance"].label == "Solde commercial"
    assert METRICS["coverage"].label == "Taux de couverture"
    assert METRICS["exports_share"].label == "Part des exportations nationales"
    assert METRICS["imports_change"].label == "Évolution des importations sur un an"
    columns = set(METRICS_FRAME.columns)
    assert all(metric.column in columns for metric in METRICS.values())


def test_national_shares_read_as_in_the_fiche():
    """Two decimals whatever the share, as the fiche's « au niveau national » sentence."""
    assert METRICS["imports_share"].format(1.85) == "1,85\u00a0%"
    assert METRICS["exports_share"].format(12.0) == "12,00\u00a0%"
    assert METRICS["exports_share"].format(0.308) == "0,31\u00a0%"


def test_view_is_metropolitan_france_without_tiles():
    """Fitted by the legend's script: metropolitan France, with the row of insets when narrow."""
    m = choropleth.choropleth(METRICS_FRAME, "balance")
    assert not [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    (legend,) = [c for c in m._children.values() if isinstance(c, choropleth._Legend)]
    script = rendered(m)
    assert "map.fitBounds(" in script and "fitBounds" not in script.replace("map.fitBounds(", "")
    assert f"narrow.matches ? {choropleth.NARROW_BOUNDS} : {choropleth.METROPOLE_BOUNDS}" in script
    assert legend.narrow == choropleth.NARROW_MAP


def test_tooltip_properties_are_formatted_french_strings():
    m = choropleth.choropleth(METRICS_FRAME, "exports_change")
    (layer,) = geojson_layers(m, "departements")
    properties = next(f["properties"] for f in layer.data["features"] if f["id"] == "53")
    row = METRICS_FRAME.set_index("dept").loc["53"]
    assert properties["code"] == "53"
    assert properties["label"] == "Mayenne (53)"
    assert properties["exports"].endswith(f"{NB}M€")
    assert properties["balance"][0] in "+−0"
    assert properties["exports_change"] == choropleth.METRICS["exports_change"].format(
        row["exports_change_pct"]
    )
    tooltip = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.fields == [
        "label",
        "exports",
        "imports",
        "balance",
        "coverage",
        "exports_change",
    ]
    assert tooltip.aliases[0] == "Département"


# ----------------------------------------------------------------------------- colours


def test_nan_and_missing_departements_are_neutral_grey():
    frame = METRICS_FRAME[METRICS_FRAME["dept"] != "75"].copy()
    frame.loc[frame["dept"] == "53", "coverage_pct"] = math.nan
    colors = choropleth.feature_colors(frame, "coverage")
    assert colors["53"] == colors["75"] == NAN_COLOR
    assert (NAN_COLOR, NAN_LABEL) in choropleth.legend_rows(frame, "coverage")
    m = choropleth.choropleth(frame, "coverage")
    (layer,) = geojson_layers(m, "departements")
    paris = next(f["properties"] for f in layer.data["features"] if f["id"] == "75")
    assert paris["coverage"] == paris["exports"] == "–"
    assert NAN_LABEL in legend_html(m)


def test_all_nan_metric_still_renders():
    frame = METRICS_FRAME.assign(exports_change_pct=math.nan)
    assert set(choropleth.feature_colors(frame, "exports_change").values()) == {NAN_COLOR}
    assert choropleth.legend_rows(frame, "exports_change") == [(NAN_COLOR, NAN_LABEL)]
    rendered(choropleth.choropleth(frame, "exports_change"))


@pytest.mark.parametrize(
    ("metric_key", "column", "center"),
    [
        ("balance", "balance_eur", 0.0),
        ("coverage", "coverage_pct", 100.0),
        ("exports_change", "exports_change_pct", 0.0),
        ("imports_change", "imports_change_pct", 0.0),
    ],
)
def test_diverging_metrics_are_red_below_and_green_above_the_centre(metric_key, column, center):
    colors = choropleth.feature_colors(METRICS_FRAME, metric_key)
    values = METRICS_FRAME.set_index("dept")[column]
    assert (values < center).any() and (values > center).any()
    for code, value in values.items():
        red, green, _ = rgb(colors[code])
        if value < center:
            assert red > green, (code, value, colors[code])
        elif value > center:
            assert green > red, (code, value, colors[code])
        else:
            assert colors[code] == NAN_COLOR


def test_exact_centre_is_neutral_and_in_the_legend():
    frame = METRICS_FRAME.copy()
    frame.loc[frame["dept"] == "53", "balance_eur"] = 0.0
    assert choropleth.feature_colors(frame, "balance")["53"] == CENTER_COLOR
    rows = choropleth.legend_rows(frame, "balance")
    assert (CENTER_COLOR, f"0,0{NB}M€") in rows
    texts = [text for _, text in rows]
    assert texts.index(f"0,0{NB}M€") == sum(text.startswith("de −") for text in texts)


def test_skewed_values_spread_over_every_class():
    colors = choropleth.feature_colors(METRICS_FRAME, "exports")
    scale = choropleth.scale_for(METRICS_FRAME, METRICS["exports"])
    assert len(scale.bins) == choropleth.SEQUENTIAL_CLASSES
    counts = pd.Series(colors).value_counts()
    assert set(counts.index) == {b.color for b in scale.bins}
    assert counts.max() <= 25  # quantiles: ~20 each, whereas equal intervals put 80+ in one


def test_legend_labels_are_french_ranges():
    rows = choropleth.legend_rows(METRICS_FRAME, "exports")
    assert all(text.startswith("de ") and f"{NB}M€ à " in text for _, text in rows)
    rows = choropleth.legend_rows(METRICS_FRAME, "coverage")
    assert all(text.endswith(f"{NB}%") for _, text in rows)


# ----------------------------------------------------------------------------- selection


def test_selected_departement_is_outlined_on_top():
    m = choropleth.choropleth(METRICS_FRAME, "exports", selected="53")
    (outline,) = geojson_layers(m, "selection")
    assert [f["properties"]["code"] for f in outline.data["features"]] == ["53"]
    style = outline.style_function(outline.data["features"][0])
    assert style["color"] == choropleth.SELECTED_OUTLINE and style["weight"] >= 2
    assert outline.options["interactive"] is False
    children = list(m._children.values())
    assert children.index(outline) > children.index(geojson_layers(m, "departements")[0])


def test_selected_drom_is_outlined_in_place_and_in_its_inset():
    m = choropleth.choropleth(METRICS_FRAME, "balance", selected="971")
    (outline,) = geojson_layers(m, "selection")
    assert [f["id"] for f in outline.data["features"]] == ["971", "971-encart", "971-encart-ligne"]
    looks = [outline.style_function(f).get("className") for f in outline.data["features"]]
    assert looks == [None, choropleth.WIDE_ONLY, choropleth.NARROW_ONLY]


@pytest.mark.parametrize("selected", [None, "99", "nope"])
def test_no_outline_without_a_known_selection(selected):
    m = choropleth.choropleth(METRICS_FRAME, "exports", selected=selected)
    assert geojson_layers(m, "selection") == []


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        choropleth.choropleth(METRICS_FRAME, "population")


# ----------------------------------------------------------------------------- clicks


def test_feature_code_of_a_clicked_feature():
    feature = choropleth.load_departements_geojson()["features"][0]
    code = feature["properties"]["code"]
    assert choropleth.feature_code(feature) == code
    assert choropleth.feature_code({"last_active_drawing": feature, "zoom": 6}) == code
    clicked_inset = {"type": "Feature", "id": "973-encart", "properties": {"code": "973"}}
    assert choropleth.feature_code(clicked_inset) == "973"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "53",
        53,
        [],
        {},
        {"properties": None},
        {"properties": "53"},
        {"properties": {}},
        {"properties": {"code": 53}},
        {"properties": {"code": "99"}},
        {"properties": {"code": ["53"]}},
        {"last_active_drawing": None},
        {"last_active_drawing": "53"},
    ],
)
def test_feature_code_is_none_for_anything_else(garbage):
    assert choropleth.feature_code(garbage) is None


# ----------------------------------------------------------------------------- shapes by name


def test_a_map_s_script_names_its_shapes_and_the_browser_has_them() -> None:
    """The maps' layers carry each feature's id, properties and style, not its shape
    (geometry null); every id is one of the shapes that static/geo/departements_shapes.js hands
    the browser, loaded after Leaflet. The shapes are geo/departements.geojson's own, and the
    insets' copies; the layer's bounds are its shapes'."""
    from pages.parts import folium_maps

    m = choropleth.choropleth(METRICS_FRAME, "exports", selected="971")
    args = folium_maps.component_args(m)
    assert '"coordinates"' not in args["script"]
    assert args["js_links"] == [choropleth.LEAFLET_JS, choropleth.SHAPES_JS]
    shapes = choropleth.shapes()
    source = {
        f["properties"]["code"]: f["geometry"]
        for f in choropleth.load_departements_geojson()["features"]
    }
    assert {code: shapes[code] for code in source} == source
    suffixes = ("-encart", "-encart-ligne")
    assert set(shapes) == set(source) | {f"{d}{s}" for d in DROM for s in suffixes}
    for name in ("departements", "selection"):
        (layer,) = geojson_layers(m, name)
        assert all(f["geometry"] is None for f in layer.data["features"])
        assert all(f["id"] in shapes for f in layer.data["features"])
    lats, lons = [], []
    for geometry in source.values():
        for lon, lat in choropleth._points(geometry["coordinates"]):
            lats.append(lat)
            lons.append(lon)
    assert args["bounds"] == [[min(lats), min(lons)], [max(lats), max(lons)]]


def test_the_static_shapes_are_the_maps_shapes() -> None:
    """The committed static/geo/departements_shapes.js is what geo/build_shapes.py writes from
    the current geometry and insets (run it again after changing either)."""
    from lib.core import config

    path = config.STATIC_DIR / config.DEPARTEMENT_SHAPES
    assert path.read_text(encoding="utf-8") == choropleth.shapes_script()
    assert config.DEPARTEMENT_SHAPES_URL == choropleth.SHAPES_JS
    text = choropleth.shapes_script()
    # Leaflet's default marker images: the folder the script names holds them (Leaflet's own
    # guess inside streamlit-folium's frame was /app/static/leaflet, without images/).
    (images,) = re.findall(r'^L\.Icon\.Default\.imagePath = "([^"]+)";$', text, re.MULTILINE)
    assert images.startswith(config.STATIC_URL + "/") and images.endswith("/")
    folder = config.STATIC_DIR / images.removeprefix(config.STATIC_URL + "/")
    assert {"marker-icon.png", "marker-shadow.png"} <= {p.name for p in folder.iterdir()}
    start = text.index("var shapes = ") + len("var shapes = ")
    import json

    shapes, _ = json.JSONDecoder().raw_decode(text[start:])
    assert shapes == choropleth.shapes()
