"""URL parameters: parsed, validated against the reference tables, written back."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from lib.core import config
from lib.core.states import DataFilter, FicheState, MapState, default_data_filter
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate

YEARS = list(range(2015, 2025))


def test_full_fiche_url_round_trips() -> None:
    params = {"niveau": "departement", "code": "53", "annee": "2022", "top": "7", "flux": "export"}
    state, notices = urlstate.parse_fiche(params, YEARS)
    assert notices == []
    assert state == FicheState(Territory("dept", "53"), 2022, 7, "export")
    assert urlstate.params_of(state) == params
    assert state.shows_exports and not state.shows_imports


def test_defaults_without_parameters() -> None:
    state, notices = urlstate.parse_fiche({}, YEARS)
    assert notices == []
    assert state == FicheState(FRANCE, 2024, 10, "tous")
    assert urlstate.params_of(state) == {
        "niveau": "france",
        "annee": "2024",
        "top": "10",
        "flux": "tous",
    }


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
    again, _ = urlstate.parse_data_filter(urlstate.params_of(data_filter), YEARS)
    assert again == data_filter


def test_data_filter_defaults_to_one_flow_one_year_of_france() -> None:
    data_filter, notices = urlstate.parse_data_filter({}, YEARS)
    assert notices == []
    assert data_filter == DataFilter(FRANCE, 2024, 2024, "export")
    assert data_filter == default_data_filter(YEARS)
    assert urlstate.params_of(data_filter) == {
        "niveau": "france", "debut": "2024", "fin": "2024", "flux": "export"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "years", "flux"),
    [
        ({"debut": "2015", "fin": "2024", "flux": "tous"}, (2015, 2024), "tous"),  # as written
        ({"debut": "2020"}, (2020, 2024), "export"),  # to the latest year
        ({"fin": "2018"}, (2018, 2018), "export"),  # the year alone, not an inverted period
        ({"flux": "import"}, (2024, 2024), "import"),
    ],
)
def test_data_filter_url_wins_over_the_defaults(
    params: dict[str, str], years: tuple[int, int], flux: str
) -> None:
    data_filter, notices = urlstate.parse_data_filter(params, YEARS)
    assert notices == []
    assert ((data_filter.first_year, data_filter.last_year), data_filter.flux) == (years, flux)


def test_data_filter_unknown_flux_falls_back_to_exports() -> None:
    data_filter, notices = urlstate.parse_data_filter({"flux": "both"}, YEARS)
    assert data_filter.flux == "export"
    assert notices == ["Flux « both » inconnu : exportations affichées."]


def test_data_filter_default_can_come_from_elsewhere() -> None:
    """Another page's choice (a territory, a year) is the default; the URL still wins."""
    mayenne = Territory("dept", "53")
    default = default_data_filter(YEARS, mayenne, 2020)
    assert default == DataFilter(mayenne, 2020, 2020, "export")
    assert default_data_filter(YEARS, mayenne, 1990).first_year == 2024  # no such year
    shown, _ = urlstate.parse_data_filter({}, YEARS, default=default)
    assert shown == default
    shown, _ = urlstate.parse_data_filter(
        {"niveau": "france", "debut": "2022"}, YEARS, default=default
    )
    assert (shown.territory, shown.first_year, shown.last_year) == (FRANCE, 2022, 2022)


def test_data_filter_quarters_only_in_quarterly_years() -> None:
    params = {"debut": "2023", "tdebut": "2", "fin": "2024", "tfin": "3"}
    kept, notices = urlstate.parse_data_filter(params, YEARS, quarterly=[2023, 2024])
    assert (kept.first_quarter, kept.last_quarter, notices) == (2, 3, [])
    whole, notices = urlstate.parse_data_filter(params, YEARS, quarterly=[2024])
    assert (whole.first_quarter, whole.last_quarter) == (1, 3)
    assert notices == ["Trimestre T2 ignoré : les données de 2023 sont annuelles."]


def test_map_parameters() -> None:
    metrics = ["exports", "balance"]
    state, notices = urlstate.parse_map(
        {"annee": "2020", "indicateur": "balance", "code": "1"}, YEARS, metrics
    )
    assert notices == []
    assert state == MapState(2020, "balance", "01")
    assert urlstate.params_of(state) == {"annee": "2020", "indicateur": "balance", "code": "01"}
    state, notices = urlstate.parse_map({"indicateur": "x", "code": "999"}, YEARS, metrics)
    assert state == MapState(2024, "exports", None)
    assert len(notices) == 2
    assert urlstate.params_of(state) == {"annee": "2024", "indicateur": "exports"}


