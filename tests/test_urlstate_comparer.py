"""The Comparer page's URL: `/comparer?niveau=departement&codes=53,61,72&annee=2024`."""

from __future__ import annotations

from lib.core.states import ComparisonState
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate

YEARS = [2023, 2024]


def parse(**params: str) -> tuple[ComparisonState, list[str]]:
    return urlstate.parse_comparison(params, YEARS)


def test_a_comparison_of_departements_round_trips() -> None:
    state, notices = parse(niveau="departement", codes="53,61,72", annee="2023")
    assert state == ComparisonState("dept", ("53", "61", "72"), 2023)
    assert notices == []
    assert urlstate.params_of(state) == {
        "niveau": "departement",
        "codes": "53,61,72",
        "annee": "2023",
    }
    assert parse(**urlstate.params_of(state)) == (state, [])


def test_defaults_are_departements_none_chosen_the_latest_year() -> None:
    state, notices = parse()
    assert state == ComparisonState("dept", (), 2024)
    assert notices == []
    assert urlstate.params_of(state) == {"niveau": "departement", "annee": "2024"}


def test_codes_are_normalised_and_duplicates_removed() -> None:
    state, notices = parse(codes=" 1, 01 ,2a,53,53")
    assert state.codes == ("01", "2A", "53")
    assert notices == []


def test_unknown_codes_are_named_and_left_out() -> None:
    state, notices = parse(codes="53,999,abc,72")
    assert state.codes == ("53", "72")
    assert notices == ["Départements inconnus ignorés : « 999 », « abc »."]
    state, notices = parse(niveau="region", codes="52,53,99")
    assert state.codes == ("52", "53")  # 53 is Bretagne's code
    assert notices == ["Régions inconnues ignorées : « 99 »."]


def test_more_than_four_keeps_the_first_four() -> None:
    state, notices = parse(codes="53,61,72,44,49,85")
    assert state.codes == ("53", "61", "72", "44")
    assert notices == ["6 territoires demandés : les 4 premiers sont comparés."]


def test_a_level_other_than_departements_or_regions_gives_departements() -> None:
    for word in ("france", "commune"):
        state, notices = parse(niveau=word, codes="53,61")
        assert state == ComparisonState("dept", ("53", "61"), 2024)
        assert notices == [
            f"Niveau « {word} » non comparable (départements ou régions) : départements comparés."
        ]


def test_unknown_year_and_parameters_give_notices() -> None:
    state, notices = parse(codes="53,61", annee="1990", code="53")
    assert state.year == 2024
    assert notices == [
        "Paramètre « code » inconnu : ignoré.",
        "Année « 1990 » indisponible : affichage de 2024.",
    ]


def test_the_fiche_link_starts_from_its_territory() -> None:
    assert urlstate.default_comparison(Territory("dept", "53"), 2024) == ComparisonState(
        "dept", ("53",), 2024
    )
    assert urlstate.default_comparison(Territory("region", "52"), 2023).codes == ("52",)
    assert urlstate.default_comparison(FRANCE, 2024) == ComparisonState("region", (), 2024)
