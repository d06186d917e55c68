"""`python -m lib.fiche`: the CSV tables of a territory's fiche — the contract every view follows.

    python -m lib.fiche [--data-dir DIR] --level {dept,region,france} [--code CODE]
                         --year YYYY [--top N] --out DIR [--exposure PARTNER]
                         [--diversification PARTNER] [--fiche]
    python -m lib.fiche [--data-dir DIR] --all --year YYYY [--top N] --out DIR
                         [--exposure PARTNER] [--diversification PARTNER] [--fiche]
                         [--workers N]

Files (UTF-8, comma-separated, `.` decimals, header row, euros unrounded): kpis.csv,
partners.csv, products.csv, products_cpf4.csv (header only when the data has no CPF4 detail),
sankey_export.csv, sankey_import.csv, us_exposure.csv. The app's downloads are built
by lib/fiche/files.py's `tables()` and lib/core/csvfile.py's `to_csv_bytes()`, so a download
and an export are byte-identical.
With `--exposure PARTNER` (a country or group code of lib.core.partners), also exposure.csv and
dependency.csv, the Exposition page's tables (`lib.data.exposure.tables`). With
`--diversification PARTNER`, also alternative_markets.csv, diversification.csv and
similar_territories.csv, the Diversifier page's tables (`lib.data.diversification.tables`), for a
département or a région only: France is refused (exit 2), and with `--all` its folder goes
without them (said on stderr), the régions' and départements' have them.

With `--fiche`, also the fiche as a document beside the CSVs: fiche.html (self-contained,
lib/fiche/as_html.py) and fiche.pdf (printed by Chromium, lib/fiche/as_pdf.py). When the PDF cannot
be made (no Chromium or playwright, or the print failed) the HTML is written all the same, a
French message on stderr says why the PDF is missing, and the exit status is 3.

`--all` writes every territory, 120 folders: `DIR/france`, `DIR/region_52` (18 régions),
`DIR/dept_53` (101 départements); with `--fiche` also `DIR/index.html`, linking every document.
It is lib/fiche/collection.py: one progress line per territory on stderr, the fiches made by
`--workers N` processes (default min(2, cores); without `--fiche` one process does it all).

Exit status: 0 done; 1 some territory of `--all` failed (named on stderr, the others written);
2 bad arguments or no dataset (nothing written); 3 everything written except a PDF that could
not be made (its HTML is).

A text cell that a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`, tab, carriage
return; see lib.core.escaping.is_formula_like) is written with a leading single quote, and quoted
(lib/core/csvfile.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lib.core import config, partners
from lib.core.territory import InvalidTerritory, Territory, parse_territory
from lib.data import db, diversification, exposure, queries
from lib.fiche import files

EXIT_FAILED = 1  # a territory of --all failed; the others are written
EXIT_USAGE = 2  # bad arguments or no dataset: nothing is written
EXIT_NO_PDF = 3  # everything is written but a PDF, which could not be made (its HTML is)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.fiche",
        description="Exporte les tableaux CSV d'une fiche territoire.",
    )
    parser.add_argument("--data-dir", help="dossier du jeu de données (défaut : data/parquet)")
    parser.add_argument("--level", choices=["dept", "region", "france"])
    parser.add_argument("--code", help="code INSEE du département ou de la région")
    parser.add_argument("--year", type=int, help="année (obligatoire, sauf avec --package)")
    parser.add_argument("--top", type=int, default=files.DEFAULT_TOP, help="nombre N (défaut : 10)")
    parser.add_argument(
        "--out", type=Path, help="dossier où écrire (obligatoire, sauf avec --package)"
    )
    parser.add_argument(
        "--format",
        choices=files.FORMATS,
        default="csv",
        help="csv : un fichier par tableau (défaut) ; xlsx : un classeur Excel (fiche.xlsx), "
        "une feuille par tableau",
    )
    parser.add_argument(
        "--package",
        metavar="DOSSIER",
        type=Path,
        help="écrit le jeu de données entier en paquet de données ouvertes (datapackage.json, "
        "Parquet et CSV gzip par année, tables de référence) ; aucun autre argument requis",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="tous les territoires : France, régions et départements, un dossier chacun",
    )
    parser.add_argument(
        "--exposure",
        metavar="PARTENAIRE",
        help="écrit aussi exposure.csv et dependency.csv pour ce pays ou groupe (US, UE27…)",
    )
    parser.add_argument(
        "--diversification",
        metavar="PARTENAIRE",
        help="écrit aussi alternative_markets.csv, diversification.csv et "
        "similar_territories.csv (page Diversifier) pour ce pays ou groupe ; un département ou "
        "une région, pas la France",
    )
    parser.add_argument(
        "--fiche",
        action="store_true",
        help="écrit aussi la fiche en document : fiche.html et fiche.pdf (avec --all, index.html)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processus qui impriment les fiches de --all --fiche (défaut : 2, ou 1 sur 1 cœur)",
    )
    return parser


def _territory(args: argparse.Namespace) -> Territory:
    """The territory of a single export (not `--all`), validated."""
    if args.level is None:
        raise InvalidTerritory("--level est obligatoire (sauf avec --all).")
    if args.level != "france" and not args.code:
        raise InvalidTerritory("--code est obligatoire pour --level dept ou region.")
    return parse_territory(args.level, args.code)


def _partner(raw: str | None) -> str | None:
    """The `--exposure` partner code, validated (" us " → "US"); None without the option."""
    if raw is None:
        return None
    code = partners.normalize_partner(raw)
    if code is None:
        raise exposure.InvalidPartner(
            f"Partenaire inconnu : « {raw} » (attendu : un pays comme US, CN, GB, ou un groupe "
            "comme UE27, HORS_UE, ZONE_EURO, GOLFE)."
        )
    return code


class NoDataset(Exception):
    """The data folder holds no dataset (French message): nothing is built in its place."""


def _require_dataset(location: str) -> None:
    """An export reads the dataset there is; it never builds the demonstration one silently."""
    if db.manifest() is None:
        raise NoDataset(
            f"aucun jeu de données dans « {location} ». Importez les fichiers des Douanes "
            f"(python -m lib.sources.ingest --data-dir {location} FICHIERS…) ou construisez "
            f"le jeu de démonstration (python -m lib.sources.demo --data-dir {location})."
        )


def _check_numbers(args: argparse.Namespace) -> None:
    if args.top < 1:
        raise InvalidTerritory("--top doit être un entier positif.")
    if args.workers is not None and args.workers < 1:
        raise InvalidTerritory("--workers doit être un entier positif.")
    if args.year not in queries.available_years():
        years = queries.available_years()
        raise InvalidTerritory(
            f"Année {args.year} absente du jeu de données ({years[0]}–{years[-1]})."
            if years
            else "Le jeu de données est vide."
        )


def _export_one(
    territory: Territory, args: argparse.Namespace, partner: str | None, diversify: str | None
) -> int:
    """One territory's CSVs in `--out`; with `--fiche`, its fiche.html and fiche.pdf."""
    written = files.write_tables(
        territory, args.year, args.top, args.out, partner, args.format, diversify
    )
    status = 0
    if args.fiche:
        from lib.fiche import as_pdf, collection

        with collection.PdfWriter(as_pdf.unavailable_reason()) as writer:
            fiche = collection.write_fiche(territory, args.year, args.top, args.out, writer)
        written += fiche.files
        if fiche.refused:
            print(f"Requêtes de la fiche refusées : {', '.join(fiche.refused)}", file=sys.stderr)
        if fiche.pdf_error:
            print(
                f"PDF non écrit : {fiche.pdf_error} La fiche est écrite en HTML : {fiche.files[0]}",
                file=sys.stderr,
            )
            status = EXIT_NO_PDF
    print(f"{len(written)} fichiers écrits dans {args.out}", file=sys.stderr)
    return status


