"""Test support: build customs files in the layouts the DGDDI publishes, from a frame of rows.

A "rows frame" has the columns of `ROW_COLUMNS` (one row per published line, values in whole
euros, masses in whole kilograms). From it this module writes:

- the published regional ZIP: a folder `Regional-{year}-{export|import}/` holding a headerless,
  `;`-separated data file and the label files `Libelle_A129.txt`, `Libelle_CPF4.txt`,
  `Libelle_PAYS.txt` (`code;libelle;debut;fin`);
- the Kiosque ZIP: one Excel 97-2003 `.xls` per région, with a header row and values in
  thousands of euros (three decimals).

`expected_canonical` is the independent pandas oracle of what a correct importer stores.
Nothing here imports `lib`: the reference tables are read directly from `data/ref/`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import xlwt

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "ref"

ROW_COLUMNS = [
    "year",
    "quarter",
    "flow",
    "dept",
    "region",
    "product",
    "cpf4",
    "country",
    "value_eur",
    "mass_kg",
]
KEYS = ["year", "quarter", "flow", "dept", "product", "cpf4", "country"]
UNKNOWN_REGION = "00"  # code_reg written for a département outside the reference
VALIDITY = ("2008-01-01", "9999-12-31")  # default (debut, fin) of a label row
LABEL_HEADER = ("code", "libelle", "debut", "fin")
FLOW_WORDS = {"E": "export", "I": "import"}
KIOSQUE_VALUE_HEADER = "Valeur (milliers d'euros)"

# Départements and partners used by `sample_rows`: Corsica, an overseas département and the
# country code `NA` (Namibia, which a careless CSV reader turns into a missing value).
SAMPLE_DEPTS = ("01", "13", "2A", "31", "44", "53", "59", "75", "76", "971")
SAMPLE_COUNTRIES = ("DE", "BE", "ES", "IT", "GB", "US", "CN", "CH", "MA", "NA", "QU", "XK")

LabelRow = tuple[str, str, str, str]  # code, libelle, debut, fin


# --- reference tables -------------------------------------------------------------------------


@cache
def _ref(name: str) -> dict[str, str]:
    """`code -> name` (or `code -> region_code` for départements) from `data/ref/{name}.csv`."""
    column = "region_code" if name == "departements" else "name"
    with open(REF_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        # Plain csv, not pandas: pandas would read the country code "NA" as a missing value.
        return {row["code"]: row[column] for row in csv.DictReader(f)}


def region_of(dept: str) -> str:
    """INSEE région code of a département, `00` when the code is not in the reference."""
    return _ref("departements").get(dept, UNKNOWN_REGION)


# --- frames -----------------------------------------------------------------------------------


def rows_frame(records: Iterable[Sequence[object]]) -> pd.DataFrame:
    """Frame of `ROW_COLUMNS` from tuples in that order.

    A region given as None is filled from data/ref/departements.csv (`00` if unknown).
    """
    frame = pd.DataFrame([tuple(r) for r in records], columns=ROW_COLUMNS)
    frame["region"] = [
        region_of(str(d)) if r is None else r
        for d, r in zip(frame["dept"], frame["region"], strict=True)
    ]
    ints = dict.fromkeys(["year", "quarter", "value_eur", "mass_kg"], "int64")
    strs = dict.fromkeys(["flow", "dept", "region", "product", "cpf4", "country"], str)
    return frame.astype(ints | strs)


def cpf4_prefixes() -> dict[str, str]:
    """A129 code -> three-digit CPF4 prefix: its division, then its rank within the division.

    C10A -> 100, C10B -> 101, A01Z -> 010: every CPF4 code then belongs to a single A129 code.
    """
    out: dict[str, str] = {}
    rank: dict[str, int] = {}
    for code in _ref("products"):
        division = code[1:3]
        out[code] = f"{division}{rank.get(division, 0)}"
        rank[division] = rank.get(division, 0) + 1
    assert all(len(p) == 3 for p in out.values()), "more than ten A129 codes in a division"
    return out


def sample_rows(
    seed: int = 0,
    years: Sequence[int] = (2023, 2024),
    quarters: Sequence[int] = (1, 2, 3, 4),
    n: int = 300,
) -> pd.DataFrame:
    """`n` deterministic random rows with unique keys, both flows, sorted by `KEYS`."""
    countries = _ref("countries")
    assert all(c in countries for c in SAMPLE_COUNTRIES)
    prefixes = cpf4_prefixes()
    products = np.array(sorted(prefixes))
    rng = np.random.default_rng(seed)
    draws: list[pd.DataFrame] = []
    frame = pd.DataFrame(columns=ROW_COLUMNS)
    for _ in range(20):  # few draws suffice; bounded in case the key space is too small
        m = 2 * n + 50
        product = rng.choice(products, m)
        value = np.floor(rng.lognormal(9.0, 2.5, m)).astype("int64") + 1
        dept = rng.choice(SAMPLE_DEPTS, m)
        cpf4 = [prefixes[p] + str(d) for p, d in zip(product, rng.integers(1, 10, m), strict=True)]
        draws.append(
            pd.DataFrame(
                {
                    "year": rng.choice(np.asarray(years), m),
                    "quarter": rng.choice(np.asarray(quarters), m),
                    "flow": rng.choice(["E", "I"], m),
                    "dept": dept,
                    "region": [region_of(d) for d in dept],
                    "product": product,
                    "cpf4": cpf4,
                    "country": rng.choice(SAMPLE_COUNTRIES, m),
                    "value_eur": value,
                    "mass_kg": np.floor(value * rng.uniform(0.01, 5.0, m)).astype("int64"),
                }
            )
        )
        frame = pd.concat(draws).drop_duplicates(KEYS)
        if len(frame) >= n:
            break
    else:
        raise ValueError(f"cannot draw {n} rows with distinct keys")
    frame = frame.head(n).sort_values(KEYS).reset_index(drop=True)
    return rows_frame(frame.itertuples(index=False))


def split_by_year_flow(frame: pd.DataFrame) -> dict[tuple[int, str], pd.DataFrame]:
    """The rows of each (year, flow), as separate frames (index reset)."""
    return {
        (int(year), str(flow)): part.reset_index(drop=True)
        for (year, flow), part in frame.groupby(["year", "flow"], sort=True)
    }


def expected_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """What a correct importer stores: values and masses summed by `KEYS`, as floats, sorted."""
    out = frame.groupby(KEYS, as_index=False, sort=False)[["value_eur", "mass_kg"]].sum()
    out = out.astype({"value_eur": "float64", "mass_kg": "float64"})
    return out.sort_values(KEYS).reset_index(drop=True)


# --- published regional files -----------------------------------------------------------------


def data_text(frame: pd.DataFrame, *, cpf4_first: bool = False, line_end: str = "\n") -> bytes:
    """The headerless `;`-separated data file; `cpf4_first` swaps code_A129 and code_CPF4."""
    codes = ["cpf4", "product"] if cpf4_first else ["product", "cpf4"]
    order = ["flow", "quarter", "year", "dept", "region", *codes, "country"]
    order += ["value_eur", "mass_kg"]
    lines = [";".join(str(v) for v in row) + line_end for row in frame[order].itertuples(False)]
    return "".join(lines).encode("utf-8")


def label_text(
    rows: Sequence[LabelRow], *, header: bool, encoding: str, line_end: str = "\n"
) -> bytes:
    """A label file `code;libelle;debut;fin`.

    A label holding `;` or `"` is quoted by CSV rules (37 INSEE A129 names contain " ; ").
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator=line_end)
    if header:
        writer.writerow(LABEL_HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def default_labels(
    frame: pd.DataFrame, cpf4_name: str = "Libelle_CPF4.txt"
) -> dict[str, list[LabelRow]]:
    """Label rows (file name -> rows) naming every code of the frame, one validity period each."""
    a129, countries = _ref("products"), _ref("countries")
    names = {
        "Libelle_A129.txt": {c: a129.get(c, f"Produit {c}") for c in frame["product"]},
        cpf4_name: {c: f"Produit CPF {c}" for c in frame["cpf4"]},
        "Libelle_PAYS.txt": {c: countries.get(c, f"Pays {c}") for c in frame["country"]},
    }
    return {
        file: [(code, name, *VALIDITY) for code, name in sorted(by_code.items())]
        for file, by_code in names.items()
    }


def _merge_labels(base: list[LabelRow], extra: list[LabelRow]) -> list[LabelRow]:
    """`base` without the codes `extra` names, then `extra` in its order."""
    replaced = {row[0] for row in extra}
    return [row for row in base if row[0] not in replaced] + [tuple(r) for r in extra]


def published_zip_name(year: int, flow: str, stamp: str = "202502") -> str:
    """The published ZIP's name, e.g. `202502_regional_2024_export.zip`."""
    return f"{stamp}_regional_{year}_{FLOW_WORDS.get(flow, flow)}.zip"


def write_published_zip(
    path: str | Path,
    frame: pd.DataFrame,
    *,
    year: int,
    flow: str,
    cpf4_first: bool = False,
    labels_encoding: str = "utf-8",
    labels_header: bool = True,
    extra_labels: dict[str, list[LabelRow]] | None = None,
    data_name: str | None = None,
    line_end: str = "\n",
    cpf4_labels_name: str = "Libelle_CPF4.txt",
) -> Path:
    """Write one published ZIP (one year, one flow `E`/`I` or `export`/`import`).

    `extra_labels` maps a label file name to rows that replace every default row of the codes
    they name (give several rows for several validity periods) or add new codes; a name that is
    not one of the three label files adds that file. Its rows use `labels_encoding` too.
    """
    flow = {"export": "E", "import": "I"}.get(flow, flow)
    assert flow in FLOW_WORDS, flow
    assert set(frame["year"]) <= {year}, f"frame holds other years than {year}"
    assert set(frame["flow"]) <= {flow}, f"frame holds other flows than {flow}"
    word = FLOW_WORDS[flow]
    folder = f"Regional-{year}-{word}/"
    labels = default_labels(frame, cpf4_labels_name)
    for name, rows in (extra_labels or {}).items():
        labels[name] = _merge_labels(labels.get(name, []), rows)
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(folder, b"")  # the directory entry, as archivers write it
        data = data_text(frame, cpf4_first=cpf4_first, line_end=line_end)
        zf.writestr(folder + (data_name or f"Region_{year}_{word.capitalize()}.txt"), data)
        for name, rows in labels.items():
            text = label_text(rows, header=labels_header, encoding=labels_encoding)
            zf.writestr(folder + name, text)
    return path


# --- Le Kiosque: per-région .xls workbooks ------------------------------------------------------


def kiosque_header(value_header: str = KIOSQUE_VALUE_HEADER) -> list[str]:
    return [
        "Flux",
        "Année",
        "Trimestre",
        "Code département",
        "Code A129",
        "Code CPF4",
        "Code pays",
        value_header,
        "Masse (kg)",
    ]


def xls_bytes(frame: pd.DataFrame, *, value_header: str = KIOSQUE_VALUE_HEADER) -> bytes:
    """One BIFF8 workbook: a header row, then the rows; values in k€ rounded to 3 decimals.

    Codes are text cells (keeps `01` and `2A`), year, quarter, value and mass number cells.
    """
    assert len(frame) < 65_536, "a BIFF8 sheet holds at most 65 536 rows"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Données")
    kilo = xlwt.easyxf(num_format_str="0.000")
    for col, title in enumerate(kiosque_header(value_header)):
        sheet.write(0, col, title)
    columns = ["flow", "year", "quarter", "dept", "product", "cpf4", "country"]
    for i, row in enumerate(frame[[*columns, "value_eur", "mass_kg"]].itertuples(False), 1):
        flow, year, quarter, *codes, value, mass = row
        for col, cell in enumerate([str(flow), int(year), int(quarter), *map(str, codes)]):
            sheet.write(i, col, cell)
        sheet.write(i, 7, round(int(value) / 1000, 3), kilo)
        sheet.write(i, 8, int(mass))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_kiosque_zip(
    path: str | Path, frame: pd.DataFrame, *, value_header: str = KIOSQUE_VALUE_HEADER
) -> Path:
    """A ZIP holding `Region_{code}.xls` for each région of the frame (its `region` column)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for region, part in frame.groupby("region", sort=True):
            zf.writestr(f"Region_{region}.xls", xls_bytes(part, value_header=value_header))
    return path
