"""The read-only API (lib/web/api.py) over the demonstration dataset, served by uvicorn on a free
127.0.0.1 port (in a thread) behind lib/web/webguard.py, fetched over HTTP.

The expected bytes never come from the API's code: they are the files the CLI writes
(`python -m lib.fiche`), the CSV downloads the pages hand to Streamlit (AppTest, recorded at
the MediaFileManager), or plain pandas over the fixture rows. What must be refused comes from
the URL fuzz corpus of the pages (tests/test_url_fuzz.py: its strategies, and its rules saying
which values are invalid). The OpenAPI description is checked against the OpenAPI 3.1
meta-schema (schemathesis' copy) and exercised by schemathesis (tests/test_api_schemathesis.py).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
import pandas as pd
import pytest
from hypothesis import assume, given, settings

from lib.core import columns, config, sections
from lib.data import db
from lib.fiche import cli as fiche_cli
from lib.web import api, api_doc, api_terms, ratelimit, registry, webguard
from tests import test_url_fuzz as fuzz
from tests.apptables import record_csvs
from tests.servers import Answer, asgi_server, http_request

# --- a server over the demonstration dataset ---------------------------------------------------


class Client:
    """Any method over HTTP, any status kept."""

    def __init__(self, base: str) -> None:
        self.base = base

    def request(self, target: str, method: str = "GET", headers: dict | None = None) -> Answer:
        return http_request(self.base + target, method=method, headers=headers)

    def get(self, table: str, params: dict | None = None, headers: dict | None = None) -> Answer:
        query = f"?{urlencode(params)}" if params else ""
        return self.request(f"{api_terms.PREFIX}/{table}{query}", headers=headers)


@contextmanager
def serving(limiter: ratelimit.RateLimiter) -> Iterator[Client]:
    """The API as serve.py mounts it, lib/web/webguard.py in front, until the block ends."""
    with asgi_server(api.routes(limiter)) as base:
        yield Client(base)


@pytest.fixture(scope="module")
def client(demo: Path) -> Iterator[Client]:
    with serving(ratelimit.RateLimiter(0, 1)) as served:  # no rate limit here
        yield served


# --- reading an answer back --------------------------------------------------------------------

TEXT_KINDS = ("code", "text")


def read_csv(data: bytes, table: str) -> pd.DataFrame:
    """The CSV as a user reads it: codes and names as text (`01`, `NA` for Namibia)."""
    text = {
        name: str
        for name in registry.TABLES[table].columns
        if columns.column(name).kind in TEXT_KINDS
    }
    return pd.read_csv(io.BytesIO(data), dtype=text, keep_default_na=False, na_values=[""])


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assert_records_are_the_csv(records: list[dict], csv: bytes, table: str) -> None:
    """Every JSON cell is the CSV's cell read back with pandas (null where the CSV is empty)."""
    frame = read_csv(csv, table)
    assert [list(record) for record in records] == [list(frame.columns)] * len(records)
    assert len(records) == len(frame)
    for record, row in zip(records, frame.to_dict(orient="records"), strict=True):
        for name, value in record.items():
            expected = row[name]
            if _missing(value) or _missing(expected):
                assert _missing(value) and _missing(expected), (table, name, value, expected)
            else:
                assert value == expected, (table, name, value, expected)


def assert_french_error(answer: Answer, status: int) -> dict:
    assert answer.status == status, answer.content[:500]
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"erreur", "details"}
    assert "Traceback" not in answer.content.decode()
    assert answer.headers["access-control-allow-origin"] == "*"
    return body


# --- every table against the CLI's files ---------------------------------------------------------

CLI_TABLES = {
    "kpis.csv": "kpis",
    "partners.csv": "partners",
    "products.csv": "products",
    "products_cpf4.csv": "products_cpf4",
    "sankey_export.csv": "sankey_export",
    "sankey_import.csv": "sankey_import",
    "us_exposure.csv": "us_exposure",
    "exposure.csv": "exposure",
    "dependency.csv": "dependency",
}


