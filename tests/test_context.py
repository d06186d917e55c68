"""The visitor's context (issue 20): the territory and year she last saw follow her to every page
opened from the menu (an address without parameters), a shared address still wins; « Comparer
avec… » proposes the région's other départements, closest in size first.

Expected addresses are written by hand from those rules; the proposed territories of
comparison.peers are checked on a hand-made dataset whose sizes are chosen here. The browser's
side (menu, Back and Forward) is tests/e2e/test_context.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config
from lib.core.states import (
    ComparisonState,
    CountryState,
    DataFilter,
    EvolutionState,
    ExpositionState,
    FicheState,
    MapState,
    ProductState,
)
from lib.core.territory import FRANCE, Territory
from lib.data import comparison, db
from lib.web import urlstate
from pages.parts import components
from tests.conftest import rows
from tests.test_pages import APP, TIMEOUT, open_page

ORNE = Territory("dept", "61")
NORMANDIE = Territory("region", "28")
YEARS = range(2015, 2025)


# --- What a page shown leaves in the context -------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (FicheState(ORNE, 2023), urlstate.Context(ORNE, 2023)),
        (ExpositionState(NORMANDIE, 2022, "US", 10, 5.0), urlstate.Context(NORMANDIE, 2022)),
        (EvolutionState(ORNE, 2015, 2019, 2021), urlstate.Context(ORNE, 2021)),  # its last year
        (DataFilter(FRANCE, 2016, 2020), urlstate.Context(FRANCE, 2020)),  # the period's end
        (ProductState("C21Z", 2018), urlstate.Context(FRANCE, 2018)),  # no territory: France
        # Pages without one territory keep the context's, with their year.
        (MapState(2020, "balance", "14"), urlstate.Context(ORNE, 2020)),
        (CountryState("US", 2019), urlstate.Context(ORNE, 2019)),
        (ComparisonState("dept", ("14", "50"), 2017), urlstate.Context(ORNE, 2017)),
    ],
)
def test_a_page_shown_leaves_its_territory_and_year(state, expected) -> None:
    assert urlstate.remembered(urlstate.Context(ORNE, 2024), state) == expected


def test_an_empty_dataset_s_year_is_not_remembered() -> None:
    before = urlstate.Context(ORNE, 2023)
    assert urlstate.remembered(before, FicheState(FRANCE, 0)) == urlstate.Context(FRANCE, 2023)


# --- The address a page opened without parameters starts from --------------------------------


def test_context_params_in_each_page_s_words() -> None:
    orne = urlstate.Context(ORNE, 2023)
    assert urlstate.context_params(orne, YEARS) == {
        "niveau": "departement",
        "code": "61",
        "annee": "2023",
    }
    assert urlstate.context_params(orne, YEARS, ("debut", "fin")) == {
        "niveau": "departement",
        "code": "61",
        "debut": "2023",
        "fin": "2023",
    }
    assert urlstate.context_params(orne, YEARS, territory_keys=("niveau", "territoire")) == {
        "niveau": "departement",
        "territoire": "61",
        "annee": "2023",
    }
    assert urlstate.context_params(orne, YEARS, territory_keys=None) == {"annee": "2023"}
    france = urlstate.Context(FRANCE, 2020)
    assert urlstate.context_params(france, YEARS) == {"niveau": "france", "annee": "2020"}


def test_context_params_say_nothing_the_context_does_not_know() -> None:
    assert urlstate.context_params(urlstate.Context(), YEARS) == {}
    # A year the dataset no longer has (an import replaced it) is left to the page's default,
    # rather than written into an address the page would then refuse with a notice.
    gone = urlstate.Context(ORNE, 1999)
    assert urlstate.context_params(gone, YEARS) == {"niveau": "departement", "code": "61"}


def test_the_comparison_proposed_from_a_territory() -> None:
    assert urlstate.default_comparison(ORNE, 2023, ("50", "14", "27")) == ComparisonState(
        "dept", ("61", "50", "14", "27"), 2023
    )
    # Never the territory twice, never more than four.
    proposed = urlstate.default_comparison(ORNE, 2023, ("61", "50", "14", "27", "76"))
    assert proposed.codes == ("61", "50", "14", "27")
    assert urlstate.default_comparison(FRANCE, 2023, ("28",)) == ComparisonState("region", (), 2023)


# --- comparison.peers on a hand-made dataset --------------------------------------------------

# Exports plus imports of 2024 (the size): Normandie's départements, the DROM, nothing elsewhere.
SIZES = {"61": 100, "14": 90, "27": 130, "50": 60, "76": 500}
DROM_SIZES = {"971": 10, "972": 12, "973": 30, "974": 9, "976": 1}


@pytest.fixture
def sized(use_dataset) -> None:
    records = []
    for dept, size in {**SIZES, **DROM_SIZES}.items():
        records.append((2024, "E", dept, "C21Z", "US", size * 0.75))
        records.append((2024, "I", dept, "C21Z", "DE", size * 0.25))
    records.append((2023, "E", "61", "C21Z", "US", 1.0))  # another year: not counted
    use_dataset(rows(records))


def test_peers_are_the_region_s_departements_closest_in_size(sized) -> None:
    # Orne (100): Calvados 90 (10 apart), Eure 130 (30), Manche 60 (40), Seine-Maritime 500.
    assert comparison.peers(ORNE, 2024) == ("14", "27", "50")
    assert comparison.peers(ORNE, 2024, count=4) == ("14", "27", "50", "76")
    assert comparison.peers(Territory("dept", "76"), 2024) == ("27", "61", "14")


def test_a_departement_alone_in_its_region_gets_the_closest_of_france(sized) -> None:
    # Guadeloupe (10): La Réunion 9 (1 apart), Martinique 12 (2), Mayotte 1 (9), then the
    # départements without trade (10 apart).
    assert comparison.peers(Territory("dept", "971"), 2024) == ("974", "972", "976")


def test_a_region_gets_the_regions_closest_in_size(sized) -> None:
    # Normandie (880): Guyane 30, Martinique 12, Guadeloupe 10 are the closest.
    assert comparison.peers(NORMANDIE, 2024) == ("03", "02", "01")
    assert comparison.peers(FRANCE, 2024) == ()


# --- Pages opened from the menu (AppTest) -----------------------------------------------------


@pytest.fixture
def demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def from_menu(at: AppTest, page: str) -> dict[str, str]:
    """What the menu does: the page, with an address without parameters. Its address then."""
    at.switch_page(f"pages/{page}.py")
    at.query_params = {}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.info or all("Paramètre" not in i.value for i in at.info)
    return dict(at.query_params)


# The address each page writes when opened from the menu after the Orne 2023 fiche.
ORNE_2023 = {
    "exposition": {"niveau": "departement", "code": "61", "annee": "2023", "partenaire": "US",
                   "taux": "10", "elasticite": "5"},
    "evolution": {"niveau": "departement", "code": "61", "base": "2015", "debut": "2022",
                  "fin": "2023", "flux": "export"},
    "donnees": {"niveau": "departement", "code": "61", "debut": "2023", "fin": "2023",
                "flux": "export"},
    "produit": {"code": "C21Z", "annee": "2023", "flux": "export", "niveau": "departement",
                "territoire": "61"},
    "pays": {"code": "US", "annee": "2023", "flux": "export"},
    "carte": {"annee": "2023", "indicateur": "exports", "code": "61"},
    "fiche": {"niveau": "departement", "code": "61", "annee": "2023", "top": "10",
              "flux": "tous"},
}  # fmt: skip


def test_the_menu_keeps_orne_2023_on_every_page(demo_data) -> None:
    at = open_page("fiche", niveau="departement", code="61", annee="2023")
    assert at.session_state[components.CONTEXT] == urlstate.Context(ORNE, 2023)
    for page, expected in ORNE_2023.items():
        assert from_menu(at, page) == expected, page
    assert at.title[0].value.endswith("Orne (61)")


def test_the_comparer_from_the_menu_shows_orne_beside_its_region(demo_data) -> None:
    at = open_page("fiche", niveau="departement", code="61", annee="2023")
    shown = from_menu(at, "comparer")
    codes = shown["codes"].split(",")
    assert codes[0] == "61" and len(codes) == 4
    assert set(codes) <= {"14", "27", "50", "61", "76"}  # Normandie's départements
    assert shown["annee"] == "2023"
    assert not [i.value for i in at.info if "Choisissez" in i.value]


def test_the_year_of_a_page_follows_to_the_next(demo_data) -> None:
    at = open_page("evolution", niveau="region", code="28", fin="2020")
    assert from_menu(at, "fiche") == {
        "niveau": "region",
        "code": "28",
        "annee": "2020",
        "top": "10",
        "flux": "tous",
    }
    at.selectbox(key="fiche-year").set_value(2019).run()  # a change on the page: remembered
    assert from_menu(at, "pays")["annee"] == "2019"
    assert from_menu(at, "exposition")["code"] == "28"  # the Pays page has no territory


def test_a_shared_address_wins_over_the_session(demo_data) -> None:
    at = open_page("fiche", niveau="departement", code="61", annee="2023")
    at.switch_page("pages/exposition.py")
    at.query_params = {"niveau": "france", "annee": "2024"}
    at.run()
    assert at.query_params["niveau"] == "france" and at.query_params["annee"] == "2024"
    assert from_menu(at, "fiche")["niveau"] == "france"  # and it is now the context


def test_an_address_with_parameters_keeps_its_defaults(demo_data) -> None:
    """A Produit address without a territory means France, whatever the session saw last."""
    at = open_page("fiche", niveau="departement", code="61", annee="2023")
    at.switch_page("pages/produit.py")
    at.query_params = {"code": "C21Z", "annee": "2022", "flux": "export"}
    at.run()
    assert "territoire" not in at.query_params
    assert at.session_state[components.CONTEXT] == urlstate.Context(FRANCE, 2022)


def test_a_first_visit_from_the_menu_shows_the_defaults(demo_data) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/exposition.py")
    at.run()
    assert at.query_params["niveau"] == "france" and at.query_params["annee"] == "2024"


def test_a_remembered_year_the_dataset_lost_falls_back_without_notice(demo_data) -> None:
    at = open_page("fiche", niveau="departement", code="61", annee="2023")
    at.session_state[components.CONTEXT] = urlstate.Context(ORNE, 1999)
    assert from_menu(at, "exposition")["annee"] == "2024"
    assert at.query_params["code"] == "61"
