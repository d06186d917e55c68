"""The API's documentation, generated from the registry (lib/web/registry.py) and the dataset in
place: the OpenAPI 3.1 description served at /api/v1/openapi.json, and the examples in curl,
Python (pandas) and R the API page shows.

Parameters are described with the values the pages accept (enumerations of the reference
codes and of the dataset's years, bounds of the numbers); each table's records with their
columns, typed and described from lib/core/columns.py. The texts are French: they are read by the
API's users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from lib.charts import choropleth
from lib.core import columns, flows, partners, refs
from lib.core.states import (
    DEFAULT_ELASTICITY,
    DEFAULT_PRODUCT,
    ELASTICITY_MAX,
    ELASTICITY_MIN,
    TARIFF_DEFAULT,
    TARIFF_MAX,
    TARIFF_MIN,
    TOP_DEFAULT,
    TOP_MAX,
    TOP_MIN,
)
from lib.data import country_view, evolution, queries
from lib.web import api_terms, ratelimit, registry, urlstate

JSON_TYPES: dict[str, Any] = {
    "code": "string",
    "text": "string",
    "eur": "number",
    "kg": "number",
    "pct": "number",
    "ratio": "number",
    "number": "number",
    "integer": "integer",
    "flag": ["boolean", "integer"],
}
DESCRIPTION = """API en lecture seule des statistiques du commerce extérieur des territoires
(Douanes, DGDDI) : chaque tableau que montrent les pages de l'application, avec les mêmes
paramètres que leurs adresses.

- **JSON** par défaut : `records` (une ligne par objet, colonnes nommées comme dans le CSV),
  avec le territoire, la période, la version du jeu de données.
- **CSV** avec `format=csv` : exactement le fichier téléchargé depuis la page (UTF-8, virgule,
  point décimal, valeurs en euros non arrondies). Les codes (`01`, `2A`) sont à lire comme du
  texte.
- Les paramètres suivent les règles des pages ; une valeur que la page corrigerait est refusée
  (400, message en français).
- `ETag` et `Cache-Control` : un client peut revalider avec `If-None-Match` (304).
- Limite par client : {rate} requêtes par minute, {burst} d'affilée (429 et `Retry-After`
  au-delà). CORS ouvert en lecture (GET).
"""


# ---------------------------------------------------------------------------------------------
# Parameters


def _years() -> list[int]:
    return queries.available_years()


def _territory_codes() -> list[str]:
    return [*refs.departements()["code"], *refs.regions()["code"], "FR"]


def _year_schema() -> dict[str, Any]:
    years = _years()
    schema: dict[str, Any] = {"type": "integer", "enum": years}
    if years:
        schema["default"] = years[-1]
    return schema


def _flux(values: list[str], default: str) -> dict[str, Any]:
    return {"type": "string", "enum": values, "default": default}


def _schemas() -> dict[str, dict[str, Any]]:
    """Each parameter's schema, by name (`code` and `niveau` per page below)."""
    years = _years()
    return {
        "niveau": {"type": "string", "enum": list(urlstate.LEVEL_WORDS)},
        "code": {"type": "string", "enum": _territory_codes()},
        "annee": _year_schema(),
        "top": {"type": "integer", "minimum": TOP_MIN, "maximum": TOP_MAX, "default": TOP_DEFAULT},
        "flux": _flux(list(flows.CHOICES), flows.BOTH),
        "indicateur": {"type": "string", "enum": list(choropleth.METRICS)},
        "base": {"type": "integer", "enum": evolution.whole_years() or years},
        "debut": {"type": "integer", "enum": years},
        "fin": _year_schema(),
        "territoire": {"type": "string", "enum": _territory_codes()},
        "codes": {"type": "string", "pattern": "^[0-9A-Za-z]{1,3}(,[0-9A-Za-z]{1,3}){0,3}$"},
        "partenaire": {"type": "string", "enum": list(partners.partner_choices())},
        "taux": {
            "type": "integer",
            "minimum": TARIFF_MIN,
            "maximum": TARIFF_MAX,
            "default": TARIFF_DEFAULT,
        },
        "elasticite": {
            "type": "number",
            "minimum": ELASTICITY_MIN,
            "maximum": ELASTICITY_MAX,
            "multipleOf": 0.5,
            "default": DEFAULT_ELASTICITY,
        },
    }


