"""lib/core/config.py: the addresses of the app's static files, named by their content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lib.charts import choropleth
from lib.core import config


def test_a_static_address_names_the_file_s_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuilt file gets a new address, so that no browser answers it with an old copy kept
    under heuristic caching (Streamlit sends the app's static files without Cache-Control)."""
    monkeypatch.setattr(config, "STATIC_DIR", tmp_path)
    (tmp_path / "geo").mkdir()
    shapes = tmp_path / "geo" / "shapes.js"
    shapes.write_bytes(b"var a = 1;")
    first = config.static_url("geo/shapes.js")
    digest = hashlib.sha256(b"var a = 1;").hexdigest()
    assert first == f"/app/static/geo/shapes.js?v={digest[:12]}"
    assert config.static_url("geo/shapes.js") == first  # the same bytes, the same address
    shapes.write_bytes(b"var a = 2;")
    assert config.static_url("geo/shapes.js") != first


def test_a_file_not_built_yet_has_its_plain_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "STATIC_DIR", tmp_path)
    assert config.static_url("geo/absent.js") == "/app/static/geo/absent.js"


@pytest.mark.parametrize(
    ("name", "address"),
    [
        (config.WORLD_GEOJSON, config.WORLD_GEOJSON_URL),
        (config.DEPARTEMENT_SHAPES, config.DEPARTEMENT_SHAPES_URL),
        ("leaflet/leaflet.js", choropleth.LEAFLET_JS),
        ("leaflet/leaflet.css", choropleth.LEAFLET_CSS),
    ],
)
def test_the_maps_files_are_addressed_by_the_committed_file(name: str, address: str) -> None:
    """The world map's shapes, the départements' shapes and Leaflet, as the pages name them: the
    committed file's address and the start of its SHA-256."""
    digest = hashlib.sha256((config.STATIC_DIR / name).read_bytes()).hexdigest()
    assert address == f"/app/static/{name}?v={digest[:12]}"
