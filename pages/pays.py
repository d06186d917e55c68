"""Pays: France's trade with one partner country: key figures, the départements that trade with
it (map: a click opens the département's fiche), the products traded both ways, the years.

URL: /pays?code=US&annee=2024&flux=export
"""

from __future__ import annotations

import folium
import streamlit as st

from lib.charts import country_figures
from lib.core import filenames, flows, refs, sections
from lib.core.escaping import plain
from lib.core.formatting import meur, pct
from lib.core.states import CountryState, FicheState
from lib.core.territory import Territory
from lib.data import country_view, queries
from lib.web import urlstate
from pages.parts import components, on_demand, wiring

MAP_HEIGHT = 560
URL = wiring.PageUrl(
    "pays",
    lambda params: urlstate.parse_country(params, queries.available_years()),
    wiring.from_context(territory_keys=None),
)


def controls(state: CountryState) -> None:
    URL.sync({"country": state.country, "year": state.year, "flux": state.flux})
    country_col, year_col, flux_col = st.columns([2, 0.8, 1.6])
    country_col.selectbox(
        "Pays",
        country_view.country_choices(),
        format_func=refs.country_name,
        key=URL.key("country"),
        on_change=URL.on_fields("country"),
    )
    components.year_select(year_col, URL.key("year"), URL.on_fields("year"))
    components.one_flow_radio(
        flux_col, "Carte des départements", URL.key("flux"), URL.on_fields("flux")
    )


def _file(table: str, state: CountryState, period: str | None = None) -> str:
    """`pays_departements_2024_US.csv`."""
    shown = period if period is not None else queries.year_slug(state.year)
    return filenames.csv_name(table, None, shown, state.country)


def key_figures(state: CountryState, name: str) -> None:
    totals = country_view.totals(state.country, state.year)
    cols = st.columns(4)
    cols[0].metric("Exportations de la France vers le pays", meur(totals["exports_eur"]))
    cols[1].metric("Importations de la France depuis le pays", meur(totals["imports_eur"]))
    cols[2].metric("Solde commercial", meur(totals["balance_eur"], signed=True))
    cols[3].metric("Part des exportations françaises", pct(totals["exports_share_pct"]))
    st.markdown(
        f"En {queries.year_inline(state.year)}, « {plain(name)} » reçoit "
        f"{pct(totals['exports_share_pct'])} des exportations de la France et lui fournit "
        f"{pct(totals['imports_share_pct'])} de ses importations."
    )


def map_section(state: CountryState, name: str) -> None:
    flow = flows.flow_of(state.flux)
    towards = "vers ce pays" if flow is flows.EXPORT else "depuis ce pays"
    st.markdown(
        f"Les départements selon leurs {flow.plural} {towards}. Cliquez sur un département pour "
        "ouvrir sa fiche."
    )
    by_dept = country_view.by_dept(state.country, state.year)
    period = queries.year_label(state.year)

    def build() -> folium.Map:
        return country_figures.dept_choropleth(by_dept, state.flux, name, period=period)

    identity = ("pays", state.country, state.year, state.flux, name, period)
    key = f"pays-map-{state.country}-{state.year}-{state.flux}"
    clicked = components.clicked_departement(build, identity, key, MAP_HEIGHT)
    if clicked:  # the component is mounted anew on coming back: always a fresh click
        fiche = FicheState(Territory("dept", clicked), state.year)
        st.switch_page(urlstate.FICHE.file, query_params=urlstate.params_of(fiche))
    components.data_table(by_dept, _file("pays_departements", state), "country-depts")


def products_section(state: CountryState) -> None:
    st.header("Les produits échangés", divider="gray")
    table = country_view.products(state.country, state.year)
    st.subheader(
        f"Les {country_figures.TOP_PRODUCTS} premiers produits, importations et exportations "
        f"({queries.year_inline(state.year)})"
    )
    components.chart_with_data(
        lambda narrow: country_figures.products_figure(table, narrow=narrow),
        table,
        _file("pays_produits", state),
        "country-products",
        shared=(state.country, state.year),
        caption="*Importations à gauche, exportations à droite, en millions d'euros ; le solde "
        "à droite. Le tableau et le CSV donnent tous les produits échangés.*",
    )


def evolution_section(state: CountryState) -> None:
    table = country_view.evolution(state.country)
    labels = [queries.year_label(int(year)) for year in table["year"]]
    years = table["year"]
    period = f"{years.min()}-{years.max()}" if not table.empty else "aucune"
    components.chart_with_data(
        lambda narrow: country_figures.evolution_figure(table, labels, narrow=narrow),
        table,
        _file("pays_evolution", state, period),
        "country-evolution",
        shared=state.country,
        caption="*Échanges de la France entière avec le pays, en millions d'euros ; une année "
        "partielle ne couvre que les trimestres indiqués.*",
    )


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    name = refs.country_name(state.country)
    st.title(f"Commerce avec un pays — {plain(name)}")
    components.partial_year_notice(state.year)
    st.markdown(
        "Les échanges de la France avec un pays partenaire : les départements qui commercent "
        "avec lui, les produits échangés dans les deux sens, le solde et son évolution."
    )
    controls(state)
    key_figures(state, name)
    products_section(state)  # the first screen: key figures, the products both ways
    on_demand.sections_below(
        URL,
        state,
        sections.PAYS,
        {
            "departements": lambda shown: map_section(shown, refs.country_name(shown.country)),
            "evolution": evolution_section,
        },
    )
    with st.expander("Méthodologie"):
        st.markdown(components.METHODOLOGY)


components.ensure_navigation()
page()
