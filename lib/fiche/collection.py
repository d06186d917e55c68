"""The collection: every territory's fiche and CSV tables in one folder, with an index.

`python -m lib.fiche --all [--fiche] --year YYYY --out OUT` calls `collect` with
`territories()`: France, the 18 régions and the 101 départements (120), each in a folder of its
own (`OUT/france`, `OUT/region_52`, `OUT/dept_53`) holding its CSV tables (lib/fiche/files.py) and,
with `--fiche`, `fiche.html` and `fiche.pdf`; `OUT/index.html` then links every document.
Progress goes to stderr, one line per territory as it is done (`[12/120] Mayenne (53) — 2,6 s`,
the time of that territory alone), then a summary line with the total time.

Printing a PDF takes about 2.4 s, building its HTML 0.25 s: the fiches are made by a pool of
worker processes (spawned, never forked: the parent holds a DuckDB connection and its threads),
each with one Chromium (`PdfWriter`, opened by the initializer and closed when the worker
exits) and its own DuckDB connection on the parent's dataset (`$COMEXT_DATA_DIR`, set by the
initializer). The CSV tables alone take a few milliseconds a territory: without `--fiche`, or
with one worker, everything runs in the calling process.

A fiche whose PDF cannot be printed keeps its HTML, and a stale `fiche.pdf` in its folder is
removed: a folder never holds a PDF that is not its HTML's. A territory that fails is reported
(`Result.error`) and the others go on.
"""

from __future__ import annotations

import contextlib
import html
import multiprocessing
import multiprocessing.util
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TextIO
from urllib.parse import quote

from lib.core import config, formatting, refs
from lib.core.territory import FRANCE, LEVELS, Territory
from lib.data import db, queries
from lib.fiche import as_html, as_pdf, contents, files, texts
from lib.fiche.contents import DEMO_WARNING

HTML_NAME = "fiche.html"
PDF_NAME = "fiche.pdf"
INDEX_NAME = "index.html"
MAX_DEFAULT_WORKERS = 2  # each worker holds a Chromium and a DuckDB connection
ERROR_CHARS = 300  # a browser's error: its first line, cut to this length


def default_workers() -> int:
    """The default `--workers`: min(2, cores)."""
    return min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1)


def territories() -> list[Territory]:
    """Every territory of the collection: France, the régions, the départements, each in the
    order of the reference tables (by code; 2A and 2B after 19)."""
    regions = [Territory("region", code) for code in refs.regions()["code"]]
    depts = [Territory("dept", code) for code in refs.departements()["code"]]
    return [FRANCE, *regions, *depts]


def folder_name(territory: Territory) -> str:
    """`france`, `region_52`, `dept_53`: the territory's folder in the collection."""
    return "france" if territory.level == "france" else f"{territory.level}_{territory.code}"


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:ERROR_CHARS]


class PdfWriter:
    """Prints fiches with one Chromium, opened on first use and again after a failure, or says
    why no PDF is printed (`reason`, French, from `as_pdf.unavailable_reason`)."""

    def __init__(self, reason: str | None) -> None:
        self.reason = reason
        self._printer: as_pdf.Printer | None = None

    def open(self) -> as_pdf.Printer:
        if self._printer is None:
            self._printer = as_pdf.Printer()
        return self._printer

    def write(self, page: str, path: Path) -> tuple[str | None, tuple[str, ...]]:
        """Print `page` to `path`: (None, or why it was not printed; the addresses the page
        tried to reach, all refused). A failed print closes the browser: the next one opens
        a new one. A stale file at `path` is removed when nothing is printed."""
        if self.reason is not None:
            path.unlink(missing_ok=True)
            return self.reason, ()
        try:
            printer = self.open()
            before = len(printer.refused)
            path.write_bytes(printer.pdf(page))
            return None, tuple(printer.refused[before:])
        except Exception as error:  # any failure of the browser leaves the HTML alone
            self.close()
            path.unlink(missing_ok=True)
            return f"l'impression a échoué ({_one_line(error)}).", ()

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()

    def __enter__(self) -> PdfWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Fiche:
    """What `write_fiche` did: the files written, why the PDF is missing (None: printed), the
    addresses the document tried to reach (refused), and the document's source line."""

    files: tuple[Path, ...]
    pdf_error: str | None
    refused: tuple[str, ...]
    footer: str