@pytest.mark.parametrize(
    ("cli", "params"),
    [
        (["--level", "dept", "--code", "53", "--top", "10", "--exposure", "US"],
         {"niveau": "departement", "code": "53", "top": "10", "partenaire": "US"}),
        (["--level", "region", "--code", "52", "--top", "5", "--exposure", "UE27"],
         {"niveau": "region", "code": "52", "top": "5", "partenaire": "UE27"}),
        (["--level", "france", "--top", "25", "--exposure", "GOLFE"],
         {"niveau": "france", "top": "25", "partenaire": "GOLFE"}),
    ],
)  # fmt: skip
def test_the_fiche_and_exposure_tables_are_the_cli_files(
    client: Client, demo: Path, tmp_path: Path, cli: list[str], params: dict[str, str]
) -> None:
    out = tmp_path / "cli"
    assert fiche_cli.main(["--data-dir", str(demo), "--year", "2024", "--out", str(out), *cli]) == 0
    assert sorted(path.name for path in out.iterdir()) == sorted(CLI_TABLES)
    for file, table in CLI_TABLES.items():
        page = registry.TABLES[table].page
        asked = {key: value for key, value in params.items() if key in page.keys}
        asked["annee"] = "2024"
        expected = (out / file).read_bytes()
        answer = client.get(table, asked | {"format": "csv"})
        assert answer.status == 200, (table, answer.content[:300])
        assert answer.content == expected, table
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        records = client.get(table, asked).json()["records"]
        assert_records_are_the_csv(records, expected, table)


def test_cpf4_tables_over_quarterly_rows(client: Client, use_dataset, tmp_path: Path) -> None:
    """The CPF4 tables (the demonstration dataset has none): products_cpf4 is the CLI's file,
    exposition_cpf4 the exports per CPF4 code computed with pandas; a partial year is named."""
    from tests.test_quarters import ROWS

    data_dir = use_dataset(ROWS)
    out = tmp_path / "cli"
    cli = ["--data-dir", str(data_dir), "--level", "dept", "--code", "53", "--year", "2025"]
    assert fiche_cli.main([*cli, "--out", str(out)]) == 0
    params = {"niveau": "departement", "code": "53", "annee": "2025"}
    answer = client.get("products_cpf4", params | {"format": "csv"})
    assert answer.content == (out / "products_cpf4.csv").read_bytes()
    assert answer.content.count(b"\n") > 1  # some rows
    body = client.get("products_cpf4", params).json()
    assert body["periode"] == "2025 (T1–T2)"
    assert body["territoire"] == {"niveau": "departement", "code": "53", "nom": "Mayenne"}

    exposed = client.get("exposition_cpf4", params | {"partenaire": "US"}).json()["records"]
    rows = ROWS[(ROWS["year"] == 2025) & (ROWS["dept"] == "53") & (ROWS["flow"] == "E")]
    exports = rows.groupby("cpf4")["value_eur"].sum()
    to_us = rows[rows["country"] == "US"].groupby("cpf4")["value_eur"].sum()
    assert {r["product"]: r["exports_eur"] for r in exposed} == exports.to_dict()
    assert {r["product"]: r["to_partner_eur"] for r in exposed} == {
        code: to_us.get(code, 0.0) for code in exports.index
    }


# --- every table against the page's download -----------------------------------------------------