DESCRIPTIONS = {
    "niveau": "Échelon : departement, region ou france (défaut : la France entière, ou le "
    "département quand seul « code » est donné).",
    "code": "Code INSEE du département (01, 2A, 971…) ou de la région (52…), selon « niveau ».",
    "annee": "Année (défaut : la dernière du jeu de données).",
    "top": f"Nombre de postes des classements, de {TOP_MIN} à {TOP_MAX}.",
    "flux": "export, import ou tous (défaut).",
    "indicateur": "Indicateur de la carte (ne change pas le tableau, qui les donne tous).",
    "base": "Année de base de l'indice (100), une année complète.",
    "debut": "Première des deux années comparées (défaut : l'année avant « fin »).",
    "fin": "Seconde des deux années comparées (défaut : la dernière).",
    "territoire": "Code du territoire dont la part est donnée, avec « niveau ».",
    "codes": "Deux à quatre codes de départements ou de régions, séparés par des virgules.",
    "partenaire": "Pays (code ISO, US) ou groupe de pays (UE27, HORS_UE, ZONE_EURO, GOLFE).",
    "taux": "Droit de douane additionnel du scénario, en %.",
    "elasticite": "Élasticité des échanges au droit de douane (point ou virgule décimale).",
}
# Where a page reads a parameter otherwise: its description and schema.
_EXPORT_OR_IMPORT = ("export (défaut) ou import.", lambda: _flux(["export", "import"], "export"))
PAGE_PARAMETERS: dict[tuple[str, str], tuple[str, Callable[[], dict[str, Any]]]] = {
    ("carte", "code"): (
        "Département mis en évidence sur la carte (ne change pas le tableau).",
        lambda: {"type": "string", "enum": list(refs.departements()["code"])},
    ),
    ("pays", "code"): (
        "Code ISO du pays partenaire (défaut : US).",
        lambda: {"type": "string", "enum": country_view.country_choices(), "default": "US"},
    ),
    ("pays", "flux"): _EXPORT_OR_IMPORT,
    ("produit", "code"): (
        "Code du produit : A129 (C21Z) ou CPF4 (2110) quand le jeu de données en porte.",
        lambda: {
            "type": "string",
            "enum": [*refs.products()["code"], *queries.cpf4_codes()],
            "default": DEFAULT_PRODUCT,
        },
    ),
    ("produit", "flux"): _EXPORT_OR_IMPORT,
    ("produit", "niveau"): (
        "Échelon du territoire dont la part est donnée (avec « territoire »).",
        lambda: {"type": "string", "enum": list(urlstate.LEVEL_WORDS)},
    ),
    ("evolution", "flux"): _EXPORT_OR_IMPORT,
    ("comparer", "niveau"): (
        "departement (défaut) ou region.",
        lambda: {"type": "string", "enum": ["departement", "region"], "default": "departement"},
    ),
    ("comparer", "flux"): (
        "Flux du classement : export, import ou tous (défaut : les deux).",
        lambda: _flux(list(flows.CHOICES), flows.BOTH),
    ),
}


def parameter_id(page: registry.Page, key: str) -> str:
    """The name of a parameter in the description's components: `annee`, `pays_code`."""
    return f"{page.name}_{key}" if (page.name, key) in PAGE_PARAMETERS else key


def parameter(page: registry.Page, key: str) -> dict[str, Any]:
    """One query parameter of a page's tables, as OpenAPI describes it."""
    if (page.name, key) in PAGE_PARAMETERS:
        description, schema = PAGE_PARAMETERS[(page.name, key)]
        return _query(key, description, schema())
    return _query(key, DESCRIPTIONS[key], _schemas()[key])


def _parameters() -> dict[str, Any]:
    """Every parameter once (the operations refer to them): the description stays small."""
    found = {
        parameter_id(table.page, key): parameter(table.page, key)
        for table in registry.TABLES.values()
        for key in table.page.keys
    }
    return {**found, "format": FORMAT_PARAMETER}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _query(key: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": key,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


FORMAT_PARAMETER = _query(
    api_terms.FORMAT_KEY,
    "json (défaut) ou csv (le fichier téléchargé depuis la page).",
    {"type": "string", "enum": list(api_terms.FORMATS), "default": "json"},
)


# ---------------------------------------------------------------------------------------------
# Responses


def column_schema(name: str) -> dict[str, Any]:
    column = columns.column(name)
    kind = JSON_TYPES[column.kind]
    types = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    return {"type": types, "title": column.title, "description": column.description}


def record_schema(table: registry.Table) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            name: {"$ref": f"#/components/schemas/colonne.{name}"} for name in table.columns
        },
        "required": list(table.columns),
        "additionalProperties": False,
    }


