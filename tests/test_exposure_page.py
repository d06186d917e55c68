"""AppTest of the Exposition page: it renders for a département, a région and France; its URL
is parsed, validated and written back; its widgets change the URL; the numbers it shows are
lib.data.exposure's on the demonstration dataset (lib.data.exposure itself is checked against
pandas in its own tests), and its tables are the CLI's.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from lib.core import config, csvfile, formatting, sections
from lib.core.territory import FRANCE, Territory
from lib.data import db, exposure
from pages.parts.on_demand import RUNS_KEY
from tests.apptables import meur, numbers, open_tables, page_csvs, record_csvs
from tests.conftest import rows
from tests.test_pages import open_page

NB = "\u00a0"
LOIRE = Territory("dept", "42")


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


ALL = ",".join(sections.slugs(sections.EXPOSITION))
EXPOSITION_TITLES = [f"**{section.title}**" for section in sections.EXPOSITION]


def _section_labels(at) -> list[str]:
    return [e.label for e in at.expander if e.label in EXPOSITION_TITLES]


def _texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_departement_shows_its_exposure_to_the_united_states() -> None:
    at = open_page("exposition", niveau="departement", code="42", annee="2024", partenaire="US")
    assert at.query_params == {
        "niveau": "departement",
        "code": "42",
        "annee": "2024",
        "partenaire": "US",
        "taux": "10",
        "elasticite": "5",
    }
    # The first screen: the exposure; the map, scenario and dependencies one click away.
    assert [h.value for h in at.header] == ["Exposition à l'export"]
    assert _section_labels(at) == EXPOSITION_TITLES
    assert RUNS_KEY not in at.session_state
    shares = exposure.exposure_shares(LOIRE, 2024, "US").set_index("scope")
    text = _texts(at)
    # « Loire : 9,4 % » then the région's and France's shares, as exposure_shares gives them.
    assert f"Loire : {formatting.pct(shares.loc['territory', 'share_pct'])}" in text
    assert f"France entière : {formatting.pct(shares.loc['france', 'share_pct'])}" in text
    region_name = shares.loc["region", "name"].replace("-", "\\-")  # plain() escapes
    assert f"{region_name} : {formatting.pct(shares.loc['region', 'share_pct'])}" in text
    assert not any("Ordre de grandeur, pas une prévision" in i.value for i in at.info)
    at.query_params["section"] = "scenario"
    at.run()
    assert any("Ordre de grandeur, pas une prévision" in i.value for i in at.info)
    assert dict(at.session_state[RUNS_KEY]) == {"exposition-section-scenario": 1}


def test_an_unknown_section_gets_a_notice_and_open_ones_survive_a_change() -> None:
    at = open_page(
        "exposition", niveau="departement", code="42", annee="2024", section="carte,nulle"
    )
    assert not at.exception
    assert any("Section « nulle » inconnue" in i.value for i in at.info)
    assert at.query_params["section"] == "carte"
    at.selectbox(key="exposition-year").set_value(2023).run()
    at.selectbox(key="exposition-partner").set_value("CN").run()
    assert at.query_params["section"] == "carte" and at.query_params["annee"] == "2023"
    assert dict(at.session_state[RUNS_KEY]) == {"exposition-section-carte": 3}


def test_the_tables_are_lib_exposure_s(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page(
        "exposition", niveau="departement", code="42", annee="2024", partenaire="CN", section=ALL
    )
    # The tables are lib.data.exposure's (their CSVs, byte for byte; the CLI writes the same).
    csvs = page_csvs(at, recorded)
    expected = exposure.tables(LOIRE, 2024, "CN")
    assert csvs["exposure-value"] == csvfile.to_csv_bytes(expected["exposure.csv"])
    by_dept = exposure.exposure_by_dept(2024, "CN")
    assert csvs["exposure-map"] == csvfile.to_csv_bytes(by_dept)
    scenario = exposure.tariff_scenario(LOIRE, 2024, "CN", 10, 5.0)
    assert csvs["scenario"] == csvfile.to_csv_bytes(scenario)
    # The map's grid shows every département, euros in M€ to one decimal.
    grid = open_tables(at, "exposure-map")["exposure-map"]
    assert list(grid["Département"]) == list(by_dept["dept"])
    assert numbers(grid["Vers le partenaire (M€)"]) == meur(by_dept["to_partner_eur"])
    assert numbers(grid["Part (%)"]) == pytest.approx(list(by_dept["share_pct"]), abs=0.05)
    # The dependency grid (not a « Voir les données » one, always drawn): one row per product
    # of the CLI's dependency.csv, in its order.
    dependency = expected["dependency.csv"]
    frames = [frame.value for frame in at.dataframe]
    grid = next(frame for frame in frames if "Premier fournisseur" in frame.columns)
    assert list(grid["Produit"]) == list(dependency["product"])
    strong = exposure.strong_dependency(dependency)
    assert list(grid["Dépendance"] == "forte") == list(strong)
    labels = [button.proto.label for button in at.download_button]
    assert "Télécharger le tableau des dépendances (CSV)" in labels


def _by_hand(low: float, high: float) -> tuple[str, str]:
    """Two bounds rounded as a reader would, by hand: two significant figures of the larger,
    the other on the same step."""
    step = 10.0 ** (math.floor(math.log10(max(abs(low), abs(high)))) - 1)
    decimals = max(0, -round(math.log10(step)))
    first, last = (formatting.number(round(v / step) * step, decimals, True) for v in (low, high))
    return first, last


def test_the_scenario_is_a_range_for_elasticities_2_to_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain formula X·((1+t)^(−ε) − 1) at ε = 2 and 8 on the Loire's exports to the United
    States (summed here from the per-product exposure), rounded by hand: the metrics read
    « −a à −b M€ », the sentence « entre −a et −b M€ », whatever the chosen elasticity (4)."""
    recorded = record_csvs(monkeypatch)
    at = open_page(
        "exposition",
        niveau="departement",
        code="42",
        annee="2024",
        taux="20",
        elasticite="4",
        section="scenario",
    )
    products = exposure.exposure(LOIRE, 2024, "US")
    to_partner, exports = products["to_partner_eur"].sum(), products["exports_eur"].sum()
    low, high = to_partner * (1.2**-2 - 1), to_partner * (1.2**-8 - 1)
    euros = _by_hand(low / 1e6, high / 1e6)
    shares = _by_hand(100 * low / exports, 100 * high / exports)
    metrics = _metrics(at)
    assert (
        metrics["Variation des exportations vers le partenaire"] == f"{euros[0]} à {euros[1]}{NB}M€"
    )
    assert metrics["Valeur en jeu, en part des exportations du territoire"] == (
        f"{shares[0]} à {shares[1]}{NB}%"
    )
    text = _texts(at)
    assert f"**entre {euros[0]} et {euros[1]}{NB}M€** selon l'élasticité retenue" in text
    assert f"**entre {shares[0]} et {shares[1]}{NB}%** des exportations totales" in text
    # The chosen elasticity's figure after the range, rounded alike.
    chosen = to_partner * (1.2**-4 - 1) / 1e6
    assert f"Avec l'élasticité choisie (4) : environ {_by_hand(chosen, chosen)[0]}{NB}M€" in text
    assert any("Le chiffre serait faux si" in i.value for i in at.info)
    # The chart's CSV carries the three changes of each product, unrounded; its grid shows
    # them in M€ to one decimal.
    scenario = pd.read_csv(io.BytesIO(page_csvs(at, recorded)["scenario"]))
    assert scenario["change_elasticity_high_eur"].sum() == pytest.approx(high)
    grid = open_tables(at, "scenario")["scenario"]
    assert numbers(grid["Variation, élasticité haute (M€)"]) == meur(
        scenario["change_elasticity_high_eur"]
    )


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"niveau": "region", "code": "84"}, "Auvergne\\-Rhône\\-Alpes : "),
        ({"niveau": "france"}, "France entière : "),
    ],
)
def test_a_region_and_france_render(params: dict[str, str], shown: str) -> None:
    at = open_page("exposition", annee="2024", partenaire="UE27", **params)
    assert not at.exception
    assert shown in _texts(at)
    assert at.query_params["partenaire"] == "UE27"


