"""`python -m lib.sources.ingest FILE... [--unit eur|keur] [--data-dir DIR] [--progress]`: import
customs files from the command line (run by lib/sources/ingest/__main__.py).

Bad input exits with status 2 and one French line on stderr; a failed write (a full disk) with 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import NoReturn, TextIO

from lib.core import config
from lib.data import store
from lib.sources.ingest.steps import ingest_files
from lib.sources.readers import IngestError


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
        prog="python -m lib.sources.ingest",
        add_help=False,
        description=(
            "Importe des statistiques départementales du commerce extérieur (douanes) : "
            "fichiers publiés (ZIP de fichiers texte sans en-tête et de libellés), CSV, TXT, "
            "XLS, XLSX ou Parquet. Chaque couple (année, flux) présent dans les fichiers "
            "remplace le même couple du jeu de données ; les autres sont conservés."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers à importer")
    parser.add_argument(
        "--data-dir",
        metavar="DOSSIER",
        help=f"dossier du jeu de données (défaut : ${config.ENV_DATA_DIR} ou data/parquet)",
    )
    parser.add_argument(
        "--unit",
        choices=["eur", "keur"],
        help="unité des valeurs, pour tous les fichiers : euros ou milliers d'euros "
        "(défaut : selon l'en-tête ; milliers d'euros pour les classeurs XLS du Kiosque)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="afficher la progression sur stderr (défaut : sur un terminal, ou si l'import dure)",
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide")
    return parser


def _cli_user() -> str | None:
    """Who runs the CLI, for the dataset's history (`alice (ligne de commande)`)."""
    import getpass

    try:
        return f"{getpass.getuser()} (ligne de commande)"
    except (OSError, KeyError):
        return None


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
        report = ingest_files(
            args.files, location, on_progress=progress, unit=args.unit, by=_cli_user()
        )
    except IngestError as error:
        progress.clear()
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    except store.WriteFailed as error:  # a full disk: the published version is untouched
        progress.clear()
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except OSError as error:
        progress.clear()
        print(f"Erreur : écriture impossible dans « {location} » ({error}).", file=sys.stderr)
        return 1
    progress.clear()
    for warning in report.warnings:
        print(f"Attention : {warning}", file=sys.stderr)
    print(report.summary)
    return 0
