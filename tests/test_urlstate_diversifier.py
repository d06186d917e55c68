"""The Diversifier page's URL: parse_diversification, its notices, params_of writing it back, its
links, and the visitor's context it leaves."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from lib.core.states import DiversificationState
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate

YEARS = [2021, 2022, 2023, 2024]
LOIRE = Territory("dept", "42")


def parse(**params: str) -> tuple[DiversificationState, list[str]]:
    return urlstate.parse_diversification(params, YEARS)


def test_defaults_without_parameters() -> None:
    state, notices = parse()
    assert state == DiversificationState(FRANCE, 2024, "US")
    assert notices == []


def test_the_address_of_the_issue_is_read_and_written_back() -> None:
    params = {"niveau": "departement", "code": "42", "partenaire": "US", "annee": "2024"}
    state, notices = parse(**params)
    assert state == DiversificationState(LOIRE, 2024, "US")
    assert notices == []
    assert urlstate.params_of(state) == params
    url = urlstate.diversification_url(state)
    assert url.startswith("/diversifier?")
    assert parse_qs(urlparse(url).query) == {key: [value] for key, value in params.items()}


def test_a_region_a_group_and_open_sections() -> None:
    state, notices = parse(
        niveau="region", code="84", annee="2022", partenaire="ue27", section="territoires,carte"
    )
    assert state == DiversificationState(
        Territory("region", "84"), 2022, "UE27", ("carte", "territoires")
    )
    assert notices == []
    assert urlstate.params_of(state)["section"] == "carte,territoires"  # the page's order


def test_france_is_read_without_notice_the_page_says_why_it_shows_nothing() -> None:
    """A valid address (the level picker offers France): the page, not the parser, answers."""
    state, notices = parse(niveau="france", annee="2024")
    assert state.territory == FRANCE and notices == []
    assert urlstate.params_of(state) == {"niveau": "france", "annee": "2024", "partenaire": "US"}


@pytest.mark.parametrize("raw", ["XX", "FR", "UE", "<script>", "U" * 500])
def test_an_unknown_partner_falls_back_to_the_united_states_with_a_notice(raw: str) -> None:
    state, notices = parse(niveau="departement", code="42", partenaire=raw)
    assert state.partner == "US"
    (notice,) = notices
    assert notice.startswith("Partenaire « ") and "inconnu : affichage de « États-Unis »" in notice
    assert len(notice) < 200


@pytest.mark.parametrize("raw", ["1850", "2025", "²⁰²⁴", "abc"])
def test_an_unknown_year_falls_back_to_the_latest_with_a_notice(raw: str) -> None:
    state, notices = parse(niveau="departement", code="42", annee=raw)
    assert state.year == 2024
    (notice,) = notices
    assert notice.startswith("Année « ") and notice.endswith("indisponible : affichage de 2024.")


def test_parameters_of_other_pages_are_set_aside_with_a_notice() -> None:
    state, notices = parse(niveau="departement", code="42", taux="10", section="nulle")
    assert state == DiversificationState(LOIRE, 2024, "US")
    assert "Paramètre « taux » inconnu : ignoré." in notices
    assert "Section « nulle » inconnue : ignorée." in notices


def test_an_unknown_departement_shows_france_with_a_notice() -> None:
    state, notices = parse(niveau="departement", code="00")
    assert state.territory == FRANCE
    assert notices == ["Département inconnu : « 00 ». Affichage de la France entière."]


def test_default_diversification_and_the_comparer_link() -> None:
    assert urlstate.default_diversification(LOIRE, 2023, "CN") == DiversificationState(
        LOIRE, 2023, "CN"
    )
    assert urlstate.default_diversification(LOIRE, 2023).partner == "US"
    comparison = urlstate.default_comparison(LOIRE, 2024, ("43",))
    url = urlstate.comparison_url(comparison)
    assert urlparse(url).path == "/comparer"
    assert parse_qs(urlparse(url).query) == {
        "niveau": ["departement"],
        "codes": ["42,43"],
        "annee": ["2024"],
    }


def test_the_territory_and_year_shown_become_the_visitor_s_context() -> None:
    state = DiversificationState(LOIRE, 2023, "CN")
    context = urlstate.remembered(urlstate.Context(), state)
    assert context == urlstate.Context(LOIRE, 2023)
    # …and a page opened from the menu afterwards starts from them.
    params = urlstate.context_params(context, YEARS)
    assert parse(**params)[0] == DiversificationState(LOIRE, 2023, "US")
