"""pages/parts/folium_maps.py: the départements' maps rendered once and shared.

The component must receive exactly what streamlit_folium's own st_folium would send it for the
same map (its ids made the same: they are random), and the map must be built and rendered once
per page state and dataset version, whatever the sessions: st_folium rendered it at every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest
import streamlit_folium
from branca.element import Element
from streamlit.testing.v1 import AppTest

from lib.charts import choropleth
from lib.core import config
from lib.data import cache, db, queries
from pages.parts import folium_maps
from tests.conftest import rows

APP = str(config.ROOT / "streamlit_app.py")
RETURNED = ["last_active_drawing"]


@pytest.fixture
def same_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call to restart the elements' ids: two maps built after each call get the same ids."""

    def restart() -> None:
        counter = itertools.count()
        monkeypatch.setattr(
            Element, "_generate_id", classmethod(lambda cls: f"{next(counter):032x}")
        )

    return restart


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of every call of streamlit_folium's component."""
    calls: list[dict[str, Any]] = []

    def component(**kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(streamlit_folium, "_component_func", component)
    return calls


def _map(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> folium.Map:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()
    year = max(queries.available_years())
    return choropleth.choropleth(queries.map_metrics(year), "exports", selected="53", period="2024")


def test_the_component_receives_what_st_folium_sends(
    demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch, same_ids, sent
) -> None:
    same_ids()
    streamlit_folium.st_folium(
        _map(demo_data_dir, monkeypatch),
        key="carte-2024",
        height=560,
        use_container_width=True,
        returned_objects=RETURNED,
    )
    same_ids()
    args = folium_maps.component_args(_map(demo_data_dir, monkeypatch))
    folium_maps.draw(args, "carte-2024", 560, RETURNED)
    expected, got = sent
    assert set(got) == set(expected)
    for name in expected:
        if name != "on_change":  # a closure of each call
            assert got[name] == expected[name], name
    assert "Mayenne" in got["script"]  # the départements' layer is in it


def test_the_same_map_is_rendered_once_per_dataset_version(
    use_dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    cache.reset()
    built: list[int] = []

    def build() -> folium.Map:
        built.append(1)
        return choropleth.choropleth(queries.map_metrics(2024), "exports")

    first = folium_maps.rendered(build, ("test", 2024))
    assert folium_maps.rendered(build, ("test", 2024)) is first
    assert len(built) == 1
    folium_maps.rendered(build, ("test", 2023))  # another state: another map
    assert len(built) == 2
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 2.0)]))  # a new version
    folium_maps.rendered(build, ("test", 2024))
    assert len(built) == 3


def test_two_sessions_of_the_carte_render_its_map_once(
    demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Carte opened by two visitors, then by the first again: one rendering."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()
    cache.reset()
    rendered: list[int] = []
    real = folium_maps.component_args

    def counting(fmap: folium.Map) -> dict[str, Any]:
        rendered.append(1)
        return real(fmap)

    monkeypatch.setattr(folium_maps, "component_args", counting)
    for _ in range(3):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params = {"annee": "2024", "indicateur": "exports"}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert len(rendered) == 1
    at.selectbox(key="carte-metric").set_value("balance").run()  # another map
    assert len(rendered) == 2


def test_a_rendered_value_is_kept_only_while_the_cache_is_on(
    use_dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_dataset(pd.DataFrame(rows([(2024, "E", "53", "C10A", "US", 1.0)])))
    cache.reset(max_bytes=0)  # COMEXT_CACHE_MB=0
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert cache.shared_value("k", compute) == 1
    assert cache.shared_value("k", compute) == 2
    cache.reset()
    assert cache.shared_value("k", compute) == 3
    assert cache.shared_value("k", compute) == 3