def write_fiche(
    territory: Territory, year: int, top: int, folder: Path, writer: PdfWriter
) -> Fiche:
    """`fiche.html` and, when it can be printed, `fiche.pdf` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    document = contents.build(territory, year, top)
    page = as_html.render(document)
    html_path, pdf_path = folder / HTML_NAME, folder / PDF_NAME
    html_path.write_text(page, encoding="utf-8")
    pdf_error, refused = writer.write(page, pdf_path)
    files = (html_path,) if pdf_error else (html_path, pdf_path)
    return Fiche(files, pdf_error, refused, document.footer)


@dataclass(frozen=True)
class Job:
    """One territory of the collection (sent to a worker: plain, picklable data)."""

    territory: Territory
    folder: Path
    year: int
    top: int
    fiche: bool
    partner: str | None
    table_format: str = "csv"  # lib.fiche.files.FORMATS
    diversify: str | None = None  # the partner of the Diversifier's tables (none for France)


@dataclass(frozen=True)
class Result:
    """One territory done: its files (names, in its folder) and its time; with `fiche`, why its
    PDF is missing and its source line; `error` when nothing could be finished."""

    territory: Territory
    folder: Path
    files: tuple[str, ...]
    seconds: float
    pdf_error: str | None = None
    refused: tuple[str, ...] = ()
    footer: str = ""
    error: str | None = None


def _make(job: Job, writer: PdfWriter | None) -> Result:
    started = time.perf_counter()
    try:
        tables = files.write_tables(
            job.territory,
            job.year,
            job.top,
            job.folder,
            job.partner,
            job.table_format,
            job.diversify,
        )
        fiche = None
        if job.fiche and writer is not None:
            fiche = write_fiche(job.territory, job.year, job.top, job.folder, writer)
    except Exception as error:  # reported in the progress and the summary; the others go on
        seconds = time.perf_counter() - started
        return Result(job.territory, job.folder, (), seconds, error=_one_line(error))
    seconds = time.perf_counter() - started
    names = tuple(path.name for path in (*(fiche.files if fiche else ()), *tables))
    if fiche is None:
        return Result(job.territory, job.folder, names, seconds)
    return Result(
        job.territory, job.folder, names, seconds, fiche.pdf_error, fiche.refused, fiche.footer
    )


# --- The worker processes ------------------------------------------------------------------------

_writer: PdfWriter | None = None  # the worker's printer, set by _start_worker


def _start_worker(data_dir: str, reason: str | None) -> None:
    """A worker's initializer: the parent's dataset, and one Chromium (closed at exit)."""
    global _writer
    os.environ[config.ENV_DATA_DIR] = data_dir
    db.reset()
    _writer = PdfWriter(reason)
    if reason is None:
        with contextlib.suppress(Exception):  # a failure shows at the first print, reported
            _writer.open()
    # Pool workers leave through multiprocessing's exit, which runs these (never atexit's).
    multiprocessing.util.Finalize(_writer, _writer.close, exitpriority=10)


def _task(job: Job) -> Result:
    return _make(job, _writer)


def _serial(jobs: Sequence[Job], reason: str | None) -> Iterator[Result]:
    with PdfWriter(reason) as writer:
        for job in jobs:
            yield _make(job, writer)


def _parallel(jobs: Sequence[Job], workers: int, reason: str | None) -> Iterator[Result]:
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(config.data_dir(), reason),
    ) as pool:
        futures = [pool.submit(_task, job) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:  # interrupted (or a worker died): the jobs not started are dropped
            pool.shutdown(cancel_futures=True)


# --- The collection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The collection done: every territory's result, in the order they finished."""

    results: list[Result]
    seconds: float
    workers: int

    @property
    def files(self) -> int:
        return sum(len(result.files) for result in self.results)

    @property
    def failed(self) -> list[Result]:
        return [result for result in self.results if result.error]

    @property
    def without_pdf(self) -> list[Result]:
        return [result for result in self.results if result.pdf_error]


def collect(
    targets: Sequence[Territory],
    year: int,
    top: int,
    out: Path,
    workers: int,
    fiche: bool = True,
    partner: str | None = None,
    progress: TextIO | None = None,
    table_format: str = "csv",
    diversify: str | None = None,
) -> Summary:
    """Each territory's folder in `out` (see the module docstring), and with `fiche` the index;
    a progress line per territory on `progress` (default stderr), then a summary line."""
    stream = progress or sys.stderr
    jobs = [
        Job(t, out / folder_name(t), year, top, fiche, partner, table_format, diversify)
        for t in targets
    ]
    reason = as_pdf.unavailable_reason() if fiche else None
    workers = max(1, min(workers, len(jobs)))
    parallel = fiche and workers > 1
    started = time.perf_counter()
    results: list[Result] = []
    for result in _parallel(jobs, workers, reason) if parallel else _serial(jobs, reason):
        results.append(result)
        print(progress_line(len(results), len(jobs), result), file=stream, flush=True)
    if fiche:
        write_index(out, year, results)
    summary = Summary(results, time.perf_counter() - started, workers if parallel else 1)
    for line in summary_lines(summary, out, fiche):
        print(line, file=stream, flush=True)
    return summary


