"""lib/charts/world.py's figure as Streamlit serialises it: WorldFigure.to_dict shares the
geometry instead of copying it, and hands out the same dict as plotly's own copy."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly import tools

from lib.charts import world


def _map() -> world.WorldFigure:
    partners = pd.DataFrame(
        {
            "country": ["DE", "US", "CN"],
            "exports_eur": [5e6, 2e7, 1e5],
            "imports_eur": [0, 3e6, 8e6],
        }
    )
    return world.partners_figure(partners, "export")


def test_to_dict_is_plotlys_own_dict() -> None:
    fig = _map()
    assert fig.to_dict() == go.Figure.to_dict(fig)


def test_streamlit_sends_the_same_json_as_with_plotlys_copy() -> None:
    # st.plotly_chart: return_figure_from_figure_or_data, then plotly.io.to_json.
    fig = _map()
    sent = tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    assert pio.to_json(sent, validate=False) == pio.to_json(go.Figure.to_dict(fig), validate=False)


def test_the_geometry_is_shared_and_the_rest_copied() -> None:
    fig = _map()
    first = fig.to_dict()
    assert first["data"][0]["geojson"] is fig.to_dict()["data"][0]["geojson"]
    before = go.Figure.to_dict(fig)
    first["data"][0]["z"][0] = 99.0
    first["data"][0]["customdata"][0][0] = "changed"
    first["layout"]["height"] = 1
    first["layout"]["geo"]["projection"]["type"] = "mercator"
    assert go.Figure.to_dict(fig) == before


def test_the_map_is_built_around_the_file_s_geometry_not_a_copy() -> None:
    # plotly's constructor deep-copies what it is given: 20 ms a new map, were the geometry
    # handed to it. The figure holds the loaded file itself, and sends all of it.
    trace = _map().data[0]
    assert trace.geojson is world.geojson()
    sent = pio.from_json(pio.to_json(_map(), validate=False), skip_invalid=True)
    assert len(sent.data[0].geojson["features"]) == len(world.geojson()["features"]) > 150


def test_a_figure_with_frames_is_copied_by_plotly() -> None:
    fig = _map()
    fig.frames = [go.Frame(data=[go.Choropleth(z=[1.0])])]
    assert fig.to_dict() == go.Figure.to_dict(fig)
    assert fig.to_dict()["data"][0]["geojson"] is not fig.to_dict()["data"][0]["geojson"]


def test_the_diversifier_map_is_a_world_figure_too() -> None:
    values = pd.Series({"US": 1e6, "JP": 0.0})
    fig = world.values_figure(values, ("#dddddd", "#333333"), "Valeur")
    assert isinstance(fig, world.WorldFigure)
    assert fig.to_dict() == go.Figure.to_dict(fig)


def test_a_phone_gets_a_shorter_map_of_the_same_countries() -> None:
    partners = pd.DataFrame({"country": ["DE"], "exports_eur": [5e6], "imports_eur": [1e6]})
    wide, narrow = (world.partners_figure(partners, "export", narrow=n) for n in (False, True))
    assert (wide.layout.height, narrow.layout.height) == (440, world.NARROW_WORLD_HEIGHT)
    assert world.NARROW_WORLD_HEIGHT < 440
    assert narrow.data[0].to_plotly_json() == wide.data[0].to_plotly_json()