def test_france_is_compared_with_nothing_but_itself() -> None:
    at = open_page("exposition", niveau="france", annee="2024")
    sentence = next(
        t for t in (m.value for m in at.markdown) if t.startswith("En 2024, part des exportations")
    )
    assert sentence.count("France entière") == 1
    share = exposure.exposure_shares(FRANCE, 2024, "US")["share_pct"].iloc[0]
    assert formatting.pct(share) in sentence


def test_unknown_partner_shows_a_notice_and_the_default() -> None:
    at = open_page("exposition", niveau="departement", code="42", partenaire="ZZ", taux="300")
    notices = [i.value for i in at.info]
    assert any("Partenaire « ZZ » inconnu" in n for n in notices)
    assert any("Droit de douane additionnel « 300 » invalide" in n for n in notices)
    assert at.query_params["partenaire"] == "US"
    assert at.query_params["taux"] == "10"
    assert not at.exception


def test_changing_the_partner_and_the_rate_updates_the_url_and_the_figures() -> None:
    at = open_page("exposition", niveau="departement", code="42", annee="2024", section="scenario")
    at.selectbox(key="exposition-partner").set_value("CN").run()
    assert at.query_params["partenaire"] == "CN"
    share = exposure.exposure_shares(LOIRE, 2024, "CN")["share_pct"].iloc[0]
    assert f"Loire : {formatting.pct(share)}" in _texts(at)
    at.slider(key="exposition-rate_pct").set_value(50).run()
    assert at.query_params["taux"] == "50"
    at.number_input(key="exposition-elasticity").set_value(2.5).run()
    assert at.query_params["elasticite"] == "2.5"
    summary = exposure.scenario_summary(LOIRE, 2024, "CN", 50, 2.5)
    chosen = summary["change_eur"] / 1e6
    assert f"Avec l'élasticité choisie (2,5) : environ {_by_hand(chosen, chosen)[0]}" in _texts(at)
    assert not at.exception


