"""`python -m lib.ingest FILE... [--data-dir DIR]`: import customs files into the dataset.

Every file is read and validated first (`lib.readers`); only when all of them are good are
their years written, by `store.write_years`, which replaces exactly those years atomically and
keeps the others. Bad input exits with status 2 and one French line on stderr; nothing is written.

The app's importer page calls `ingest_files` directly.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lib import config, formatting, refs, store
from lib.readers import IngestError, check_readable, distinct_codes, read_file

__all__ = ["IngestError", "IngestReport", "ingest_files", "main"]

Progress = store.Progress  # (done, total, message)
PROGRESS_TOTAL = 1000  # ingest_files reports done out of this many steps
READ_STEPS = 900  # reading and validating the files; writing the years takes the rest
LISTED_CODES = 20  # unknown codes listed by name in a warning


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: the files read, the years replaced, the dataset that results."""

    files: list[str]
    rows_read: int
    years: list[int]
    manifest: store.Manifest
    unknown_products: list[str]
    unknown_countries: list[str]

    @property
    def total_rows(self) -> int:
        return self.manifest.rows

    @property
    def warnings(self) -> list[str]:
        """French warnings: the codes absent from the reference tables, accepted as they are."""
        found = [
            _unknown_codes_warning(self.unknown_products, "produit", "de la nomenclature A129"),
            _unknown_codes_warning(self.unknown_countries, "pays", "du référentiel des pays"),
        ]
        return [warning for warning in found if warning]

    @property
    def summary(self) -> str:
        """The French summary printed on success (several lines)."""
        years = self.manifest.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        return "\n".join(
            [
                "Import terminé.",
                f"  Fichiers lus : {len(self.files)} ({', '.join(self.files)})",
                f"  Lignes lues : {_count(self.rows_read)}",
                f"  Années remplacées : {', '.join(str(y) for y in self.years)}",
                f"  Jeu de données : {_count(self.total_rows)} lignes, années {span}",
            ]
        )


def _count(number: int) -> str:
    return formatting.number(number, decimals=0)


def list_codes(codes: Sequence[str], limit: int = LISTED_CODES) -> str:
    """`A, B, C` — or the first `limit` codes then `… et N autres`."""
    shown = ", ".join(codes[:limit])
    rest = len(codes) - limit
    return shown if rest <= 0 else f"{shown}… et {_count(rest)} autre{'s' if rest > 1 else ''}"


def _unknown_codes_warning(codes: list[str], kind: str, reference: str) -> str | None:
    if not codes:
        return None
    plural = "s" if len(codes) > 1 else ""
    return (
        f"{_count(len(codes))} code{plural} {kind} inconnu{plural} {reference}, "
        f"importé{plural} tel{plural} quel{plural} : {list_codes(codes)}."
    )


def _unknown(codes: Iterable[str], is_known: Callable[[object], bool]) -> list[str]:
    return sorted(code for code in codes if not is_known(code))


def _read_all(paths: list[Path], report: Progress) -> pa.Table:
    """All files validated and in canonical form (IngestError at the first bad one)."""
    sizes = [path.stat().st_size for path in paths]
    total = max(sum(sizes), 1)
    tables = []
    done = 0
    for path, size in zip(paths, sizes, strict=True):

        def file_progress(
            fraction: float, done: int = done, size: int = size, name: str = path.name
        ) -> None:
            report(
                int(READ_STEPS * (done + fraction * size) / total),
                PROGRESS_TOTAL,
                f"lecture de {name}",
            )

        tables.append(read_file(path, file_progress).table)
        done += size
    return pa.concat_tables(tables)


def _write(table: pa.Table, data_dir: Path, names: list[str], report: Progress) -> store.Manifest:
    def write_progress(done: int, total: int, message: str) -> None:
        share = (PROGRESS_TOTAL - READ_STEPS) * done // max(total, 1)
        report(READ_STEPS + share, PROGRESS_TOTAL, message)

    con = duckdb.connect(":memory:")
    try:
        con.register("ingest_rows", table)
        return store.write_years(
            data_dir, con, "ingest_rows", source="import", inputs=names, on_progress=write_progress
        )
    finally:
        con.close()


def ingest_files(
    paths: Sequence[str | Path], data_dir: str | Path, on_progress: Progress | None = None
) -> IngestReport:
    """Read, validate and import customs files; raises IngestError (nothing written) on bad input.

    `on_progress(done, total, message)` is called as the work advances (total = PROGRESS_TOTAL).
    """
    if not paths:
        raise ValueError("no file to ingest")
    report = on_progress or _ignore
    checked = [check_readable(path) for path in paths]  # a missing file fails before any reading
    table = _read_all(checked, report)
    names = [path.name for path in checked]
    manifest = _write(table, Path(data_dir), names, report)
    report(PROGRESS_TOTAL, PROGRESS_TOTAL, "terminé")
    years = pc.unique(table.column("year")).to_pylist()
    return IngestReport(
        files=names,
        rows_read=table.num_rows,
        years=sorted(years),
        manifest=manifest,
        unknown_products=_unknown(distinct_codes(table.column("product")), refs.is_product),
        unknown_countries=_unknown(distinct_codes(table.column("country")), refs.is_country),
    )


