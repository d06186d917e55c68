"""AppTest of the Diversifier page: its three parts for the Loire (42) and the United States in
2024 on the demonstration dataset, its downloads (the bytes of lib.data.diversification's tables, as
the CLI writes them), its links, and bad input answered with French notices, never a traceback.

lib.data.diversification itself is checked against an independent pandas oracle in its own tests;
here the page must show and hand out exactly what it computes.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config, csvfile, refs, sections
from lib.core.territory import Territory
from lib.data import db, diversification, queries
from tests.apptables import record_csvs
from tests.test_pages import APP, TIMEOUT, open_page

LOIRE = Territory("dept", "42")
ALL = ",".join(sections.slugs(sections.DIVERSIFIER))
LOIRE_US = {"niveau": "departement", "code": "42", "annee": "2024", "partenaire": "US"}
NOT_FOR_FRANCE = "Choisissez un département ou une région."  # lib.data.diversification's words


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _infos(at: AppTest) -> str:
    return "\n".join(box.value.replace("\\", "") for box in at.info)


def _texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_loire_and_the_united_states_show_the_three_parts() -> None:
    at = open_page("diversifier", **LOIRE_US, section=ALL)
    assert at.query_params == {**LOIRE_US, "section": ALL}
    assert at.title[0].value == "Diversifier — Loire (42)"
    assert [h.value for h in at.header] == ["D'autres marchés pour les produits exposés"]
    titles = [f"**{section.title}**" for section in sections.DIVERSIFIER]
    assert [e.label for e in at.expander if e.label in titles] == titles
    specs = _specs(at)

    # 1. The markets: one panel per product exposed, in the order of the exports to the partner,
    # each the five largest untapped values (M€), partner's countries never among them.
    markets = diversification.alternative_markets(LOIRE, 2024, "US")
    top = diversification.top_markets(markets)
    exposed = diversification.exposed_products(LOIRE, 2024, "US")
    panels = next(s for s in specs if len(s["data"]) > 1 and s["data"][0]["type"] == "bar")
    assert len(panels["data"]) == len(exposed) == diversification.EXPOSED_PRODUCTS
    assert list(dict.fromkeys(top["product"])) == list(exposed["product"])
    for trace, product in zip(panels["data"], exposed["product"], strict=True):
        rows = top[top["product"] == product]
        assert len(trace["x"]) == len(rows) <= diversification.SHOWN_MARKETS
        assert trace["x"] == pytest.approx(list(rows["untapped_eur"] / 1e6))
        assert trace["x"] == sorted(trace["x"], reverse=True)
    assert "US" not in set(markets["country"])

    # 2. The world map: every country of the reference map, the untapped sums coloured.
    (world,) = [s for s in specs if s["data"][0]["type"] == "choropleth"]
    by_country = diversification.untapped_by_country(markets)
    locations, shades = world["data"][0]["locations"], world["data"][0]["z"]
    coloured = {code for code, z in zip(locations, shades, strict=True) if z > 0}
    positive = set(by_country.loc[by_country["untapped_eur"] > 0, "country"])
    assert coloured == positive & set(locations) and len(coloured) > 10

    # 3. The nearby activities: a point per product France exports, density on 0–100.
    context = diversification.diversification_context(LOIRE, 2024)
    scatter = next(s for s in specs if s["data"][0]["type"] == "scatter")
    assert len(scatter["data"][0]["y"]) == int((context["france_exports_eur"] > 0).sum())
    assert all(0 <= y <= 100 for y in scatter["data"][0]["y"])
    assert scatter["layout"]["xaxis"]["type"] == "log"
    table = diversification.diversification(LOIRE, 2024)
    densest = refs.product_name(table["product"].iloc[0])
    assert f"1. **{densest}" in _texts(at).replace("\\", "")

    # 4. The comparable territories: ten départements, most similar first.
    similar = diversification.similar_territories(LOIRE, 2024)
    assert len(similar) == 10 and "42" not in set(similar["code"])
    bars = [s for s in specs if s["data"][0].get("x") == list(similar["similarity"])]
    assert len(bars) == 2  # the wide look and the phone's

    # The methodology says where it comes from and what it is not.
    methodology = next(e for e in at.expander if e.label == "Méthodologie")
    words = "\n".join(m.value for m in methodology.markdown)
    for needed in ("Hidalgo", "Klinger", "Barabási", "Hausmann", "Science", "ITC",
                   "lieu de dédouanement", "pas une recommandation", "démonstration"):  # fmt: skip
        assert needed in words, needed


def _downloads(params: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The CSV files the page hands to Streamlit's downloads, by file name."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()  # the Carte first, as a visitor arrives: its CSV is not this page's
    at.switch_page("pages/diversifier.py")
    recorded = record_csvs(monkeypatch)
    at.query_params = params
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return recorded.named()


def test_the_downloads_are_the_tables_of_lib_diversification(monkeypatch) -> None:
    files = _downloads({**LOIRE_US, "section": ALL}, monkeypatch)
    markets = diversification.alternative_markets(LOIRE, 2024, "US")
    expected = {
        "alternative_markets_dept_42_2024_US.csv": markets,
        "potentiel_pays_dept_42_2024_US.csv": diversification.untapped_by_country(markets),
        "activites_proches_dept_42_2024.csv": diversification.diversification_context(LOIRE, 2024),
        "diversification_dept_42_2024.csv": diversification.diversification(LOIRE, 2024),
        "similar_territories_dept_42_2024.csv": diversification.similar_territories(LOIRE, 2024),
    }
    assert set(files) == set(expected)
    for name, table in expected.items():
        assert files[name] == csvfile.to_csv_bytes(table), name
    header = files["alternative_markets_dept_42_2024_US.csv"].decode().splitlines()[0]
    assert header.split(",") == diversification.ALTERNATIVE_COLUMNS
    header = files["diversification_dept_42_2024.csv"].decode().splitlines()[0]
    assert header.split(",") == diversification.DIVERSIFICATION_COLUMNS
    header = files["similar_territories_dept_42_2024.csv"].decode().splitlines()[0]
    assert header.split(",") == diversification.SIMILAR_COLUMNS


def test_the_similar_territories_link_to_their_fiche_and_to_comparer() -> None:
    at = open_page("diversifier", **LOIRE_US, section="territoires")
    at.session_state["table-diversifier-similar"] = True  # « Voir les données » opened
    at.run()
    grid = next(df.value for df in at.dataframe if "Comparer" in df.value.columns)
    similar = diversification.similar_territories(LOIRE, 2024)
    assert len(grid) == len(similar)
    first = similar["code"].iloc[0]
    fiche = urlparse(grid["Fiche"].iloc[0])
    assert fiche.path == "/fiche"
    assert parse_qs(fiche.query)["code"] == [first] and parse_qs(fiche.query)["annee"] == ["2024"]
    compare = urlparse(grid["Comparer"].iloc[0])
    assert compare.path == "/comparer"
    assert parse_qs(compare.query)["codes"] == [f"42,{first}"]
    # French headers and numbers, as every « Voir les données ».
    assert "Similarité (0 à 1)" in grid.columns
    assert all("," in value or value == "1" for value in grid["Similarité (0 à 1)"])


def test_the_markets_table_reads_in_french() -> None:
    at = open_page("diversifier", **LOIRE_US)
    at.session_state["table-diversifier-markets"] = True
    at.run()
    grid = next(df.value for df in at.dataframe if "Potentiel non exploité (M€)" in df.value)
    markets = diversification.alternative_markets(LOIRE, 2024, "US")
    assert len(grid) == len(markets)
    assert "Nom du pays" in grid.columns and "Croissance annuelle de la France (%)" in grid


# --- bad input: French notices, no traceback ------------------------------------------------


def test_an_unknown_partner_gets_a_notice_and_the_united_states() -> None:
    at = open_page("diversifier", niveau="departement", code="42", annee="2024", partenaire="ZZ")
    assert "Partenaire « ZZ » inconnu : affichage de « États-Unis »" in _infos(at)
    assert at.query_params["partenaire"] == "US"
    assert at.header[0].value == "D'autres marchés pour les produits exposés"


def test_france_is_told_to_choose_a_departement_or_a_region() -> None:
    at = open_page("diversifier", niveau="france", annee="2024", partenaire="US", section=ALL)
    assert NOT_FOR_FRANCE in _infos(at)
    assert not at.get("plotly_chart") and not at.header
    assert at.selectbox(key="diversifier-level").value == "france"
    # A choice of level leads to a département, and its figures.
    at.selectbox(key="diversifier-level").set_value("dept").run()
    assert not at.exception
    assert at.query_params["niveau"] == "departement" and at.get("plotly_chart")


def test_a_first_visit_from_the_menu_is_france_and_says_so() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/diversifier.py")
    at.run()
    assert not at.exception
    assert at.query_params["niveau"] == "france"
    assert NOT_FOR_FRANCE in _infos(at)


def test_an_unknown_year_gets_a_notice_and_the_latest() -> None:
    at = open_page("diversifier", niveau="departement", code="42", annee="1850")
    latest = max(queries.available_years())
    assert f"Année « 1850 » indisponible : affichage de {latest}." in _infos(at)
    assert at.query_params["annee"] == str(latest)


def test_a_year_without_three_years_before_says_the_growth_is_missing() -> None:
    first = min(queries.available_years())
    at = open_page("diversifier", niveau="departement", code="42", annee=str(first + 1))
    assert f"l'année {first - 2} n'est pas dans les données" in _infos(at)
    markets = diversification.alternative_markets(LOIRE, first + 1, "US")
    assert markets["france_growth_pct"].isna().all() and not markets.empty


def test_a_region_compares_with_regions() -> None:
    at = open_page("diversifier", niveau="region", code="84", annee="2024", section="territoires")
    similar = diversification.similar_territories(Territory("region", "84"), 2024)
    assert set(similar["code"]) <= set(refs.regions()["code"]) - {"84"}
    spec = next(s for s in _specs(at) if s["data"][0].get("x") == list(similar["similarity"]))
    assert spec


# --- the links to the page ------------------------------------------------------------------


def _link(at: AppTest) -> dict[str, list[str]]:
    (link,) = [link for link in at.get("page_link") if "Diversifier" in link.proto.label]
    assert link.proto.page.endswith("diversifier")
    return parse_qs(link.proto.query_string)


def test_the_exposition_page_links_to_diversifier_for_its_partner() -> None:
    at = open_page("exposition", niveau="departement", code="42", annee="2023", partenaire="CN")
    assert _link(at) == {
        "niveau": ["departement"],
        "code": ["42"],
        "annee": ["2023"],
        "partenaire": ["CN"],
    }


def test_the_fiche_links_to_diversifier_except_for_france() -> None:
    at = open_page("fiche", niveau="region", code="84", annee="2024")
    assert _link(at)["code"] == ["84"]
    at = open_page("fiche", niveau="france", annee="2024")
    assert not [link for link in at.get("page_link") if "Diversifier" in link.proto.label]
    at = open_page("exposition", niveau="france", annee="2024")
    assert not [link for link in at.get("page_link") if "Diversifier" in link.proto.label]


def test_the_loire_follows_the_visitor_to_the_page_from_the_menu() -> None:
    at = open_page("fiche", niveau="departement", code="42", annee="2023")
    at.switch_page("pages/diversifier.py")
    at.query_params = {}
    at.run()
    assert not at.exception
    assert dict(at.query_params) == {
        "niveau": "departement",
        "code": "42",
        "annee": "2023",
        "partenaire": "US",
    }
    assert at.title[0].value == "Diversifier — Loire (42)"
