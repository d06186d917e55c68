"""The Données CSV over HTTP: `GET /telecharger/donnees.csv?<the Données page's parameters>`.

serve.py mounts ROUTE in front of Streamlit (`st.App(routes=…)`), so that the file never sits
in the app's memory: DuckDB writes it to a temporary file (`queries.write_rows_csv`, COPY,
bounded by db.QUERY_TIMEOUT_S, in a worker thread off the event loop) and the response
streams that file in 64 KiB chunks, then deletes it. The bytes are those of
`queries.write_rows_csv`, the file name that of `file_name`.

The parameters are read by the page's own code (`urlstate.parse_data_filter`) and must be
exactly what a page link says: any notice it would show (unknown code, unknown or repeated
parameter, malformed year…) refuses the request with 400 and that notice, in French, before
any query on the rows. At most MAX_CONCURRENT files are written at once (each may be hundreds
of megabytes for France over ten years); beyond, 503 in French. An over-long address is
refused (414) by lib/webguard.py, which also adds the security headers to every answer.

Under plain `streamlit run streamlit_app.py` nothing is mounted (`mounted()` is False): the
page then falls back to `csv_bytes` in a download button. Plain Starlette: no Streamlit import.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from lib import db, export, filenames, periods, queries, urlstate
from lib.domain import DataFilter

PATH = "/telecharger/donnees.csv"
MAX_CONCURRENT = 2  # files being written or sent at once, for every visitor together
CHUNK_BYTES = 64 * 1024
BUSY = "Trop de téléchargements sont en cours : réessayez dans quelques instants."  # 503
EMPTY = "Le jeu de données est vide : importez des fichiers des Douanes."  # 404
REFUSED = "Téléchargement refusé, adresse invalide."  # 400, followed by the notices

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_mounted = False


def file_name(data_filter: DataFilter) -> str:
    """`donnees_dept_53_2020-2024_tous.csv` (quarters in the period when not whole years)."""
    f = data_filter
    period = periods.range_slug(f.first_year, f.first_quarter, f.last_year, f.last_quarter)
    return filenames.csv_name("donnees", f.territory, period, f.flux)


def url(data_filter: DataFilter) -> str:
    """The download address of `data_filter` (from its validated parameters only)."""
    return f"{PATH}?{urlencode(urlstate.params_of(data_filter))}"


def write_csv_file(data_filter: DataFilter) -> Path:
    """Every selected row, written by DuckDB to a new temporary file the caller deletes.
    Raises db.QueryTimeout (the file is then already deleted)."""
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="donnees-")
    os.close(handle)
    try:
        queries.write_rows_csv(data_filter, name)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def csv_bytes(data_filter: DataFilter) -> bytes:
    """The same file in memory, for the page's download button when the route is not mounted;
    a query interrupted after db.QUERY_TIMEOUT_S gives a file saying so."""
    try:
        path = write_csv_file(data_filter)
    except db.QueryTimeout as timeout:
        return export.to_csv_bytes(pd.DataFrame({"erreur": [str(timeout)]}))
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def parse(params: Mapping[str, Sequence[str]]) -> tuple[DataFilter, list[str]]:
    """The filter the page would show for `params`, and the notices it would show."""
    return urlstate.parse_data_filter(params, queries.available_years(), queries.cpf4_codes())


class _TemporaryFileResponse(FileResponse):
    """A FileResponse whose file is deleted, and slot released, however the sending ends."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(
            path,
            media_type="text/csv",  # Starlette adds `; charset=utf-8`
            filename=name,
            headers={"Cache-Control": "no-store"},
        )
        self.chunk_size = CHUNK_BYTES
        self.temporary = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.temporary.unlink(missing_ok=True)
            _slots.release()


def _prepare(params: dict[str, list[str]]) -> tuple[Path, str] | Response:
    """In a worker thread: validate, then write the file (or the refusal)."""
    if not queries.available_years():
        return PlainTextResponse(EMPTY, status_code=404)
    data_filter, notices = parse(params)
    if notices:
        return PlainTextResponse(" ".join([REFUSED, *notices]), status_code=400)
    try:
        path = write_csv_file(data_filter)
    except db.QueryTimeout as timeout:
        return PlainTextResponse(str(timeout), status_code=503)
    return path, file_name(data_filter)


async def donnees_csv(request: Request) -> Response:
    """GET PATH: the CSV of the Données page for the query string's parameters."""
    if not _slots.acquire(blocking=False):
        return PlainTextResponse(BUSY, status_code=503, headers={"Retry-After": "5"})
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    try:
        prepared = await run_in_threadpool(_prepare, params)
    except BaseException:
        _slots.release()
        raise
    if isinstance(prepared, Response):
        _slots.release()
        return prepared
    return _TemporaryFileResponse(*prepared)


def routes() -> list[Route]:
    """The routes serve.py mounts; after this call the page links to them (`mounted()`)."""
    global _mounted
    _mounted = True
    return [Route(PATH, donnees_csv, methods=["GET"])]


def mounted() -> bool:
    """Whether this process serves PATH (serve.py), else the page builds the file itself."""
    return _mounted