def _ignore(done: int, total: int, message: str) -> None:
    del done, total, message


class StderrProgress:
    """The CLI's percentage on stderr.

    On a terminal, one line rewritten in place. Elsewhere (a pipe, a log), a line per 10 %
    step, and only once the import has lasted `quiet_s` seconds: a short import stays silent,
    so that an error is the single line on stderr.
    """

    def __init__(self, stream: TextIO, enabled: bool | None = None, quiet_s: float = 2.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.enabled = enabled is not False
        self.quiet_until = time.monotonic() + (quiet_s if enabled is None and not self.tty else 0.0)
        self.next_step = 0  # in a pipe, the next percentage worth a line
        self.dirty = False

    def __call__(self, done: int, total: int, message: str) -> None:
        percent = 100 * done // max(total, 1)
        if not self.enabled or time.monotonic() < self.quiet_until:
            return
        if self.tty:
            self.stream.write(f"\r\x1b[KImport : {percent} % ({message})")
            self.dirty = True
        elif percent >= self.next_step:
            self.stream.write(f"Import : {percent} % ({message})\n")
            self.next_step = (percent // 10 + 1) * 10
        self.stream.flush()

    def clear(self) -> None:
        """Erase the in-place line before the final messages."""
        if self.dirty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.dirty = False


class _FrenchParser(argparse.ArgumentParser):
    """Usage errors as one French line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Erreur : {_french_usage(message)} (aide : {self.prog} --help).\n")


def _french_usage(message: str) -> str:
    """argparse's English usage errors, in French."""
    if "arguments are required" in message:
        return "indiquez au moins un fichier à importer"
    if message.startswith("unrecognized arguments:"):
        return "option inconnue :" + message.removeprefix("unrecognized arguments:")
    if message.endswith("expected one argument"):
        option = message.split(":")[0].removeprefix("argument ")
        return f"valeur attendue après {option}"
    return message


def _parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog="python -m lib.ingest",
        add_help=False,
        description=(
            "Importe des statistiques départementales du commerce extérieur (douanes) : "
            "fichiers CSV, TXT, XLSX, ZIP ou Parquet. Les années présentes dans les fichiers "
            "remplacent celles du jeu de données ; les autres années sont conservées."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers à importer")
    parser.add_argument(
        "--data-dir",
        metavar="DOSSIER",
        help=f"dossier du jeu de données (défaut : ${config.ENV_DATA_DIR} ou data/parquet)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="afficher la progression sur stderr (défaut : sur un terminal, ou si l'import dure)",
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide")
    return parser


# --- Ingest in a child process (the app) -----------------------------------------------------


class IngestFailed(RuntimeError):
    """An ingest run in a child process was refused (the French message of its IngestError)."""


@dataclass(frozen=True)
class IngestOutcome:
    summary: str
    warnings: list[str]


def _ingest_child(paths: list[str], data_dir: str, channel: object) -> None:
    """Runs in the child: reports progress, then the outcome, through `channel` (a Queue)."""
    try:
        report = ingest_files(
            paths, data_dir, on_progress=lambda d, t, m: channel.put(("progress", d, t, m))
        )
        channel.put(("done", report.summary, report.warnings))
    except IngestError as error:
        channel.put(("refused", str(error)))
    except Exception as error:  # reported to the parent, which shows it
        channel.put(("refused", f"l'import a échoué ({type(error).__name__} : {error})."))


def ingest_in_child(
    paths: Sequence[str | Path], data_dir: str | Path, on_progress: Progress | None = None
) -> IngestOutcome:
    """`ingest_files` in a fresh process, so that the app's memory never holds the files.

    A 10-million-row file peaks above 1 GB while it is parsed; the app process must stay under
    that. Progress is relayed to `on_progress` in the calling thread. Raises IngestFailed.
    """
    import multiprocessing
    import queue

    context = multiprocessing.get_context("spawn")  # no fork of a threaded server
    channel = context.Queue()
    child = context.Process(
        target=_ingest_child, args=([str(p) for p in paths], str(data_dir), channel), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                message = channel.get(timeout=0.2)
            except queue.Empty:
                if not child.is_alive():
                    raise IngestFailed(
                        f"l'import s'est arrêté (code {child.exitcode}) ; rien n'a été modifié."
                    ) from None
                continue
            if message[0] == "progress":
                if on_progress:
                    on_progress(*message[1:])
            elif message[0] == "done":
                return IngestOutcome(summary=message[1], warnings=list(message[2]))
            else:
                raise IngestFailed(message[1])
    finally:
        child.join(timeout=30)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    location = config.data_dir(args.data_dir)
    if config.is_remote(location):
        print(
            f"Erreur : le jeu de données « {location} » est distant ; "
            "l'import écrit dans un dossier local (--data-dir).",
            file=sys.stderr,
        )
        return 2
    progress = StderrProgress(sys.stderr, args.progress)
    try:
        report = ingest_files(args.files, location, on_progress=progress)
    except IngestError as error:
        progress.clear()
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    except OSError as error:
        progress.clear()
        print(f"Erreur : écriture impossible dans « {location} » ({error}).", file=sys.stderr)
        return 1
    progress.clear()
    for warning in report.warnings:
        print(f"Attention : {warning}", file=sys.stderr)
    print(report.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
