"""The départements' maps (lib.charts.choropleth) drawn by streamlit_folium's component, each
rendered once per map and dataset version and shared by every session.

`st_folium` renders the whole folium map at every run of a page: Jinja templates compiled for
each element, and the GeoJSON of the 101 départements written out as JSON several times. py-spy
on the app process under bench.load's visits (2026-12-06) found it was 28 % of the server's CPU,
about 110 ms per opening of the Carte. What it sends to the browser depends only on the map, so
`component_args` computes it once (st_folium's own computation, for a plain folium.Map, with its
helpers: streamlit-folium is pinned in requirements.txt), lib.data.cache keeps it for the dataset
version under what the page builds the map from, and `draw` calls the component with it.
tests/test_folium_maps.py checks that the component receives what st_folium would send.

streamlit_folium is imported in the page's run, as components.clicked_departement explains.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import branca
import folium
import folium.elements
import streamlit as st

from lib.data import cache


def component_args(fmap: folium.Map) -> dict[str, Any]:
    """What st_folium sends to its component for `fmap`, but for the widget's key, its size and
    the values asked back (see `draw`). Renders (and changes) `fmap`."""
    import streamlit_folium as sf

    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)  # before _get_map_string, which changes the map (st_folium's order)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = _links(fmap)
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(fmap),
        "bounds": fmap.get_bounds(),
        "zoom": fmap.options.get("zoom"),
        "css_links": css,
        "js_links": js,
    }


def _links(fmap: folium.Map) -> tuple[list[str], list[str]]:
    """The style sheets and scripts the map's elements need, in order, once each."""
    css: list[str] = []
    js: list[str] = []
    for element in _elements(fmap):
        if isinstance(element, branca.colormap.ColorMap):  # d3, as st_folium adds it
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def _elements(element: Any) -> Iterator[Any]:
    if isinstance(element, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def rendered(build: Callable[[], folium.Map], identity: Hashable) -> dict[str, Any]:
    """`component_args` of the map `build` makes, kept for the dataset version under
    `identity` (everything the page builds the map from besides the dataset) and shared."""
    return cache.shared_value(("folium", identity), lambda: component_args(build()))


def draw(args: dict[str, Any], key: str, height: int, returned: Sequence[str]) -> Any:
    """The component for the rendered map `args`, as wide as its column, `height` pixels tall;
    returns what st_folium returns: the values named in `returned` (the last click…)."""
    import streamlit_folium as sf

    bounds = args["bounds"]
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {
            "_southWest": {"lat": bounds[0][0], "lng": bounds[0][1]},
            "_northEast": {"lat": bounds[1][0], "lng": bounds[1][1]},
        },
        "zoom": args["zoom"],
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    hash_key = sf.generate_js_hash(args["script"], key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=args["script"],
        header=args["header"],
        html=args["html"],
        id=args["id"],
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(returned),
        default={name: value for name, value in defaults.items() if name in returned},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=args["css_links"],
        js_links=args["js_links"],
        on_change=on_change,
        wrap_longitude=False,
    )
