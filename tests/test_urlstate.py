"""URL parameters: parsed, validated against the reference tables, written back."""

from __future__ import annotations

import pytest

from lib import urlstate
from lib.territory import FRANCE, Territory

YEARS = list(range(2015, 2025))


def test_full_fiche_url_round_trips() -> None:
    params = {"niveau": "departement", "code": "53", "annee": "2022", "top": "7", "flux": "export"}
    state, notices = urlstate.parse_fiche(params, YEARS)
    assert notices == []
    assert state == urlstate.FicheState(Territory("dept", "53"), 2022, 7, "export")
    assert state.to_params() == params
    assert state.shows_exports and not state.shows_imports


def test_defaults_without_parameters() -> None:
    state, notices = urlstate.parse_fiche({}, YEARS)
    assert notices == []
    assert state == urlstate.FicheState(FRANCE, 2024, 10, "tous")
    assert state.to_params() == {"niveau": "france", "annee": "2024", "top": "10", "flux": "tous"}


@pytest.mark.parametrize(
    ("params", "field", "expected"),
    [
        ({"niveau": "commune", "code": "53"}, "territory", FRANCE),
        ({"niveau": "departement", "code": "99"}, "territory", FRANCE),
        ({"niveau": "departement", "code": "53'; DROP TABLE trade; --"}, "territory", FRANCE),
        ({"niveau": "region", "code": "53x"}, "territory", FRANCE),
        ({"annee": "1990"}, "year", 2024),
        ({"annee": "deux-mille"}, "year", 2024),
        ({"annee": "-2020"}, "year", 2024),
        ({"top": "2"}, "top", 10),
        ({"top": "26"}, "top", 10),
        ({"top": "1e3"}, "top", 10),
        ({"flux": "both"}, "flux", "tous"),
    ],
)
def test_malformed_parameters_fall_back_with_a_notice(
    params: dict[str, str], field: str, expected: object
) -> None:
    state, notices = urlstate.parse_fiche(params, YEARS)
    assert getattr(state, field) == expected
    assert len(notices) == 1 and notices[0]


def test_department_codes_are_normalised() -> None:
    state, _ = urlstate.parse_fiche({"niveau": "departement", "code": "1"}, YEARS)
    assert state.territory == Territory("dept", "01")
    state, _ = urlstate.parse_fiche({"code": "2a"}, YEARS)
    assert state.territory == Territory("dept", "2A")


def test_repeated_parameter_takes_the_last_value() -> None:
    state, _ = urlstate.parse_fiche({"top": ["5", "12"]}, YEARS)
    assert state.top == 12


def test_region_and_flux_are_case_insensitive_words() -> None:
    state, notices = urlstate.parse_fiche(
        {"niveau": "REGION", "code": "52", "flux": "Import"}, YEARS
    )
    assert notices == []
    assert state.territory == Territory("region", "52") and state.flux == "import"


def test_data_filter_checks_codes_and_orders_years() -> None:
    params = {
        "niveau": "region",
        "code": "28",
        "debut": "2024",
        "fin": "2018",
        "produits": "c21z,NOPE,C10A,C21Z",
        "pays": "de,XX",
    }
    data_filter, notices = urlstate.parse_data_filter(params, YEARS)
    assert data_filter.territory == Territory("region", "28")
    assert (data_filter.first_year, data_filter.last_year) == (2018, 2024)
    assert data_filter.products == ("C21Z", "C10A")
    assert data_filter.countries == ("DE",)
    assert len(notices) == 3
    again, _ = urlstate.parse_data_filter(data_filter.to_params(), YEARS)
    assert again == data_filter


def test_map_parameters() -> None:
    metrics = ["exports", "balance"]
    state, notices = urlstate.parse_map(
        {"annee": "2020", "indicateur": "balance", "code": "1"}, YEARS, metrics
    )
    assert notices == []
    assert state == urlstate.MapState(2020, "balance", "01")
    assert state.to_params() == {"annee": "2020", "indicateur": "balance", "code": "01"}
    state, notices = urlstate.parse_map({"indicateur": "x", "code": "999"}, YEARS, metrics)
    assert state == urlstate.MapState(2024, "exports", None)
    assert len(notices) == 2
    assert state.to_params() == {"annee": "2024", "indicateur": "exports"}


def test_no_years_at_all_does_not_crash() -> None:
    state, _ = urlstate.parse_fiche({"annee": "2024"}, [])
    assert state.year == 0