ANSWER_FIELDS = [
    "table", "titre", "parametres", "territoire", "periode", "page", "version", "date_version",
    "donnees_demonstration", "source", "records",
]  # fmt: skip


def answer_schema(table: registry.Table) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ANSWER_FIELDS,
        "properties": {
            "table": {"const": table.name},
            "titre": {"type": "string"},
            "parametres": {
                "type": "object",
                "description": "Les paramètres validés, tels que la page les écrit.",
                "additionalProperties": {"type": "string"},
            },
            "territoire": {
                "oneOf": [{"$ref": "#/components/schemas/Territoire"}, {"type": "null"}]
            },
            "periode": {"type": "string", "description": "Années couvertes (2024, 2015 – 2024)."},
            "page": {"type": "string", "description": "La page de l'application qui le montre."},
            "version": {"type": "string", "description": "Version du jeu de données."},
            "date_version": {"type": "string"},
            "donnees_demonstration": {"type": "boolean"},
            "source": {"type": "string"},
            "records": {"type": "array", "items": record_schema(table)},
        },
    }


def _error(description: str, *headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}},
    }
    if headers:
        answer["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    return answer


def _error_responses() -> dict[str, Any]:
    """The answers other than 200, described once in the components."""
    return {
        "304": {
            "description": "Inchangé depuis la version indiquée par If-None-Match.",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        },
        "400": _error("Paramètres invalides (message en français)."),
        "404": _error("Table inconnue, jeu de données vide ou tableau sans objet ici."),
        "429": _error("Trop de requêtes de ce client.", "Retry-After"),
        "500": _error("Erreur interne (consignée par le serveur)."),
        "503": _error("Serveur occupé, requête trop longue ou pas de jeu de données."),
    }


def _errors() -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/{status}"} for status in _error_responses()}


def _ok(description: str, schema: dict[str, Any], csv: bool = True) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {
        "description": description,
        "headers": {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
        },
        "content": content,
    }


def table_operation(table: registry.Table) -> dict[str, Any]:
    page = table.page
    example = registry.example(page)
    return {
        "get": {
            "operationId": table.name,
            "summary": f"{table.title} (page {page.title})",
            "description": f"Le tableau « {table.title} » de la page {page.title} "
            f"({page.path}), avec les paramètres de son adresse. Exemple : "
            f"{api_terms.PREFIX}/{table.name}?{urlencode(example)}",
            "tags": [page.title],
            "parameters": [*(_ref(parameter_id(page, key)) for key in page.keys), _ref("format")],
            "responses": {
                "200": _ok("Le tableau, en JSON ou en CSV (format=csv).", answer_schema(table)),
                **_errors(),
            },
        }
    }


def _components() -> dict[str, Any]:
    return {
        "parameters": _parameters(),
        "responses": _error_responses(),
        "schemas": {
            "Erreur": {
                "type": "object",
                "required": ["erreur", "details"],
                "properties": {
                    "erreur": {"type": "string", "description": "Le message, en français."},
                    "details": {"type": "array", "items": {"type": "string"}},
                },
            },
            **{
                f"colonne.{name}": column_schema(name)
                for name in sorted(
                    {name for table in registry.TABLES.values() for name in table.columns}
                )
            },
            "Territoire": {
                "type": "object",
                "required": ["niveau", "code", "nom"],
                "properties": {
                    "niveau": {"type": "string", "enum": list(urlstate.LEVEL_WORDS)},
                    "code": {"type": "string"},
                    "nom": {"type": "string"},
                },
            },
        },
        "headers": {
            "ETag": {"description": "Version de la réponse.", "schema": {"type": "string"}},
            "Cache-Control": {"description": "Durée de fraîcheur.", "schema": {"type": "string"}},
            "Retry-After": {
                "description": "Secondes à attendre avant de réessayer.",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
        },
    }


def _plain_operation(operation_id: str, summary: str, csv: bool) -> dict[str, Any]:
    parameters = [_ref("format")] if csv else []
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": _ok(summary, {"type": "object"}, csv=csv),
                **_errors(),
            },
        }
    }


