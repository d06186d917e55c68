"""The Exposition page's URL: parse_exposition, its notices, and params_of writing it back."""

from __future__ import annotations

import pytest

from lib.core.states import ExpositionState
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate

YEARS = [2022, 2023, 2024]


def parse(**params: str) -> tuple[ExpositionState, list[str]]:
    return urlstate.parse_exposition(params, YEARS)


def test_defaults_without_parameters() -> None:
    state, notices = parse()
    assert state == ExpositionState(FRANCE, 2024, "US", 10, 5.0)
    assert notices == []


def test_a_full_address_is_read() -> None:
    state, notices = parse(
        niveau="departement",
        code="42",
        annee="2023",
        partenaire="CN",
        taux="25",
        elasticite="2.5",
    )
    assert state == ExpositionState(Territory("dept", "42"), 2023, "CN", 25, 2.5)
    assert notices == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [("us", "US"), (" ue27 ", "UE27"), ("HORS_UE", "HORS_UE"), ("zone_euro", "ZONE_EURO")],
)
def test_partner_codes_are_read_in_upper_case(raw: str, code: str) -> None:
    state, notices = parse(partenaire=raw)
    assert state.partner == code and notices == []


@pytest.mark.parametrize("raw", ["XX", "FR", "UE", "É", "<script>", "U" * 500])
def test_unknown_partner_falls_back_to_the_united_states_with_a_notice(raw: str) -> None:
    state, notices = parse(partenaire=raw)
    assert state.partner == "US"
    (notice,) = notices
    assert notice.startswith("Partenaire « ") and "inconnu : affichage de « États-Unis »" in notice
    assert len(notice) < 200  # a huge value is quoted shortened


@pytest.mark.parametrize(("raw", "rate"), [("0", 0), ("100", 100), ("7", 7), (" 15 ", 15)])
def test_tariff_rates_within_bounds(raw: str, rate: int) -> None:
    state, notices = parse(taux=raw)
    assert state.rate_pct == rate and notices == []


@pytest.mark.parametrize("raw", ["101", "-1", "abc", "12.5", "²", "1" * 20])
def test_bad_tariff_rate_falls_back_to_10(raw: str) -> None:
    state, notices = parse(taux=raw)
    assert state.rate_pct == 10
    (notice,) = notices
    assert "invalide (de 0 à 100\u00a0%) : 10\u00a0% retenu." in notice


@pytest.mark.parametrize(
    ("raw", "value"), [("0.5", 0.5), ("20", 20.0), ("2,5", 2.5), ("7.25", 7.25), ("5", 5.0)]
)
def test_elasticities_within_bounds(raw: str, value: float) -> None:
    state, notices = parse(elasticite=raw)
    assert state.elasticity == value and notices == []


@pytest.mark.parametrize("raw", ["0.4", "0", "20.5", "nan", "inf", "1e1", "-3", "5.123", "cinq"])
def test_bad_elasticity_falls_back_to_the_default(raw: str) -> None:
    state, notices = parse(elasticite=raw)
    assert state.elasticity == 5.0
    (notice,) = notices
    assert notice.startswith(f"Élasticité « {raw} » invalide (de 0,5 à 20)")


def test_unknown_and_repeated_parameters_are_reported() -> None:
    state, notices = urlstate.parse_exposition({"partenaire": ["CN", "GB"], "top": "5"}, YEARS)
    assert state.partner == "GB"
    assert "Paramètre « top » inconnu : ignoré." in notices
    assert "Paramètre « partenaire » répété : la dernière valeur est retenue." in notices


def test_the_territory_rules_are_the_fiche_s() -> None:
    state, notices = parse(niveau="departement", code="99")
    assert state.territory == FRANCE
    assert notices == ["Département inconnu : « 99 ». Affichage de la France entière."]


@pytest.mark.parametrize(
    "state",
    [
        ExpositionState(Territory("dept", "2A"), 2024, "GOLFE", 0, 0.5),
        ExpositionState(Territory("region", "84"), 2022, "HORS_UE", 100, 20.0),
        ExpositionState(FRANCE, 2023, "CH", 33, 7.5),
    ],
)
def test_params_of_round_trips(state: ExpositionState) -> None:
    params = urlstate.params_of(state)
    assert urlstate.parse_exposition(params, YEARS) == (state, [])


def test_written_url() -> None:
    state = ExpositionState(Territory("dept", "42"), 2024, "US", 10, 5.0)
    assert urlstate.params_of(state) == {
        "niveau": "departement",
        "code": "42",
        "annee": "2024",
        "partenaire": "US",
        "taux": "10",
        "elasticite": "5",
    }
    assert urlstate.exposition_url(state) == (
        "/exposition?niveau=departement&code=42&annee=2024&partenaire=US&taux=10&elasticite=5"
    )


def test_default_exposition_of_a_territory() -> None:
    state = urlstate.default_exposition(Territory("dept", "53"), 2023)
    assert state == ExpositionState(Territory("dept", "53"), 2023, "US", 10, 5.0)
