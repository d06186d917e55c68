"""What every column of every table means: its French title with its unit, its kind, its
description, and, for a code, where its names come from.

The machine CSVs keep their English names (`imports_eur`, other tools and the tests read
them); the Excel workbooks (lib/core/workbook.py), the API's description (lib/web/api.py) and the
open-data package (lib/data/datapackage.py) all read their French titles, units and descriptions
here, so that a column is explained once, the same way everywhere.

Kinds say how a value is stored and shown:
- `code`: text that looks like a number but is not one (`01`, `2A`, `0111`): kept as text.
- `text`: a name or a label.
- `eur`, `kg`: amounts (euros, kilograms), shown without decimals.
- `pct`: a percentage already multiplied by 100 (`6.6` means 6,6 %).
- `ratio`, `number`: other real numbers (an HHI between 0 and 1, an index, a Balassa index).
- `integer`: whole numbers (a year, a rank, a quarter).
- `flag`: 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["code", "text", "eur", "kg", "pct", "ratio", "number", "integer", "flag"]
# Which reference names a code column takes (lib.core.workbook puts them beside it).
Names = Literal["dept", "region", "product", "cpf4", "country", "node", "territory", "indicator"]


@dataclass(frozen=True)
class Column:
    title: str  # French header, unit in parentheses
    kind: Kind
    description: str
    names: Names | None = None  # a code column whose names are known…
    name_title: str | None = None  # …and the header of those names beside it
    # The column whose value (a column name) says this one's kind, row by row: the `value` of
    # an `indicator` (euros for exports_eur, a percentage for coverage_pct).
    kind_from: str | None = None

    @property
    def unit(self) -> str | None:
        """The unit as written in a title: « € », « kg », « % »; None when there is none."""
        return UNITS.get(self.kind)


UNITS: dict[str, str] = {"eur": "€", "kg": "kg", "pct": "%"}


def _eur(title: str, description: str) -> Column:
    return Column(f"{title} (€)", "eur", description)


def _pct(title: str, description: str) -> Column:
    return Column(f"{title} (%)", "pct", description)


COLUMNS: dict[str, Column] = {
    # Territories and codes
    "dept": Column(
        "Département", "code", "Code INSEE du département", "dept", "Nom du département"
    ),
    "region_code": Column(
        "Région", "code", "Code INSEE de la région", "region", "Nom de la région"
    ),
    "territory": Column("Territoire", "code", "Code du territoire comparé", "territory"),
    "scope": Column(
        "Échelon",
        "text",
        "Ce que décrit la ligne : le territoire (territory), sa région (region), la France "
        "(france), ou l'un de ses produits (product)",
    ),
    "code": Column("Code", "code", "Code du territoire, du pays ou du produit"),
    "name": Column("Nom", "text", "Nom du territoire, du pays ou du produit"),
    "product": Column(
        "Produit (A129)",
        "code",
        "Code du produit, nomenclature A129",
        "product",
        "Libellé du produit",
    ),
    "product_name": Column("Libellé du produit", "text", "Libellé A129 du produit"),
    "cpf4": Column(
        "Produit (CPF4)", "code", "Code du produit, nomenclature CPF4", "cpf4", "Libellé CPF4"
    ),
    "cpf4_name": Column("Libellé CPF4", "text", "Libellé CPF4 du produit"),
    "country": Column("Pays", "code", "Code ISO du pays partenaire", "country", "Nom du pays"),
    "country_name": Column("Nom du pays", "text", "Nom français du pays partenaire"),
    "first_supplier": Column(
        "Premier fournisseur",
        "code",
        "Code ISO du premier pays fournisseur",
        "country",
        "Nom du premier fournisseur",
    ),
    "source": Column(
        "Origine du flux", "code", "Produit ou pays d'où part le flux", "node", "Nom de l'origine"
    ),
    "target": Column(
        "Destination du flux",
        "code",
        "Produit ou pays où arrive le flux",
        "node",
        "Nom de la destination",
    ),
    "flow": Column("Flux", "text", "export (exportations) ou import (importations)"),
    "dimension": Column("Dimension", "text", "Ce dont on mesure la concentration"),
    "indicator": Column(
        "Indicateur", "code", "Nom de l'indicateur (un nom de colonne)", "indicator", "Libellé"
    ),
    "page": Column("Page", "text", "Adresse de la page du pays ou du produit"),
    "period": Column("Période", "text", "Année, ou trimestres d'une année incomplète"),
    # Time
    "year": Column("Année", "integer", "Année civile"),
    "quarter": Column("Trimestre", "integer", "Trimestre (1 à 4), vide pour une donnée annuelle"),
    "month": Column("Mois", "integer", "Mois (1 à 12), vide pour une donnée non mensuelle"),
    "first_year": Column("Première année", "integer", "Première année de la période"),
    "last_year": Column("Dernière année", "integer", "Dernière année de la période"),
    "partial": Column("Année incomplète", "flag", "1 quand l'année n'a pas ses quatre trimestres"),
    # Amounts
    "value_eur": _eur("Valeur", "Valeur des échanges en euros"),
    "mass_kg": Column("Masse (kg)", "kg", "Masse nette en kilogrammes"),
    "exports_eur": _eur("Exportations", "Exportations en euros"),
    "imports_eur": _eur("Importations", "Importations en euros"),
    "balance_eur": _eur("Solde", "Exportations moins importations, en euros"),
    "to_partner_eur": _eur("Vers le partenaire", "Exportations vers le partenaire, en euros"),
    "change_eur": _eur("Variation", "Variation en euros"),
    "change_elasticity_low_eur": _eur(
        "Variation, élasticité basse",
        "Variation en euros avec l'élasticité basse de la fourchette du scénario (2)",
    ),
    "change_elasticity_high_eur": _eur(
        "Variation, élasticité haute",
        "Variation en euros avec l'élasticité haute de la fourchette du scénario (8)",
    ),
    "start_eur": _eur("Première année", "Valeur de la première année, en euros"),
    "end_eur": _eur("Dernière année", "Valeur de la dernière année, en euros"),
    "first_eur": _eur("Première année", "Valeur de la première année, en euros"),
    "last_eur": _eur("Dernière année", "Valeur de la dernière année, en euros"),
    "exports_prev_eur": _eur(
        "Exportations de l'année précédente", "Exportations des mêmes trimestres un an plus tôt"
    ),
    "imports_prev_eur": _eur(
        "Importations de l'année précédente", "Importations des mêmes trimestres un an plus tôt"
    ),
    "france_eur": _eur("France", "Valeur pour la France entière, en euros"),
    "national_exports_eur": _eur("Exportations de la France", "Exportations de la France entière"),
    "national_imports_eur": _eur("Importations de la France", "Importations de la France entière"),
    "region_exports_eur": _eur("Exportations de la région", "Exportations de la région"),
    "region_imports_eur": _eur("Importations de la région", "Importations de la région"),
    "territory_eur": _eur("Territoire", "Valeur pour le territoire choisi, en euros"),
    "territory_exports_eur": _eur(
        "Exportations du territoire", "Exportations du territoire vers le pays, en euros"
    ),
    "france_exports_eur": _eur(
        "Exportations de la France", "Exportations de la France entière, en euros"
    ),
    "expected_eur": _eur(
        "Exportations attendues",
        "Ce que le territoire vendrait au pays si ses exportations du produit allaient où vont "
        "celles de la France : sa part des exportations françaises du produit × exportations "
        "de la France vers le pays",
    ),
    "untapped_eur": _eur(
        "Potentiel non exploité",
        "Exportations attendues moins exportations du territoire, zéro si elles les dépassent",
    ),
    # Shares and rates
    "share_pct": _pct("Part", "Part dans le total du territoire, en pourcentage"),
    "france_share_pct": _pct("Part en France", "Même part pour la France entière"),
    "coverage_pct": _pct("Taux de couverture", "Exportations ÷ importations × 100"),
    "exports_share_national_pct": _pct(
        "Part des exportations françaises", "Part du territoire dans les exportations de la France"
    ),
    "imports_share_national_pct": _pct(
        "Part des importations françaises", "Part du territoire dans les importations de la France"
    ),
    "exports_share_region_pct": _pct(
        "Part des exportations de la région",
        "Part du territoire dans les exportations de sa région",
    ),
    "imports_share_region_pct": _pct(
        "Part des importations de la région",
        "Part du territoire dans les importations de sa région",
    ),
    "exports_change_pct": _pct("Évolution des exportations", "Variation sur un an"),
    "imports_change_pct": _pct("Évolution des importations", "Variation sur un an"),
    "exports_growth_pct": _pct("Croissance des exportations", "Variation sur l'année précédente"),
    "imports_growth_pct": _pct("Croissance des importations", "Variation sur l'année précédente"),
    "average_growth_pct": _pct("Croissance annuelle moyenne", "Taux de croissance annuel moyen"),
    "france_growth_pct": _pct(
        "Croissance annuelle de la France",
        "Croissance annuelle moyenne des exportations de la France sur les trois années "
        "précédentes, vide quand elle ne peut être calculée",
    ),
    "contribution_pct": _pct(
        "Contribution", "Contribution à la variation du total, en points de pourcentage"
    ),
    "first_supplier_share_pct": _pct(
        "Part du premier fournisseur", "Part du premier pays dans les importations du produit"
    ),
    "outside_eu_share_pct": _pct(
        "Part hors UE", "Part des importations venant de pays hors de l'Union européenne"
    ),
    # Other numbers
    "value": Column(
        "Valeur",
        "number",
        "Valeur de l'indicateur (unité selon l'indicateur)",
        kind_from="indicator",
    ),
    "rank": Column("Rang", "integer", "Rang (1 = le premier)"),
    "of": Column("Sur", "integer", "Nombre de territoires classés"),
    "previous_rank": Column("Rang l'année précédente", "integer", "Rang un an plus tôt"),
    "change": Column("Évolution du rang", "number", "Places gagnées (+) ou perdues (−)"),
    "rank_share": Column("Rang (part)", "integer", "Rang selon la part exposée"),
    "rank_value": Column("Rang (valeur)", "integer", "Rang selon la valeur exposée"),
    "rca": Column(
        "Indice de Balassa", "ratio", "Part du produit dans le territoire ÷ sa part en France"
    ),
    "density": Column(
        "Densité (0 à 100)",
        "number",
        "Part des produits proches de celui-ci où le territoire est déjà spécialisé, pondérée "
        "par leur proximité (espace produit), de 0 à 100",
    ),
    "related": Column(
        "Spécialisations les plus proches",
        "text",
        "Les trois produits (codes A129) où le territoire est spécialisé les plus proches de "
        "celui-ci",
    ),
    "similarity": Column(
        "Similarité (0 à 1)",
        "ratio",
        "Similarité cosinus des parts de chaque produit dans les exportations : 1 pour une même "
        "répartition",
    ),
    "hhi": Column("Concentration (HHI)", "ratio", "Indice de Herfindahl-Hirschman, de 0 à 1"),
    "territory_hhi": Column("HHI du territoire", "ratio", "Concentration du territoire, 0 à 1"),
    "france_hhi": Column("HHI de la France", "ratio", "Concentration de la France, 0 à 1"),
    "median_dept_hhi": Column(
        "HHI médian des départements", "ratio", "Concentration médiane des départements"
    ),
    "exports_index": Column("Indice des exportations", "number", "Base 100 l'année de référence"),
    "imports_index": Column("Indice des importations", "number", "Base 100 l'année de référence"),
    "highlight": Column("Mis en avant", "flag", "1 pour les flux du premier produit"),
}

# The Données rows (lib.data.queries.ROW_COLUMNS), named in French already.
DATA_ROW_COLUMNS: dict[str, Column] = {
    "annee": COLUMNS["year"],
    "trimestre": COLUMNS["quarter"],
    "mois": COLUMNS["month"],
    "flux": COLUMNS["flow"],
    "departement": COLUMNS["dept"],
    "departement_nom": Column("Nom du département", "text", "Nom du département"),
    "produit": COLUMNS["product"],
    "produit_nom": COLUMNS["product_name"],
    "cpf4": COLUMNS["cpf4"],
    "cpf4_nom": COLUMNS["cpf4_name"],
    "pays": COLUMNS["country"],
    "pays_nom": COLUMNS["country_name"],
    "valeur_eur": COLUMNS["value_eur"],
    "masse_kg": COLUMNS["mass_kg"],
}


def column(name: str) -> Column:
    """The column called `name`; an unknown one is described as plain text under its name."""
    return COLUMNS.get(name) or DATA_ROW_COLUMNS.get(name) or Column(name, "text", name)
