"""A machine table as a person reads it: on a page's grid (« Voir les données ») and, for the
names beside its codes, in its Excel workbook (lib/core/workbook.py).

The machine tables (their CSVs, the API) keep English column names, euros and codes alone;
lib/core/columns.py says what each column means. From the same table, `display_frame` gives:
- French headers with their unit, amounts in the unit the pages speak: euros in millions
  (« Importations (M€) »: value ÷ 10⁶), the rest in their own unit (« Part (%) »);
- the names of its codes beside them (« Nom du pays » after « Pays »: `with_names`, which the
  workbooks use too); an indicator's machine name (`exports_eur`) replaced by its title;
- every cell as French text (`1 446,3`, `6,55`, `0,123`, years as `2024`), an empty cell empty,
  a flag as « oui » / « non », the few English words of the machine tables (`export`,
  `territory`, `country`) in French; a flag another column says already (`partial`, which the
  period « 2025 (T1–T2) » says) left out.

Why text rather than numbers with a grid format: Streamlit's grid (1.67) formats a number with
printf (a decimal point, no thousands separator) or in the browser's locale (`1,446.3` in an
English browser, a headless test's too), draws an empty number cell as a grey « None » whatever
the format (a pandas Styler's French text included), and gives screen readers the raw number
(`1446.2999…`). Text shows `1 446,3` to every reader and reads as shown. The cost: a column is
sorted as text. Padded on the left (lib/core/gridtext.py), a column without negative numbers sorts
by value; one with negative values (a balance, a change) does not, and its CSV and workbook,
beside it, sort as numbers. The exposure page's dependency table chose the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from lib.core import columns, flows, formatting, gridtext, refs
from lib.core.columns import Column
from lib.core.states import OTHERS

# ---------------------------------------------------------------------------------------------
# Names beside codes
# ---------------------------------------------------------------------------------------------

# A code column's names come from its reference table; `node` is a Sankey node (a product or a
# country, or « Autres »), `territory` a compared département or région (its table has a name).
_NAMERS = {
    "dept": refs.dept_name,
    "region": refs.region_name,
    "product": refs.product_name,
    "cpf4": refs.cpf4_name,
    "country": refs.country_name,
}
# A code column followed in its table by one of these names needs no second name column.
_NAMED_ALREADY = {
    "dept": ("name", "departement_nom"),
    "departement": ("departement_nom",),
    "territory": ("name",),
    "product": ("product_name", "produit_nom"),
    "produit": ("produit_nom",),
    "cpf4": ("cpf4_name", "cpf4_nom"),
    "country": ("country_name", "pays_nom"),
    "pays": ("pays_nom",),
}
Namer = Callable[[str, object], str]  # (kind of names, code) → name


def node_name(code: object) -> str:
    """A Sankey node's name: a product's or a country's, « Autres » for the rest."""
    if code == OTHERS:
        return "Autres"
    if refs.is_product(code):
        return refs.product_name(str(code))
    return refs.country_name(str(code)) if isinstance(code, str) else ""


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def name_of(kind: str, code: object) -> str:
    """The name of `code` for a column whose names are of `kind`; blank for a missing code. An
    indicator is named as the column it would be (« Exportations (€) »)."""
    if _is_blank(code):
        return ""
    if kind == "node":
        return node_name(code)
    if kind == "indicator":
        return columns.column(str(code)).title
    namer = _NAMERS.get(kind)
    return namer(str(code)) if namer else str(code)


def _name_column(column_name: str) -> Column | None:
    """The column of names to put beside `column_name`, or None (not a code, or named)."""
    spec = columns.column(column_name)
    if spec.names is None or spec.names == "territory":
        return None
    return Column(spec.name_title or f"Nom ({spec.title})", "text", f"Nom : {spec.description}")


def with_names(
    frame: pd.DataFrame, namer: Namer = name_of
) -> tuple[pd.DataFrame, dict[str, Column]]:
    """`frame` with a names column after each code column that has none, and the added
    columns' descriptions (their keys are the new columns' names: `<code column>__name`)."""
    added: dict[str, Column] = {}
    result = frame.copy()
    for column_name in list(frame.columns):
        names = _name_column(column_name)
        already = _NAMED_ALREADY.get(column_name, ())
        if names is None or any(name in frame.columns for name in already):
            continue
        new = f"{column_name}__name"
        kind = columns.column(column_name).names or ""
        values = [namer(kind, code) for code in frame[column_name].tolist()]
        result.insert(list(result.columns).index(column_name) + 1, new, values)
        added[new] = names
    return result, added


# ---------------------------------------------------------------------------------------------
# The grid's frame
# ---------------------------------------------------------------------------------------------

# Amounts in the unit the pages speak: kind → (unit in the title, divisor, decimals).
SCALED = {"eur": ("M€", 1e6, 1)}
# Decimals of the other numbers (pct and number: see _decimals).
DECIMALS = {"kg": 0, "pct": 1, "ratio": 3, "number": 1}
NUMERIC = {"eur", "kg", "pct", "ratio", "number", "integer"}
YES, NO = "oui", "non"
# The English words some machine columns hold, in French.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "flow": {flow.name: flow.title for flow in flows.FLOWS},
    "scope": {
        "territory": "Territoire",
        "region": "Région",
        "france": "France",
        "product": "Produit",
        "dept": "Département",
    },
    "dimension": {"country": "Pays", "product": "Produit"},
}
# A flag left out when the column named here says it already.
REDUNDANT = {"partial": "period"}
# Codes that are machine names (an indicator is a column name): shown as their names alone.
NAMES_ONLY = {"indicator"}


