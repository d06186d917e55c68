"""Territoires d'industrie: the lists in effect, each département's as the fiches print it.

The seed fiches list « Principaux Territoires d'Industrie du département* », with the note
« * Les Territoires d'Industrie adjacents comptant moins de 5 communes dans le département ont
été retirés ». Two sources, the first present wins:

- the ANCT's official list, once imported (lib/sources/industry_territories, the Importer page
  or `python -m lib.sources.industry_territories`): stored beside the dataset as
  `DATA_DIR/territoires_industrie.csv` (STORED_FILE, columns STORED_COLUMNS), each département
  with the territories that have at least MIN_COMMUNES of its communes. It is then the list of
  every département: one where no territory has five communes has an empty list;
- otherwise the lists printed in the five seed fiches (SEEDS_FILE,
  `data/ref/territoires_industrie_seeds.csv`, with the publication and file as their source).

Reading only: a remote dataset has no stored lists (the seeds are shown).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd

from lib.core import config, refs

SEEDS_FILE = config.REF_DIR / "territoires_industrie_seeds.csv"
STORED_FILE = "territoires_industrie.csv"  # beside dataset.json
STORED_COLUMNS = ["dept", "name", "communes", "source"]
MIN_COMMUNES = 5


def _read(path: Path) -> pd.DataFrame:
    """The lists in `path`, read again only when the file changed (an import writes it anew):
    every département's fiche shows its list, and reading the CSV at each run was 2 ms of the
    fiche's first screen. Shared: callers must not change it."""
    stat = os.stat(path)  # FileNotFoundError when absent, as before
    return _read_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read_version(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


def _stored(data_dir: str | Path) -> pd.DataFrame | None:
    """The imported lists, or None when none was imported (or the dataset is remote)."""
    if config.is_remote(str(data_dir)):
        return None
    try:
        return _read(Path(data_dir) / STORED_FILE)
    except FileNotFoundError:
        return None


def _in_effect(data_dir: str | Path) -> tuple[pd.DataFrame, bool]:
    """The lists shown: the imported ones if any (True), else the seed fiches' (False)."""
    stored = _stored(data_dir)
    return (stored, True) if stored is not None else (_read(SEEDS_FILE), False)


def lists(data_dir: str | Path) -> dict[str, list[str]]:
    """Département code → its territories' names, for the départements that have some."""
    table, _ = _in_effect(data_dir)
    result: dict[str, list[str]] = {}
    for dept, name in zip(table["dept"], table["name"], strict=True):
        result.setdefault(dept, []).append(name)
    return result


def for_dept(dept: str, data_dir: str | Path) -> tuple[list[str], str]:
    """A département's territories and their source; ([], "") when no list covers it. Once the
    ANCT file is imported it covers every département: ([], its source) means none has five
    communes there."""
    table, imported = _in_effect(data_dir)
    rows = table[table["dept"] == dept]
    if rows.empty:
        return [], str(table["source"].iloc[0]) if imported and len(table) else ""
    return list(rows["name"]), str(rows["source"].iloc[0])


def in_place(data_dir: str | Path) -> str:
    """What the fiches show, in one French sentence (for the Importer page)."""
    table, imported = _in_effect(data_dir)
    if not imported:
        names = ", ".join(refs.dept_name(dept) for dept in dict.fromkeys(table["dept"]))
        return f"Listes en place : celles des fiches publiées ({names})."
    return (
        f"Listes en place : {table['source'].iloc[0]} — {len(table)} territoires retenus dans "
        f"{table['dept'].nunique()} départements."
    )
