"""Header matching: which column of a file holds which canonical field.

Headers are compared by `header_key` (no case, accents, spaces or punctuation), so that every
spelling the customs and their users write (`Code département`, `CODE_DEP`, `dep`…) is found;
the value column's header may also say the unit (euros or thousands of euros).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """A canonical column and the header spellings (normalised by `header_key`) that denote it."""

    name: str
    label: str  # how the messages name it when it is missing
    aliases: tuple[str, ...]  # by priority: a code column beats a label column
    required: bool = True


FIELDS = (
    Field("flow", "Flux", ("flux", "flow", "codeflux")),
    Field("year", "Année", ("annee", "year")),
    Field("quarter", "Trimestre", ("trimestre", "quarter", "trim"), required=False),
    Field("month", "Mois", ("mois", "month"), required=False),
    Field(
        "dept",
        "Département",
        ("codedepartement", "codedept", "codedep", "departement", "dept", "dep", "department"),
    ),
    Field(
        "product",
        "Produit (Code A129 ou CPF4)",
        ("codea129", "a129", "codeproduit", "produit", "product"),
    ),
    Field("cpf4", "Code CPF4", ("codecpf4", "cpf4"), required=False),
    Field("country", "Pays", ("codepays", "pays", "countrycode", "country")),
    Field(
        "mass",
        "Masse",
        ("massekg", "masseenkg", "masse", "masskg", "mass", "poidskg", "poidsenkg", "poids"),
        required=False,
    ),
    Field("value", "Valeur", ()),
)
_VALUE_EUR = re.compile(r"(valeur|value)s?(en|in)?(eur|euro|euros)?")
_VALUE_KEUR = re.compile(
    r"(valeur|value)s?(en|in)?(milliers?(de?)?(eur|euro|euros)?|k(eur|euros?)?)"
)
UNITS = {"eur": 1.0, "keur": 1000.0}  # the unit of a file's values -> euros per unit


def header_key(text: str) -> str:
    """`Code département` -> `codedepartement`: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


@dataclass(frozen=True)
class Layout:
    """Where each canonical field sits in a file's header (or its recognised columns)."""

    positions: dict[str, int]  # field name -> column index
    headers: dict[str, str]  # field name -> the header as written in the file
    unit: str | None  # "eur" or "keur" when the header says so, None when it is silent

    @property
    def missing(self) -> list[Field]:
        # A CPF4 column stands for the product when there is no A129 column.
        present = set(self.positions) | ({"product"} if "cpf4" in self.positions else set())
        return [f for f in FIELDS if f.required and f.name not in present]

    def value_scale(self, override: str | None, default: str = "eur") -> float:
        """Euros per unit of the values: the user's choice, else the header's, else the
        file type's (Le Kiosque's XLS workbooks are in thousands of euros)."""
        return UNITS[override or self.unit or default]


def match_header(header: list[str]) -> Layout:
    """The layout of a header row (fields that are absent are simply not in `positions`)."""
    keys = [header_key(h) for h in header]
    positions: dict[str, int] = {}
    for spec in FIELDS[:-1]:
        for alias in spec.aliases:
            if alias in keys:
                positions[spec.name] = keys.index(alias)
                break
    unit = None
    for index, key in enumerate(keys):
        if _VALUE_EUR.fullmatch(key) or _VALUE_KEUR.fullmatch(key):
            positions["value"] = index
            if _VALUE_KEUR.fullmatch(key):
                unit = "keur"
            elif key.removeprefix("valeur").removeprefix("value").strip("s"):
                unit = "eur"  # `Valeur (euros)`, `Valeur en EUR`: said in so many words
            break
    headers = {name: header[index].strip() for name, index in positions.items()}
    return Layout(positions, headers, unit)


def missing_columns(layout: Layout, header: list[str]) -> str | None:
    """The French complaint about the required columns absent from `header`, if any."""
    missing = layout.missing
    if not missing:
        return None
    names = ", ".join(f"« {f.label} »" for f in missing)
    found = ", ".join(f"« {h.strip()} »" for h in header if h.strip()) or "aucune"
    verb = "introuvable" if len(missing) == 1 else "introuvables"
    noun = "colonne" if len(missing) == 1 else "colonnes"
    return f"{noun} {names} {verb} dans l'en-tête (colonnes lues : {found})"