@dataclass(frozen=True)
class DisplayFrame:
    """A table as a grid shows it: every cell text, French headers."""

    frame: pd.DataFrame
    headers: dict[str, str]  # machine column → its header (the names columns added excepted)
    numbers: tuple[str, ...]  # the headers of the columns of numbers (aligned right)


def display_title(spec: Column) -> str:
    """A column's French title, in the pages' unit: « Importations (M€) »."""
    scaled = SCALED.get(spec.kind)
    if scaled and spec.unit:
        return spec.title.replace(f"({spec.unit})", f"({scaled[0]})")
    return spec.title


def _display_name(kind: str, code: object) -> str:
    if kind == "indicator" and not _is_blank(code):
        return display_title(columns.column(str(code)))
    return name_of(kind, code)


def _row_kinds(frame: pd.DataFrame, spec: Column) -> Sequence[str]:
    """Each row's kind: the column's, or the one of the column named by `spec.kind_from`'s
    cell (the `value` of an `indicator`: euros for exports_eur, a percentage for coverage_pct)."""
    if spec.kind_from is None or spec.kind_from not in frame.columns:
        return [spec.kind] * len(frame)
    kinds = []
    for named in frame[spec.kind_from].tolist():
        declared = columns.COLUMNS.get(str(named))
        kinds.append(declared.kind if declared and declared.kind in NUMERIC else spec.kind)
    return kinds


def _number_texts(values: Sequence[object], kinds: Sequence[str]) -> list[str]:
    """A column's numbers as French text, each in its kind's unit and decimals: the same
    decimals down a column of one kind (aligned), a row's own in a column of several."""
    numbers = [None if _is_blank(value) else float(value) for value in values]  # type: ignore[arg-type]
    present = [number for number in numbers if number is not None]
    mixed = len(set(kinds)) > 1
    texts = []
    for number, kind in zip(numbers, kinds, strict=True):
        if number is None:
            texts.append("")
        elif kind == "integer":
            texts.append(gridtext.cell_text(number, gridtext.PLAIN))
        elif kind in SCALED:
            _, divisor, decimals = SCALED[kind]
            texts.append(formatting.number(number / divisor, decimals))
        else:
            texts.append(formatting.number(number, _decimals(kind, [number] if mixed else present)))
    return gridtext.padded(texts)


def _decimals(kind: str, values: Sequence[float]) -> int:
    """Percentages: two decimals when one is below 1 % (0,31 % says more than 0,3 %), else
    one; other numbers: none when all are whole (a rank's change), else DECIMALS."""
    if kind == "pct":
        return 2 if any(0 < abs(value) < 1 for value in values) else 1
    if kind == "number" and all(value.is_integer() for value in values):
        return 0
    return DECIMALS.get(kind, 1)


def _flag_text(value: object) -> str:
    if _is_blank(value):
        return ""
    return YES if bool(value) else NO


def _text(value: object, labels: dict[str, str]) -> str:
    if _is_blank(value):
        return ""
    return labels.get(str(value), str(value))


def _cells(
    frame: pd.DataFrame, name: str, spec: Column, table: pd.DataFrame
) -> tuple[list[str], bool]:
    """The column `name` of `frame` as text, and whether it holds numbers (a row's kind read,
    for `spec.kind_from`, in the machine `table`, whose rows are `frame`'s)."""
    values, dtype = frame[name].tolist(), frame[name].dtype
    if spec.kind == "flag" or pd.api.types.is_bool_dtype(dtype):
        return [_flag_text(value) for value in values], False
    if spec.kind in NUMERIC or spec.kind_from:
        return _number_texts(values, _row_kinds(table, spec)), True
    if pd.api.types.is_numeric_dtype(dtype):  # a column lib/core/columns.py does not know
        return _number_texts(values, ["number"] * len(values)), True
    return [_text(value, VALUE_LABELS.get(name, {})) for value in values], False


def _unique(header: str, taken: Sequence[str]) -> str:
    """`header`, numbered when the table has one already (two « Première année »…)."""
    candidate, number = header, 2
    while candidate in taken:
        candidate, number = f"{header} ({number})", number + 1
    return candidate


def _named(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Column]]:
    """The table without its redundant flags, with names beside its codes; an indicator's
    code replaced by its title (its names column takes the code column's place and title)."""
    kept = table.drop(columns=[c for c, by in REDUNDANT.items() if c in table and by in table])
    named, added = with_names(kept, _display_name)
    for code in [c for c in kept.columns if columns.column(str(c)).names in NAMES_ONLY]:
        names = f"{code}__name"
        if names in added:
            added[names] = columns.column(str(code))
            named = named.drop(columns=[code])
    return named, added


def display_frame(table: pd.DataFrame) -> DisplayFrame:
    """`table` (a machine table, as its CSV) as a person reads it (see the module docstring);
    the table given is left as it was."""
    named, added = _named(table)
    out: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    numbers: list[str] = []
    for name in map(str, named.columns):
        spec = added.get(name) or columns.column(name)
        header = _unique(display_title(spec), list(out))
        out[header], numeric = _cells(named, name, spec, table)
        source = name.removesuffix("__name")  # an indicator shown as its names alone
        if name not in added or (source in table.columns and source not in named.columns):
            headers[source] = header
        if numeric:
            numbers.append(header)
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(named)), dtype=object)
    return DisplayFrame(frame, headers, tuple(numbers))
