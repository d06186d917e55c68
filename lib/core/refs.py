"""Reference tables of `data/ref/` and the validation of codes against them.

Tables (CSV, UTF-8, one header row; every column read as a string so leading zeros survive and the
country code "NA" (Namibia) is not read as a missing value):

- `departements.csv`  code, name, region_code: the 101 départements (INSEE COG).
- `regions.csv`       code, name: the 18 régions (INSEE COG).
- `products.csv`      code, name, a38_code, a38_name, a17_code, a17_name: the A129 positions of
                      the NAF rév. 2 aggregated nomenclature that customs use for goods.
- `countries.csv`     code, name, eu27, zone: partner codes (built by scripts/build_countries.py).

The loaders are cached; each call returns a fresh copy, so callers may modify what they get.
Plain Python: no Streamlit import.
"""

from __future__ import annotations

import numbers
import re
from functools import cache

import pandas as pd

from lib.core.config import REF_DIR

_CORSICA = re.compile(r"0*(2[AB])")
# ASCII digits only (`\d` would also accept other scripts' digits), few enough for int().
_DIGITS = re.compile(r"[0-9]{1,9}")
_INTEGRAL_DECIMAL = re.compile(r"([0-9]+)\.0*")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(
        REF_DIR / name, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
    )


@cache
def _departements() -> pd.DataFrame:
    return _read("departements.csv")


@cache
def _regions() -> pd.DataFrame:
    return _read("regions.csv")


@cache
def _products() -> pd.DataFrame:
    return _read("products.csv")


@cache
def _countries() -> pd.DataFrame:
    frame = _read("countries.csv")
    frame["eu27"] = frame["eu27"] == "1"
    return frame


@cache
def _names(table: str) -> dict[str, str]:
    frame = {
        "departements": _departements,
        "regions": _regions,
        "products": _products,
        "countries": _countries,
    }[table]()
    return dict(zip(frame["code"], frame["name"], strict=True))


@cache
def _dept_region() -> dict[str, str]:
    frame = _departements()
    return dict(zip(frame["code"], frame["region_code"], strict=True))


@cache
def _region_depts() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {code: [] for code in _regions()["code"]}
    for dept, region in _dept_region().items():
        result.setdefault(region, []).append(dept)
    return {region: sorted(depts) for region, depts in result.items()}


def departements() -> pd.DataFrame:
    """The 101 départements: code, name, region_code (a copy)."""
    return _departements().copy()


def regions() -> pd.DataFrame:
    """The 18 régions: code, name (a copy)."""
    return _regions().copy()


def products() -> pd.DataFrame:
    """The A129 goods positions: code, name, a38_code, a38_name, a17_code, a17_name (a copy)."""
    return _products().copy()


def countries() -> pd.DataFrame:
    """Partner codes: code, name, eu27 (bool), zone (a copy)."""
    return _countries().copy()


# Names read from the customs' label files of the dataset in use, for codes the committed tables
# lack (kind -> code -> name): set by lib.data.db whenever it opens a dataset version. The dataset
# is
# the process's, so are its labels.
_dataset_labels: dict[str, dict[str, str]] = {}
_LABEL_KINDS = {"products": "product", "countries": "country"}


def use_dataset_labels(labels: dict[str, dict[str, str]]) -> None:
    """Complete the reference names with the dataset's labels (kind: product, cpf4, country)."""
    global _dataset_labels
    _dataset_labels = {kind: dict(names) for kind, names in labels.items()}


def _name(table: str, code: object, normalized: str | None) -> str:
    """Name of `code` in `table`, trying `normalized` second, then the dataset's labels; the
    code itself when unknown."""
    names = _names(table)
    labels = _dataset_labels.get(_LABEL_KINDS.get(table, ""), {})
    for candidate in (code, normalized):
        if isinstance(candidate, str) and candidate in names:
            return names[candidate]
    for candidate in (code, normalized):
        if isinstance(candidate, str) and candidate in labels:
            return labels[candidate]
    return "" if code is None else str(code)


def cpf4_name(code: str) -> str:
    """Name of a CPF4 code from the dataset's label files; unknown -> the code itself."""
    return _dataset_labels.get("cpf4", {}).get(code, "" if code is None else str(code))


def _upper(code: object) -> str | None:
    return code.strip().upper() if isinstance(code, str) else None


def dept_name(code: str) -> str:
    """Name of a département ("53" -> "Mayenne", also "1" -> "Ain"); unknown -> the code itself."""
    return _name("departements", code, normalize_dept(code))


def region_name(code: str) -> str:
    """Name of a région ("52" -> "Pays de la Loire"); unknown -> the code itself."""
    normalized = _upper(code)
    if normalized is not None and _DIGITS.fullmatch(normalized):
        normalized = normalized.zfill(2)
    return _name("regions", code, normalized)


def product_name(code: str) -> str:
    """Name of an A129 position ("C21Z" -> "Industrie pharmaceutique"); unknown -> the code."""
    return _name("products", code, _upper(code))


def country_name(code: str) -> str:
    """French name of a partner code ("DE" -> "Allemagne"); unknown -> the code itself."""
    return _name("countries", code, _upper(code))


def is_dept(code: object) -> bool:
    """True when `code` is exactly a département code of the table ("01", "2A", "971")."""
    return isinstance(code, str) and code in _dept_region()


def is_region(code: object) -> bool:
    """True when `code` is exactly a région code of the table ("01", "84")."""
    return isinstance(code, str) and code in _region_depts()


def is_product(code: object) -> bool:
    """True when `code` is exactly an A129 position of the table ("C21Z")."""
    return isinstance(code, str) and code in _names("products")


def is_country(code: object) -> bool:
    """True when `code` is exactly a partner code of the table ("DE", "QU")."""
    return isinstance(code, str) and code in _names("countries")


def normalize_dept(raw: object) -> str | None:
    """The département code that `raw` denotes, or None when it denotes none.

    Accepts the usual spellings found in files and URLs: "1" -> "01", " 53 " -> "53",
    "2a" -> "2A", "02A" -> "2A", 971 or "971" -> "971", 1.0 or "1.0" -> "01", "001" -> "01".
    Anything else (None, bools, "", "20", "96", "975", 1.5, -1, "abc", "2C"...) -> None.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, numbers.Integral):
        return _from_number(int(raw))
    if isinstance(raw, numbers.Real):
        value = float(raw)
        if value != value or not value.is_integer():  # NaN or fractional
            return None
        return _from_number(int(value))
    if not isinstance(raw, str):
        return None
    text = raw.strip().upper()
    corsica = _CORSICA.fullmatch(text)
    if corsica:
        return corsica.group(1)
    decimal = _INTEGRAL_DECIMAL.fullmatch(text)
    if decimal:
        text = decimal.group(1)
    if not _DIGITS.fullmatch(text):
        return None
    return _from_number(int(text))


def _from_number(number: int) -> str | None:
    code = f"{number:02d}" if 0 <= number < 100 else str(number)
    return code if code in _dept_region() else None


def depts_of_region(region_code: object) -> list[str]:
    """Sorted département codes of a région; [] for an unknown région (or not a code at all)."""
    if not isinstance(region_code, str):
        return []
    return list(_region_depts().get(region_code, []))


def region_of_dept(dept_code: object) -> str | None:
    """Région code of a département ("53" -> "52"); None for an unknown département (or not a
    code at all)."""
    if not isinstance(dept_code, str):
        return None
    return _dept_region().get(dept_code)
