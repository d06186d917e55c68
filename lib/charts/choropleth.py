"""The Carte page's choropleth of queries.map_metrics: folium, offline (no tile server).

Each département is a GeoJSON feature whose properties keep `code` (what streamlit-folium
returns on a click) plus pre-formatted French strings for the tooltip. Colours come from class
breaks at the quantiles of the data (the distributions are very skewed: a few départements
dominate); diverging metrics get separate classes below and above their centre. The five DROM
are drawn at their true place (off the metropolitan view) and as framed insets: in a column in
the Bay of Biscay, the usual layout of French maps, or on a narrow map (a phone) in a row under
metropolitan France, where the column's labels would reach Brittany; every copy carries the same
`code`.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.utilities import get_bounds
from jinja2 import Template

from lib.core.config import DEPARTEMENT_SHAPES_URL, GEO_DIR, STATIC_URL, static_url
from lib.core.flows import EXPORT, IMPORT, Flow
from lib.core.formatting import meur, national_share, pct
from lib.core.theme import BLUE_FRANCE, BLUE_RAMP, FONT_FAMILY, GREEN_RAMP, RED_RAMP, TEXT_GREY, mix

DROM = ["971", "972", "973", "974", "976"]
METROPOLE_BOUNDS = [[41.3, -5.2], [51.1, 9.6]]  # [[south, west], [north, east]]
NARROW_BOUNDS = [[39.3, -5.2], [51.1, 9.6]]  # the same with the row of insets under it

BACKGROUND = "#F5F5FE"
BORDER = "#FFFFFF"
SELECTED_OUTLINE = BLUE_FRANCE
HOVER_OUTLINE = TEXT_GREY
INSET_FRAME = "#929292"
NAN_COLOR = "#BDBDBD"
CENTER_COLOR = "#E5E5E5"
NAN_LABEL = "Données non disponibles"
FILL_OPACITY = 0.9
SEQUENTIAL_CLASSES = 5
DIVERGING_CLASSES = 4  # on each side of the centre

Formatter = Callable[[float], str]

# Leaflet only: the default folium assets (jQuery, Bootstrap, Font Awesome...) are not needed.
# streamlit-folium loads these URLs in the browser: they point at the copy vendored by
# scripts/vendor_leaflet.sh and served by Streamlit's static serving, so no CDN is ever called.
# Named by their content (config.static_url), as the shapes are: a Leaflet vendored again is a
# new address, never a browser's old copy beside the new shapes' script.
LEAFLET_JS = static_url("leaflet/leaflet.js")
LEAFLET_CSS = static_url("leaflet/leaflet.css")
# Its default marker's images (vendored beside it). Leaflet guesses that folder from its style
# sheet and, in streamlit-folium's frame, guesses `/app/static/leaflet` without its last part:
# two 404s and two console errors per map. SHAPES_JS names the folder before any map is drawn.
LEAFLET_IMAGES = f"{STATIC_URL}/leaflet/images/"
# The départements' shapes, loaded after Leaflet (`shapes_script`): the maps' scripts name them.
SHAPES_JS = DEPARTEMENT_SHAPES_URL


# ---------------------------------------------------------------------------------------------
# Geometry


@cache
def load_departements_geojson() -> dict[str, Any]:
    """geo/departements.geojson parsed (cached and shared: callers must not mutate it)."""
    with open(GEO_DIR / "departements.geojson", encoding="utf-8") as handle:
        geojson: dict[str, Any] = json.load(handle)
    return geojson


@cache
def _codes() -> frozenset[str]:
    return frozenset(f["properties"]["code"] for f in load_departements_geojson()["features"])


@dataclass(frozen=True)
class Inset:
    code: str
    name: str
    south: float
    west: float
    north: float
    east: float

    @property
    def bounds(self) -> list[list[float]]:
        return [[self.south, self.west], [self.north, self.east]]


# One column in the Bay of Biscay, with room above each frame for its label.
INSETS = [
    Inset("971", "Guadeloupe", 46.45, -5.15, 47.05, -4.15),
    Inset("972", "Martinique", 45.55, -5.15, 46.15, -4.15),
    Inset("973", "Guyane", 44.65, -5.15, 45.25, -4.15),
    Inset("974", "La Réunion", 43.75, -5.15, 44.35, -4.15),
    Inset("976", "Mayotte", 42.85, -5.15, 43.45, -4.15),
]
# On a narrow map France fills the width and its labels, a fixed size in pixels, cover more
# degrees: the column's reached Brittany's south coast. There, one row under the Pyrenees,
# south of Corsica's tip (41.4°), with room below each frame for its label (two frames' gap:
# a label is ~55 px, a slot 3.05° ≈ 65 px at a phone's zoom) and the view extended to it.
ROW_INSETS = [
    Inset(inset.code, inset.name, 40.0, west, 41.0, west + 2.0)
    for inset, west in zip(INSETS, (-4.9, -1.85, 1.2, 4.25, 7.3), strict=True)
]
INSET_FILL = 0.85  # share of the frame the territory may fill
# The class of what only one layout draws: the map's CSS hides the other (_CSS, NARROW_MAP).
WIDE_ONLY = "comext-wide-only"
NARROW_ONLY = "comext-narrow-only"
ROW_SUFFIX = "-encart-ligne"  # the id of a row inset's feature (a column one's: "-encart")


def inset_layouts() -> list[tuple[list[Inset], str, str]]:
    """(insets, feature id suffix, CSS class) of the column and of the row."""
    return [(INSETS, "-encart", WIDE_ONLY), (ROW_INSETS, ROW_SUFFIX, NARROW_ONLY)]


def _layout_class(feature_id: str) -> dict[str, str]:
    """The style that keeps an inset's copy to its own layout (nothing for the others)."""
    if feature_id.endswith(ROW_SUFFIX):
        return {"className": NARROW_ONLY}
    return {"className": WIDE_ONLY} if feature_id.endswith("-encart") else {}


