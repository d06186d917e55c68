"""Datasets served from object storage (https:// or s3://), read by DuckDB's httpfs extension.

Several app instances can then serve one dataset. The extension cannot be downloaded at run
time, so it is loaded from the file shipped by the PyPI package `duckdb-extension-httpfs`,
whose version must equal DuckDB's (both pinned in requirements.txt). Remote datasets are
read-only: ingest and the demo generator write local folders only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import duckdb

from lib.core.sql import literal
from lib.data import store

# Environment variables that configure S3 access (the usual AWS names).
S3_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "KEY_ID",
    "AWS_SECRET_ACCESS_KEY": "SECRET",
    "AWS_SESSION_TOKEN": "SESSION_TOKEN",
    "AWS_REGION": "REGION",
    "AWS_ENDPOINT_URL": "ENDPOINT",
}


class RemoteError(RuntimeError):
    """The remote dataset cannot be read (extension missing, server unreachable…)."""


@cache
def httpfs_extension_path() -> Path:
    try:
        import duckdb_extension_httpfs
    except ImportError as error:  # pragma: no cover - it is in requirements.txt
        raise RemoteError("Le paquet duckdb-extension-httpfs n'est pas installé.") from error
    package = Path(duckdb_extension_httpfs.__file__).parent
    found = sorted(package.rglob("httpfs.duckdb_extension"))
    if not found:
        raise RemoteError(f"Extension httpfs introuvable dans {package}.")
    return found[0]


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs from its file (no download) and configure S3 from the environment."""
    con.execute(f"LOAD {literal(str(httpfs_extension_path()))}")
    secret = s3_secret_sql(os.environ)
    if secret:
        con.execute(secret)


def s3_secret_sql(env: Mapping[str, str]) -> str | None:
    """A DuckDB S3 secret from the AWS_* variables (CREATE SECRET takes no bound parameters)."""
    options = {name: env[var] for var, name in S3_SETTINGS.items() if env.get(var)}
    if not options:
        return None
    endpoint = options.pop("ENDPOINT", None)
    parts = [f"{name} {literal(value)}" for name, value in options.items()]
    if endpoint:
        host = endpoint.split("://", 1)[-1].rstrip("/")
        parts += [f"ENDPOINT {literal(host)}", "URL_STYLE 'path'"]
        if endpoint.startswith("http://"):
            parts.append("USE_SSL false")
    return f"CREATE OR REPLACE SECRET comext_s3 (TYPE s3, {', '.join(parts)})"


# DuckDB's words for a missing file: an HTTP status of 404 (its message quotes "HTTP 404"), or an
# S3 listing that found nothing. Never a bare "404" anywhere in the message: the URL it quotes
# may hold it (a port such as 127.0.0.1:40412), and a timeout would then read as "no dataset".
_NOT_FOUND = re.compile(r"\(HTTP 404\b|HTTP 404 Not Found|No files found that match")


def is_not_found(error: duckdb.Error) -> bool:
    """True when DuckDB's error says the file does not exist (not that the store failed)."""
    if isinstance(error, duckdb.HTTPException) and getattr(error, "status_code", None):
        return error.status_code == 404
    return bool(_NOT_FOUND.search(str(error)))


def join(location: str, relative: str) -> str:
    return f"{location.rstrip('/')}/{relative}"


def read_manifest(con: duckdb.DuckDBPyConnection, location: str) -> store.Manifest | None:
    """The manifest at `location`/dataset.json; None when the server has none (404).

    Any other failure (a timeout, a 500, a refused connection) raises RemoteError: the caller
    keeps the version it read before, instead of taking the dataset for empty."""
    url = join(location, store.MANIFEST)
    try:
        rows = con.execute("SELECT content FROM read_text(?)", [url]).fetchall()
    except (duckdb.HTTPException, duckdb.IOException) as error:
        if is_not_found(error):
            return None
        raise RemoteError(f"Lecture impossible de {url} : {error}") from error
    return store.Manifest.from_json(rows[0][0]) if rows else None