def openapi(limiter: ratelimit.RateLimiter) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every address of the API, which states the rate limit in
    force (`limiter`: lib.web.api.limits())."""
    paths: dict[str, Any] = {
        f"{api_terms.PREFIX}/": _plain_operation("liste", "La liste des tables", csv=True),
        api_terms.OPENAPI_PATH: _plain_operation(
            "openapi", "Cette description (OpenAPI 3.1)", False
        ),
    }
    for table in registry.TABLES.values():
        paths[f"{api_terms.PREFIX}/{table.name}"] = table_operation(table)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commerce extérieur des territoires",
            "version": "1",
            "description": DESCRIPTION.format(rate=f"{limiter.per_minute:g}", burst=limiter.burst),
        },
        "paths": paths,
        "components": _components(),
    }


# ---------------------------------------------------------------------------------------------
# Examples for the API page


def example_url(base_url: str, table: registry.Table) -> str:
    """`http://host/api/v1/kpis?niveau=departement&code=53&annee=2024&top=10`."""
    query = urlencode(registry.example(table.page))
    return f"{base_url.rstrip('/')}{api_terms.PREFIX}/{table.name}" + (f"?{query}" if query else "")


def code_columns(table: registry.Table) -> list[str]:
    """The columns to read as text (`01`, `2A`, `0111`: a number reader would spoil them)."""
    return [name for name in table.columns if columns.column(name).kind == "code"]


def _csv_url(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "format=csv"


def curl_example(url: str, table: registry.Table) -> str:
    return "\n".join(
        [
            "# JSON : les lignes dans « records », avec le territoire, la période, la version",
            f"curl '{url}'",
            "",
            "# CSV : le fichier téléchargé depuis la page",
            f"curl -o {table.name}.csv '{_csv_url(url)}'",
            "",
            "# En-têtes : ETag (à renvoyer dans If-None-Match : 304 si rien n'a changé)",
            f"curl -sI '{url}'",
        ]
    )


def python_example(url: str, table: registry.Table) -> str:
    codes = code_columns(table)
    dtype = ", ".join(f'"{name}": str' for name in codes)
    read_csv = (
        f'pd.read_csv(url + "&format=csv", dtype={{{dtype}}})'
        if codes
        else ('pd.read_csv(url + "&format=csv")')
    )
    return "\n".join(
        [
            "import json",
            "from urllib.request import urlopen",
            "",
            "import pandas as pd",
            "",
            f'url = "{url}"',
            "",
            "# CSV : les codes restent du texte (01, 2A)",
            f"table = {read_csv}",
            "",
            "# JSON : les lignes, et ce qu'elles couvrent",
            "with urlopen(url) as response:",
            "    answer = json.load(response)",
            'table = pd.json_normalize(answer["records"])',
            'print(answer["territoire"], answer["periode"], answer["version"])',
        ]
    )


def r_example(url: str, table: registry.Table) -> str:
    codes = code_columns(table)
    classes = ", ".join(f'{name} = "character"' for name in codes)
    col_classes = f", colClasses = c({classes})" if codes else ""
    return "\n".join(
        [
            f'url <- "{url}"',
            "",
            "# CSV : les codes restent du texte (01, 2A)",
            f'table <- read.csv(paste0(url, "&format=csv"){col_classes}, encoding = "UTF-8")',
            "",
            "# JSON : les lignes, et ce qu'elles couvrent",
            "library(jsonlite)",
            "answer <- fromJSON(url)",
            "table <- answer$records",
            "answer$territoire$nom; answer$periode; answer$version",
        ]
    )


def examples(base_url: str, table: registry.Table) -> dict[str, str]:
    """The three examples of the API page, keyed by their language (for st.code)."""
    url = example_url(base_url, table)
    return {
        "bash": curl_example(url, table),
        "python": python_example(url, table),
        "r": r_example(url, table),
    }


VALUES_SHOWN = 8  # values of an enumeration listed on the API page


def _values(schema: dict[str, Any]) -> str:
    """What a parameter accepts, in a few words: `export, import, tous`, `de 3 à 25`."""
    if "enum" in schema:
        values = [str(value) for value in schema["enum"]]
        shown = ", ".join(values[:VALUES_SHOWN])
        return shown + (f"… ({len(values)} valeurs)" if len(values) > VALUES_SHOWN else "")
    if "minimum" in schema:
        return f"de {schema['minimum']:g} à {schema['maximum']:g}".replace(".", ",")
    return "texte"


def parameter_rows(table: registry.Table) -> list[dict[str, str]]:
    """The table's parameters as the API page lists them: name, meaning, accepted values."""
    rows = []
    for key in table.page.keys:
        described = parameter(table.page, key)
        rows.append(
            {
                "Paramètre": key,
                "Description": described["description"],
                "Valeurs": _values(described["schema"]),
            }
        )
    rows.append(
        {
            "Paramètre": api_terms.FORMAT_KEY,
            "Description": FORMAT_PARAMETER["description"],
            "Valeurs": "json, csv",
        }
    )
    return rows