def _points(coordinates: Any) -> Iterator[tuple[float, float]]:
    if coordinates and isinstance(coordinates[0], int | float):
        yield coordinates[0], coordinates[1]
        return
    for part in coordinates:
        yield from _points(part)


def _mapped(coordinates: Any, transform: Callable[[float, float], list[float]]) -> Any:
    if coordinates and isinstance(coordinates[0], int | float):
        return transform(coordinates[0], coordinates[1])
    return [_mapped(part, transform) for part in coordinates]


def _inset_geometry(geometry: dict[str, Any], inset: Inset) -> dict[str, Any]:
    """The geometry scaled into the inset's frame, keeping its proportions on screen.

    Locally equirectangular: a degree of longitude is cos(latitude) degrees of latitude long.
    """
    lons, lats = zip(*_points(geometry["coordinates"]), strict=True)
    src_lon, src_lat = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    dst_lon, dst_lat = (inset.west + inset.east) / 2, (inset.south + inset.north) / 2
    src_cos, dst_cos = math.cos(math.radians(src_lat)), math.cos(math.radians(dst_lat))
    width = (max(lons) - min(lons)) * src_cos or 1e-9
    height = (max(lats) - min(lats)) or 1e-9
    scale = INSET_FILL * min(
        (inset.east - inset.west) * dst_cos / width, (inset.north - inset.south) / height
    )

    def transform(lon: float, lat: float) -> list[float]:
        return [
            round(dst_lon + (lon - src_lon) * src_cos * scale / dst_cos, 5),
            round(dst_lat + (lat - src_lat) * scale, 5),
        ]

    return {"type": geometry["type"], "coordinates": _mapped(geometry["coordinates"], transform)}


