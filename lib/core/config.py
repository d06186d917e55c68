"""Where things live: the dataset folder and the committed reference files."""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

from lib.core import formatting

ROOT = Path(__file__).resolve().parents[2]  # lib/core/config.py -> the repository
REF_DIR = ROOT / "data" / "ref"
GEO_DIR = ROOT / "geo"
# What Streamlit serves as it is (server.enableStaticServing), at /app/static/…
STATIC_DIR = ROOT / "static"
STATIC_URL = "/app/static"
# The world map's geometry as browsers fetch it: a copy of geo/countries.geojson that
# geo/build_world.py writes beside the original (lib/charts/world.py says why it is fetched).
WORLD_GEOJSON = "geo/countries.geojson"  # under STATIC_DIR, at STATIC_URL


def static_url(relative: str) -> str:
    """The address of STATIC_DIR's file `relative`, named by its content (`?v=` and the start
    of its SHA-256). Streamlit serves the app's static files with a Last-Modified and no
    Cache-Control, which browsers keep under heuristic caching for a while: after a rebuild of
    the geometry (or Leaflet vendored again), an address that stayed the same could be answered
    by a browser's old copy.
    A new content is a new address. Without the file (not built yet), the plain address."""
    url = f"{STATIC_URL}/{relative}"
    try:
        content = (STATIC_DIR / relative).read_bytes()
    except OSError:
        return url
    return f"{url}?v={hashlib.sha256(content).hexdigest()[:12]}"


WORLD_GEOJSON_URL = static_url(WORLD_GEOJSON)
# The départements' shapes for the folium maps, by feature id (lib/charts/choropleth.py), as a
# script the maps load once (written by geo/build_shapes.py).
DEPARTEMENT_SHAPES = "geo/departements_shapes.js"  # under STATIC_DIR, at STATIC_URL
DEPARTEMENT_SHAPES_URL = static_url(DEPARTEMENT_SHAPES)
DEFAULT_DATA_DIR = ROOT / "data" / "parquet"
ENV_DATA_DIR = "COMEXT_DATA_DIR"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> str:
    """The dataset location: an explicit `--data-dir`, else `$COMEXT_DATA_DIR`, else the default.

    Returned as a string because it may also be a remote URL (https://, s3://).
    """
    if explicit:
        return str(explicit)
    from_env = os.environ.get(ENV_DATA_DIR, "").strip()
    return from_env or str(DEFAULT_DATA_DIR)


def is_remote(location: str) -> bool:
    """True for object-storage locations that DuckDB reads through httpfs."""
    return location.startswith(("http://", "https://", "s3://"))


# --- Limits on what an import may hold (hostile input) -------------------------------------------
#
# Sizes are configured in MB of 1 048 576 bytes, as Streamlit's `server.maxUploadSize` is. The
# per-file default equals `server.maxUploadSize` in .streamlit/config.toml (a test keeps them
# equal); the Importer page passes the lower of the two to `st.file_uploader(max_upload_size=…)`,
# so the browser refuses a larger file before sending it, and Streamlit's upload endpoint refuses
# anything above `server.maxUploadSize` whatever the browser does.

MB = 1 << 20
ENV_MAX_FILE_MB = "COMEXT_MAX_FILE_MB"
ENV_MAX_IMPORT_MB = "COMEXT_MAX_IMPORT_MB"
ENV_ZIP_MAX_UNCOMPRESSED_MB = "COMEXT_ZIP_MAX_UNCOMPRESSED_MB"
ENV_ZIP_MAX_RATIO = "COMEXT_ZIP_MAX_RATIO"
ENV_ZIP_MAX_MEMBERS = "COMEXT_ZIP_MAX_MEMBERS"
DEFAULT_MAX_FILE_MB = 1024
DEFAULT_MAX_IMPORT_MB = 2048
DEFAULT_ZIP_MAX_UNCOMPRESSED_MB = 2048
DEFAULT_ZIP_MAX_RATIO = 100  # the published files compress about 10:1
DEFAULT_ZIP_MAX_MEMBERS = 1000


@dataclass(frozen=True)
class ZipLimits:
    """What the ZIP archives of one import may hold, nested archives included."""

    max_uncompressed_bytes: int  # bytes read out of all the archives, together
    max_ratio: float  # uncompressed size / compressed size, per member
    max_members: int  # entries of all the archives, together


