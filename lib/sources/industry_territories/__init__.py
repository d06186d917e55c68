"""Territoires d'industrie: the ANCT's official list imported, each département's derived.

The file is a CSV of communes `insee_com;lib_com;id_ti;lib_ti` (UTF-8 or Latin-1, `;`, header
required), imported by the administrator (Importer page) or the command line
`python -m lib.sources.industry_territories FILE [--data-dir DIR]` (its cli.py): each département
keeps the territories with at least `MIN_COMMUNES` of its communes, sorted by name, stored
beside the dataset as `DATA_DIR/territoires_industrie.csv` (replaced atomically; a remote dataset
is read-only, as in lib.data.store). The lists in effect (this file once imported, else the seed
fiches') are read by lib/data/industry_lists.py.

Hostile content is data: the names are stored through lib.core.csvfile.to_csv_bytes (formula-like
cells neutralised) and the pages show them through lib.core.escaping.plain.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from lib.core import config, csvfile, refs
from lib.data import store
from lib.data.industry_lists import MIN_COMMUNES, STORED_FILE
from lib.sources.readers.encodings import detect_encoding, ensure_codec

ANCT_COLUMNS = ("insee_com", "lib_com", "id_ti", "lib_ti")
# The ANCT file lists some 35 000 communes (about 2 MB): far below this, whatever the uploads'.
MAX_ANCT_BYTES = 20 * config.MB
MAX_NAME_CHARS = 200
_COMMUNE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{3}")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})


class AnctFileError(ValueError):
    """The file is not a usable ANCT list (French message); nothing was written."""


@dataclass(frozen=True)
class Imported:
    """What an import wrote: the lists' sizes, where, and the communes left aside."""

    path: Path
    departements: int
    territories: int
    outside: int  # communes of a département outside the 101 (ignored)

    @property
    def summary(self) -> str:
        text = (
            f"Territoires d'industrie : {_count(self.territories, 'territoire retenu')} dans "
            f"{_count(self.departements, 'département')} (ceux qui y comptent au moins "
            f"{MIN_COMMUNES} communes)."
        )
        if self.outside:
            text += f" Hors des 101 départements : {_count(self.outside, 'commune ignorée')}."
        return text


def _count(number: int, words: str) -> str:
    """`3 territoires retenus`, `1 département`: every word takes the plural."""
    if number < 2:
        return f"{number} {words}"
    return f"{number} " + " ".join(word + "s" for word in words.split())


def max_bytes(limits: config.UploadLimits | None = None) -> int:
    """The largest ANCT file accepted: MAX_ANCT_BYTES, or the uploads' per-file limit if lower."""
    return min(MAX_ANCT_BYTES, (limits or config.upload_limits()).max_file_bytes)


def dept_of_commune(insee_com: str) -> str:
    """The département of a commune code: 2 characters, 3 for the overseas 97x (`97411` → 974),
    `2A`/`2B` for Corsica."""
    return insee_com[:3] if insee_com.startswith("97") else insee_com[:2]


