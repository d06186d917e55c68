"""The Données CSV over HTTP: `GET /telecharger/donnees.csv?<the Données page's parameters>`,
and the same rows as an Excel workbook: `GET /telecharger/donnees.xlsx?<…>`.

serve.py mounts ROUTE in front of Streamlit (`st.App(routes=…)`), so that the file never sits
in the app's memory: `queries.write_rows_csv` (bounded by db.QUERY_TIMEOUT_S, in a worker
thread off the event loop) writes it into a named pipe batch by batch as DuckDB reads the rows
(lib.data.rows_csv), and the response sends each chunk as it is written (`CsvStream`): the
download starts with the first 2 048 rows, not after the whole file (issue 18: time to first
byte). The answer's status waits for
that first chunk, so a query refused or interrupted before it still gets its French error; one
interrupted after it (the time limit, mid-file) aborts the connection, so that the browser
reports a failed download rather than keeping a shorter file. The bytes are those of
`queries.write_rows_csv`, the file name that of `file_name`.

The parameters are read by the page's own code (`urlstate.parse_data_filter`) and must be
exactly what a page link says: any notice it would show (unknown code, unknown or repeated
parameter, malformed year…) refuses the request with 400 and that notice, in French, before
any query on the rows. At most MAX_CONCURRENT files are written at once (each may be hundreds
of megabytes for France over ten years); beyond, 503 in French. An over-long address is
refused (414) by lib/web/webguard.py, which also adds the security headers to every answer.

The workbook (lib/core/workbook.py: French headers, names beside codes, codes as text) is written
from a Parquet file DuckDB writes first, read back in batches: the query stays within its time
limit and the slower workbook is written after it, never whole in memory. A selection of more
rows than an Excel sheet holds is refused (422) before any file is written, in French, pointing
to the CSV.

Under plain `streamlit run streamlit_app.py` nothing is mounted (`mounted()` is False): the
page then falls back to `csv_bytes` in a download button. Plain Starlette: no Streamlit import.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from lib.core import csvfile, filenames, formatting, periods, workbook
from lib.core.states import DataFilter
from lib.data import db, queries
from lib.web import headings, urlstate

PATH = "/telecharger/donnees.csv"
XLSX_PATH = "/telecharger/donnees.xlsx"
MAX_CONCURRENT = 2  # files being written or sent at once, for every visitor together
CHUNK_BYTES = 64 * 1024
PIPE_BYTES = 1024 * 1024  # the CSV's pipe, and its reads: a chunk sent per read
BUSY = "Trop de téléchargements sont en cours : réessayez dans quelques instants."  # 503
EMPTY = "Le jeu de données est vide : importez des fichiers des Douanes."  # 404
REFUSED = "Téléchargement refusé, adresse invalide."  # 400, followed by the notices
TOO_MANY_FOR_EXCEL = (  # 422
    "{rows} lignes sélectionnées : une feuille Excel en contient au plus {limit}. Affinez la "
    "sélection (période, territoire, produits, pays) ou téléchargez le CSV."
)
CSV_LINES = "Le fichier CSV aura {rows} lignes, plus celle des en-têtes."
CSV_BEYOND_EXCEL = (
    "Excel s'arrête à {limit} lignes : il n'ouvrirait que le début de ce fichier, et le "
    "classeur Excel n'est pas proposé. Filtrez davantage (une année, un territoire, des "
    "produits ou des pays), ou lisez le CSV avec un outil fait pour les gros fichiers (DuckDB, "
    "Python, R…)."
)

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_mounted = False


def csv_file_name(data_filter: DataFilter) -> filenames.TableFileName:
    """`donnees_dept_53_2020-2024_tous.csv` (quarters in the period when not whole years)."""
    f = data_filter
    period = periods.range_slug(f.first_year, f.first_quarter, f.last_year, f.last_quarter)
    return filenames.csv_name("donnees", f.territory, period, f.flux)


def file_name(data_filter: DataFilter, extension: str = "csv") -> str:
    """The download's name: `donnees_dept_53_2020-2024_tous.csv` (or `.xlsx`)."""
    return csv_file_name(data_filter).with_extension(extension)


def url(data_filter: DataFilter, path: str = PATH) -> str:
    """The download address of `data_filter` (from its validated parameters only)."""
    return f"{path}?{urlencode(urlstate.params_of(data_filter))}"