FICHE = {"niveau": "departement", "code": "61", "annee": "2024", "top": "7"}
EVOLUTION = {"niveau": "departement", "code": "61"}
PRODUIT = {"code": "C21Z", "annee": "2024", "niveau": "departement", "territoire": "53"}
PAYS = {"code": "US", "annee": "2024"}
COMPARER = {"niveau": "departement", "codes": "53,61", "annee": "2024"}
EXPOSITION = {"niveau": "departement", "code": "42", "annee": "2024", "partenaire": "US"}
DIVERSIFIER = EXPOSITION
REGION_28 = {"niveau": "region", "code": "28", "annee": "2024", "top": "7"}
FRANCE = {"niveau": "france", "annee": "2024", "top": "7"}
# Each page opened with its URL, and every CSV it offers: the table of the API and its parameters.
PAGE_DOWNLOADS: dict[str, tuple[dict[str, str], dict[str, tuple[str, dict[str, str]]]]] = {
    "fiche": (FICHE, {
        "chiffres_cles_dept_61_2024.csv": ("kpis", FICHE),
        "pays_dept_61_2024_top7.csv": ("partners", FICHE),
        "produits_dept_61_2024.csv": ("products", FICHE),
        "sankey_export_dept_61_2024_top7.csv": ("sankey_export", FICHE),
        "sankey_export_region_28_2024_top7.csv": ("sankey_export", REGION_28),
        "sankey_export_france_FR_2024_top7.csv": ("sankey_export", FRANCE),
        "sankey_import_dept_61_2024_top7.csv": ("sankey_import", FICHE),
        "sankey_import_region_28_2024_top7.csv": ("sankey_import", REGION_28),
        "sankey_import_france_FR_2024_top7.csv": ("sankey_import", FRANCE),
        "rangs_dept_61_2024.csv": ("rangs", FICHE),
        "specialisation_dept_61_2024.csv": ("specialisation", FICHE),
        "specialisation_produits_dept_61_2024.csv": ("specialisation_produits", FICHE),
        "concentration_dept_61_2024.csv": ("concentration", FICHE),
        "pays_monde_export_dept_61_2024.csv": ("pays_monde", FICHE),
        "exposition_etats_unis_dept_61_2024.csv": ("us_exposure", FICHE),
    }),
    "carte": ({"annee": "2024"}, {"carte_exports_2024.csv": ("carte", {"annee": "2024"})}),
    "evolution": (EVOLUTION, {
        "evolution_dept_61_2015-2024.csv": ("evolution", EVOLUTION),
        "evolution_comparaison_dept_61_2015-2024_base2015.csv": (
            "evolution_comparaison", EVOLUTION),
        "croissance_moyenne_dept_61_2015-2024.csv": ("croissance_moyenne", EVOLUTION),
        "contributions_pays_dept_61_2023-2024_export.csv": ("contributions_pays", EVOLUTION),
        "contributions_produits_dept_61_2023-2024_export.csv": (
            "contributions_produits", EVOLUTION),
    }),
    "produit": (PRODUIT, {
        "produit_departements_2024_C21Z_export.csv": ("produit_departements", PRODUIT),
        "produit_top_departements_2024_C21Z_export.csv": ("produit_top_departements", PRODUIT),
        "produit_pays_dept_53_2024_C21Z_export.csv": ("produit_pays", PRODUIT),
        "produit_evolution_france_eur_dept_53_2024_C21Z_export.csv": (
            "produit_evolution_france_eur", PRODUIT),
        "produit_evolution_territory_eur_dept_53_2024_C21Z_export.csv": (
            "produit_evolution_territory_eur", PRODUIT),
        "produit_evolution_share_pct_dept_53_2024_C21Z_export.csv": (
            "produit_evolution_share_pct", PRODUIT),
    }),
    "pays": (PAYS, {
        "pays_departements_2024_US.csv": ("pays_departements", PAYS),
        "pays_produits_2024_US.csv": ("pays_produits", PAYS),
        "pays_evolution_2015-2024_US.csv": ("pays_evolution", PAYS),
    }),
    "comparer": (COMPARER, {
        "comparaison_chiffres_cles_dept_53-61_2024.csv": ("comparaison_chiffres_cles", COMPARER),
        "comparaison_pays_dept_53-61_2024_export.csv": (
            "comparaison_pays", COMPARER | {"flux": "export"}),
        "comparaison_pays_dept_53-61_2024_import.csv": (
            "comparaison_pays", COMPARER | {"flux": "import"}),
        "comparaison_produits_dept_53-61_2024_export.csv": (
            "comparaison_produits", COMPARER | {"flux": "export"}),
        "comparaison_produits_dept_53-61_2024_import.csv": (
            "comparaison_produits", COMPARER | {"flux": "import"}),
        "comparaison_evolution_dept_53-61_2015-2024.csv": ("comparaison_evolution", COMPARER),
    }),
    "exposition": (EXPOSITION, {
        "exposition_comparaison_dept_42_2024_US.csv": ("exposition_comparaison", EXPOSITION),
        "exposition_dept_42_2024_US.csv": ("exposure", EXPOSITION),
        "exposition_part_dept_42_2024_US.csv": ("exposition_part", EXPOSITION),
        "exposition_departements_2024_US.csv": ("exposition_departements", EXPOSITION),
        "scenario_dept_42_2024_US_taux10_elasticite5.csv": ("scenario", EXPOSITION),
        "dependances_dept_42_2024.csv": ("dependency", EXPOSITION),
    }),
    "diversifier": (DIVERSIFIER, {
        "alternative_markets_dept_42_2024_US.csv": ("alternative_markets", DIVERSIFIER),
        "potentiel_pays_dept_42_2024_US.csv": ("potentiel_pays", DIVERSIFIER),
        "activites_proches_dept_42_2024.csv": ("activites_proches", DIVERSIFIER),
        "diversification_dept_42_2024.csv": ("diversification", DIVERSIFIER),
        "similar_territories_dept_42_2024.csv": ("similar_territories", DIVERSIFIER),
    }),
}  # fmt: skip


