"""What a downloaded table says about itself, in words: the first lines of its Excel sheet.

A page names each download with lib.core.filenames (`pays_dept_53_2024_top10.csv`: table, territory,
period, details); this module reads those parts as a person would: « Principaux pays à
l'import et à l'export — Mayenne (53) — 2024 — 10 premiers ». The titles are the API registry's
(lib/web/registry.py), found by the table part of a file name (the CLI's `kpis.csv` and the pages'
`chiffres_cles_…csv` alike).
"""

from __future__ import annotations

import functools
import re

from lib.core import partners, periods, refs
from lib.core.filenames import TableFileName
from lib.core.flows import FLOWS
from lib.core.territory import Territory
from lib.core.workbook import Heading
from lib.data import db

# Tables that are not in the API's registry (lib/web/registry.py), which titles all the others.
OTHER_TITLES = {"donnees": "Données détaillées"}


@functools.cache
def titles() -> dict[str, str]:
    """Table part of a file name → its title: the registry's titles, under the API's names
    (the CLI's `kpis`) and under the pages' download names (`chiffres_cles`)."""
    from lib.web import registry

    named = {name: table.title for name, table in registry.TABLES.items()}
    downloads = {t.download: t.title for t in registry.TABLES.values() if t.download}
    return named | downloads | OTHER_TITLES


_TOP = re.compile(r"top(\d+)")
_BASE = re.compile(r"base(\d{4})")
_RATE = re.compile(r"taux(\d+(?:\.\d+)?)")
_ELASTICITY = re.compile(r"elasticite(\d+(?:\.\d+)?)")
_FLUX_WORDS = {"tous": "exportations et importations"}
_FLOW_WORDS = {flow.name: flow.plural for flow in FLOWS}


def table_title(table: str) -> str:
    """The French title of a table by the table part of its file name; a name not listed takes
    the title of its longest listed prefix (`carte_exports`, `comparaison_pays_dept_53-61`),
    else its own words."""
    known = titles()
    if table in known:
        return known[table]
    prefixes = [name for name in known if table.startswith(name + "_")]
    if prefixes:
        return known[max(prefixes, key=len)]
    return table.replace("_", " ").capitalize()


_QUARTER_RANGE = re.compile(r"(\d{4})T(\d)-(\d{4})T(\d)")
_YEARS = re.compile(r"(\d{4})(?:-(\d{4}))?((?:-T\d)*)")


def period_label(slug: str) -> str:
    """A period as read: `2025-T1-T2` → `2025 (T1–T2)`, `2020-2024` → `2020–2024`,
    `2024T2-2025T4` → `T2 2024 – T4 2025` (the slugs of lib.core.periods); else the slug."""
    if match := _QUARTER_RANGE.fullmatch(slug):
        return f"T{match[2]} {match[1]} – T{match[4]} {match[3]}"
    match = _YEARS.fullmatch(slug)
    if match is None:
        return slug
    years = f"{match[1]}–{match[2]}" if match[2] and match[2] != match[1] else match[1]
    quarters = [int(q) for q in re.findall(r"\d", match[3])]
    return f"{years} ({periods.quarters_text(quarters)})" if quarters else years


def detail_label(detail: str) -> str:
    """One detail of a file name in words: `top10` → `10 premiers`, `US` → `États-Unis`…"""
    if match := _TOP.fullmatch(detail):
        return f"{match[1]} premiers"
    if match := _BASE.fullmatch(detail):
        return f"base 100 en {match[1]}"
    if match := _RATE.fullmatch(detail):
        return f"droit additionnel de {match[1].replace('.', ',')} %"
    if match := _ELASTICITY.fullmatch(detail):
        return f"élasticité {match[1].replace('.', ',')}"
    if detail in _FLUX_WORDS or detail in _FLOW_WORDS:
        return _FLUX_WORDS.get(detail) or _FLOW_WORDS[detail]
    return _code_label(detail)


def _code_label(code: str) -> str:
    """A partner (country or group) or a product code, with its name."""
    if partners.is_partner(code):
        return f"{partners.partner_label(code)} ({code})"
    if refs.is_product(code):
        return f"{refs.product_name(code)} ({code})"
    return code


def territory_label(territory: Territory | None) -> str | None:
    return territory.label if territory is not None else None


def heading(name: str, title: str | None = None) -> Heading:
    """The heading of a download named `name` (a TableFileName: its parts are read; any other
    name gives its own words), with the dataset's date and demonstration status."""
    manifest = db.manifest()
    dated = manifest.created if manifest else None
    demo = bool(manifest and manifest.has_demo)
    if not isinstance(name, TableFileName):
        return Heading(title or name.removesuffix(".csv"), demo=demo, dataset_date=dated)
    details = ", ".join(detail_label(detail) for detail in name.details if detail)
    where = name.scope or territory_label(name.territory)
    return Heading(
        title or table_title(name.table),
        territory=where,
        period=period_label(name.period) if name.period else None,
        details=details or None,
        demo=demo,
        dataset_date=dated,
    )
