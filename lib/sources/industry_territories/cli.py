"""`python -m lib.sources.industry_territories FILE [--data-dir DIR]`: import the ANCT's list of
the Territoires d'industrie (run by lib/sources/industry_territories/__main__.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.core import config
from lib.data import store
from lib.sources import industry_territories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sources.industry_territories",
        description="Importe la liste des Territoires d'industrie de l'ANCT (CSV des communes "
        "insee_com;lib_com;id_ti;lib_ti) et en déduit la liste de chaque département.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    try:
        with open(args.file, "rb") as handle:
            imported = industry_territories.import_file(
                handle, args.file.name, config.data_dir(args.data_dir)
            )
    except OSError as error:
        print(f"Erreur : fichier illisible « {args.file} » ({error.strerror}).", file=sys.stderr)
        return 2
    except (industry_territories.AnctFileError, store.ReadOnlyDataset) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"{imported.summary}\nÉcrit dans {imported.path}.")
    return 0
