"""lib/charts/world.py's figure as Streamlit sends it: every country of the world's geometry,
which the figure names by its address (a copy of geo/countries.geojson in static/, fetched by
the browser once) instead of carrying it."""

from __future__ import annotations

import json

import pandas as pd
import plotly.io as pio
from plotly import tools

from lib.charts import world
from lib.core import config


def _map(narrow: bool = False):
    partners = pd.DataFrame(
        {
            "country": ["DE", "US", "CN"],
            "exports_eur": [5e6, 2e7, 1e5],
            "imports_eur": [0, 3e6, 8e6],
        }
    )
    return world.partners_figure(partners, "export", narrow=narrow)


def _sent(fig) -> str:
    # st.plotly_chart: return_figure_from_figure_or_data, then plotly.io.to_json.
    return pio.to_json(tools.return_figure_from_figure_or_data(fig, validate_figure=True))


def test_the_map_names_its_geometry_and_sends_none_of_it() -> None:
    sent = _sent(_map())
    (trace,) = json.loads(sent)["data"]
    assert trace["geojson"] == config.WORLD_GEOJSON_URL
    assert "coordinates" not in sent
    # The 275 kB of shapes are not in it: what is sent is the countries' codes, colours, names.
    assert len(sent) < 40_000 < (config.GEO_DIR / world.WORLD_FILE).stat().st_size


def test_the_address_is_streamlit_s_static_copy_of_the_geometry_file() -> None:
    """Streamlit serves static/<path> at /app/static/<path> (server.enableStaticServing): the
    address is that of a file there, the very bytes of geo/countries.geojson (a rebuild by
    geo/build_world.py writes both)."""
    served_at = f"/app/static/{config.WORLD_GEOJSON}"
    assert config.WORLD_GEOJSON_URL.partition("?")[0] == served_at
    copy = config.STATIC_DIR / config.WORLD_GEOJSON
    assert copy.read_bytes() == (config.GEO_DIR / world.WORLD_FILE).read_bytes()
    toml = (config.ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "enableStaticServing = true" in toml


def test_every_country_of_the_geometry_is_drawn_with_its_value() -> None:
    (trace,) = json.loads(_sent(_map()))["data"]
    shapes = json.loads((config.STATIC_DIR / config.WORLD_GEOJSON).read_text(encoding="utf-8"))
    codes = sorted(feature["properties"]["code"] for feature in shapes["features"])
    assert trace["locations"] == codes and len(codes) > 150
    assert trace["featureidkey"] == "properties.code"
    by_code = dict(zip(trace["locations"], trace["customdata"], strict=True))
    # US 20 M€ (the largest: darkest), DE 5 M€, CN 0.1 M€ (lightest partner), FR none.
    assert by_code["US"][1] == "20,0\u00a0M€" and by_code["CN"][1] == "0,1\u00a0M€"
    assert by_code["FR"][1] == "aucune"
    z = dict(zip(trace["locations"], trace["z"], strict=True))
    assert z["US"] == 1.0 and z["CN"] == world.PARTNER_LOW and z["FR"] == 0.0
    assert world.PARTNER_LOW < z["DE"] < 1.0


def test_the_diversifier_map_names_the_same_geometry() -> None:
    values = pd.Series({"US": 1e6, "JP": 0.0})
    fig = world.values_figure(values, ("#dddddd", "#333333"), "Valeur")
    (trace,) = json.loads(_sent(fig))["data"]
    assert trace["geojson"] == config.WORLD_GEOJSON_URL


def test_a_phone_gets_a_shorter_map_of_the_same_countries() -> None:
    wide, narrow = _map(), _map(narrow=True)
    assert (wide.layout.height, narrow.layout.height) == (440, world.NARROW_WORLD_HEIGHT)
    assert world.NARROW_WORLD_HEIGHT < 440
    assert narrow.data[0].to_plotly_json() == wide.data[0].to_plotly_json()