@dataclass(frozen=True)
class UploadLimits:
    """The limits of an import through the Importer page."""

    max_file_bytes: int
    max_import_bytes: int
    zip: ZipLimits

    @property
    def max_file_mb(self) -> int:
        """The per-file limit in whole MB, for `st.file_uploader(max_upload_size=…)`."""
        return max(self.max_file_bytes // MB, 1)

    def text(self) -> str:
        """The limits in French, for the page (one line)."""
        return (
            f"Taille maximale : {size_text(self.max_file_bytes)} par fichier, "
            f"{size_text(self.max_import_bytes)} par import. Archives ZIP : "
            f"{size_text(self.zip.max_uncompressed_bytes)} une fois décompressées, "
            f"{_count_text(self.zip.max_members)} fichiers au plus, taux de compression "
            f"{_count_text(self.zip.max_ratio)}:1 au plus."
        )


def _env_number(name: str, default: float, zero_allowed: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
        raise ValueError(f"{name} : nombre positif attendu, pas « {raw} »")
    return value


# DuckDB's memory, per app process (it spills sorts and joins to TEMP_DIR beyond it). Its own
# default is 80 % of the machine's memory: a France × ten years CSV sorted 2.9 M rows at 1.1 GB.
ENV_DUCKDB_MEMORY_MB = "COMEXT_DUCKDB_MEMORY_MB"
DUCKDB_MEMORY_MB = 400.0


def duckdb_memory_mb() -> float:
    return _env_number(ENV_DUCKDB_MEMORY_MB, DUCKDB_MEMORY_MB)


# The query results shared by the sessions of one app process (lib/data/cache.py), per process: a
# département's fiche keeps 16 results of about 80 KB in all (docs/PERFORMANCE.md), so the
# default holds several hundred fiches and views.
ENV_CACHE_MB = "COMEXT_CACHE_MB"
CACHE_MB = 64.0


def cache_mb() -> float:
    """0 turns the cache off: a benchmark of the queries must time queries, not hits."""
    return _env_number(ENV_CACHE_MB, CACHE_MB, zero_allowed=True)


def zip_limits() -> ZipLimits:
    """The ZIP limits: `$COMEXT_ZIP_MAX_UNCOMPRESSED_MB`, `$COMEXT_ZIP_MAX_RATIO`,
    `$COMEXT_ZIP_MAX_MEMBERS`, or their defaults (2 048 MB, 100:1, 1 000)."""
    return ZipLimits(
        max_uncompressed_bytes=int(
            _env_number(ENV_ZIP_MAX_UNCOMPRESSED_MB, DEFAULT_ZIP_MAX_UNCOMPRESSED_MB) * MB
        ),
        max_ratio=_env_number(ENV_ZIP_MAX_RATIO, DEFAULT_ZIP_MAX_RATIO),
        max_members=int(_env_number(ENV_ZIP_MAX_MEMBERS, DEFAULT_ZIP_MAX_MEMBERS)),
    )


def upload_limits(server_max_upload_mb: float | None = None) -> UploadLimits:
    """The limits of an upload: `$COMEXT_MAX_FILE_MB` (default 1 024) and
    `$COMEXT_MAX_IMPORT_MB` (default 2 048), and the ZIP limits.

    `server_max_upload_mb` is Streamlit's `server.maxUploadSize`: the per-file limit is the
    lower of the two, since Streamlit refuses a larger file anyway.
    """
    file_mb = _env_number(ENV_MAX_FILE_MB, DEFAULT_MAX_FILE_MB)
    if server_max_upload_mb is not None:
        file_mb = min(file_mb, server_max_upload_mb)
    return UploadLimits(
        max_file_bytes=int(file_mb * MB),
        max_import_bytes=int(_env_number(ENV_MAX_IMPORT_MB, DEFAULT_MAX_IMPORT_MB) * MB),
        zip=zip_limits(),
    )


def size_text(size: float) -> str:
    """`2147483648` → `2 Go`, `1572864` → `1,5 Mo`, `2048` → `2 ko` (units of 1 024)."""
    for unit, scale in (("Go", 1 << 30), ("Mo", MB), ("ko", 1 << 10)):
        if size >= scale:
            value = size / scale
            decimals = 0 if value >= 100 or float(value).is_integer() else 1
            return f"{formatting.number(value, decimals)}{formatting.NBSP}{unit}"
    return f"{formatting.number(size, 0)}{formatting.NBSP}octets"


def _count_text(value: float) -> str:
    return formatting.number(value, 0 if float(value).is_integer() else 1)