def every_section(page: str) -> dict[str, str]:
    """`section=` opening every section of the page (pages/parts/on_demand.py): all its tables."""
    registry = getattr(sections, page.upper(), ())
    return {"section": ",".join(sections.slugs(registry))} if registry else {}


def page_csv_files(page: str, params: dict[str, str], monkeypatch) -> dict[str, bytes]:
    """The CSV files the page hands to Streamlit's downloads, by file name (AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(config.ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    if page != "carte":
        at.switch_page(f"pages/{page}.py")
    recorded = record_csvs(monkeypatch)
    at.query_params = params
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return recorded.named()


@pytest.mark.parametrize("page", PAGE_DOWNLOADS)
def test_every_page_download_is_an_api_table(client: Client, page: str, monkeypatch) -> None:
    params, downloads = PAGE_DOWNLOADS[page]
    files = page_csv_files(page, params | every_section(page), monkeypatch)
    assert set(files) == set(downloads)  # every table the page offers, and only those
    for name, (table, asked) in downloads.items():
        answer = client.get(table, asked | {"format": "csv"})
        assert answer.status == 200, (name, answer.content[:300])
        assert answer.content == files[name], (name, table)
        records = client.get(table, asked).json()["records"]
        assert_records_are_the_csv(records, files[name], table)


def test_every_table_is_served_and_described(client: Client) -> None:
    """Each table's example answers 200, its records have the declared columns and validate
    against the table's schema in the OpenAPI description."""
    covered = {table for _, downloads in PAGE_DOWNLOADS.values() for table, _ in downloads.values()}
    assert set(registry.TABLES) - covered <= {"products_cpf4", "exposition_cpf4"}  # see above
    document = client.get("openapi.json").json()
    for name, table in registry.TABLES.items():
        params = registry.example(table.page)
        answer = client.get(name, params)
        assert answer.status == 200, (name, answer.content[:300])
        body = answer.json()
        schema = document["paths"][f"{api_terms.PREFIX}/{name}"]["get"]["responses"]["200"]
        schema = schema["content"]["application/json"]["schema"]
        resolver = {"components": document["components"], **schema}
        jsonschema.validate(body, resolver, cls=jsonschema.Draft202012Validator)
        assert body["table"] == name and body["parametres"] == {**body["parametres"], **params}
        assert body["version"] == db.manifest().version
        for record in body["records"]:
            assert list(record) == list(table.columns), name


# --- bad parameters: the pages' URL fuzz corpus ------------------------------------------------


def _refused_or_served(table: str, page: str, params: dict[str, list[str]]) -> None:
    """In-process (the HTTP layer refuses over-long addresses first, see below): what the
    corpus calls invalid is refused with its notice, in French; anything else is served."""
    years = db.manifest().years
    assume(len(urlencode(params, doseq=True)) <= fuzz.STREAMLIT_MAX_QUERY)
    assume(api_terms.FORMAT_KEY not in params)  # the API's own parameter (tested below)
    words = fuzz._expected(page, params, years)
    try:
        api.table_answer(table, {key: list(values) for key, values in params.items()}, None)
    except api.ApiError as error:
        assert words, (error.message, error.details, fuzz._short(params))
        assert error.status == 400 and error.message == api.REFUSED
        shown = "\n".join(error.details)
        for word in words:
            assert word in shown, (word, shown, fuzz._short(params))
        return
    assert not words, (words, fuzz._short(params))


@fuzz.SETTINGS
@given(fuzz._params(fuzz.FICHE))
def test_fiche_tables_refuse_what_the_page_would_correct(demo, params) -> None:
    _refused_or_served("kpis", "fiche", params)