# ---------------------------------------------------------------------------------------------
# Metrics and colour scales


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # French, shown in the selector, the legend and the tooltip
    column: str  # in queries.map_metrics
    format: Formatter
    ramp: tuple[str, str] = BLUE_RAMP  # light → dark, for sequential metrics
    center: float | None = None  # set for diverging metrics (red below, green above)


def _signed_meur(value: float) -> str:
    return meur(value, signed=True)


def _signed_pct(value: float) -> str:
    return pct(value, signed=True)


def _flow_metrics(flow: Flow) -> list[Metric]:
    """Total, national share and one-year change of `flow`, keyed `exports`, `exports_share`…"""
    key, noun, ramp = flow.key, flow.plural, flow.ramp
    return [
        Metric(key, flow.title, f"{key}_eur", meur, ramp),
        Metric(
            f"{key}_share",
            f"Part des {noun} nationales",
            f"{key}_share_national_pct",
            national_share,
            ramp,
        ),
        Metric(
            f"{key}_change",
            f"Évolution des {noun} sur un an",
            f"{key}_change_pct",
            _signed_pct,
            center=0.0,
        ),
    ]


_ALL_METRICS = [
    *_flow_metrics(EXPORT),
    *_flow_metrics(IMPORT),
    Metric("balance", "Solde commercial", "balance_eur", _signed_meur, center=0.0),
    Metric("coverage", "Taux de couverture", "coverage_pct", pct, center=100.0),
]
METRIC_ORDER = [
    "exports",
    "imports",
    "balance",
    "coverage",
    "exports_share",
    "imports_share",
    "exports_change",
    "imports_change",
]
METRICS: dict[str, Metric] = {
    key: next(m for m in _ALL_METRICS if m.key == key) for key in METRIC_ORDER
}
TOOLTIP_KEYS = ["exports", "imports", "balance", "coverage"]


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    color: str


@dataclass(frozen=True)
class Scale:
    bins: tuple[Bin, ...]  # ascending
    center: float | None

    def color(self, value: float | None) -> str:
        if value is None or math.isnan(value):
            return NAN_COLOR
        if value == self.center or not self.bins:
            return CENTER_COLOR
        return next((b.color for b in self.bins if value <= b.high), self.bins[-1].color)


def _ramp(light: str, dark: str, count: int) -> list[str]:
    """`count` colours from `light` to `dark` (just `dark` when count is 1)."""
    if count == 1:
        return [dark]
    return [mix(light, dark, i / (count - 1)) for i in range(count)]


def _quantile_bins(
    values: np.ndarray, classes: int, colors: Callable[[int], list[str]]
) -> list[Bin]:
    """Classes cut at the quantiles of `values` (merged when quantiles coincide)."""
    if values.size == 0:
        return []
    edges = np.unique(np.quantile(values, np.linspace(0, 1, classes + 1)))
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    pairs = list(itertools.pairwise(edges))
    return [
        Bin(float(low), float(high), color)
        for (low, high), color in zip(pairs, colors(len(pairs)), strict=True)
    ]


def scale_for(metrics: pd.DataFrame, metric: Metric) -> Scale:
    """Quantile classes of the metric's column; diverging metrics split at their centre."""
    values = metrics[metric.column].astype("float64").to_numpy()
    values = values[np.isfinite(values)]
    if metric.center is None:
        bins = _quantile_bins(values, SEQUENTIAL_CLASSES, lambda n: _ramp(*metric.ramp, n))
        return Scale(tuple(bins), None)
    below = _quantile_bins(
        values[values < metric.center], DIVERGING_CLASSES, lambda n: _ramp(*RED_RAMP, n)[::-1]
    )
    above = _quantile_bins(
        values[values > metric.center], DIVERGING_CLASSES, lambda n: _ramp(*GREEN_RAMP, n)
    )
    return Scale(tuple(below + above), metric.center)


def _metric(metric_key: str | Metric) -> Metric:
    """A key of METRICS, or a metric of another page's own (lib.charts.exposure_map)."""
    if isinstance(metric_key, Metric):
        return metric_key
    try:
        return METRICS[metric_key]
    except KeyError:
        raise ValueError(f"unknown metric {metric_key!r}") from None