def sort_key(name: str) -> tuple[str, str]:
    """Alphabetical order as a French reader expects it: accents and case ignored first."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold(), name


# --- Reading the ANCT file ------------------------------------------------------------------------


def read_bounded(source: BinaryIO, name: str, limit: int) -> bytes:
    """The whole file, refused as soon as it is over `limit` bytes."""
    raw = source.read(limit + 1)
    if len(raw) > limit:
        raise AnctFileError(
            f"« {name} » dépasse la taille maximale d'un fichier de l'ANCT "
            f"({config.size_text(limit)})."
        )
    return raw


def _decoded(raw: bytes) -> str:
    encoding = detect_encoding(raw)  # the whole file: at most max_bytes()
    ensure_codec()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:  # a UTF-16 BOM before invalid text
        raise AnctFileError(f"encodage illisible (octet {error.start}).") from None


def _header_positions(header: list[str], name: str) -> dict[str, int]:
    cells = [cell.strip().strip('"').lower() for cell in header]
    missing = [column for column in ANCT_COLUMNS if column not in cells]
    if missing:
        raise AnctFileError(
            f"« {name} » n'est pas la liste des Territoires d'industrie de l'ANCT : la première "
            f"ligne doit être l'en-tête {';'.join(ANCT_COLUMNS)} "
            f"(colonnes absentes : {', '.join(missing)})."
        )
    return {column: cells.index(column) for column in ANCT_COLUMNS}


def _rows(text: str, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, the four columns) for each non-blank row after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        positions = _header_positions(next(reader, []), name)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cells = {c: row[i].strip() if i < len(row) else "" for c, i in positions.items()}
            yield reader.line_num, cells
    except csv.Error as error:
        raise AnctFileError(f"« {name} », ligne {reader.line_num} : {error}.") from None


def communes(raw: bytes, name: str) -> pd.DataFrame:
    """The file's communes that belong to a territory: `insee_com, dept, id_ti, lib_ti`."""
    records = []
    for line, cells in _rows(_decoded(raw), name):
        if not cells["id_ti"] and not cells["lib_ti"]:
            continue  # a commune outside every Territoire d'industrie
        code = cells["insee_com"].upper()
        if not _COMMUNE.fullmatch(code):
            raise AnctFileError(f"« {name} », ligne {line} : code commune « {code} » invalide.")
        label = cells["lib_ti"] or cells["id_ti"]
        if len(label) > MAX_NAME_CHARS:
            raise AnctFileError(f"« {name} », ligne {line} : nom de territoire trop long.")
        records.append((code, dept_of_commune(code), cells["id_ti"] or label, label))
    return pd.DataFrame(records, columns=["insee_com", "dept", "id_ti", "lib_ti"])


def derive(table: pd.DataFrame) -> pd.DataFrame:
    """Per département, the territories with at least MIN_COMMUNES distinct communes in it:
    `dept, name, communes`, by département then name. A territory is named by the first name
    the file gives its id."""
    names = table.drop_duplicates("id_ti").set_index("id_ti")["lib_ti"]
    counts = (
        table.drop_duplicates(["dept", "id_ti", "insee_com"])
        .groupby(["dept", "id_ti"])
        .size()
        .rename("communes")
        .reset_index()
    )
    kept = counts[counts["communes"] >= MIN_COMMUNES].copy()
    kept["name"] = kept["id_ti"].map(names)
    kept["key"] = kept["name"].map(lambda name: sort_key(name)[0])
    kept = kept.sort_values(["dept", "key", "name"])
    return kept[["dept", "name", "communes"]].reset_index(drop=True)


# --- Storing the lists ----------------------------------------------------------------


def import_file(
    source: BinaryIO,
    name: str,
    data_dir: str | Path,
    limit: int | None = None,
    today: date | None = None,
) -> Imported:
    """Read an ANCT file and replace the stored lists with its own (nothing written on error)."""
    store.refuse_remote(data_dir)
    table = communes(read_bounded(source, name, limit or max_bytes()), name)
    inside = table[table["dept"].map(refs.is_dept)]
    lists = derive(inside)
    if lists.empty:
        raise AnctFileError(
            f"« {name} » : aucun Territoire d'industrie ne compte {MIN_COMMUNES} communes dans "
            "un même département ; rien n'est modifié."
        )
    day = (today or date.today()).strftime("%d/%m/%Y")
    lists["source"] = f"fichier de l'ANCT « {name} », importé le {day}"
    folder = Path(data_dir)
    with store.writer_lock(folder):
        store.write_durably(folder / STORED_FILE, csvfile.to_csv_bytes(lists).decode("utf-8"))
    return Imported(
        path=folder / STORED_FILE,
        departements=lists["dept"].nunique(),
        territories=len(lists),
        outside=len(table) - len(inside),
    )