def test_no_years_at_all_does_not_crash() -> None:
    state, _ = urlstate.parse_fiche({"annee": "2024"}, [])
    assert state.year == 0


@pytest.mark.parametrize(
    ("params", "field", "expected"),
    [
        ({"top": "²"}, "top", 10),
        ({"top": "①"}, "top", 10),
        ({"top": "١٢"}, "top", 10),  # Arabic-Indic digits: int() reads them, the URL does not
        ({"annee": "²⁰²⁴"}, "year", 2024),
        ({"annee": "٢٠٢٢"}, "year", 2024),
        ({"code": "٥٣"}, "territory", FRANCE),
        ({"niveau": "departement", "code": "５３"}, "territory", FRANCE),  # fullwidth digits
        ({"top": "1" * 5000}, "top", 10),  # more digits than int() accepts
        ({"code": "1" * 5000}, "territory", FRANCE),
    ],
)
def test_only_ascii_digits_are_numbers(
    params: dict[str, str], field: str, expected: object
) -> None:
    state, notices = urlstate.parse_fiche(params, YEARS)
    assert getattr(state, field) == expected
    assert len(notices) == 1


@pytest.mark.parametrize("key", ["debut", "fin", "tdebut", "tfin"])
@pytest.mark.parametrize("raw", ["²", "①", "٣"])
def test_donnees_numbers_are_ascii_digits(key: str, raw: str) -> None:
    data_filter, notices = urlstate.parse_data_filter({key: raw}, YEARS)
    assert (data_filter.first_year, data_filter.last_year) == (2024, 2024)  # the default's
    assert (data_filter.first_quarter, data_filter.last_quarter) == (1, 4)
    assert len(notices) == 1 and f"« {raw} »" in notices[0]


def test_map_year_is_ascii_digits() -> None:
    state, notices = urlstate.parse_map({"annee": "²"}, YEARS, ["exports"])
    assert state.year == 2024 and len(notices) == 1


def test_repeated_parameter_is_named_in_a_notice() -> None:
    state, notices = urlstate.parse_fiche({"top": ["5", "12"], "code": "53"}, YEARS)
    assert state.top == 12 and state.territory == Territory("dept", "53")
    assert notices == ["Paramètre « top » répété : la dernière valeur est retenue."]
    again, notices = urlstate.parse_fiche(urlstate.params_of(state), YEARS)
    assert again == state and notices == []


def test_unknown_parameters_are_named_in_a_notice() -> None:
    state, notices = urlstate.parse_fiche({"code": "53", "utm_source": "x"}, YEARS)
    assert state.territory == Territory("dept", "53")
    assert notices == ["Paramètre « utm_source » inconnu : ignoré."]
    many = {f"p{i}": "x" for i in range(8)}
    _, notices = urlstate.parse_map(many, YEARS, ["exports"])
    assert notices == [
        "Paramètres inconnus ignorés : « p0 », « p1 », « p2 », « p3 », « p4 » et 3 autres."
    ]


def test_a_huge_value_is_quoted_shortened() -> None:
    code = "x" * 100_000
    state, notices = urlstate.parse_fiche({"niveau": "departement", "code": code}, YEARS)
    assert state.territory == FRANCE
    assert len(notices) == 1
    assert "« " + "x" * urlstate.QUOTE_MAX + "… (100\u00a0000 caractères) »" in notices[0]
    assert len(notices[0]) < 200


def test_control_characters_are_not_quoted_as_they_are() -> None:
    _, notices = urlstate.parse_fiche({"flux": "a\nb\u202ec\x00"}, YEARS)
    assert notices == [
        "Flux « a\ufffdb\ufffdc\ufffd » inconnu : exportations et importations affichées."
    ]


def test_unknown_codes_are_listed_shortly() -> None:
    codes = ",".join(f"Z{i:03d}" for i in range(100))
    data_filter, notices = urlstate.parse_data_filter({"produits": codes + ",C21Z"}, YEARS)
    assert data_filter.products == ("C21Z",)
    assert notices == [
        "Produits inconnus ignorés : « Z000 », « Z001 », « Z002 », « Z003 », « Z004 » et 95 autres."
    ]


def test_france_with_a_code_says_the_code_is_ignored() -> None:
    state, notices = urlstate.parse_fiche({"niveau": "france", "code": "53"}, YEARS)
    assert state.territory == FRANCE and len(notices) == 1 and "« 53 »" in notices[0]
    _, notices = urlstate.parse_fiche({"niveau": "france", "code": "FR"}, YEARS)
    assert notices == []


def test_reduced_query_string_keeps_the_last_two_values_of_each_parameter() -> None:
    query = "niveau=departement&code=53&" + "&".join(f"top={i % 20 + 3}" for i in range(2000))
    reduced = urlstate.reduced_query_string(query, max_fields=1000, max_length=512 * 1024)
    assert reduced == "niveau=departement&code=53&top=21&top=22"


