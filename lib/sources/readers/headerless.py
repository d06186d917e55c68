"""Recognition, from their rows alone, of the customs' headerless files.

The DGDDI publishes its departmental statistics as headerless `;`-separated text files
(`Region_2024_Export.txt`: flux;trimestre;annee;code_dep;code_reg;code_A129;code_CPF4;
code_pays;valeur;masse) with label files beside them (`Libelle_PAYS.txt`: code;libelle;debut;
fin). Public scripts disagree on the order of some columns (one puts CPF4 before A129), so the
columns are recognised by what they hold, never by their position alone: a flow column holds
E and I, a year column four-digit years, an A129 column codes like `C10A`, and so on. Position
only breaks the ties content cannot (the value comes before the mass).

A column is recognised when nearly all of its sampled values fit (`FIT`): a malformed value in
the sample must not hide the layout, it must be reported later with its line by validation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from lib.core import refs, schema

FIT = 0.9  # share of a column's sampled values that must fit its kind
# Columns of the narrowest data file: flow, year, département, product, country, value.
MIN_DATA_COLUMNS = 6
LABEL_HEADER = ("code", "libelle", "debut", "fin")

_FLOW = re.compile(r"[EI]")
_QUARTER = re.compile(r"[1-4]")
_YEAR = re.compile(r"(19|20|21)\d\d")
_A129 = re.compile(r"[A-Z]\d\d[A-Z0-9]")
_CPF4 = re.compile(r"\d\d\.?\d\d")
_COUNTRY = re.compile(r"[A-Z][A-Z0-9]")
_DEPT = re.compile(r"\d{1,3}|\d[AB]")
_REGION = re.compile(r"\d{1,2}")
_NUMBER = re.compile(r"[+-]?\d+([.,]\d*)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d.*|\d\d/\d\d/\d{4}.*|\d{8}")

# How the messages name each recognised column (`colonne 4 (département)`).
FIELD_WORDS = {
    "flow": "flux",
    "quarter": "trimestre",
    "year": "année",
    "dept": "département",
    "region": "région",
    "product": "code A129",
    "cpf4": "code CPF4",
    "country": "pays",
    "value": "valeur",
    "mass": "masse",
}


def _fits(values: Sequence[str], pattern: re.Pattern[str]) -> bool:
    filled = [v for v in values if v]
    if not filled:
        return False
    return sum(1 for v in filled if pattern.fullmatch(v)) >= FIT * len(filled)


def _columns(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    width = len(rows[0])
    return [[row[i].strip().upper() if i < len(row) else "" for row in rows] for i in range(width)]


def _first(columns: list[list[str]], free: list[int], pattern: re.Pattern[str]) -> int | None:
    return next((i for i in free if _fits(columns[i], pattern)), None)


MAX_YEARS = 30  # distinct years a year column may hold (files joined end to end included)


def _is_year(values: list[str]) -> bool:
    """Nearly all values are years of the accepted range, and few distinct ones: a year out of
    range is reported by validation."""
    filled = [v for v in values if v]
    years = [
        v for v in filled if _YEAR.fullmatch(v) and schema.MIN_YEAR <= int(v) <= schema.MAX_YEAR
    ]
    return bool(filled) and len(years) >= FIT * len(filled) and len(set(years)) <= MAX_YEARS


def _year_column(columns: list[list[str]], free: list[int]) -> int | None:
    """The year column: of the columns of years, the one with the fewest distinct values (a
    CPF4 column may hold codes such as 2011 too, but many more of them), the first on a tie."""
    candidates = [i for i in free if _is_year(columns[i])]
    return min(candidates, key=lambda i: (len(set(columns[i])), i), default=None)


def _region_agreement(columns: list[list[str]], dept: int, region: int) -> int:
    """How many rows pair a département with its own région in the reference."""
    return sum(
        1
        for d, r in zip(columns[dept], columns[region], strict=True)
        if (code := refs.normalize_dept(d)) is not None and refs.region_of_dept(code) == r.zfill(2)
    )


def _dept_and_region(columns: list[list[str]], free: list[int]) -> tuple[int | None, int | None]:
    """The département column and the région column, if any, among short code columns."""
    codes = [i for i in free if _fits(columns[i], _DEPT) and max(map(len, columns[i])) <= 3]
    if not codes:
        return None, None
    regions = [i for i in codes if _fits(columns[i], _REGION)]
    pairs = [(d, r) for d in codes for r in regions if d != r]
    if not pairs:
        return codes[0], None
    # The pair that matches the reference best; then the one whose département column varies
    # more; then the published order (département before région).
    best = max(
        pairs,
        key=lambda p: (
            _region_agreement(columns, *p),
            len(set(columns[p[0]])) - len(set(columns[p[1]])),
            -p[0],
        ),
    )
    return best


@dataclass(frozen=True)
class Recognised:
    """Where each field sits in a headerless data file."""

    positions: dict[str, int]  # field name -> column index (flow, year, dept, product, ...)
    width: int

    def header(self) -> list[str]:
        """Column names for the messages: `colonne 4 (département)`, `colonne 5`."""
        words = {index: FIELD_WORDS[name] for name, index in self.positions.items()}
        return [
            f"colonne {i + 1} ({words[i]})" if i in words else f"colonne {i + 1}"
            for i in range(self.width)
        ]


def recognise_data(rows: Sequence[Sequence[str]]) -> Recognised | None:
    """The layout of a headerless data file from its first rows, or None when it is not one.

    Needs at least a flow, a year, a département, a product (A129 or CPF4), a country and a
    value; a quarter, a région, a CPF4 beside the A129 and a mass are recognised when present.
    """
    if not rows:
        return None
    # The usual width: a short or long line must not hide the layout (it is reported later,
    # with its line, by the parser).
    width = Counter(len(row) for row in rows).most_common(1)[0][0]
    regular = [row for row in rows if len(row) == width]
    if width < MIN_DATA_COLUMNS or len(regular) < FIT * len(rows):
        return None
    columns = _columns(regular)
    free = list(range(len(columns)))
    positions: dict[str, int] = {}

    def take(name: str, index: int | None) -> None:
        if index is not None:
            positions[name] = index
            free.remove(index)

    take("flow", _first(columns, free, _FLOW))
    take("year", _year_column(columns, free))
    take("quarter", _first(columns, free, _QUARTER))
    take("product", _first(columns, free, _A129))
    take("cpf4", _first(columns, free, _CPF4))
    take("country", _first(columns, free, _COUNTRY))
    dept, region = _dept_and_region(columns, free)
    take("dept", dept)
    take("region", region)
    numbers = [i for i in free if _fits(columns[i], _NUMBER)]
    take("value", numbers[0] if numbers else None)
    take("mass", numbers[1] if len(numbers) > 1 else None)
    required = ("flow", "year", "dept", "country", "value")
    # A CPF4 column stands for the product when there is no A129 column (readers does it).
    if not all(name in positions for name in required) or not {"product", "cpf4"} & set(positions):
        return None
    positions.pop("region", None)  # a région is derived from the département, never read
    return Recognised(positions, len(columns))


def is_label_header(row: Sequence[str]) -> bool:
    from lib.sources.readers.headers import header_key

    return tuple(header_key(cell) for cell in row[:4]) == LABEL_HEADER


def looks_like_labels(name: str, rows: Sequence[Sequence[str]]) -> bool:
    """A label file: `Libelle_*.txt`, or rows of code;libelle;debut;fin with dates."""
    if "libelle" in name.lower().replace("é", "e"):
        return True
    if not rows or any(len(row) != 4 for row in rows):
        return False
    body = rows[1:] if is_label_header(rows[0]) else rows
    columns = _columns(body) if body else [[]] * 4
    return bool(body) and _fits(columns[2], _DATE) and _fits(columns[3], _DATE)


def label_kind(name: str, codes: Sequence[str]) -> str | None:
    """`product` (A129), `cpf4` or `country`: from the file's name, else from its codes."""
    lowered = name.lower()
    for word, kind in (("a129", "product"), ("cpf", "cpf4"), ("pays", "country")):
        if word in lowered:
            return kind
    upper = [c.strip().upper() for c in codes]
    for pattern, kind in ((_A129, "product"), (_CPF4, "cpf4"), (_COUNTRY, "country")):
        if _fits(upper, pattern):
            return kind
    return None


def date_key(text: str) -> str:
    """A sortable form of a validity date: `31/12/2024` and `20241231` -> `2024-12-31`."""
    text = text.strip()
    if re.fullmatch(r"\d\d/\d\d/\d{4}.*", text):
        return f"{text[6:10]}-{text[3:5]}-{text[0:2]}"
    if re.fullmatch(r"\d{8}", text):
        return f"{text[0:4]}-{text[4:6]}-{text[6:8]}"
    return text[:10]