@fuzz.SETTINGS
@given(fuzz._params(fuzz.CARTE))
def test_map_table_refuses_what_the_page_would_correct(demo, params) -> None:
    _refused_or_served("carte", "carte", params)


@settings(fuzz.SETTINGS, max_examples=10)
@given(fuzz._params(fuzz.FICHE))
def test_the_corpus_over_http(client: Client, params) -> None:
    """The same over HTTP (Starlette reads the query string, not Streamlit): refused in French
    JSON with the notice, or served. (Longer addresses are refused before the API: 414 by
    webguard, see below, or by uvicorn past its request head limit.)"""
    assume(api_terms.FORMAT_KEY not in params)
    target = f"{api_terms.PREFIX}/partners?{urlencode(params, doseq=True)}"
    assume(len(target) <= webguard.MAX_TARGET_BYTES)
    answer = client.request(target)
    words = fuzz._expected("fiche", params, db.manifest().years)
    if not words:
        assert answer.status == 200, (answer.content[:300], fuzz._short(params))
        return
    body = assert_french_error(answer, 400)
    for word in words:
        assert word in "\n".join(body["details"]), (word, body, fuzz._short(params))


@pytest.mark.parametrize(
    ("table", "params", "words"),
    [
        ("kpis", {"top": "²"}, "Nombre de postes « ² » invalide"),
        ("partners", {"niveau": "departement", "code": "[x](http://x)"}, "Département inconnu"),
        ("kpis", {"annee": "1850"}, "Année « 1850 » indisponible"),
        ("kpis", {"pays": "DE"}, "Paramètre « pays » inconnu"),
        ("exposure", {"partenaire": "XX"}, "Partenaire « XX » inconnu"),
        ("alternative_markets", {"partenaire": "XX"}, "Partenaire « XX » inconnu"),
        ("pays_produits", {"code": "ZZ"}, "Pays « ZZ » inconnu"),
        ("produit_pays", {"code": "NOPE"}, "Produit « NOPE » inconnu"),
        ("comparaison_pays", {"codes": "53,61", "flux": "both"}, "Flux « both » inconnu"),
        ("kpis", {"format": "xlsx"}, "Format « xlsx » inconnu"),
    ],
)
def test_bad_parameters_are_refused_in_french(
    client: Client, table: str, params: dict[str, str], words: str
) -> None:
    body = assert_french_error(client.get(table, params), 400)
    assert body["erreur"] == api.REFUSED
    assert any(words in detail for detail in body["details"]), body


@pytest.mark.parametrize("table", ["alternative_markets", "diversification", "similar_territories"])
def test_the_diversifier_tables_refuse_france(client: Client, table: str) -> None:
    """France has no specialisation: the page says so, the API refuses in the same words."""
    body = assert_french_error(client.get(table, {"niveau": "france", "annee": "2024"}), 400)
    assert body["erreur"].startswith("La France entière") and "Choisissez un" in body["erreur"]


def test_repeated_parameters_are_refused(client: Client) -> None:
    answer = client.request(f"{api_terms.PREFIX}/kpis?top=5&top=12")
    body = assert_french_error(answer, 400)
    assert body["details"] == ["Paramètre « top » répété : la dernière valeur est retenue."]


def test_an_address_too_long_is_refused_before_the_api(client: Client) -> None:
    answer = client.get("kpis", {"code": "7" * 10_000})
    assert answer.status == 414  # lib/web/webguard.py's French page, as for every address


@pytest.mark.parametrize(
    ("table", "params", "status", "words"),
    [
        ("kpi", {}, 404, "Table « kpi » inconnue"),
        ("rangs", {"niveau": "france"}, 404, "sans objet pour la France entière"),
        ("produit_evolution_share_pct", {"code": "C21Z"}, 404, "sans objet"),
        ("comparaison_chiffres_cles", {"codes": "53"}, 400, "au moins 2 territoires"),
        ("contributions_pays", {"debut": "2024", "fin": "2024"}, 400, "Deux fois l'année 2024"),
    ],
)
def test_tables_a_page_would_not_show(
    client: Client, table: str, params: dict[str, str], status: int, words: str
) -> None:
    body = assert_french_error(client.get(table, params), status)
    assert words in body["erreur"] + " ".join(body["details"]), body