def _export_all(args: argparse.Namespace, partner: str | None, diversify: str | None) -> int:
    """Every territory, one folder each (lib/fiche/collection.py)."""
    from lib.fiche import collection

    if diversify is not None:
        print(
            "--diversification : le dossier france n'a pas ces fichiers (la France entière est "
            "sa propre référence : ses indices de spécialisation valent 1 par définition) ; "
            "les régions et les départements les ont.",
            file=sys.stderr,
        )

    summary = collection.collect(
        collection.territories(),
        args.year,
        args.top,
        args.out,
        workers=args.workers or collection.default_workers(),
        fiche=args.fiche,
        partner=partner,
        table_format=args.format,
        diversify=diversify,
    )
    if summary.failed:
        return EXIT_FAILED
    return EXIT_NO_PDF if summary.without_pdf else 0


def _check_required(args: argparse.Namespace) -> None:
    """--year and --out are required for the fiche's tables (not for --package)."""
    missing = [
        flag for flag, value in (("--year", args.year), ("--out", args.out)) if value is None
    ]
    if missing:
        raise InvalidTerritory(
            f"{' et '.join(missing)} : argument obligatoire (sauf avec --package)."
        )


def _write_package(args: argparse.Namespace) -> int:
    """`--package DIR`: the whole dataset as open-data files (lib/data/datapackage.py)."""
    from lib.data import datapackage

    written = datapackage.write_package(args.package)
    print(f"{len(written)} fichiers écrits dans {args.package}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir:
        os.environ[config.ENV_DATA_DIR] = args.data_dir
    try:
        _require_dataset(config.data_dir())
        if args.package is not None:
            return _write_package(args)
        _check_required(args)
        territory = None if args.all else _territory(args)
        partner = _partner(args.exposure)
        diversify = _partner(args.diversification)
        if diversify is not None and territory is not None:
            diversification.check_territory(territory)
        _check_numbers(args)
    except (
        NoDataset,
        InvalidTerritory,
        exposure.InvalidPartner,
        diversification.NotForFrance,
    ) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_USAGE
    if territory is None:
        return _export_all(args, partner, diversify)
    return _export_one(territory, args, partner, diversify)