def heading(data_filter: DataFilter) -> workbook.Heading:
    """The workbook's heading: « Données détaillées — Mayenne (53) — 2020–2024 — … »."""
    return headings.heading(csv_file_name(data_filter))


def excel_limit(data_filter: DataFilter) -> int:
    """How many rows the workbook of `data_filter` may hold (Excel's limit, less its heading)."""
    return workbook.max_data_rows(heading(data_filter))


def too_many_for_excel(count: int, data_filter: DataFilter) -> str | None:
    """Why `count` rows cannot be a workbook (French), or None when they fit."""
    limit = excel_limit(data_filter)
    if count <= limit:
        return None
    return TOO_MANY_FOR_EXCEL.format(
        rows=formatting.number(count, 0), limit=formatting.number(limit, 0)
    )


def csv_lines(count: int) -> str:
    """« Le fichier CSV aura 109 327 lignes, plus celle des en-têtes. », said before the
    download."""
    return CSV_LINES.format(rows=formatting.number(count, 0))


def csv_beyond_excel(count: int) -> str | None:
    """Why Excel would open only part of the CSV of `count` rows (French), or None when the
    file, with its header, fits in a sheet. Such a selection's workbook is refused too
    (too_many_for_excel: its limit is lower), which this says."""
    if count + 1 <= workbook.EXCEL_MAX_ROWS:
        return None
    return CSV_BEYOND_EXCEL.format(limit=formatting.number(workbook.EXCEL_MAX_ROWS, 0))


def write_xlsx_file(data_filter: DataFilter) -> Path:
    """Every selected row as a workbook in a new temporary file the caller deletes. Raises
    db.QueryTimeout (nothing is left behind)."""
    rows = _temporary(".parquet")
    book = _temporary(".xlsx")
    try:
        queries.write_rows_parquet(data_filter, str(rows))
        workbook.write_parquet_sheet(book, rows, heading(data_filter))
    except BaseException:
        book.unlink(missing_ok=True)
        raise
    finally:
        rows.unlink(missing_ok=True)
    return book


def _temporary(suffix: str) -> Path:
    handle, name = tempfile.mkstemp(suffix=suffix, prefix="donnees-")
    os.close(handle)
    return Path(name)


def xlsx_bytes(data_filter: DataFilter) -> bytes:
    """The workbook in memory, for the page's button when the route is not mounted."""
    path = write_xlsx_file(data_filter)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


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
    except (db.QueryTimeout, db.DataUnavailable) as timeout:
        return csvfile.to_csv_bytes(pd.DataFrame({"erreur": [str(timeout)]}))
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def parse(
    params: Mapping[str, Sequence[str]], default: DataFilter | None = None
) -> tuple[DataFilter, list[str]]:
    """The filter the page would show for `params` (what they leave out: `default`'s, else
    domain.default_data_filter's), and the notices it would show."""
    return urlstate.parse_data_filter(
        params,
        queries.available_years(),
        queries.cpf4_codes(),
        queries.quarterly_years(),
        default,
    )