def test_reduced_query_string_gives_up_on_too_many_different_parameters() -> None:
    query = "&".join(f"p{i}=x" for i in range(1500))
    reduced = urlstate.reduced_query_string(query, max_fields=1000, max_length=512 * 1024)
    assert reduced == f"{urlstate.DISCARDED_KEY}=1500-{len(query)}"
    state, notices = urlstate.parse_fiche({urlstate.DISCARDED_KEY: "1500-9000"}, YEARS)
    assert state == FicheState(FRANCE, 2024)
    assert notices == [
        "Adresse trop longue pour être lue (1\u00a0500 paramètres, 9\u00a0000 caractères) : "
        "elle a été ignorée, affichage par défaut."
    ]
    too_long = "code=" + "x" * 100
    reduced = urlstate.reduced_query_string(too_long, max_fields=1000, max_length=50)
    assert reduced == f"{urlstate.DISCARDED_KEY}=1-105"


def test_page_without_state_names_every_parameter() -> None:
    assert urlstate.unexpected_params({}, ("jeton",)) == []
    assert urlstate.unexpected_params({"jeton": "abc"}, ("jeton",)) == []
    assert urlstate.unexpected_params({"jeton": ["a", "b"], "x": "1"}, ("jeton",)) == [
        "Paramètre « x » inconnu : ignoré.",
        "Paramètre « jeton » répété : la dernière valeur est retenue.",
    ]


@pytest.mark.parametrize(
    ("state", "url"),
    [
        (
            FicheState(Territory("dept", "2A"), 2022, 7, "export"),
            "/fiche?niveau=departement&code=2A&annee=2022&top=7&flux=export",
        ),
        (FicheState(FRANCE, 2024), "/fiche?niveau=france&annee=2024&top=10&flux=tous"),
        (
            FicheState(Territory("region", "28"), 2015, 25, "import"),
            "/fiche?niveau=region&code=28&annee=2015&top=25&flux=import",
        ),
    ],
)
def test_fiche_url_is_the_shared_link_and_reads_back(state: FicheState, url: str) -> None:
    assert urlstate.fiche_url(state) == url
    path, query = urlstate.fiche_url(state).split("?")
    again, notices = urlstate.parse_fiche(dict(parse_qsl(query)), YEARS)
    assert (path, again, notices) == ("/fiche", state, [])


def test_data_filter_params_name_only_what_is_chosen() -> None:
    whole = DataFilter(Territory("dept", "53"), 2020, 2024)
    assert urlstate.params_of(whole) == {
        "niveau": "departement", "code": "53", "debut": "2020", "fin": "2024", "flux": "tous"
    }  # fmt: skip
    chosen = DataFilter(
        FRANCE, 2024, 2025, "export", products=("C21Z",), countries=("DE", "US"),
        first_quarter=2, last_quarter=1, cpf4=("2110",),
    )  # fmt: skip
    assert urlstate.params_of(chosen) == {
        "niveau": "france", "debut": "2024", "fin": "2025", "flux": "export", "tdebut": "2",
        "tfin": "1", "produits": "C21Z", "cpf4": "2110", "pays": "DE,US",
    }  # fmt: skip


# --- The route table ------------------------------------------------------------------------


def test_the_routes_keep_the_addresses_people_share() -> None:
    """The addresses are a promise to whoever saved a link: written out here, not derived."""
    assert [route.path for route in urlstate.ROUTES] == [
        "/", "/fiche", "/exposition", "/diversifier", "/evolution", "/produit", "/pays",
        "/comparer", "/donnees", "/api", "/importer",
    ]  # fmt: skip
    assert [route.url_path for route in urlstate.ROUTES][:2] == ["", "fiche"]
    assert urlstate.ROUTES[0] is urlstate.CARTE  # the home page comes first in the menu
    assert len({route.name for route in urlstate.ROUTES}) == len(urlstate.ROUTES)


def test_every_page_script_has_one_route_and_every_route_a_script() -> None:
    """pages/ holds the pages at its top level (what they share is in pages/parts/)."""
    scripts = {f"pages/{path.name}" for path in (config.ROOT / "pages").glob("*.py")} - {
        "pages/__init__.py"
    }
    assert sorted(route.file for route in urlstate.ROUTES) == sorted(scripts)


def test_the_shared_links_use_the_route_table() -> None:
    assert urlstate.country_url("DE", 2024) == "/pays?code=DE&annee=2024&flux=export"
    assert urlstate.fiche_url(FicheState(FRANCE, 2024)).startswith("/fiche?")