def test_unknown_addresses_and_methods(client: Client) -> None:
    body = assert_french_error(client.request(f"{api_terms.PREFIX}/kpis/2024"), 404)
    assert "inconnue" in body["erreur"]
    answer = client.request(f"{api_terms.PREFIX}/kpis", method="POST")
    body = assert_french_error(answer, 405)
    assert "lecture seule" in body["erreur"] and answer.headers["allow"] == "GET, HEAD, OPTIONS"
    assert assert_french_error(client.request(f"{api_terms.PREFIX}/", method="DELETE"), 405)


# --- caching, CORS, rate limit ------------------------------------------------------------------


def test_etag_and_304(client: Client) -> None:
    params = {"niveau": "departement", "code": "53", "annee": "2024"}
    first = client.get("partners", params)
    etag = first.headers["etag"]
    assert first.status == 200 and etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == f"public, max-age={api.MAX_AGE_S}"
    # Another spelling of the same request: the same answer, the same tag.
    same = client.get("partners", {"annee": "2024", "code": "53", "niveau": "DEPARTEMENT"})
    assert same.headers["etag"] == etag and same.content == first.content
    again = client.get("partners", params, headers={"If-None-Match": etag})
    assert again.status == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = client.get("partners", params, headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304
    # Another table, format, territory or top: another tag, a full answer.
    for other in [
        client.get("partners", params | {"format": "csv"}, headers={"If-None-Match": etag}),
        client.get("partners", params | {"code": "61"}, headers={"If-None-Match": etag}),
        client.get("partners", params | {"top": "5"}, headers={"If-None-Match": etag}),
        client.get("kpis", params, headers={"If-None-Match": etag}),
    ]:
        assert other.status == 200 and other.headers["etag"] != etag


def test_etag_follows_the_dataset_version(client: Client, use_dataset) -> None:
    from tests.test_quarters import ROWS

    params = {"niveau": "departement", "code": "53", "annee": "2024"}
    use_dataset(ROWS)
    first = client.get("kpis", params)
    use_dataset(ROWS)  # the same rows written again: a new version
    second = client.get("kpis", params, headers={"If-None-Match": first.headers["etag"]})
    assert second.status == 200 and second.headers["etag"] != first.headers["etag"]
    assert second.json()["version"] == db.manifest().version != first.json()["version"]


def test_cors_is_open_for_get(client: Client) -> None:
    answer = client.get("kpis", {"annee": "2024"}, headers={"Origin": "https://example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]
    assert answer.headers["x-content-type-options"] == "nosniff"  # webguard's headers too
    preflight = client.request(
        f"{api_terms.PREFIX}/kpis",
        method="OPTIONS",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()


def test_429_after_the_limit_with_retry_after(demo: Path) -> None:
    # One request a minute after a burst of 3: the fourth cannot be served within this test.
    with serving(ratelimit.RateLimiter(per_minute=1, burst=3)) as limited:
        statuses = [limited.get("kpis", {"annee": "2024"}).status for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = limited.get("kpis", {"annee": "2024"})
        body = assert_french_error(refused, 429)
        assert body["erreur"].startswith("Trop de requêtes")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert limited.get("openapi.json").status == 429  # every address counts
        preflight = limited.request(f"{api_terms.PREFIX}/kpis", method="OPTIONS")
        assert preflight.status == 204  # a browser's preflight is not counted


# --- unavailable, busy, broken ------------------------------------------------------------------


def test_no_dataset_is_503_in_french(client: Client, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path))
    db.reset()
    try:
        body = assert_french_error(client.get("kpis"), 503)
        assert "Aucun jeu de données" in body["erreur"]
    finally:
        monkeypatch.undo()
        db.reset()


def test_a_query_timeout_is_503(client: Client, monkeypatch) -> None:
    def slow(state: object) -> pd.DataFrame:
        raise db.QueryTimeout(10)

    table = registry.TABLES["kpis"]
    monkeypatch.setitem(registry.TABLES, "kpis", registry.Table("kpis", table.page, "", (), slow))
    body = assert_french_error(client.get("kpis"), 503)
    assert "La requête a dépassé 10 s" in body["erreur"]


def test_busy_is_503_with_retry_after(client: Client, monkeypatch) -> None:
    monkeypatch.setattr(api, "QUEUE_WAIT_S", 0.01)
    held = 0
    while api._slots.acquire(blocking=False):  # every slot taken by someone else
        held += 1
    try:
        answer = client.get("kpis")
        body = assert_french_error(answer, 503)
        assert body["erreur"] == api.BUSY and answer.headers["retry-after"] == "5"
    finally:
        for _ in range(held):
            api._slots.release()
    assert client.get("kpis").status == 200


def test_a_bug_is_a_french_500_without_traceback(client: Client, monkeypatch, caplog) -> None:
    def broken(state: object) -> pd.DataFrame:
        raise RuntimeError("secret detail")

    table = registry.TABLES["kpis"]
    monkeypatch.setitem(registry.TABLES, "kpis", registry.Table("kpis", table.page, "", (), broken))
    answer = client.get("kpis")
    body = assert_french_error(answer, 500)
    assert body["erreur"] == api.INTERNAL and b"secret detail" not in answer.content


# --- the list and the description --------------------------------------------------------------


def test_the_list_names_every_table(client: Client) -> None:
    body = client.request(f"{api_terms.PREFIX}/").json()
    assert [row["table"] for row in body["tables"]] == list(registry.TABLES)
    assert body["openapi"] == api_terms.OPENAPI_PATH
    listed = client.request(f"{api_terms.PREFIX}/?format=csv")
    frame = pd.read_csv(io.BytesIO(listed.content))
    assert list(frame["table"]) == list(registry.TABLES)
    assert client.request(api_terms.PREFIX).json() == body
    for row in body["tables"]:  # every example answers
        assert client.request(row["exemple"]).status == 200, row["exemple"]


def test_the_description_is_openapi_3_1(client: Client) -> None:
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    document = client.get("openapi.json").json()
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
    assert document["openapi"] == "3.1.0"
    operations = {path for path in document["paths"]}
    assert operations == {f"{api_terms.PREFIX}/", api_terms.OPENAPI_PATH} | {
        f"{api_terms.PREFIX}/{name}" for name in registry.TABLES
    }
    for name, schema in document["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
        if name.startswith("colonne."):  # every column explained by lib/core/columns.py
            column = name.removeprefix("colonne.")
            assert column in columns.COLUMNS, column
            assert schema["title"] == columns.COLUMNS[column].title
    years = document["components"]["parameters"]["annee"]["schema"]["enum"]
    assert years == db.manifest().years


def test_examples_name_the_server_and_read_codes_as_text() -> None:
    code = api_doc.examples("https://exemple.fr", registry.TABLES["partners"])
    url = "https://exemple.fr/api/v1/partners?niveau=departement&code=53&annee="
    assert all(url in text for text in code.values())
    assert 'colClasses = c(country = "character")' in code["r"]
    assert "fromJSON(url)" in code["r"] and "answer$records" in code["r"]
    assert 'dtype={"country": str}' in code["python"] and "json_normalize" in code["python"]
    assert "format=csv" in code["bash"]


def test_a_table_is_the_same_bytes_on_every_request(client: Client) -> None:
    """One dataset version, one answer: what the ETag promises (a parallel sum of floats
    used to change the HHI's last digits from one request to the next)."""
    for name, table in registry.TABLES.items():
        params = registry.example(table.page) | {"format": "csv"}
        answers = {client.get(name, params).content for _ in range(3)}
        assert len(answers) == 1, name


def test_serve_py_serves_the_api_beside_the_app(demo: Path, tmp_path: Path) -> None:
    """`streamlit run serve.py`: the API's addresses are the API's, not the app's page; the
    page « API » is the app's."""
    from tests.servers import streamlit_server

    with streamlit_server(demo, tmp_path / "serve.log") as url:
        served = Client(url)
        answer = served.get("kpis", {"niveau": "departement", "code": "53", "annee": "2024"})
        assert answer.status == 200 and answer.json()["territoire"]["nom"] == "Mayenne"
        assert answer.headers["x-frame-options"] == "SAMEORIGIN"
        body = assert_french_error(served.get("inconnue"), 404)
        assert "inconnue" in body["erreur"]
        assert served.request(f"{api_terms.PREFIX}/").json()["tables"]
        page = served.request("/api")
        assert page.status == 200 and b"<html" in page.content.lower()