def seconds_text(seconds: float) -> str:
    """`2,6 s`; `4 min 07 s` from a minute on."""
    if seconds < 60:
        return f"{formatting.number(seconds, 1)} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def progress_line(done: int, total: int, result: Result) -> str:
    """`[12/120] Mayenne (53) — 2,6 s`, and what went wrong, if anything."""
    line = f"[{done}/{total}] {result.territory.label} — {seconds_text(result.seconds)}"
    if result.error:
        return f"{line} — échec : {result.error}"
    if result.pdf_error:
        line += " — PDF non écrit"
    if result.refused:
        line += f" — {len(result.refused)} requête(s) refusée(s) : {', '.join(result.refused)}"
    return line


def summary_lines(summary: Summary, out: Path, fiche: bool) -> list[str]:
    """The summary: files, territories, processes and total time; then what is missing."""
    processes = f", {summary.workers} processus" if fiche else ""
    lines = [
        f"{summary.files} fichiers écrits dans {out} ({len(summary.results)} territoires"
        f"{processes}) en {seconds_text(summary.seconds)}"
        + (f" ; index : {out / INDEX_NAME}" if fiche else "")
    ]
    for reason in sorted({r.pdf_error for r in summary.without_pdf if r.pdf_error}):
        count = sum(1 for r in summary.without_pdf if r.pdf_error == reason)
        lines.append(f"PDF non écrit pour {count} fiche(s) (HTML écrit) : {reason}")
    for result in summary.failed:
        lines.append(f"Échec pour {result.territory.label} : {result.error}")
    return lines


# --- The index -----------------------------------------------------------------------------------

_GROUPS = {"france": "France", "region": "Régions", "dept": "Départements"}
_INDEX_STYLE = """
body { margin: 2em auto; max-width: 60em; padding: 0 1em; color: #3a3a3a;
       font: 11pt/1.45 Marianne, Arial, sans-serif; }
h1, h2 { color: #000091; }
.demo { padding: .5em .8em; border-left: 4px solid #b34000; background: #fff4ed;
        color: #b34000; font-weight: 600; }
.source { color: #555; font-size: 9.5pt; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #ddd; }
td.csv a { margin-right: .6em; white-space: nowrap; }
.missing { color: #b34000; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _link(result: Result, name: str, label: str) -> str:
    href = quote(f"{result.folder.name}/{name}")
    return f'<a href="{_e(href)}">{_e(label)}</a>'


def _row(result: Result) -> str:
    name = f'<th scope="row">{_e(result.territory.label)}</th>'
    if result.error:
        return f'<tr>{name}<td colspan="3" class="missing">échec : {_e(result.error)}</td></tr>'
    fiche = _link(result, HTML_NAME, "fiche.html") if HTML_NAME in result.files else ""
    pdf = _link(result, PDF_NAME, "fiche.pdf") if PDF_NAME in result.files else ""
    if not pdf and result.pdf_error:
        pdf = f'<span class="missing" title="{_e(result.pdf_error)}">PDF non écrit</span>'
    csvs = " ".join(_link(result, n, n) for n in result.files if n.endswith(".csv"))
    return f'<tr>{name}<td>{fiche}</td><td>{pdf}</td><td class="csv">{csvs}</td></tr>'


def _group(level: str, results: list[Result]) -> str:
    rows = [r for r in results if r.territory.level == level]
    if not rows:
        return ""
    head = "<tr><th>Territoire</th><th>Fiche</th><th>PDF</th><th>Tableaux CSV</th></tr>"
    order = {territory: rank for rank, territory in enumerate(territories())}
    rows.sort(key=lambda r: (order.get(r.territory, len(order)), r.territory.code))
    body = "".join(_row(r) for r in rows)
    return f"<h2>{_e(_GROUPS[level])}</h2><table><thead>{head}</thead><tbody>{body}</tbody></table>"


def index_html(year: int, results: list[Result]) -> str:
    """The collection's index page: self-contained (no script, font or image), in French."""
    manifest = db.manifest()
    demo = f'<p class="demo">{_e(DEMO_WARNING)}</p>' if manifest and manifest.has_demo else ""
    footer = next((r.footer for r in results if r.footer), "")
    title = f"{texts.PUBLICATION} — {queries.year_label(year)}"
    groups = "".join(_group(level, results) for level in LEVELS[::-1])
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_INDEX_STYLE}</style></head><body>{demo}<h1>{_e(title)}</h1>"
        f'<p class="source">{_e(footer)}</p>'
        f"<p>{len(results)} territoires : la fiche de chacun (HTML et PDF) et ses tableaux "
        f"CSV.</p>{groups}</body></html>"
    )


def write_index(out: Path, year: int, results: list[Result]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / INDEX_NAME
    path.write_text(index_html(year, results), encoding="utf-8")
    return path
