"""The dataset as open-data files: `python -m lib.fiche --package DIR` and the `/telecharger/`
route (lib/web/open_data.py) write the same package.

- one file per year in two formats, `commerce-exterieur-2024.parquet` and
  `commerce-exterieur-2024.csv.gz`, holding the year's rows as the store holds them (the
  canonical columns of lib/core/schema.py, the year included), written by DuckDB COPY from the
  manifest's own Parquet files: never the whole dataset in memory, never through pandas;
- the reference tables as CSV (lib/data/package_schema.REFERENCE_TABLES), completed with the codes
  the data holds and the committed tables lack, so that every foreign key holds;
- `datapackage.json`: a Frictionless Data Package (v1, `tabular-data-package`) describing them
  all (lib/data/package_schema.py), with the licence, the sources and the dataset's version.

The rows are read from the files the manifest names, not from the `trade` view, so that a new
version committed during the writing cannot mix two versions in one package (the store keeps
the previous version's files one generation). A remote dataset (https://, s3://) is read the
same way, through the httpfs extension of lib/data/db's connection; the package is written locally.

CSV: UTF-8, comma, header row, `.` decimals, empty field for null (DuckDB's writer). Text is
written as it is, formula-like or not: the package is a faithful copy for programs, its Parquet
and CSV files hold the same values, and the app's spreadsheet-facing CSVs (lib/fiche/files.py) are
where cells are neutralised.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from lib.core import config, flows, periods, schema
from lib.core.sql import literal
from lib.data import db, package_schema, queries, remote, store
from lib.data.package_schema import Descriptor, Table

DESCRIPTOR = "datapackage.json"
PROFILE = "tabular-data-package"
NAME = "commerce-exterieur-territoires"
TITLE = "Commerce extérieur des territoires — statistiques départementales des Douanes"
DEMO_TITLE = f"{TITLE} (données de démonstration synthétiques)"
LICENSE: Descriptor = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
KEYWORDS = [
    "commerce extérieur",
    "douanes",
    "exportations",
    "importations",
    "départements",
    "régions",
]
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
HASH = "sha256"
_CHUNK = 1 << 20

DGDDI_SOURCE = {
    "title": "Direction générale des Douanes et Droits indirects (DGDDI), « Statistiques "
    "régionales et départementales du commerce extérieur » (Licence Ouverte 2.0)"
}
DEMO_SOURCE = {
    "title": "Données de démonstration synthétiques du projet (python -m lib.sources.demo), "
    "calées sur les totaux 2024 des fiches « Les indicateurs clés : commerce extérieur » (ANCT–DGE)"
}
REFERENCE_SOURCES = [
    {"title": "INSEE, Code officiel géographique : départements et régions (Licence Ouverte 2.0)"},
    {
        "title": "INSEE, nomenclature agrégée NA 2008 de la NAF rév. 2, niveaux A129, A38 et A17 "
        "(Licence Ouverte 2.0)"
    },
    {
        "title": "iso-codes de Debian par pycountry 26.2.16 : codes ISO 3166-1 alpha-2 et noms "
        "français des pays (LGPL-2.1-or-later)"
    },
    {
        "title": "Géonomenclature de l'Union européenne, règlement d'exécution (UE) 2020/1470 de "
        "la Commission : codes de pays propres aux statistiques du commerce extérieur"
    },
    {
        "title": "Traités d'adhésion à l'Union européenne, accord de retrait du Royaume-Uni, "
        "décisions du Conseil sur l'adoption de l'euro, charte du Conseil de coopération du "
        "Golfe : groupes de pays partenaires"
    },
]
CAUTION = (
    "Les données sont établies selon le lieu de dédouanement, qui ne reflète pas toujours le "
    "lieu de production ; les grandes infrastructures de transport concentrent certains flux."
)
DEMO_WARNING = (
    "ATTENTION : données de démonstration synthétiques. Elles sont fabriquées par un générateur "
    "déterministe : les totaux 2024 de la France, de cinq régions et de cinq départements "
    "reproduisent les chiffres publiés, mais le détail par produit et par pays, et toutes les "
    "autres années, sont inventés et ne doivent jamais être cités comme statistiques."
)
# Not among the tables lib/data/db loads on its connection (db.REF_TABLES): read here.
PARTNER_GROUPS_CSV = config.REF_DIR / "partner_groups.csv"


class NoDataset(RuntimeError):
    """There is no dataset to package; the message is French."""


def write_package(out: Path) -> list[Path]:
    """The package of the configured dataset (`config.data_dir()`) written into `out`, which
    is created if needed (files of the same names are replaced). Returns the files written,
    `datapackage.json` last."""
    manifest = db.manifest()
    if manifest is None:
        raise NoDataset(f"Aucun jeu de données dans {config.data_dir()}.")
    return write_files(Path(out), config.data_dir(), manifest)


def write_files(out: Path, location: str, manifest: store.Manifest) -> list[Path]:
    """The package of `manifest`'s version of the dataset at `location`, into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    # This thread's cursor, not db.run: a package is written once per version, off any page,
    # and a year of a remote dataset may take longer than an interactive query's limit.
    con = db.cursor()
    source = _Source(con, location, manifest)
    written: list[Path] = []
    resources: list[Descriptor] = []
    for year in manifest.years:
        year_resources, year_files = _write_year(con, source, year, out)
        resources += year_resources
        written += year_files
    for table in package_schema.REFERENCE_TABLES:
        path = out / table.path
        sql, params = _reference_sql(table, source)
        _copy_csv(con, sql, params, path, compressed=False)
        resources.append(_reference_resource(table, path))
        written.append(path)
    descriptor = package_descriptor(manifest, resources)
    written.append(_write_descriptor(out, descriptor))
    return written


