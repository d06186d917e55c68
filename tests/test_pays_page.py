"""AppTest of the Pays page and of the fiche's world map: the URL is parsed, validated and
written back; the numbers and tables shown are lib.data.country_view's on the demonstration dataset
(lib.data.country_view itself is checked against pandas in tests/test_country_view.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core import config, csvfile, formatting, sections
from lib.core.territory import Territory
from lib.data import country_view, db
from pages.parts.on_demand import RUNS_KEY
from tests.apptables import meur, numbers, open_tables, page_csvs, record_csvs
from tests.test_pages import open_page


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def test_the_united_states_page(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("pays", code="us", annee="2024")
    assert at.query_params == {"code": "US", "annee": "2024", "flux": "export"}
    assert at.title[0].value.replace("\\", "").endswith("États-Unis")  # plain() escapes
    # The first screen: key figures and products; the départements and evolution on demand.
    assert [h.value for h in at.header] == ["Les produits échangés"]
    titles = [f"**{section.title}**" for section in sections.PAYS]
    assert [e.label for e in at.expander if e.label in titles] == titles
    assert RUNS_KEY not in at.session_state
    at.query_params["section"] = "departements,evolution,x"
    at.run()
    assert any("Section « x » inconnue" in i.value for i in at.info)
    at.selectbox(key="pays-country").set_value("CN").run()
    at.selectbox(key="pays-country").set_value("US").run()
    assert at.query_params["section"] == "departements,evolution"
    assert len(at.session_state[RUNS_KEY]) == len(sections.PAYS)
    totals = country_view.totals("US", 2024)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations de la France vers le pays"] == formatting.meur(
        totals["exports_eur"]
    )
    assert metrics["Solde commercial"] == formatting.meur(totals["balance_eur"], signed=True)
    # The tables are lib.data.country_view's (their CSVs, byte for byte)…
    csvs = page_csvs(at, recorded)
    by_dept = country_view.by_dept("US", 2024)
    assert csvs["country-depts"] == csvfile.to_csv_bytes(by_dept)
    assert csvs["country-products"] == csvfile.to_csv_bytes(country_view.products("US", 2024))
    assert csvs["country-evolution"] == csvfile.to_csv_bytes(country_view.evolution("US"))
    # …and the grids show them: every département, euros in M€ to one decimal.
    grid = open_tables(at, "country-depts")["country-depts"]
    assert list(grid["Département"]) == list(by_dept["dept"])
    assert numbers(grid["Exportations (M€)"]) == meur(by_dept["exports_eur"])
    assert numbers(grid["Solde (M€)"]) == meur(by_dept["balance_eur"])


def test_an_unknown_country_falls_back_with_a_notice() -> None:
    at = open_page("pays", code="UE27", annee="2024", flux="import")
    assert at.query_params == {"code": "US", "annee": "2024", "flux": "import"}
    notices = [*at.warning, *at.info]
    assert any("Pays « UE27 » inconnu" in n.value.replace("\\", "") for n in notices)


def test_the_country_picker_writes_the_url() -> None:
    at = open_page("pays", code="US", annee="2024")
    at.selectbox(key="pays-country").set_value("DE").run()
    assert at.query_params["code"] == "DE"
    assert at.title[0].value.endswith("Allemagne")


def test_the_fiche_shows_its_partners_on_a_world_map_linked_to_their_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="monde")
    subheaders = [s.value for s in at.subheader]
    assert any(s.startswith("Les pays partenaires dans le monde, Mayenne") for s in subheaders)
    world = country_view.territory_partners(Territory("dept", "53"), 2024)
    assert page_csvs(at, recorded)["world"] == csvfile.to_csv_bytes(world)  # no links in it
    grids = open_tables(at, "world", "partners")
    linked = grids["world"]
    assert list(linked["Pays"]) == list(world["country"])
    assert numbers(linked["Exportations (M€)"]) == meur(world["exports_eur"])
    us = linked.set_index("Pays").loc["US", "Page du pays"]
    assert us == "/pays?code=US&annee=2024&flux=export"
    # The partners table too.
    partners = grids["partners"]
    assert all(url.startswith("/pays?code=") for url in partners["Page du pays"].dropna())