class _TemporaryFileResponse(FileResponse):
    """A FileResponse whose file is deleted, and slot released, however the sending ends."""

    def __init__(self, path: Path, name: str, media_type: str) -> None:
        super().__init__(
            path,
            media_type=media_type,  # Starlette adds `; charset=utf-8` to text/csv
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


@dataclass(frozen=True)
class _Format:
    """One downloadable form of the Données rows: its extension, type and writer."""

    extension: str
    media_type: str
    write: Callable[[DataFilter], Path]
    refusal: Callable[[DataFilter], str | None]  # why this selection cannot be written


def _no_refusal(data_filter: DataFilter) -> str | None:
    return None


def _excel_refusal(data_filter: DataFilter) -> str | None:
    count, _ = queries.row_summary(data_filter)
    return too_many_for_excel(count, data_filter)


_FORMATS = {
    PATH: _Format("csv", "text/csv", write_csv_file, _no_refusal),
    XLSX_PATH: _Format("xlsx", workbook.MEDIA_TYPE, write_xlsx_file, _excel_refusal),
}


def _checked(form: _Format, params: dict[str, list[str]]) -> DataFilter | Response:
    """In a worker thread: the filter of `params`, or the refusal to answer."""
    if not queries.available_years():
        return PlainTextResponse(EMPTY, status_code=404)
    data_filter, notices = parse(params)
    if notices:
        return PlainTextResponse(" ".join([REFUSED, *notices]), status_code=400)
    try:
        refusal = form.refusal(data_filter)
    except (db.QueryTimeout, db.DataUnavailable) as timeout:
        return PlainTextResponse(str(timeout), status_code=503)
    if refusal:
        return PlainTextResponse(refusal, status_code=422)
    return data_filter


def _prepare(form: _Format, params: dict[str, list[str]]) -> tuple[Path, str, str] | Response:
    """In a worker thread: validate, then write the file (or the refusal)."""
    checked = _checked(form, params)
    if isinstance(checked, Response):
        return checked
    try:
        path = form.write(checked)
    except (db.QueryTimeout, db.DataUnavailable) as timeout:
        return PlainTextResponse(str(timeout), status_code=503)
    return path, file_name(checked, form.extension), form.media_type


class CsvStream:
    """The rows' CSV read while it is written: `queries.write_rows_csv` into a named pipe of a
    private temporary folder, in a thread of its own; `read` returns the next chunk (b"" at the
    end).

    The reader holds a write end of the pipe itself until the writing ends, so that a query
    failing before it opens the pipe still ends the reading (instead of blocking it forever);
    `error` is then the query's exception. `close` (always called) removes the folder; a reader
    gone early makes the next write fail (broken pipe), which stops the reading of the rows."""

    def __init__(self, data_filter: DataFilter) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="donnees-"))
        self.pipe = self.folder / "rows.csv"
        os.mkfifo(self.pipe, 0o600)
        self.reader = os.open(self.pipe, os.O_RDONLY | os.O_NONBLOCK)
        self._keeper = os.open(self.pipe, os.O_WRONLY)  # the end held until the writing ends
        with contextlib.suppress(OSError):  # larger reads, fewer hops (Linux; 64 KiB else)
            fcntl.fcntl(self.reader, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        os.set_blocking(self.reader, True)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, args=(data_filter,), daemon=True)
        self._thread.start()

    def _copy(self, data_filter: DataFilter) -> None:
        try:
            queries.write_rows_csv(data_filter, str(self.pipe))
        except BaseException as error:  # kept for the reader: the answer says it
            self.error = error
        finally:
            os.close(self._keeper)

    def read(self) -> bytes:
        return os.read(self.reader, PIPE_BYTES)

    def close(self) -> None:
        os.close(self.reader)
        self._thread.join(timeout=db.QUERY_TIMEOUT_S + 5)
        shutil.rmtree(self.folder, ignore_errors=True)


def _failure(error: BaseException) -> Response:
    if isinstance(error, db.QueryTimeout | db.DataUnavailable):
        return PlainTextResponse(str(error), status_code=503)
    raise error


async def _streamed_csv(form: _Format, params: dict[str, list[str]]) -> Response:
    """The CSV, sent as DuckDB writes it; the slot is released when the sending ends."""
    checked = await run_in_threadpool(_checked, form, params)
    if isinstance(checked, Response):
        _slots.release()
        return checked
    stream = await run_in_threadpool(CsvStream, checked)
    try:
        first = await run_in_threadpool(stream.read)
    except BaseException:
        await run_in_threadpool(stream.close)
        _slots.release()
        raise
    if stream.error is not None and not first:  # refused before its first byte
        await run_in_threadpool(stream.close)
        _slots.release()
        return _failure(stream.error)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            chunk = first
            while chunk:
                yield chunk
                chunk = await run_in_threadpool(stream.read)
            if stream.error is not None:  # interrupted mid-file: never a shorter file
                raise stream.error
        finally:
            # Shielded: when the reader leaves, Starlette cancels this generator, and an
            # unshielded await here would be cancelled too, leaving the folder and the slot.
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(stream.close)
            _slots.release()

    return StreamingResponse(
        chunks(),
        media_type=form.media_type,  # Starlette adds `; charset=utf-8` to text/csv
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{file_name(checked, "csv")}"',
        },
    )


async def donnees_file(request: Request) -> Response:
    """GET PATH or XLSX_PATH: the Données rows for the query string's parameters."""
    form = _FORMATS[request.url.path]
    if not _slots.acquire(blocking=False):
        return PlainTextResponse(BUSY, status_code=503, headers={"Retry-After": "5"})
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if form.extension == "csv":
        return await _streamed_csv(form, params)
    try:
        prepared = await run_in_threadpool(_prepare, form, params)
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
    return [Route(path, donnees_file, methods=["GET"]) for path in _FORMATS]


def mounted() -> bool:
    """Whether this process serves PATH (serve.py), else the page builds the file itself."""
    return _mounted