# --- what is read: the manifest's files -----------------------------------------------------------


@dataclass(frozen=True)
class _YearFile:
    year: int
    path: str  # local path or URL of the year's data.parquet
    columns: frozenset[str]  # the canonical columns it holds (older layouts lack some)


class _Source:
    """The Parquet files of one version of the dataset, and the SQL that reads them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str, manifest: store.Manifest):
        self.manifest = manifest
        self.years = {
            year: _YearFile(year, path, _columns_of(con, path))
            for year, path in ((y, _file(location, rel)) for y, rel in manifest.files.items())
        }
        self.labels = _file(location, manifest.labels) if manifest.labels else None
        self.label_columns = _columns_of(con, self.labels) if self.labels else frozenset()

    def year_sql(self, year: int) -> tuple[str, list[object]]:
        """The canonical rows of `year`, year first, nulls for the columns its file lacks."""
        item = self.years[year]
        columns = []
        for name, kind in schema.COLUMNS.items():
            if name == "year":
                columns.append(f"CAST(? AS {kind}) AS year")
            elif name in item.columns:
                columns.append(f"CAST({name} AS {kind}) AS {name}")
            else:
                columns.append(f"CAST(NULL AS {kind}) AS {name}")
        sql = f"SELECT {', '.join(columns)} FROM read_parquet(?, hive_partitioning = false)"
        return sql, [year, item.path]

    def rows_sql(self) -> tuple[str, list[object]]:
        """Every year's rows (the codes the reference tables must hold)."""
        if not self.years:
            empty = ", ".join(f"CAST(NULL AS {k}) AS {n}" for n, k in schema.COLUMNS.items())
            return f"SELECT {empty} WHERE false", []
        parts = [self.year_sql(year) for year in sorted(self.years)]
        return " UNION ALL ".join(sql for sql, _ in parts), [p for _, ps in parts for p in ps]

    def labels_sql(self) -> tuple[str, list[object]]:
        """The customs' labels (kind, code, name, valid_from, valid_to), dates as text."""
        if self.labels is None:
            return (
                "SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS code, NULL::VARCHAR AS name, "
                "NULL::VARCHAR AS valid_from, NULL::VARCHAR AS valid_to WHERE false",
                [],
            )
        # Labels stored without their validity (older datasets) get empty dates.
        dates = [
            f"CAST({d} AS VARCHAR) AS {d}" if d in self.label_columns else f"NULL AS {d}"
            for d in ("valid_from", "valid_to")
        ]
        return f"SELECT kind, code, name, {', '.join(dates)} FROM read_parquet(?)", [self.labels]


def _file(location: str, relative: str) -> str:
    if config.is_remote(location):
        return remote.join(location, relative)
    return str(Path(location) / relative)


def _columns_of(con: duckdb.DuckDBPyConnection, path: str) -> frozenset[str]:
    cursor = con.execute("SELECT * FROM read_parquet(?, hive_partitioning = false) LIMIT 0", [path])
    return frozenset(column[0] for column in cursor.description or ())