def _by_code(metrics: pd.DataFrame) -> dict[str, dict[str, Any]]:
    records: list[dict[str, Any]] = metrics.to_dict("records")  # type: ignore[assignment]
    return {str(row["dept"]): row for row in records}


def feature_colors(metrics: pd.DataFrame, metric_key: str | Metric) -> dict[str, str]:
    """Fill colour of every département of the GeoJSON (NaN or absent → neutral grey)."""
    metric = _metric(metric_key)
    scale = scale_for(metrics, metric)
    rows = _by_code(metrics)
    return {code: scale.color(_value(rows.get(code), metric)) for code in sorted(_codes())}


def _value(row: dict[str, Any] | None, metric: Metric) -> float:
    value = None if row is None else row.get(metric.column)
    return math.nan if value is None or pd.isna(value) else float(value)


def legend_rows(metrics: pd.DataFrame, metric_key: str | Metric) -> list[tuple[str, str]]:
    """(colour, French label) per class, then the centre and « Données non disponibles »."""
    metric = _metric(metric_key)
    scale = scale_for(metrics, metric)
    values = metrics[metric.column].astype("float64")
    rows = [(b.color, _range_label(metric.format, b.low, b.high)) for b in scale.bins]
    if metric.center is not None and (values == metric.center).any():
        at_center = (CENTER_COLOR, metric.format(metric.center))
        rows.insert(sum(b.high < metric.center for b in scale.bins), at_center)
    if values.isna().any() or len(values) < len(_codes()):
        rows.append((NAN_COLOR, NAN_LABEL))
    return rows


def _range_label(fmt: Formatter, low: float, high: float) -> str:
    return fmt(low) if fmt(low) == fmt(high) else f"de {fmt(low)} à {fmt(high)}"


def _legend_html(title: str, rows: list[tuple[str, str]]) -> str:
    swatch = (
        "display:inline-block;width:14px;height:12px;margin-right:6px;"
        "vertical-align:middle;border:1px solid #929292;background:{color}"
    )
    lines = "".join(
        f'<div><span style="{swatch.format(color=color)}"></span>{html.escape(text)}</div>'
        for color, text in rows
    )
    return (
        f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(title)}</div>{lines}'
        f'<div style="margin-top:4px;font-size:11px">Classes par quantiles</div>'
    )


# On a narrow map (a phone), the legend would cover a good part of France: the map is made
# shorter and the legend goes below it, back into the map's corner on a wider one. The view
# is fitted to either width's bounds (the narrow one holds the row of insets).
NARROW_MAP = "(max-width: 560px)"


class _Legend(MacroElement):
    """A Leaflet control holding the legend (rendered inside the map's own script), or the
    same box under the map when the map is narrow; the view fitted to the width's bounds."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "topright"});
        (function (control, map) {
            var div = L.DomUtil.create("div", "comext-legend");
            div.innerHTML = {{ this.content|tojson }};
            control.onAdd = function () { return div; };
            var narrow = window.matchMedia({{ this.narrow|tojson }});
            var box = map.getContainer();
            var height = box.style.height || box.offsetHeight + "px";
            function place() {
                control.remove();
                div.classList.toggle("comext-legend-below", narrow.matches);
                if (narrow.matches) {
                    box.after(div);
                    var room = Math.ceil(div.getBoundingClientRect().height);
                    box.style.height = "calc(" + height + " - " + room + "px)";
                } else {
                    box.style.height = height;
                    control.addTo(map);
                }
                map.invalidateSize();
                map.fitBounds(
                    narrow.matches ? {{ this.narrow_bounds|tojson }} : {{ this.bounds|tojson }}
                );
            }
            place();
            narrow.addEventListener("change", place);
        })({{ this.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, content: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.content = content
        self.narrow = NARROW_MAP
        self.bounds = METROPOLE_BOUNDS
        self.narrow_bounds = NARROW_BOUNDS


_CSS = f"""<style>
div.leaflet-container {{ background: {BACKGROUND}; font-family: {FONT_FAMILY}; }}
.comext-legend {{ background: white; color: {TEXT_GREY}; padding: 6px 9px; font-size: 12px;
  line-height: 18px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); }}
