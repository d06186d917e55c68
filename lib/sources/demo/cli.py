"""`python -m lib.sources.demo [--data-dir DIR] [--if-missing]`: build the demonstration dataset
(run by lib/sources/demo/__main__.py; `make data`, and `make run` with --if-missing)."""

from __future__ import annotations

import argparse
import sys
import time

from lib.core import config
from lib.data import store
from lib.sources.demo import build_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sources.demo",
        description="Construit le jeu de démonstration synthétique (2015-2024, calibré).",
    )
    parser.add_argument("--data-dir", help="dossier du jeu de données (défaut : config)")
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="ne rien faire si un jeu de données existe déjà",
    )
    args = parser.parse_args(argv)
    data_dir = config.data_dir(args.data_dir)
    if config.is_remote(data_dir):
        parser.error(f"emplacement distant, impossible d'y écrire : {data_dir}")
    if args.if_missing and store.read_manifest(data_dir) is not None:
        print(f"Jeu de données déjà présent dans {data_dir} : rien à faire.", file=sys.stderr)
        return 0
    start = time.perf_counter()
    manifest = build_demo(data_dir)
    elapsed = f"{time.perf_counter() - start:.1f}".replace(".", ",")
    rows = f"{manifest.rows:_}".replace("_", " ")
    print(
        f"Jeu de démonstration écrit dans {data_dir} : {rows} lignes, "
        f"années {manifest.years[0]}-{manifest.years[-1]}, en {elapsed} s.",
        file=sys.stderr,
    )
    return 0