# --- the rows of each year ---------------------------------------------------------------------


def data_file_name(year: int, extension: str) -> str:
    """`commerce-exterieur-2024.parquet`, `commerce-exterieur-2024.csv.gz`."""
    return f"commerce-exterieur-{year}.{extension}"


def _write_year(
    con: duckdb.DuckDBPyConnection, source: _Source, year: int, out: Path
) -> tuple[list[Descriptor], list[Path]]:
    sql, params = source.year_sql(year)
    key = primary_key(con, sql, params)
    parquet = out / data_file_name(year, "parquet")
    con.execute(
        f"COPY ({sql}) TO {literal(str(parquet))} (FORMAT parquet, COMPRESSION zstd)", params
    )
    csv = out / data_file_name(year, "csv.gz")
    _copy_csv(con, sql, params, csv, compressed=True)
    description = _year_description(source.manifest, year, key)
    resources = [
        _year_resource(year, parquet, "parquet", description, key),
        _year_resource(year, csv, "csv", description, key),
    ]
    return resources, [parquet, csv]


def primary_key(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> list[str]:
    """The key columns of lib/core/schema.py that no row of the year leaves null, when they identify
    its rows; [] when they cannot.

    A primary key's columns must be filled (Table Schema), and quarter, month and cpf4 are null
    where the files do not give them (annual demonstration data, no CPF4 column). The stored
    rows are unique on the whole key (the writer sums rows sharing one), so a column that is
    null on every row of the year can be left out; only a column null on some rows and not
    on others needs the uniqueness to be checked on what remains.
    """
    counts = ", ".join(f"count({c})" for c in package_schema.NULLABLE_KEYS)
    row = con.execute(f"SELECT count(*), {counts} FROM ({sql})", list(params)).fetchone()
    assert row is not None  # an aggregate always has its row
    total, filled = row[0], dict(zip(package_schema.NULLABLE_KEYS, row[1:], strict=True))
    key = [c for c in schema.KEY_COLUMNS if filled.get(c, total) == total]
    partly_null = any(0 < n < total for n in filled.values())
    if partly_null and not _unique(con, sql, params, key, total):
        return []
    return key


def _unique(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object], key: list[str], rows: int
) -> bool:
    columns = ", ".join(key)
    found = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {columns} FROM ({sql}))", list(params)
    ).fetchone()
    return found is not None and found[0] == rows


def _copy_csv(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object],
    path: Path,
    compressed: bool,
) -> None:
    """The rows of `sql` as CSV, each text cell as every CSV of the explorer writes it: a cell a
    spreadsheet would evaluate (`=…`, `+…`, `@…`) gets a leading single quote
    (queries.text_csv_sql, quoting done in the SELECT). The Parquet files keep the text as is."""
    compression = "gzip" if compressed else "none"
    # COPY cannot bind its target: `path` is a file name of ours (sql.literal quotes it).
    con.execute(
        f"COPY ({_csv_fields_sql(con, sql, params)}) TO {literal(str(path))} "
        f"(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '', COMPRESSION {compression})",
        list(params),
    )


