"""`python -m lib.export`: the CSV tables of a territory's fiche — the contract every view follows.

    python -m lib.export [--data-dir DIR] --level {dept,region,france} [--code CODE]
                         --year YYYY [--top N] --out DIR [--all]

Files (UTF-8, comma-separated, `.` decimals, header row, euros unrounded): kpis.csv,
partners.csv, products.csv, products_cpf4.csv (header only when the data has no CPF4 detail),
sankey_export.csv, sankey_import.csv. The app's downloads are built
by `tables()` and `to_csv_bytes()` below, so a download and an export are byte-identical.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lib import config, demo, queries, refs
from lib.territory import InvalidTerritory, Territory, parse_territory

DEFAULT_TOP = 10
TableBuilder = Callable[[Territory, int, int], pd.DataFrame]
TABLES: dict[str, TableBuilder] = {
    "kpis.csv": lambda t, year, top: queries.kpis(t, year),
    "partners.csv": queries.partners,
    "products.csv": lambda t, year, top: queries.products(t, year),
    "products_cpf4.csv": lambda t, year, top: queries.product_details(t, year),
    "sankey_export.csv": lambda t, year, top: queries.sankey(t, year, "E", top),
    "sankey_import.csv": lambda t, year, top: queries.sankey(t, year, "I", top),
}


def tables(territory: Territory, year: int, top: int = DEFAULT_TOP) -> dict[str, pd.DataFrame]:
    """Every table of the fiche, keyed by its file name."""
    return {name: build(territory, year, top) for name, build in TABLES.items()}


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one CSV dialect of the project: UTF-8, comma, `.` decimals, full precision."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_tables(territory: Territory, year: int, top: int, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables(territory, year, top).items():
        path = out / name
        path.write_bytes(to_csv_bytes(frame))
        written.append(path)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.export", description="Exporte les tableaux CSV d'une fiche territoire."
    )
    parser.add_argument("--data-dir", help="dossier du jeu de données (défaut : data/parquet)")
    parser.add_argument("--level", choices=["dept", "region", "france"])
    parser.add_argument("--code", help="code INSEE du département ou de la région")
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="nombre N (défaut : 10)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--all", action="store_true", help="un dossier par département")
    return parser


def _targets(args: argparse.Namespace) -> list[tuple[Territory, Path]]:
    if args.all:
        return [(Territory("dept", code), args.out / code) for code in refs.departements()["code"]]
    if args.level is None:
        raise InvalidTerritory("--level est obligatoire (sauf avec --all).")
    if args.level != "france" and not args.code:
        raise InvalidTerritory("--code est obligatoire pour --level dept ou region.")
    return [(parse_territory(args.level, args.code), args.out)]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir:
        os.environ[config.ENV_DATA_DIR] = args.data_dir
    demo.ensure_dataset(config.data_dir())
    try:
        targets = _targets(args)
        if args.top < 1:
            raise InvalidTerritory("--top doit être un entier positif.")
        if args.year not in queries.available_years():
            years = queries.available_years()
            raise InvalidTerritory(
                f"Année {args.year} absente du jeu de données ({years[0]}–{years[-1]})."
                if years
                else "Le jeu de données est vide."
            )
    except InvalidTerritory as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    for territory, out in targets:
        write_tables(territory, args.year, args.top, out)
    print(f"{len(targets) * len(TABLES)} fichiers écrits dans {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
