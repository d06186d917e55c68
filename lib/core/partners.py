"""Partners of a territory's trade: single countries and groups of countries, with dated membership.

A partner is either a country, by its code in `data/ref/countries.csv` (the data's `country`
column: `US`, `CN`, `GB`…), or a group, by a code that is never two letters so that it cannot be
taken for a country:

- `UE27`      « Union européenne (UE à 27) »: the members of the European Union **in the year**,
              so 28 with the United Kingdom up to 2019 (`partner_label(UE27, 2019)` says « UE à
              28 »). The code stays `UE27` whatever the year, so that a shared address still works.
- `HORS_UE`   « Hors Union européenne »: every code of the countries table that is not a member
              of the UE that year, France excepted. That includes the customs' codes that are no
              country (`QQ`…`QZ`: stores and provisions, countries not determined or withheld,
              even their « intra-UE » variants, which name no member state) and `XI`/`XU` (the
              two parts of the United Kingdom since 2021): UE27 and HORS_UE are complements, so
              their shares of a territory's exports add up to 100 % (minus the trade with codes
              absent from the countries table, which belong to no group).
- `ZONE_EURO` « Zone euro »: the members of the euro area in the year.
- `GOLFE`     « Pays du Golfe (CCG) »: the six members of the Gulf Cooperation Council.

Memberships come from `data/ref/partner_groups.csv` (built by scripts/build_partner_groups.py,
sources there). The data are annual, so a year's members are those of **1 July** of that year:
a country that joined or left on 1 January counts from or up to that year, and the United
Kingdom, which left on 1 February 2020, is outside the UE from 2020 on.

France (`FR`), the reporting country, is never a partner: its code is refused by `is_partner`.
Codes are exact (upper case, as `lib.web.urlstate` reads ASCII codes); `normalize_partner` applies
that rule to raw text. Plain Python: no Streamlit import.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache

from lib.core import refs
from lib.core.config import REF_DIR

UE27 = "UE27"
HORS_UE = "HORS_UE"
ZONE_EURO = "ZONE_EURO"
GOLFE = "GOLFE"
HORS_UE_LABEL = "Hors Union européenne"
DEFAULT_PARTNER = "US"
# The partner of the fiche's exposure block (« Exposition aux États-Unis »): the surtaxes its
# « Contexte » speaks of. The same code as DEFAULT_PARTNER today, for another reason.
US = "US"
REPORTER = "FR"  # the reporting country: its trade with itself is no foreign trade
# The day of the year whose members stand for the whole (annual) year.
REFERENCE_MONTH, REFERENCE_DAY = 7, 1


@dataclass(frozen=True)
class Membership:
    """One membership spell of a country in a group; `end` is its last day, None while current."""

    country: str
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Group:
    """A group of countries of `partner_groups.csv`: its label and its membership spells."""

    label: str
    memberships: tuple[Membership, ...]


@cache
def _groups() -> dict[str, Group]:
    """Group code -> Group, in the order of the file."""
    spells: dict[str, list[Membership]] = {}
    labels: dict[str, str] = {}
    with (REF_DIR / "partner_groups.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels[row["group"]] = row["label"]
            end = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
            membership = Membership(row["country"], date.fromisoformat(row["valid_from"]), end)
            spells.setdefault(row["group"], []).append(membership)
    return {code: Group(labels[code], tuple(spells[code])) for code in labels}


@cache
def _group_labels() -> dict[str, str]:
    """Every group code -> its label: the file's groups, HORS_UE right after UE27."""
    result: dict[str, str] = {}
    for code, group in _groups().items():
        result[code] = group.label
        if code == UE27:
            result[HORS_UE] = HORS_UE_LABEL
    return result


def _is_country_partner(code: str) -> bool:
    return code != REPORTER and refs.is_country(code)


def is_partner(code: object) -> bool:
    """True when `code` is exactly a group code or a country code of the reference (not France).

    Never raises, whatever `code` is (None, a number, very long or non-ASCII text)."""
    if not isinstance(code, str):
        return False
    return code in _group_labels() or _is_country_partner(code)


def normalize_partner(raw: object) -> str | None:
    """The partner code that `raw` denotes (surrounding spaces dropped, ASCII text read in upper
    case as lib.web.urlstate reads codes: "us" -> "US", " ue27 " -> "UE27"), or None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    code = text.upper() if text.isascii() else text
    return code if is_partner(code) else None


def reference_day(year: int) -> date:
    """The day whose memberships stand for the annual data of `year` (1 July)."""
    return date(year, REFERENCE_MONTH, REFERENCE_DAY)


@cache
def members(code: str, year: int) -> tuple[str, ...]:
    """The countries `code` stands for in `year`, sorted: a country itself; a group, its members
    on 1 July of `year`. Raises ValueError for a code that is no partner (validate first)."""
    if code == HORS_UE:
        outside = {country for country in refs.countries()["code"] if _is_country_partner(country)}
        return tuple(sorted(outside - eu_members(year)))
    group = _groups().get(code)
    if group is not None:
        day = reference_day(year)
        return tuple(sorted({spell.country for spell in group.memberships if spell.covers(day)}))
    if _is_country_partner(code):
        return (code,)
    raise ValueError(f"unknown partner code: {code[:40]!r}")


def eu_members(year: int) -> frozenset[str]:
    """The member states of the European Union on 1 July of `year` (France included)."""
    return frozenset(members(UE27, year))


def partner_label(code: str, year: int | None = None) -> str:
    """French name of a partner: "US" -> "États-Unis", "UE27" -> "Union européenne (UE à 27)".

    Given a year, the UE's label counts that year's members ("Union européenne (UE à 28)" for
    2019). An unknown code -> the code itself, as lib.core.refs names unknown codes."""
    if code == UE27 and year is not None:
        return f"Union européenne (UE à {len(eu_members(year))})"
    labels = _group_labels()
    if isinstance(code, str) and code in labels:
        return labels[code]
    return refs.country_name(code)


def _name_key(name: str) -> str:
    """Sort key of a French name: accents ignored, so « États-Unis » sorts among the E."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@cache
def _choices() -> tuple[tuple[str, str], ...]:
    countries = refs.countries()
    named = [
        (name, code)
        for code, name in zip(countries["code"], countries["name"], strict=True)
        if _is_country_partner(code)
    ]
    named.sort(key=lambda pair: (_name_key(pair[0]), pair[1]))
    return (*_group_labels().items(), *((code, name) for name, code in named))


def partner_choices() -> dict[str, str]:
    """Code -> French label of every partner: the groups first, then the countries by name."""
    return dict(_choices())
