"""The Produit page's URL (`/produit?code=C21Z&annee=2024&flux=export&niveau=departement&
territoire=53`): parsed, validated against the reference tables and the dataset's CPF4 codes,
written back."""

from __future__ import annotations

import pytest

from lib.core.states import DEFAULT_PRODUCT, ProductState
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate

YEARS = [2023, 2024]
CPF4 = ["1011", "2110"]


def parse(**params: str) -> tuple[ProductState, list[str]]:
    return urlstate.parse_product(params, YEARS, CPF4)


def test_a_full_url_round_trips() -> None:
    params = {"code": "C21Z", "annee": "2023", "flux": "import", "niveau": "departement",
              "territoire": "53"}  # fmt: skip
    state, notices = parse(**params)
    assert state == ProductState("C21Z", 2023, "import", Territory("dept", "53"))
    assert notices == []
    assert urlstate.params_of(state) == params
    assert urlstate.product_url(state) == (
        "/produit?code=C21Z&annee=2023&flux=import&niveau=departement&territoire=53"
    )


def test_defaults_and_spellings() -> None:
    assert parse() == (ProductState(DEFAULT_PRODUCT, 2024, "export", FRANCE), [])
    assert parse(code="c21z")[0].product == "C21Z"
    assert parse(code="2110")[0].product == "2110"  # a CPF4 code of the dataset
    assert parse(territoire="1")[0].territory == Territory("dept", "01")
    assert parse(niveau="region", territoire="52")[0].territory == Territory("region", "52")
    assert parse(flux="tous")[0].flux == "export"  # one flow colours the map
    assert urlstate.params_of(parse()[0]) == {"code": "C21Z", "annee": "2024", "flux": "export"}


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"code": "C99Z"}, "Produit « C99Z » inconnu : affichage de « Industrie pharmaceutique »."),
        ({"code": "9999"}, "Produit « 9999 » inconnu"),
        ({"annee": "1990"}, "Année « 1990 » indisponible"),
        ({"flux": "x"}, "Flux « x » inconnu"),
        ({"territoire": "20"}, "Département inconnu : « 20 »"),
        ({"niveau": "region", "territoire": "99"}, "Région inconnue : « 99 »"),
        ({"pays": "US"}, "Paramètre « pays » inconnu : ignoré."),
    ],
)
def test_malformed_parameters_fall_back_with_a_notice(params: dict, notice: str) -> None:
    state, notices = parse(**params)
    assert any(notice in message for message in notices), notices
    assert state.product in (DEFAULT_PRODUCT, params.get("code"))


def test_no_cpf4_code_is_valid_without_cpf4_data() -> None:
    state, notices = urlstate.parse_product({"code": "2110"}, YEARS)
    assert state.product == DEFAULT_PRODUCT and notices
