"""What a downloaded table says about itself, in words: the first lines of its Excel sheet.

A page names each download with lib.filenames (`pays_dept_53_2024_top10.csv`: table, territory,
period, details); this module reads those parts as a person would: « Principaux pays
partenaires — Mayenne (53) — 2024 — 10 premiers ». The titles below are the tables' French
names, by the table part of their file names (the CLI's `kpis.csv` and the pages'
`chiffres_cles_…csv` alike).
"""

from __future__ import annotations

import re

from lib import db, partners, periods, refs
from lib.filenames import TableFileName
from lib.flows import FLOWS
from lib.territory import Territory
from lib.workbook import Heading

# Table part of a file name → its title. A name not listed takes the title of its longest
# listed prefix (`carte_exports_eur` → `carte`), else its own words.
TABLE_TITLES: dict[str, str] = {
    # The fiche (pages and CLI)
    "chiffres_cles": "Chiffres clés",
    "kpis": "Chiffres clés",
    "pays": "Principaux pays partenaires",
    "partners": "Principaux pays partenaires",
    "produits": "Principales activités (produits A129)",
    "products": "Principales activités (produits A129)",
    "produits_cpf4": "Produits détaillés (CPF4)",
    "products_cpf4": "Produits détaillés (CPF4)",
    **{f"sankey_{flow.name}": f"{flow.title} par produit et par pays" for flow in FLOWS},
    **{f"pays_monde_{flow.name}": f"{flow.title} par pays partenaire" for flow in FLOWS},
    "rangs": "Rangs du territoire",
    "specialisation": "Spécialisations du territoire (indice de Balassa)",
    "specialisation_produits": "Spécialisation par produit (indice de Balassa)",
    "concentration": "Concentration des partenaires et des produits (HHI)",
    # Carte
    "carte": "Les départements : commerce extérieur",
    # Exposition
    "exposure": "Exposition des exportations au partenaire, par produit",
    "exposition": "Exportations vers le partenaire, par produit",
    "exposition_comparaison": "Part des exportations vers le partenaire, comparée",
    "exposition_part": "Produits les plus exposés, en part",
    "exposition_cpf4": "Exposition par produit CPF4",
    "exposition_departements": "Exposition des départements au partenaire",
    "scenario": "Scénario de droit de douane additionnel",
    "dependency": "Dépendances à l'import",
    "dependances": "Dépendances à l'import",
    # Évolution
    "evolution": "Évolution des échanges",
    "evolution_comparaison": "Évolution en indice : territoire, région et France",
    "croissance_moyenne": "Croissance annuelle moyenne",
    "contributions_pays": "Contributions des pays à la variation",
    "contributions_produits": "Contributions des produits à la variation",
    # Produit, Pays
    "produit_departements": "Le produit par département",
    "produit_top_departements": "Premiers départements pour le produit",
    "produit_pays": "Pays partenaires pour le produit",
    "produit_evolution": "Évolution du produit",
    "pays_departements": "Échanges avec le pays, par département",
    "pays_produits": "Échanges avec le pays, par produit",
    "pays_evolution": "Évolution des échanges avec le pays",
    # Comparer
    "comparaison_chiffres_cles": "Comparaison : chiffres clés",
    "comparaison_pays": "Comparaison : premiers pays partenaires",
    "comparaison_produits": "Comparaison : premiers produits",
    "comparaison_evolution": "Comparaison : évolution",
    # Données
    "donnees": "Données détaillées",
}

_TOP = re.compile(r"top(\d+)")
_BASE = re.compile(r"base(\d{4})")
_RATE = re.compile(r"taux(\d+(?:\.\d+)?)")
_ELASTICITY = re.compile(r"elasticite(\d+(?:\.\d+)?)")
_FLUX_WORDS = {"tous": "exportations et importations"}
_FLOW_WORDS = {flow.name: flow.plural for flow in FLOWS}


def table_title(table: str) -> str:
    """The French title of a table by the table part of its file name."""
    if table in TABLE_TITLES:
        return TABLE_TITLES[table]
    prefixes = [name for name in TABLE_TITLES if table.startswith(name + "_")]
    if prefixes:
        return TABLE_TITLES[max(prefixes, key=len)]
    return table.replace("_", " ").capitalize()


_QUARTER_RANGE = re.compile(r"(\d{4})T(\d)-(\d{4})T(\d)")
_YEARS = re.compile(r"(\d{4})(?:-(\d{4}))?((?:-T\d)*)")


def period_label(slug: str) -> str:
    """A period as read: `2025-T1-T2` → `2025 (T1–T2)`, `2020-2024` → `2020–2024`,
    `2024T2-2025T4` → `T2 2024 – T4 2025` (the slugs of lib.periods); else the slug."""
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
