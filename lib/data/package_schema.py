"""The Table Schemas of the open-data package (lib/data/datapackage.py): each resource's fields with
their type, French title and description, unit, constraints, primary and foreign keys.

Frictionless Data Table Schema, version 1: the specification data.gouv.fr and the schemas of
schema.data.gouv.fr follow. The dataset's columns take their titles and descriptions from
lib/core/columns.py, where every column of the project is explained once, except where the package
stores a column differently from the app's CSVs (the flow is `E`/`I` here) or says more about
it (codes outside the reference tables). The reference tables' fields are described here: no
other file of the project publishes them.

Units: Table Schema has no unit property, and the schemas of schema.data.gouv.fr put the unit
in the title and the description; the titles here do too (« Valeur (€) »), and a custom
property `unit` gives it to programs (`EUR`, ISO 4217; `kg`). Frictionless keeps unknown
properties (the specification allows them).

Pure data: no DuckDB, no file access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lib.core import flows, schema
from lib.core.columns import COLUMNS

Descriptor = dict[str, Any]

# The codes the import accepts (lib/sources/readers/validation.py: `_dept`, `_code`,
# `_optional_code`): a département of the reference (`01`, `2A`, `971`) or another code of one
# to three digits padded to two (`00`, `99`); product and country codes start with a digit or a
# capital; a CPF4 code loses its dots. Frictionless anchors a pattern at both ends.
DEPT_PATTERN = "[0-9]{2,3}|[0-9][AB]"
CODE_PATTERN = "[0-9A-Z][0-9A-Z._-]{0,15}"
CPF4_PATTERN = "[0-9A-Z][0-9A-Z_-]{0,15}"

# A Parquet null reaches Frictionless (and any reader going through pandas) as NaN, whose text
# is "nan": without it as a missing value, an empty quarter of a Parquet file would be refused
# as « not an integer ». It can never be a value of the data resources: codes are upper-case
# (patterns above) and amounts are numbers; the CSVs write nulls as empty fields.
DATA_MISSING_VALUES = ["", "nan"]
REFERENCE_MISSING_VALUES = [""]

UNIT_EUR = "EUR"  # ISO 4217
UNIT_KG = "kg"

# Resource names (lower case, `-`: the Data Package name pattern), also the foreign keys' targets.
DEPARTEMENTS = "departements"
REGIONS = "regions"
PRODUCTS = "produits-a129"
CPF4 = "produits-cpf4"
COUNTRIES = "pays"
PARTNER_GROUPS = "groupes-partenaires"
LABELS = "libelles-douanes"


def field(
    name: str,
    kind: str,
    title: str,
    description: str,
    *,
    example: str | None = None,
    unit: str | None = None,
    **constraints: Any,
) -> Descriptor:
    """One Table Schema field; `constraints` as the specification names them (`required`…)."""
    descriptor: Descriptor = {
        "name": name,
        "type": kind,
        "title": title,
        "description": description,
    }
    if example is not None:
        descriptor["example"] = example
    if unit is not None:
        descriptor["unit"] = unit
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def _from_columns(name: str, kind: str, more: str = "", **options: Any) -> Descriptor:
    """A dataset column as lib/core/columns.py explains it, `more` appended to its description."""
    column = COLUMNS[name]
    description = f"{column.description}{more}"
    return field(name, kind, column.title, description, **options)


# --- the dataset's rows: one resource per year and format ---------------------------------------

DATA_FIELDS: tuple[Descriptor, ...] = (
    _from_columns(
        "year",
        "integer",
        example="2024",
        required=True,
        minimum=schema.MIN_YEAR,
        maximum=schema.MAX_YEAR,
    ),
    _from_columns(
        "quarter",
        "integer",
        " ; pour une donnée mensuelle, le trimestre du mois",
        example="1",
        minimum=1,
        maximum=4,
    ),
    _from_columns("month", "integer", example="3", minimum=1, maximum=12),
    field(
        "flow",
        "string",
        COLUMNS["flow"].title,
        " ; ".join(f"{flow.code} : {flow.plural}" for flow in flows.FLOWS),
        example="E",
        required=True,
        enum=list(flows.CODES),
    ),
    _from_columns(
        "dept",
        "string",
        " (lieu de dédouanement) ; un code hors des 101 départements (marchandises que les "
        "Douanes n'affectent à aucun département, par exemple 00 ou 99) compte dans le total de "
        "la France seulement",
        example="53",
        required=True,
        pattern=DEPT_PATTERN,
    ),
    _from_columns(
        "product",
        "string",
        " (INSEE, NA 2008) ; le code CPF4 quand le fichier des Douanes n'a pas de colonne A129",
        example="C21Z",
        required=True,
        pattern=CODE_PATTERN,
    ),
    _from_columns(
        "cpf4",
        "string",
        ", sous la position A129 ; vide quand le fichier des Douanes ne le donne pas",
        example="2110",
        pattern=CPF4_PATTERN,
    ),
    _from_columns(
        "country",
        "string",
        " (ISO 3166-1 alpha-2 tel que les Douanes l'emploient, et leurs codes propres comme "
        "QU) ; NA est la Namibie, pas une valeur manquante",
        example="US",
        required=True,
        pattern=CODE_PATTERN,
    ),
    _from_columns("value_eur", "number", example="1250000.0", unit=UNIT_EUR, required=True),
    _from_columns(
        "mass_kg",
        "number",
        " ; vide quand le fichier ne la donne pas",
        example="3200.5",
        unit=UNIT_KG,
    ),
)

# Every code of the rows is in its reference resource: lib/data/datapackage.py completes the
# committed tables with the codes the data holds and they lack (`in_reference` false), so these
# keys always hold (a null cpf4 is not checked, as the specification says).
DATA_FOREIGN_KEYS: tuple[Descriptor, ...] = tuple(
    {"fields": column, "reference": {"resource": resource, "fields": "code"}}
    for column, resource in (
        ("dept", DEPARTEMENTS),
        ("product", PRODUCTS),
        ("cpf4", CPF4),
        ("country", COUNTRIES),
    )
)

# Columns that may be null: a primary key cannot hold them where they are (see primary_key).
NULLABLE_KEYS = tuple(c for c in schema.KEY_COLUMNS if c in schema.OPTIONAL_COLUMNS)


def data_schema(primary_key: Sequence[str]) -> Descriptor:
    """The schema of one year's rows, the same for its Parquet and its CSV file; `primary_key`
    is the key columns that year fills (none when it cannot have one)."""
    descriptor: Descriptor = {
        "fields": [dict(f) for f in DATA_FIELDS],
        "missingValues": list(DATA_MISSING_VALUES),
    }
    if primary_key:
        descriptor["primaryKey"] = list(primary_key)
    descriptor["foreignKeys"] = [dict(k) for k in DATA_FOREIGN_KEYS]
    return descriptor


# --- the reference tables -----------------------------------------------------------------------


def _in_reference(what: str) -> Descriptor:
    return field(
        "in_reference",
        "boolean",
        "Dans le référentiel",
        f"true pour un code {what} ; false pour un code que seules les données emploient, "
        "ajouté pour que chaque code des données ait sa ligne (son nom est alors celui des "
        "fichiers de libellés des Douanes, ou vide)",
        example="true",
        required=True,
    )


def _code(title: str, description: str, example: str, pattern: str) -> Descriptor:
    return field(
        "code", "string", title, description, example=example, required=True, pattern=pattern
    )


def _name(title: str, description: str, example: str, required: bool = False) -> Descriptor:
    if required:
        return field("name", "string", title, description, example=example, required=True)
    return field("name", "string", title, description, example=example)


@dataclass(frozen=True)
class Table:
    """A reference resource: its file, what it holds, its fields and keys."""

    name: str
    path: str
    title: str
    description: str
    fields: tuple[Descriptor, ...]
    primary_key: tuple[str, ...] = ("code",)
    foreign_keys: tuple[Descriptor, ...] = ()
    licenses: tuple[Descriptor, ...] = ()  # when not the package's

    @property
    def columns(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def schema(self) -> Descriptor:
        descriptor: Descriptor = {
            "fields": [dict(f) for f in self.fields],
            "missingValues": list(REFERENCE_MISSING_VALUES),
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            descriptor["foreignKeys"] = [dict(k) for k in self.foreign_keys]
        return descriptor


LGPL = {
    "name": "LGPL-2.1-or-later",
    "title": "GNU Lesser General Public License 2.1 ou ultérieure",
    "path": "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
}

REFERENCE_TABLES: tuple[Table, ...] = (
    Table(
        DEPARTEMENTS,
        "departements.csv",
        "Départements",
        "Les 101 départements (INSEE, Code officiel géographique, régions de 2016) et les codes "
        "hors de ce référentiel que les données emploient.",
        (
            _code(
                "Département",
                "Code INSEE du département, ou code hors des 101 départements",
                "53",
                DEPT_PATTERN,
            ),
            _name("Nom du département", "Nom du département (graphie INSEE)", "Mayenne"),
            field(
                "region_code",
                "string",
                COLUMNS["region_code"].title,
                "Code INSEE de la région du département ; vide hors des 101 départements",
                example="52",
                pattern="[0-9]{2}",
            ),
            _in_reference("des 101 départements"),
        ),
        foreign_keys=(
            {"fields": "region_code", "reference": {"resource": REGIONS, "fields": "code"}},
        ),
    ),
    Table(
        REGIONS,
        "regions.csv",
        "Régions",
        "Les 18 régions (13 de métropole, 5 d'outre-mer) : INSEE, Code officiel géographique.",
        (
            _code("Région", "Code INSEE de la région", "52", "[0-9]{2}"),
            _name("Nom de la région", "Nom de la région", "Pays de la Loire", required=True),
        ),
    ),
    Table(
        PRODUCTS,
        "produits-a129.csv",
        "Produits (nomenclature A129)",
        "Les positions de biens de la nomenclature agrégée A129 (INSEE, NA 2008, NAF rév. 2) "
        "employées par les statistiques des Douanes, avec leurs regroupements A38 et A17, et "
        "les codes de produit des données absents de ce référentiel.",
        (
            _code("Produit (A129)", "Code du produit, nomenclature A129", "C21Z", CODE_PATTERN),
            _name(
                "Libellé du produit",
                "Libellé INSEE (ou des Douanes pour un code hors du référentiel)",
                "Industrie pharmaceutique",
            ),
            field("a38_code", "string", "Produit (A38)", "Code du regroupement A38", example="CF"),
            field(
                "a38_name",
                "string",
                "Libellé A38",
                "Libellé du regroupement A38",
                example="Industrie pharmaceutique",
            ),
            field("a17_code", "string", "Produit (A17)", "Code du regroupement A17", example="C5"),
            field(
                "a17_name",
                "string",
                "Libellé A17",
                "Libellé du regroupement A17",
                example="Fabrication d'autres produits industriels",
            ),
            _in_reference("de la nomenclature A129 (positions de biens)"),
        ),
    ),
    Table(
        CPF4,
        "produits-cpf4.csv",
        "Produits (CPF4)",
        "Les codes de produit à quatre chiffres de la CPF (sous les positions A129) que les "
        "données ou les fichiers de libellés des Douanes emploient, avec le libellé des Douanes.",
        (
            _code("Produit (CPF4)", "Code du produit, nomenclature CPF4", "2110", CPF4_PATTERN),
            _name(
                "Libellé CPF4",
                "Libellé des fichiers des Douanes ; vide quand aucun fichier ne le donne",
                "Produits pharmaceutiques de base",
            ),
        ),
    ),
    Table(
        COUNTRIES,
        "pays.csv",
        "Pays partenaires",
        "Les pays et territoires partenaires : codes ISO 3166-1 alpha-2 et noms français "
        "(iso-codes de Debian, par pycountry), codes propres aux Douanes selon la "
        "géonomenclature de l'UE (règlement d'exécution (UE) 2020/1470), appartenance à l'UE "
        "et zone ; puis les codes des données absents de ce référentiel.",
        (
            _code("Pays", "Code du pays partenaire", "US", CODE_PATTERN),
            _name("Nom du pays", "Nom français du pays", "États-Unis"),
            field(
                "eu27",
                "boolean",
                "Union européenne",
                "true pour un membre de l'Union européenne à 27 (aujourd'hui)",
                example="false",
            ),
            field("zone", "string", "Zone", "Zone géographique", example="Amérique du Nord"),
            _in_reference("du référentiel des pays"),
        ),
        licenses=(LGPL,),
    ),
    Table(
        PARTNER_GROUPS,
        "groupes-partenaires.csv",
        "Groupes de pays partenaires",
        "Appartenance datée des pays aux groupes UE, zone euro et pays du Golfe (CCG) : une "
        "ligne par période d'appartenance (traités d'adhésion, accord de retrait du "
        "Royaume-Uni, décisions du Conseil sur l'euro, charte du CCG).",
        (
            field(
                "group",
                "string",
                "Groupe",
                "Code du groupe (UE27, ZONE_EURO, GOLFE)",
                example="UE27",
                required=True,
            ),
            field(
                "label",
                "string",
                "Nom du groupe",
                "Nom du groupe",
                example="Union européenne (UE à 27)",
                required=True,
            ),
            field(
                "country",
                "string",
                COLUMNS["country"].title,
                "Code du pays membre",
                example="AT",
                required=True,
                pattern=CODE_PATTERN,
            ),
            field(
                "valid_from",
                "date",
                "Début",
                "Premier jour d'appartenance",
                example="1995-01-01",
                required=True,
            ),
            field(
                "valid_to",
                "date",
                "Fin",
                "Dernier jour d'appartenance (inclus) ; vide tant que le pays est membre",
                example="2020-01-31",
            ),
        ),
        primary_key=("group", "country", "valid_from"),
        foreign_keys=(
            {"fields": "country", "reference": {"resource": COUNTRIES, "fields": "code"}},
        ),
    ),
    Table(
        LABELS,
        "libelles-douanes.csv",
        "Libellés des fichiers des Douanes",
        "Les libellés lus dans les fichiers de libellés des Douanes importés (Libelle_A129, "
        "Libelle_CPF4, Libelle_PAYS) : pour chaque code, le libellé valable en dernier. Vide "
        "pour le jeu de démonstration.",
        (
            field(
                "kind",
                "string",
                "Nomenclature",
                "product : produit A129 ; cpf4 : produit CPF4 ; country : pays",
                example="product",
                required=True,
                enum=["product", "cpf4", "country"],
            ),
            field(
                "code",
                "string",
                "Code",
                "Code du produit ou du pays",
                example="C21Z",
                required=True,
            ),
            field(
                "name",
                "string",
                "Libellé",
                "Libellé du fichier des Douanes",
                example="Industrie pharmaceutique",
                required=True,
            ),
            field(
                "valid_from",
                "date",
                "Début de validité",
                "Début de validité du libellé ; vide quand le fichier ne le donne pas",
                example="2008-01-01",
            ),
            field(
                "valid_to",
                "date",
                "Fin de validité",
                "Fin de validité du libellé (9999-12-31 : toujours valable) ; vide quand le "
                "fichier ne la donne pas",
                example="9999-12-31",
            ),
        ),
        primary_key=("kind", "code"),
    ),
)