def test_level_change_moves_to_the_region() -> None:
    at = open_page("exposition", niveau="departement", code="42", partenaire="GB")
    at.selectbox(key="exposition-level").set_value("region").run()
    assert at.query_params["niveau"] == "region" and at.query_params["code"] == "84"
    assert at.query_params["partenaire"] == "GB"


def test_group_members_are_listed_in_the_methodology() -> None:
    at = open_page("exposition", niveau="france", annee="2024", partenaire="GOLFE")
    text = _texts(at)
    assert "Pays du Golfe \\(CCG\\) en 2024** (6 pays)" in text
    members = "Arabie saoudite, Bahreïn, Émirats arabes unis, Koweït, Oman, Qatar."
    assert members.replace(",", "\\,") in text  # plain() escapes the names
    assert "(1 + t)^(−ε)" in text


def test_the_fiche_links_to_the_exposition() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    links = [link for link in at.get("page_link") if "Exposition" in link.proto.label]
    (link,) = links
    assert link.proto.page == "exposition"
    assert "code=53" in link.proto.query_string and "partenaire=US" in link.proto.query_string


def test_the_cpf4_detail_is_shown_only_when_the_data_has_it(use_dataset, monkeypatch) -> None:
    """Hand-computed: Mayenne's C10A splits into CPF4 1061 (30 of 100 € to the US) and 1062
    (nothing of 50 € to the US)."""
    frame = rows(
        [
            (2024, "E", "53", "C10A", "US", 30.0),
            (2024, "E", "53", "C10A", "DE", 70.0),
            (2024, "E", "53", "C10A", "DE", 50.0),
            (2024, "I", "53", "C10A", "DE", 5.0),
        ]
    )
    frame["cpf4"] = ["1061", "1061", "1062", "1061"]
    use_dataset(frame)
    recorded = record_csvs(monkeypatch)
    at = open_page("exposition", niveau="departement", code="53", annee="2024", partenaire="US")
    assert "Le détail par produit CPF4 (2024)" in [s.value for s in at.subheader]
    # A few euros, 0,0 M€ on the grid: read in the table's CSV.
    csv = page_csvs(at, recorded)["exposure-cpf4"]
    detail = pd.read_csv(io.BytesIO(csv), dtype={"product": str})
    assert detail[["product", "exports_eur", "to_partner_eur", "share_pct"]].values.tolist() == [
        ["1061", 100.0, 30.0, 30.0],
        ["1062", 50.0, 0.0, 0.0],
    ]
    grid = open_tables(at, "exposure-cpf4")["exposure-cpf4"]
    assert numbers(grid["Part (%)"]) == [30.0, 0.0]
    # Its codes are CPF4 codes, and their headers say so (not the A129 title of `product`).
    (shown,) = at.expander(key="table-exposure-cpf4").dataframe
    labels = {name: spec.get("label") for name, spec in json.loads(shown.proto.columns).items()}
    assert labels["Produit (A129)"] == "Produit (CPF4)"
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 30.0)]))  # no CPF4 column: no detail
    at = open_page("exposition", niveau="departement", code="53", annee="2024", partenaire="US")
    assert not any("CPF4" in s.value for s in at.subheader)


def test_two_visitors_share_the_exposure_charts_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exposure charts are built once per look for a territory, year and partner (and the
    dataset version), then shared: the second visitor is sent the same figures, built by no
    one; another partner has its own. The figures sent are those lib's builders make from
    lib.data.exposure's tables."""
    from lib.charts import exposure_figures
    from lib.data import cache

    cache.reset()
    built: list[tuple[str, bool]] = []
    real = exposure_figures.exposed_figure

    def counting(table: pd.DataFrame, by: str, narrow: bool = False):
        built.append((by, narrow))
        return real(table, by, narrow=narrow)

    monkeypatch.setattr(exposure_figures, "exposed_figure", counting)
    params = {"niveau": "departement", "code": "42", "annee": "2024", "partenaire": "US"}
    sent = []
    for _ in range(2):
        at = open_page("exposition", **params)
        sent.append([json.loads(chart.proto.spec) for chart in at.get("plotly_chart")])
    assert sorted(built) == [("share", False), ("share", True), ("value", False), ("value", True)]
    assert sent[0] == sent[1]
    table = exposure.exposure(LOIRE, 2024, "US")
    by_hand = [
        json.loads(real(table, by, narrow=n).to_json())
        for by in ("value", "share")
        for n in (False, True)
    ]
    drawn = [spec for spec in sent[0] if spec["data"][0].get("type") == "bar"]
    assert [s["data"] for s in drawn[-4:]] == [f["data"] for f in by_hand]
    open_page("exposition", **{**params, "partenaire": "CN"})
    assert len(built) == 8