def _csv_fields_sql(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> str:
    """SELECT over `sql`: its text columns as their CSV fields, the others as they are."""
    described = con.execute(f"DESCRIBE ({sql})", list(params)).fetchall()
    items = [
        f"{queries.text_csv_sql(_quoted(name))} AS {_quoted(name)}"
        if kind == "VARCHAR"
        else _quoted(name)
        for name, kind, *_ in described
    ]
    return f"SELECT {', '.join(items)} FROM ({sql})"


def _flow_origin(part: store.Part) -> str:
    if part.source == "demo":
        return "données de démonstration synthétiques"
    return "fichiers des Douanes"


def _year_description(manifest: store.Manifest, year: int, key: list[str]) -> str:
    label = periods.year_label(year, manifest.quarters(year))
    origins = "; ".join(
        f"{flows.flow_of(code).plural} : {_flow_origin(part)}"
        for code, part in sorted(manifest.parts.get(year, {}).items())
    )
    text = (
        f"Les lignes de l'année {label} : une par trimestre, mois, flux, département, produit "
        f"A129, produit CPF4 et pays, valeur en euros et masse en kilogrammes."
    )
    if manifest.is_partial(year):
        quarters = periods.quarters_text(manifest.quarters(year))
        text += f" Année incomplète : trimestres {quarters} seulement."
    if origins:
        text += f" Origine : {origins}."
    if key:
        text += f" Clé primaire : {', '.join(key)} (les colonnes de la clé que l'année remplit)."
    else:
        text += " Pas de clé primaire : l'année mêle lignes annuelles et trimestrielles."
    return text


def _year_resource(
    year: int, path: Path, kind: str, description: str, key: list[str]
) -> Descriptor:
    if kind == "parquet":
        resource: Descriptor = {
            "name": f"commerce-{year}-parquet",
            "title": f"Commerce extérieur {year} (Parquet)",
            "description": description,
            "path": path.name,
            "format": "parquet",
            "mediatype": PARQUET_MEDIATYPE,
        }
    else:
        resource = {
            "name": f"commerce-{year}-csv",
            "title": f"Commerce extérieur {year} (CSV compressé gzip)",
            "description": description,
            "path": path.name,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "compression": "gz",
        }
    resource["profile"] = "tabular-data-resource"
    resource["schema"] = package_schema.data_schema(key)
    if kind != "parquet":
        # Frictionless reads a Parquet file through pyarrow and cannot count its bytes: a size
        # or hash declared for it fails validation. The other files carry both.
        resource |= _integrity(path)
    return resource


# --- the reference tables -------------------------------------------------------------------------


def _reference_sql(table: Table, source: _Source) -> tuple[str, list[object]]:
    """The SELECT writing `table`, its columns in the order of its schema."""
    rows, row_params = source.rows_sql()
    labels, label_params = source.labels_sql()
    body, params = _REFERENCE_BODIES[table.name](rows, row_params, labels, label_params)
    return f"SELECT {', '.join(_quoted(c) for c in table.columns)} FROM ({body})", params


def _quoted(column: str) -> str:
    return f'"{column}"'


def _extra_codes(column: str, reference: str, rows: str, labels: str, kind: str | None) -> str:
    """The codes of `column` in the rows that `reference` lacks, named by the customs' labels
    of `kind` when there are any."""
    named = (
        f"(SELECT code, name FROM ({labels}) WHERE kind = {literal(kind)})"
        if kind
        else "(SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS name WHERE false)"
    )
    return (
        f"SELECT d.code, n.name FROM (SELECT DISTINCT {column} AS code FROM ({rows}) "
        f"WHERE {column} IS NOT NULL) d LEFT JOIN {named} n ON n.code = d.code "
        f"WHERE d.code NOT IN (SELECT code FROM {reference})"
    )


_Body = tuple[str, list[object]]


def _departements(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    extra = _extra_codes("dept", "ref_departements", rows, labels, None)
    return (
        "SELECT code, name, region_code, true AS in_reference FROM ref_departements UNION ALL "
        f"SELECT code, NULL, NULL, false FROM ({extra}) ORDER BY code",
        rp,
    )


def _regions(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    return "SELECT code, name FROM ref_regions ORDER BY code", []


def _products(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    extra = _extra_codes("product", "ref_products", rows, labels, "product")
    return (
        "SELECT code, name, a38_code, a38_name, a17_code, a17_name, true AS in_reference "
        f"FROM ref_products UNION ALL SELECT code, name, NULL, NULL, NULL, NULL, false "
        f"FROM ({extra}) ORDER BY code",
        rp + lp,
    )


def _cpf4(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    # No committed table: every CPF4 code of the rows or of the labels, with its label.
    return (
        f"SELECT c.code, n.name FROM (SELECT cpf4 AS code FROM ({rows}) WHERE cpf4 IS NOT NULL "
        f"UNION SELECT code FROM ({labels}) WHERE kind = 'cpf4') c "
        f"LEFT JOIN (SELECT code, name FROM ({labels}) WHERE kind = 'cpf4') n "
        "ON n.code = c.code ORDER BY c.code",
        rp + lp + lp,
    )


def _countries(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    extra = _extra_codes("country", "ref_countries", rows, labels, "country")
    return (
        "SELECT code, name, eu27 = '1' AS eu27, zone, true AS in_reference FROM ref_countries "
        f"UNION ALL SELECT code, name, NULL, NULL, false FROM ({extra}) ORDER BY code",
        rp + lp,
    )


def _partner_groups(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    return (
        'SELECT "group", label, country, CAST(valid_from AS DATE) AS valid_from, '
        "CAST(valid_to AS DATE) AS valid_to FROM read_csv(?, header = true, all_varchar = true) "
        'ORDER BY "group", country, valid_from',
        [str(PARTNER_GROUPS_CSV)],
    )


def _labels(rows: str, rp: list[object], labels: str, lp: list[object]) -> _Body:
    # The stored dates are text as the files gave them (`2008-01-01`, or "" when absent);
    # anything that is not a date is left empty rather than published as one.
    return (
        "SELECT kind, code, name, TRY_CAST(nullif(valid_from, '') AS DATE) AS valid_from, "
        f"TRY_CAST(nullif(valid_to, '') AS DATE) AS valid_to FROM ({labels}) ORDER BY kind, code",
        lp,
    )


_REFERENCE_BODIES = {
    package_schema.DEPARTEMENTS: _departements,
    package_schema.REGIONS: _regions,
    package_schema.PRODUCTS: _products,
    package_schema.CPF4: _cpf4,
    package_schema.COUNTRIES: _countries,
    package_schema.PARTNER_GROUPS: _partner_groups,
    package_schema.LABELS: _labels,
}


def _reference_resource(table: Table, path: Path) -> Descriptor:
    resource: Descriptor = {
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "path": path.name,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "profile": "tabular-data-resource",
        "schema": table.schema(),
    }
    if table.licenses:
        resource["licenses"] = [dict(license) for license in table.licenses]
    return resource | _integrity(path)


# --- the descriptor ----------------------------------------------------------------------------


def _integrity(path: Path) -> Descriptor:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "hash": f"{HASH}:{digest.hexdigest()}"}


def _demo_pairs(manifest: store.Manifest) -> str:
    """`2015 (exportations, importations), 2016 (exportations)`: the synthetic parts."""
    years = []
    for year in sorted(manifest.parts):
        demo = [
            flows.flow_of(code).plural
            for code, part in sorted(manifest.parts[year].items())
            if part.source == "demo"
        ]
        if demo:
            years.append(f"{year} ({', '.join(demo)})")
    return ", ".join(years)


def _description(manifest: store.Manifest) -> str:
    years = manifest.years
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "aucune")
    text = (
        "Statistiques du commerce extérieur de la France par département (lieu de "
        "dédouanement), produit (nomenclature A129 et CPF4) et pays partenaire, telles que "
        "l'application « Commerce extérieur des territoires » les tient : un fichier par année, "
        "en Parquet et en CSV compressé (gzip), de même schéma, et les tables de référence "
        f"(départements, régions, produits, pays, groupes de pays). Années : {span}. Valeurs en "
        f"euros, masses en kilogrammes. {CAUTION}"
    )
    if manifest.has_demo:
        pairs = _demo_pairs(manifest)
        which = (
            ""
            if manifest.source == "demo"
            else f" Parties synthétiques : {pairs} ; les autres viennent des fichiers des Douanes."
        )
        text = f"{DEMO_WARNING}{which} {text}"
    return text


def _sources(manifest: store.Manifest) -> list[Descriptor]:
    kinds = {p.source for flows_ in manifest.parts.values() for p in flows_.values()}
    sources: list[Descriptor] = []
    if kinds - {"demo"}:
        sources.append(dict(DGDDI_SOURCE))
    if "demo" in kinds:
        sources.append(dict(DEMO_SOURCE))
    return sources + [dict(s) for s in REFERENCE_SOURCES]


def package_descriptor(manifest: store.Manifest, resources: list[Descriptor]) -> Descriptor:
    """The whole `datapackage.json` of `manifest`'s version."""
    return {
        "profile": PROFILE,
        "name": NAME,
        "title": DEMO_TITLE if manifest.has_demo else TITLE,
        "description": _description(manifest),
        "version": manifest.version,
        "created": manifest.created,
        "keywords": list(KEYWORDS),
        "licenses": [dict(LICENSE)],
        "sources": _sources(manifest),
        "resources": resources,
    }


def _write_descriptor(out: Path, descriptor: Descriptor) -> Path:
    """Written last, through a temporary file: a folder holding it is complete."""
    path = out / DESCRIPTOR
    draft = out / f".{DESCRIPTOR}.tmp"
    draft.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", "utf-8")
    os.replace(draft, path)
    return path


def read_descriptor(folder: Path) -> dict[str, Any]:
    """The `datapackage.json` of a package folder."""
    body: dict[str, Any] = json.loads((folder / DESCRIPTOR).read_text("utf-8"))
    return body
