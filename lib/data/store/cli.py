"""`python -m lib.data.store upgrade|rollback|history|check [--data-dir DIR]`: the dataset's
maintenance from the command line (run by lib/data/store/__main__.py)."""

from __future__ import annotations

import argparse
import getpass
import sys

from lib.core import config
from lib.data.store.damage import check_report
from lib.data.store.durable import ReadOnlyDataset
from lib.data.store.history import event_line
from lib.data.store.manifest import read_manifest
from lib.data.store.writer import NothingToRestore, rollback, upgrade


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status: 0 done, 1 a damaged file (check), 2 refused."""
    parser = argparse.ArgumentParser(
        prog="python -m lib.data.store",
        description="upgrade : met le jeu de données au format courant ; rollback : restaure la "
        "version précédente ; history : liste les changements ; check : vérifie que chaque "
        "fichier de la version courante est lisible et conforme au manifeste (code de sortie 1 "
        "sinon, en nommant les fichiers endommagés).",
    )
    parser.add_argument("command", choices=["upgrade", "rollback", "history", "check"])
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    location = config.data_dir(args.data_dir)
    try:
        if args.command == "rollback":
            restored = rollback(location, by=getpass.getuser())
            print(f"Version {restored.version} restaurée : {restored.rows} lignes.")
            return 0
        if args.command == "check":
            if config.is_remote(location):
                raise ReadOnlyDataset(
                    f"le jeu de données « {location} » est distant : vérifiez le dossier local "
                    "publié (--data-dir)."
                )
            status, text = check_report(location)
            print(text, file=sys.stderr if status else sys.stdout)
            return status
        if args.command == "history":
            current = read_manifest(location)
            for event in current.history if current else ():
                print(event_line(event))
            return 0
        upgraded = upgrade(location)
    except (ReadOnlyDataset, NothingToRestore) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    if upgraded is None:
        print("Aucun jeu de données à mettre à jour.")
    else:
        print(f"Jeu de données au format {upgraded.layout} : {upgraded.rows} lignes.")
    return 0