.comext-inset-label {{ color: #666666; font-size: 10px; font-family: {FONT_FAMILY};
  white-space: nowrap; }}
.comext-inset-row .comext-inset-label {{ text-align: center; }}
@media {NARROW_MAP} {{ .{WIDE_ONLY} {{ display: none; }} }}
@media not all and {NARROW_MAP} {{ .{NARROW_ONLY} {{ display: none; }} }}
.comext-legend-below {{ box-shadow: none; padding: 8px 0 4px; font-size: 11px;
  line-height: 16px; font-family: {FONT_FAMILY}; }}
</style>"""


# ---------------------------------------------------------------------------------------------
# The map


def _properties(
    code: str, name: str, row: dict[str, Any] | None, shown: Sequence[Metric]
) -> dict[str, str]:
    formatted = {metric.key: metric.format(_value(row, metric)) for metric in shown}
    return {"code": code, "name": name, "label": f"{name} ({code})", **formatted}


def _features(metrics: pd.DataFrame, shown: Sequence[Metric]) -> list[dict[str, Any]]:
    """Fresh features: every département, then the insets' copies, each with its id, its
    properties and a null geometry (GeoJSON's « unlocated »): its shape is named by its id, in
    `shapes()`, which the browser has from SHAPES_JS (`_NamedShapes`)."""
    rows = _by_code(metrics)
    features = []
    for feature in load_departements_geojson()["features"]:
        code, name = feature["properties"]["code"], feature["properties"]["name"]
        properties = {**feature["properties"], **_properties(code, name, rows.get(code), shown)}
        features.append(_unlocated(code, properties))
    by_code = {f["id"]: f for f in features}
    for insets, suffix, _look in inset_layouts():
        for inset in insets:
            features.append(_unlocated(f"{inset.code}{suffix}", by_code[inset.code]["properties"]))
    return features


def _unlocated(feature_id: str, properties: dict[str, str]) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "properties": properties, "geometry": None}


@cache
def shapes() -> dict[str, dict[str, Any]]:
    """Every feature id the maps draw → its geometry: each département by its code, then the
    DROM's copies in the insets (`971-encart`, `971-encart-ligne`…). Cached and shared."""
    geometry = {
        f["properties"]["code"]: f["geometry"] for f in load_departements_geojson()["features"]
    }
    for insets, suffix, _look in inset_layouts():
        for inset in insets:
            geometry[f"{inset.code}{suffix}"] = _inset_geometry(geometry[inset.code], inset)
    return geometry


# Put in the browser at SHAPES_JS by geo/build_shapes.py: the shapes by feature id, and
# Leaflet's GeoJSON layers taught to put a feature's shape back, by its id, when it comes
# without one (a FeatureCollection's features are filled before Leaflet adds them one by one).
_SHAPES_SCRIPT = """// Written by geo/build_shapes.py: do not edit. The départements' shapes of the
// folium maps, by feature id (geo/departements.geojson, and lib/charts/choropleth.py's insets);
// and the folder of Leaflet's default marker images, which Leaflet guesses wrong in the maps'
// frame (lib/charts/choropleth.py, LEAFLET_IMAGES).
L.Icon.Default.imagePath = %(images)s;
(function () {
  var shapes = %(shapes)s;
  var addData = L.GeoJSON.prototype.addData;
  L.GeoJSON.prototype.addData = function (data) {
    (data && data.features || []).forEach(function (feature) {
      if (!feature.geometry && Object.prototype.hasOwnProperty.call(shapes, feature.id)) {
        feature.geometry = shapes[feature.id];
      }
    });
    return addData.call(this, data);
  };
})();
"""


def shapes_script() -> str:
    """The script at SHAPES_JS (static/geo/departements_shapes.js), as geo/build_shapes.py
    writes it: tests/test_mapping.py checks that the file is this."""
    return _SHAPES_SCRIPT % {
        "images": json.dumps(LEAFLET_IMAGES),
        "shapes": json.dumps(shapes(), separators=(",", ":"), sort_keys=True),
    }


class _NamedShapes(folium.GeoJson):
    """A GeoJSON layer of the maps' features (`_features`), which come without their geometry:
    the browser has every shape from SHAPES_JS, loaded once per visitor and kept in its cache,
    and Leaflet puts each back by the feature's id. Each map used to carry them: 340 kB of the
    Carte's script, compressed and sent again at every opening (docs/PERFORMANCE.md). Its
    bounds are still its shapes'."""

    def __init__(self, features: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__({"type": "FeatureCollection", "features": features}, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        bounds = _shapes_bounds(tuple(feature["id"] for feature in self.data["features"]))
        return [list(corner) for corner in bounds]


@lru_cache(maxsize=1024)
def _shapes_bounds(ids: tuple[str, ...]) -> tuple[tuple[float | None, ...], ...]:
    """The bounds of the shapes `ids` (feature ids of `shapes`). The shapes never change in a
    process, so each layer's bounds are computed once: going through the coordinates of the
    101 départements and their copies was a quarter of a map's rendering, paid again for each
    département a Carte outlines (a map rendered per year, indicator and outline)."""
    features = with_shapes([{"id": feature_id} for feature_id in ids])
    return tuple(tuple(corner) for corner in get_bounds(features, lonlat=True))


def with_shapes(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The features of a map's layer with their shapes, as the browser draws them."""
    geometry = shapes()
    return [{**feature, "geometry": geometry[feature["id"]]} for feature in features]


def _tooltip_metrics(metric: Metric) -> list[Metric]:
    """The Carte's tooltip: the four key figures, and the metric shown when it is another."""
    keys = TOOLTIP_KEYS + ([] if metric.key in TOOLTIP_KEYS else [metric.key])
    return [METRICS[key] for key in keys]


def _tooltip(shown: Sequence[Metric]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(
        fields=["label", *(metric.key for metric in shown)],
        aliases=["Département", *(metric.label for metric in shown)],
        localize=False,
        sticky=True,
        style=f"font-family: {FONT_FAMILY}; font-size: 13px; color: {TEXT_GREY};",
    )


class _Insets(MacroElement):
    """The frames and names of both layouts' insets, in one element: the column's names above
    their frames, the row's centred under theirs.

    Drawn as a folium Rectangle, Marker and DivIcon each, the ten insets were 30 elements, and
    folium compiles every element's rendered script as a Jinja template again (branca's
    Element): half of a map's rendering, paid for each map the Carte renders (a year, an
    indicator and an outline each). One template, compiled once, writes the same Leaflet calls
    (frames not interactive, as the rectangles were asked to be)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
        {%- for frame, label in this.insets %}
            L.rectangle({{ frame.bounds|tojson }}, {{ frame.options|tojson }}).addTo(map);
            L.marker({{ label.location|tojson }}, {"interactive": false, "icon": L.divIcon({{
                label.icon|tojson }})}).addTo(map);
        {%- endfor %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Insets"
        self.insets = [
            (_inset_frame(inset, look), _inset_label(inset, look))
            for insets, _suffix, look in inset_layouts()
            for inset in insets
        ]


def _inset_frame(inset: Inset, look: str) -> dict[str, Any]:
    options = {
        "className": look,
        "color": INSET_FRAME,
        "weight": 1,
        "fill": False,
        "interactive": False,
    }
    return {"bounds": inset.bounds, "options": options}


def _inset_label(inset: Inset, look: str) -> dict[str, Any]:
    row = look == NARROW_ONLY
    icon = {
        "html": f'<div class="comext-inset-label">{html.escape(inset.name)}</div>',
        "iconSize": [90, 12],
        "iconAnchor": [45, -2] if row else [0, 14],
        "className": f"{look} comext-inset-{'row' if row else 'column'}",
    }
    location = [inset.south, (inset.west + inset.east) / 2] if row else [inset.north, inset.west]
    return {"location": location, "icon": icon}


def _outline(features: list[dict[str, Any]], selected: str) -> folium.GeoJson | None:
    chosen = [f for f in features if f["properties"]["code"] == selected]
    if not chosen:
        return None
    return _NamedShapes(
        chosen,
        name="selection",
        style_function=lambda feature: {
            "color": SELECTED_OUTLINE,
            "weight": 3,
            "fill": False,
            **_layout_class(feature["id"]),
        },
        interactive=False,
        control=False,
    )


def choropleth(
    metrics: pd.DataFrame,
    metric_key: str | Metric,
    selected: str | None = None,
    period: str | None = None,
    tooltip: Sequence[Metric] | None = None,
) -> folium.Map:
    """The départements coloured by `metric_key` (a key of METRICS, or a Metric of another
    page's own), `selected` outlined; `tooltip` lists the metrics the tooltip shows (by default
    the Carte's: the four key figures and the metric).

    `metrics` is queries.map_metrics. No tiles: a plain background, the metropolitan view.
    `period` (« 2025 (T1–T2) ») is written under the legend's title.
    """
    metric = _metric(metric_key)
    shown = list(tooltip) if tooltip is not None else _tooltip_metrics(metric)
    colors = feature_colors(metrics, metric)
    features = _features(metrics, [*METRICS.values()] if tooltip is None else shown)

    m = folium.Map(
        location=[46.4, 2.4],
        zoom_start=6,
        tiles=None,
        min_zoom=4,
        max_zoom=10,
        zoom_snap=0.25,
        scroll_wheel_zoom=False,
        attribution_control=False,
        # Leaflet focuses the map on mousedown for keyboard panning; inside Streamlit's scrolling
        # main block that focus scrolls a partly hidden map, the pointer lands on another shape
        # and the click is lost. Keyboard users have the searchable list instead.
        keyboard=False,
    )
    m.default_js = [("leaflet", LEAFLET_JS), ("departements", SHAPES_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    m.get_root().header.add_child(Element(_CSS))  # type: ignore[attr-defined]

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        code = feature["properties"]["code"]
        return {
            "fillColor": colors.get(code, NAN_COLOR),
            "fillOpacity": FILL_OPACITY,
            "color": SELECTED_OUTLINE if code == selected else BORDER,
            "weight": 2.5 if code == selected else 0.6,
            **_layout_class(feature["id"]),
        }

    _NamedShapes(
        features,
        name="departements",
        style_function=style,
        highlight_function=lambda _feature: {"color": HOVER_OUTLINE, "weight": 2},
        tooltip=_tooltip(shown),
        control=False,
    ).add_to(m)
    _Insets().add_to(m)
    if selected is not None:
        outline = _outline(features, selected)
        if outline is not None:
            outline.add_to(m)
    title = f"{metric.label}, {period}" if period else metric.label
    _Legend(_legend_html(title, legend_rows(metrics, metric))).add_to(m)  # fits the view too
    return m


def feature_code(clicked: object) -> str | None:
    """The département code of a clicked feature as st_folium returns it, else None.

    Accepts the feature (`last_active_drawing`) or st_folium's whole return value.
    """
    if not isinstance(clicked, dict):
        return None
    if "last_active_drawing" in clicked:
        return feature_code(clicked["last_active_drawing"])
    properties = clicked.get("properties")
    code = properties.get("code") if isinstance(properties, dict) else None
    return code if isinstance(code, str) and code in _codes() else None
