"""Every table a page shows beside its chart, with its CSV download, by name: the registry the
read-only API serves (lib/web/api.py), and the functions the pages call to build those tables.

A page's download, the API's CSV and the CLI's files are one and the same bytes because they
are built by one function here (or the lib function it names) and written by
`csvfile.to_csv_bytes`. Where a page used to trim or complete a frame before its download
(flows shown, product names, a link column, one flow of a ranking), that step lives here now,
and the page calls it.

Names: a table the CLI writes keeps the CLI's file name (`kpis`, `partners`, `products`,
`products_cpf4`, `sankey_export`, `sankey_import`, `exposure`, `dependency`); any other is
named as the page's download is (`carte`, `rangs`, `produit_departements`…). Each table reads
the parameters of its page's URL (`Page.keys`) through the page's own parser (lib.web.urlstate),
so that a page's query string, copied onto one of its tables' addresses, gives that table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from lib.charts import choropleth, exposure_figures, product_figures
from lib.core import flows, partners, refs, sections
from lib.core.flows import FLOWS
from lib.core.states import (
    COMPARE_MAX,
    COMPARE_MIN,
    ELASTICITY_RANGE,
    ComparisonState,
    CountryState,
    DiversificationState,
    EvolutionState,
    ExpositionState,
    FicheState,
    ProductState,
    at_bound,
)
from lib.core.territory import FRANCE, Territory
from lib.data import (
    comparison,
    country_view,
    diversification,
    evolution,
    exposure,
    indicators,
    product_view,
    queries,
)
from lib.web import urlstate

Params = Mapping[str, str | Sequence[str]]
Builder = Callable[[Any], pd.DataFrame]


class Unavailable(Exception):
    """The page shows no such table for these parameters (French reason): the API says 404."""


class Refused(Exception):
    """Parameters the page reads but cannot show anything for (French reason): the API says 400."""


# ---------------------------------------------------------------------------------------------
# What the pages used to do to a frame before its download


def shown_flows(table: pd.DataFrame, flux: str) -> pd.DataFrame:
    """The rows of the flows the fiche shows (`flux`: export, import or tous)."""
    shown = [flow.name for flow in FLOWS] if flux == flows.BOTH else [flux]
    return table[table["flow"].isin(shown)].reset_index(drop=True)


def fiche_products(state: FicheState) -> pd.DataFrame:
    """The fiche's activities (A129) of the flows it shows."""
    return shown_flows(queries.products(state.territory, state.year), state.flux)


def fiche_product_details(state: FicheState) -> pd.DataFrame:
    """The fiche's CPF4 products of the flows it shows (none when the data has no CPF4)."""
    return shown_flows(queries.product_details(state.territory, state.year), state.flux)


def with_product_names(table: pd.DataFrame, name: Callable[[str], str]) -> pd.DataFrame:
    """`product_name` beside `product` (second column): `refs.product_name` or `cpf4_name`."""
    named = table.copy()
    named.insert(1, "product_name", named["product"].map(name))
    return named


def specialisation(state: FicheState) -> pd.DataFrame:
    """The strongest specialisations (Balassa index) of the fiche's chart, named."""
    table = indicators.balassa(state.territory, state.year)
    return with_product_names(indicators.strongest(table), refs.product_name)


def specialisation_products(state: FicheState) -> pd.DataFrame:
    """The Balassa index of every product the territory exports, named."""
    return with_product_names(indicators.balassa(state.territory, state.year), refs.product_name)


def contribution_link(by: evolution.By, code: str, state: EvolutionState) -> str | None:
    """The Pays or Produit page of a contributor in the later year (None for a code outside
    the reference: « Autres », confidential codes…)."""
    if by == "country":
        if not refs.is_country(code):
            return None
        target: CountryState | ProductState = CountryState(code, state.end, state.flux)
        path = urlstate.PAYS.path
    else:
        if not refs.is_product(code):
            return None
        target = ProductState(code, state.end, state.flux, state.territory)
        path = urlstate.PRODUIT.path
    return f"{path}?{urlencode(urlstate.params_of(target))}"


def contributions(state: EvolutionState, by: evolution.By) -> pd.DataFrame:
    """Each partner's or product's contribution to the change, with its page (`page`).
    Raises evolution.NotComparable when the two years share no quarters."""
    table = evolution.contributions(state.territory, state.flux, state.start, state.end, by)
    table["page"] = [contribution_link(by, code, state) for code in table["code"]]
    return table


