"""Where things live: the dataset folder and the committed reference files."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF_DIR = ROOT / "data" / "ref"
GEO_DIR = ROOT / "geo"
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