def own_series(series: pd.DataFrame) -> pd.DataFrame:
    """The territory's own rows of `evolution.series` (not its région's nor France's)."""
    return series[series["scope"] == "territory"].reset_index(drop=True)


def product_evolution_column(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """One column of `product_view.evolution` by year and flow (one chart of the page)."""
    return table[["year", "flow", column]]


def exposure_cpf4(state: ExpositionState) -> pd.DataFrame:
    """The exposure per CPF4 product, named (empty when the data has no CPF4)."""
    table = exposure.exposure(state.territory, state.year, state.partner, detail="cpf4")
    return with_product_names(table, refs.cpf4_name)


# ---------------------------------------------------------------------------------------------
# Pages and their URL parameters


@dataclass(frozen=True)
class ComparedFlow:
    """The Comparer page's state and one flow of its rankings (`flux`; tous: both)."""

    state: ComparisonState
    flux: str


@dataclass(frozen=True)
class Page:
    """A page whose tables the API serves: where it is, what its URL reads and how."""

    route: urlstate.Route  # its word, address and title (urlstate.ROUTES)
    keys: tuple[str, ...]  # the URL parameters it reads
    parse: Callable[[Params], tuple[Any, list[str]]]  # urlstate's parser: (state, notices)
    example: dict[str, str]  # parameters of an example, for the documentation

    @property
    def name(self) -> str:
        return self.route.name

    @property
    def title(self) -> str:
        return self.route.title

    @property
    def path(self) -> str:
        return self.route.path


def _years() -> list[int]:
    return queries.available_years()


def _parse_compared_flow(params: Params) -> tuple[ComparedFlow, list[str]]:
    """The Comparer page's parameters, and `flux` for one flow of a ranking."""
    own = {key: value for key, value in params.items() if key != "flux"}
    state, notices = urlstate.parse_comparison(own, _years())
    flux = {"flux": params["flux"]} if "flux" in params else {}
    urlstate.check_params(flux, ("flux",), notices)  # repeated
    return ComparedFlow(state, urlstate.parse_flux(params, notices)), notices


def _api_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """A page's parameters that choose its figures: not `section`, which only says which parts
    of the page are open (lib/core/sections.py)."""
    return tuple(key for key in keys if key != sections.SECTION_KEY)


FICHE = Page(
    urlstate.FICHE,
    _api_keys(urlstate.FICHE_KEYS),
    lambda params: urlstate.parse_fiche(params, _years()),
    {"niveau": "departement", "code": "53", "annee": "2024", "top": "10"},
)
CARTE = Page(
    urlstate.CARTE,
    urlstate.MAP_KEYS,
    lambda params: urlstate.parse_map(params, _years(), list(choropleth.METRICS)),
    {"annee": "2024"},
)
EVOLUTION = Page(
    urlstate.EVOLUTION,
    _api_keys(urlstate.EVOLUTION_KEYS),
    lambda params: urlstate.parse_evolution(params, _years(), evolution.whole_years()),
    {"niveau": "departement", "code": "53", "debut": "2023", "fin": "2024", "flux": "export"},
)
PRODUIT = Page(
    urlstate.PRODUIT,
    _api_keys(urlstate.PRODUIT_KEYS),
    lambda params: urlstate.parse_product(params, _years(), queries.cpf4_codes()),
    {
        "code": "C21Z",
        "annee": "2024",
        "flux": "export",
        "niveau": "departement",
        "territoire": "53",
    },
)
PAYS = Page(
    urlstate.PAYS,
    _api_keys(urlstate.PAYS_KEYS),
    lambda params: urlstate.parse_country(params, _years()),
    {"code": "US", "annee": "2024"},
)
COMPARER = Page(
    urlstate.COMPARER,
    _api_keys(urlstate.COMPARER_KEYS),
    lambda params: urlstate.parse_comparison(params, _years()),
    {"niveau": "departement", "codes": "53,61,72", "annee": "2024"},
)
# The Comparer page draws each ranking once per flow: `flux` picks one (tous: both).
COMPARER_BY_FLOW = Page(
    urlstate.COMPARER,
    (*_api_keys(urlstate.COMPARER_KEYS), "flux"),
    _parse_compared_flow,
    {"niveau": "departement", "codes": "53,61,72", "annee": "2024", "flux": "export"},
)
EXPOSITION = Page(
    urlstate.EXPOSITION,
    _api_keys(urlstate.EXPOSITION_KEYS),
    lambda params: urlstate.parse_exposition(params, _years()),
    {"niveau": "departement", "code": "42", "annee": "2024", "partenaire": "US"},
)
DIVERSIFIER = Page(
    urlstate.DIVERSIFIER,
    _api_keys(urlstate.DIVERSIFIER_KEYS),
    lambda params: urlstate.parse_diversification(params, _years()),
    {"niveau": "departement", "code": "42", "annee": "2024", "partenaire": "US"},
)


# ---------------------------------------------------------------------------------------------
# The tables


@dataclass(frozen=True)
class Table:
    """One table: its name, page, title (as the page gives it), columns (in order) and builder.

    `territory` says whose table it is (None: every département, or no single territory);
    `every_year` that it covers every year of the dataset rather than the page's year;
    `check` refuses (Refused, Unavailable) what the page would not show.
    """

    name: str
    page: Page
    title: str
    columns: tuple[str, ...]
    build: Builder
    territory: Callable[[Any], Territory | None] = field(default=lambda state: state.territory)
    every_year: bool = False
    check: Callable[[Any], None] = field(default=lambda state: None)
    # The table part of the page's download name when it is not `name` (the fiche's CSVs are
    # named in French on the page, `pays_dept_53_2024_top10.csv`, and as the CLI's here).
    download: str | None = None


def _none(state: object) -> None:
    return None


def _not_for_france(what: str) -> Callable[[Any], None]:
    def check(state: Any) -> None:
        if state.territory == FRANCE:
            raise Unavailable(f"{what} : sans objet pour la France entière.")

    return check


def _enough_territories(state: ComparisonState | ComparedFlow) -> None:
    compared = state.state if isinstance(state, ComparedFlow) else state
    if len(compared.codes) < COMPARE_MIN:
        raise Refused(
            f"Choisissez au moins {COMPARE_MIN} territoires à comparer (au plus {COMPARE_MAX}) "
            "avec le paramètre « codes », par exemple codes=53,61,72."
        )


def _not_for_france_product(state: ProductState) -> None:
    if state.territory == FRANCE:
        raise Unavailable(
            "Sans territoire choisi (paramètres « niveau » et « territoire »), la page Produit "
            "ne montre que la France entière : tableau sans objet."
        )


def _sankey(flow: flows.Flow) -> Builder:
    return lambda s: queries.sankey(s.territory, s.year, flow.code, s.top)


def _ranking(ranked: str) -> Builder:
    def build(compared: ComparedFlow) -> pd.DataFrame:
        query = comparison.top_partners if ranked == "country" else comparison.top_products
        table = query(compared.state.territories, compared.state.year)
        return shown_flows(table, compared.flux)

    return build


def _product_evolution(column: str) -> Builder:
    return lambda s: product_evolution_column(
        product_view.evolution(s.product, s.territory), column
    )


KPIS = ("indicator", "value")
PARTNERS = ("country", "country_name", "imports_eur", "exports_eur", "balance_eur")
PRODUCTS = ("flow", "product", "product_name", "value_eur", "share_pct")
SANKEY = ("source", "target", "value_eur", "highlight")
SERIES = tuple(evolution.SERIES_COLUMNS)
GROWTH = (
    "scope", "code", "name", "flow", "first_year", "last_year", "first_eur", "last_eur",
    "average_growth_pct",
)  # fmt: skip
CONTRIBUTIONS = (
    "code", "name", "start_eur", "end_eur", "change_eur", "contribution_pct", "page",
)  # fmt: skip
EXPOSURE = ("product", "exports_eur", "to_partner_eur", "share_pct")
BY_DEPT = ("dept", "name", "value_eur", "share_pct", "rank")
TRADED = ("exports_eur", "imports_eur", "balance_eur")
SIDE_BY_SIDE = ("territory", "name")
RANKED = ("value_eur", "share_pct", "rank")
MAP = (
    "dept", "name", "region_code", *TRADED, "coverage_pct", "exports_share_national_pct",
    "imports_share_national_pct", "exports_change_pct", "imports_change_pct",
)  # fmt: skip
KEY_FIGURES = (
    *SIDE_BY_SIDE, *TRADED, "coverage_pct", "exports_share_national_pct",
    "imports_share_national_pct",
)  # fmt: skip
DEPENDENCY = (
    "product", "imports_eur", "first_supplier", "first_supplier_share_pct", "hhi",
    "outside_eu_share_pct",
)  # fmt: skip


def _fiche_tables() -> list[Table]:
    page = FICHE
    return [
        Table(
            "kpis",
            page,
            "Chiffres clés",
            KPIS,
            lambda s: queries.kpis(s.territory, s.year),
            download="chiffres_cles",
        ),
        Table(
            "partners",
            page,
            "Principaux pays à l'import et à l'export",
            PARTNERS,
            lambda s: queries.partners(s.territory, s.year, s.top),
            download="pays",
        ),
        Table(
            "products",
            page,
            "Principales activités à l'import et à l'export (A129)",
            PRODUCTS,
            fiche_products,
            download="produits",
        ),
        Table(
            "products_cpf4",
            page,
            "Détail des produits en nomenclature CPF4",
            ("flow", "product", "cpf4", "cpf4_name", "value_eur"),
            fiche_product_details,
            download="produits_cpf4",
        ),
        *(
            Table(
                f"sankey_{flow.name}",
                page,
                f"Flux à l'{flow.name} par produit et par pays (Sankey)",
                SANKEY,
                _sankey(flow),
            )
            for flow in FLOWS
        ),
        Table(
            "rangs",
            page,
            "Rang parmi les départements ou les régions",
            tuple(indicators.RANK_COLUMNS),
            lambda s: indicators.ranks(s.territory, s.year),
            check=_not_for_france("Rangs"),
        ),
        Table(
            "specialisation",
            page,
            "Spécialisation : les cinq produits les plus spécifiques",
            ("product", "product_name", *indicators.BALASSA_COLUMNS[1:]),
            specialisation,
            check=_not_for_france("Spécialisation"),
        ),
        Table(
            "specialisation_produits",
            page,
            "Indice de spécialisation de chaque produit exporté",
            ("product", "product_name", *indicators.BALASSA_COLUMNS[1:]),
            specialisation_products,
            check=_not_for_france("Spécialisation"),
        ),
        Table(
            "concentration",
            page,
            "Concentration des échanges (HHI)",
            tuple(indicators.CONCENTRATION_COLUMNS),
            lambda s: indicators.concentration(s.territory, s.year),
        ),
        Table(
            "pays_monde",
            page,
            "Les pays partenaires dans le monde",
            PARTNERS,
            lambda s: country_view.territory_partners(s.territory, s.year),
        ),
        Table(
            "us_exposure",
            page,
            "Exposition aux États-Unis : part, rang et premiers produits",
            tuple(exposure.SUMMARY_COLUMNS),
            lambda s: exposure.partner_summary(s.territory, s.year, partners.US),
            download="exposition_etats_unis",
        ),
    ]


def _other_tables() -> list[Table]:
    return [
        Table(
            "carte",
            CARTE,
            "Indicateurs par département (carte)",
            MAP,
            lambda s: queries.map_metrics(s.year),
            territory=_none,
        ),
        Table(
            "evolution",
            EVOLUTION,
            "Exportations, importations et solde, année par année",
            SERIES,
            lambda s: own_series(evolution.series(s.territory, s.base)),
            every_year=True,
        ),
        Table(
            "evolution_comparaison",
            EVOLUTION,
            "Le territoire, sa région et la France, en valeur et en indice",
            SERIES,
            lambda s: evolution.series(s.territory, s.base),
            every_year=True,
        ),
        Table(
            "croissance_moyenne",
            EVOLUTION,
            "Croissance annuelle moyenne",
            GROWTH,
            lambda s: evolution.average_growth(evolution.series(s.territory, s.base)),
            every_year=True,
        ),
        Table(
            "contributions_pays",
            EVOLUTION,
            "Ce qui a porté la variation : par pays partenaire",
            CONTRIBUTIONS,
            lambda s: contributions(s, "country"),
        ),
        Table(
            "contributions_produits",
            EVOLUTION,
            "Ce qui a porté la variation : par produit",
            CONTRIBUTIONS,
            lambda s: contributions(s, "product"),
        ),
        *_product_tables(),
        *_country_tables(),
        *_comparison_tables(),
        *_exposition_tables(),
        *_diversifier_tables(),
    ]


def _product_tables() -> list[Table]:
    page = PRODUIT
    by_dept: Builder = lambda s: product_view.by_dept(s.product, s.year, s.flux)  # noqa: E731
    return [
        Table(
            "produit_departements",
            page,
            "Le produit par département (carte)",
            BY_DEPT,
            by_dept,
            _none,
        ),
        Table(
            "produit_top_departements",
            page,
            "Les premiers départements pour le produit",
            BY_DEPT,
            lambda s: product_figures.top_depts(by_dept(s)),
            _none,
        ),
        Table(
            "produit_pays",
            page,
            "Les pays partenaires pour le produit",
            ("country", "country_name", "value_eur", "share_pct"),
            lambda s: product_view.partners(s.product, s.year, s.flux, s.territory),
        ),
        Table(
            "produit_evolution_france_eur",
            page,
            "Évolution du produit : France entière",
            ("year", "flow", "france_eur"),
            _product_evolution("france_eur"),
            every_year=True,
        ),
        *(
            Table(
                f"produit_evolution_{column}",
                page,
                title,
                ("year", "flow", column),
                _product_evolution(column),
                every_year=True,
                check=_not_for_france_product,
            )
            for column, title in (
                ("territory_eur", "Évolution du produit : le territoire"),
                ("share_pct", "Évolution du produit : part du territoire dans la France"),
            )
        ),
    ]


def _country_tables() -> list[Table]:
    page = PAYS
    return [
        Table(
            "pays_departements",
            page,
            "Échanges avec le pays, par département",
            ("dept", "name", *TRADED),
            lambda s: country_view.by_dept(s.country, s.year),
            _none,
        ),
        Table(
            "pays_produits",
            page,
            "Échanges avec le pays, par produit",
            ("product", "product_name", *TRADED),
            lambda s: country_view.products(s.country, s.year),
            _none,
        ),
        Table(
            "pays_evolution",
            page,
            "Évolution des échanges avec le pays",
            ("year", *TRADED),
            lambda s: country_view.evolution(s.country),
            _none,
            every_year=True,
        ),
    ]


def _comparison_tables() -> list[Table]:
    return [
        Table(
            "comparaison_chiffres_cles",
            COMPARER,
            "Comparaison : chiffres clés",
            KEY_FIGURES,
            lambda s: comparison.key_figures(s.territories, s.year),
            _none,
            check=_enough_territories,
        ),
        Table(
            "comparaison_pays",
            COMPARER_BY_FLOW,
            "Comparaison : principaux pays partenaires",
            (*SIDE_BY_SIDE, "flow", "country", "country_name", *RANKED),
            _ranking("country"),
            _none,
            check=_enough_territories,
        ),
        Table(
            "comparaison_produits",
            COMPARER_BY_FLOW,
            "Comparaison : principaux produits",
            (*SIDE_BY_SIDE, "flow", "product", "product_name", *RANKED),
            _ranking("product"),
            _none,
            check=_enough_territories,
        ),
        Table(
            "comparaison_evolution",
            COMPARER,
            "Comparaison : évolution des échanges",
            (*SIDE_BY_SIDE, "year", *TRADED),
            lambda s: comparison.evolution(s.territories),
            _none,
            every_year=True,
            check=_enough_territories,
        ),
    ]


def _exposition_tables() -> list[Table]:
    page = EXPOSITION
    return [
        Table(
            "exposure",
            page,
            "Les produits les plus exposés, en valeur",
            EXPOSURE,
            lambda s: exposure.exposure(s.territory, s.year, s.partner),
            download="exposition",
        ),
        Table(
            "exposition_comparaison",
            page,
            "Part des exportations vers le partenaire : territoire, région, France",
            ("scope", "code", "name", *EXPOSURE[1:]),
            lambda s: exposure.exposure_shares(s.territory, s.year, s.partner),
        ),
        Table(
            "exposition_part",
            page,
            "Les produits les plus exposés, en part de leurs exportations",
            EXPOSURE,
            lambda s: exposure_figures.top_by_share(
                exposure.exposure(s.territory, s.year, s.partner)
            ),
        ),
        Table(
            "exposition_cpf4",
            page,
            "Exposition par produit CPF4",
            ("product", "product_name", *EXPOSURE[1:]),
            exposure_cpf4,
        ),
        Table(
            "exposition_departements",
            page,
            "Carte : les départements exposés au partenaire",
            ("dept", "name", *EXPOSURE[1:], "rank_share", "rank_value"),
            lambda s: exposure.exposure_by_dept(s.year, s.partner),
            _none,
        ),
        Table(
            "scenario",
            page,
            "Scénario de droits de douane, par produit",
            (
                "product",
                "to_partner_eur",
                "change_eur",
                *(at_bound("change_eur", bound) for bound in ELASTICITY_RANGE),
            ),
            lambda s: exposure.tariff_scenario(
                s.territory, s.year, s.partner, s.rate_pct, s.elasticity
            ),
        ),
        Table(
            "dependency",
            page,
            "Dépendances à l'import",
            DEPENDENCY,
            lambda s: exposure.dependency(s.territory, s.year),
            download="dependances",
        ),
    ]


def _diversifiable(state: DiversificationState) -> None:
    """France has no specialisation to build on: refused in the page's words."""
    try:
        diversification.check_territory(state.territory)
    except diversification.NotForFrance as refused:
        raise Refused(str(refused)) from None


def _markets(state: DiversificationState) -> pd.DataFrame:
    return diversification.alternative_markets(state.territory, state.year, state.partner)


def _diversifier_tables() -> list[Table]:
    page = DIVERSIFIER
    check = _diversifiable
    return [
        Table(
            "alternative_markets",
            page,
            "Autres marchés pour les produits les plus exposés au partenaire",
            tuple(diversification.ALTERNATIVE_COLUMNS),
            _markets,
            check=check,
        ),
        Table(
            "potentiel_pays",
            page,
            "Potentiel non exploité par pays (carte du monde)",
            ("country", "untapped_eur"),
            lambda s: diversification.untapped_by_country(_markets(s)),
            check=check,
        ),
        Table(
            "activites_proches",
            page,
            "Activités proches : densité et exportations de la France",
            tuple(diversification.CONTEXT_COLUMNS),
            lambda s: diversification.diversification_context(s.territory, s.year),
            check=check,
        ),
        Table(
            "diversification",
            page,
            "Activités proches : produits où le territoire n'est pas spécialisé",
            tuple(diversification.DIVERSIFICATION_COLUMNS),
            lambda s: diversification.diversification(s.territory, s.year),
            check=check,
        ),
        Table(
            "similar_territories",
            page,
            "Territoires comparables",
            tuple(diversification.SIMILAR_COLUMNS),
            lambda s: diversification.similar_territories(s.territory, s.year),
            check=check,
        ),
    ]


TABLES: dict[str, Table] = {table.name: table for table in [*_fiche_tables(), *_other_tables()]}


# ---------------------------------------------------------------------------------------------
# What a table's answer says about itself


def params_of(state: Any) -> dict[str, str]:
    """The parameters that reproduce `state` (urlstate's, and `flux` of a ranking's flow)."""
    if isinstance(state, ComparedFlow):
        return urlstate.params_of(state.state) | {"flux": state.flux}
    return urlstate.params_of(state)


def page_url(table: Table, state: Any) -> str:
    """The page that shows the table, as its shared link (`/fiche?niveau=…`)."""
    shown = state.state if isinstance(state, ComparedFlow) else state
    return f"{table.page.path}?{urlencode(urlstate.params_of(shown))}"


@dataclass(frozen=True)
class Period:
    label: str  # as users read it: `2024`, `2025 (T1–T2)`, `2015–2024`
    slug: str  # in a file name: `2024`, `2025-T1-T2`, `2015-2024`


def _span(first: int, last: int) -> Period:
    return Period(
        f"{queries.year_label(first)} – {queries.year_label(last)}",
        f"{first}-{queries.year_slug(last)}",
    )


def period(table: Table, state: Any) -> Period:
    """The years the table covers: every year, the two years compared, or the page's year."""
    if table.every_year:
        years = queries.available_years()
        return _span(years[0], years[-1]) if years else Period("", "")
    if isinstance(state, EvolutionState):
        return _span(state.start, state.end)
    year = state.state.year if isinstance(state, ComparedFlow) else state.year
    return Period(queries.year_label(year), queries.year_slug(year))


# Parameters of the examples that name a year: set to the dataset's latest (and the one before).
_LATEST_KEYS = ("annee", "fin")
_PREVIOUS_KEYS = ("debut",)


def example(page: Page) -> dict[str, str]:
    """The page's example parameters, its years those of the dataset in place."""
    years = queries.available_years()
    params = dict(page.example)
    if years:
        for key in _LATEST_KEYS:
            if key in params:
                params[key] = str(years[-1])
        for key in _PREVIOUS_KEYS:
            if key in params:
                params[key] = str(years[-2] if len(years) > 1 else years[-1])
    return params
