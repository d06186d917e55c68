"""Produit: one product (A129, or CPF4 where the data has it) across the départements: its map,
its first départements, its partner countries, its evolution, and a territory's share of France.

URL: /produit?code=C21Z&annee=2024&flux=export&niveau=departement&territoire=53
"""

from __future__ import annotations

from dataclasses import replace

import folium
import pandas as pd
import streamlit as st

from lib.charts import product_figures
from lib.core import filenames, glossary, refs, sections
from lib.core.escaping import plain
from lib.core.flows import EXPORT, IMPORT, flow_of
from lib.core.formatting import meur, pct
from lib.core.states import FicheState, ProductState
from lib.core.territory import FRANCE, Territory
from lib.data import product_view, queries
from lib.web import registry, urlstate
from pages.parts import components, on_demand, wiring

MAP_HEIGHT = 560
URL = wiring.PageUrl(
    "produit",
    lambda params: urlstate.parse_product(params, queries.available_years(), queries.cpf4_codes()),
    wiring.from_context(territory_keys=("niveau", "territoire")),
)


def product_options() -> list[str]:
    """The A129 products of the reference, then the dataset's CPF4 codes."""
    return [*refs.products()["code"], *queries.cpf4_codes()]


def controls(state: ProductState) -> None:
    """Product, year, flow, and the territory whose share is shown; each writes the URL."""
    territory = state.territory
    URL.sync(
        {
            "product": state.product,
            "year": state.year,
            "flux": state.flux,
            "level": territory.level,
            "code": territory.code,
        }
    )
    product_col, year_col, flux_col = st.columns([3, 0.8, 1.6])
    product_col.selectbox(
        "Produit",
        product_options(),
        format_func=product_view.product_label,
        key=URL.key("product"),
        on_change=URL.on_fields("product"),
        help=glossary.PRODUCT_CODES,
    )
    components.year_select(year_col, URL.key("year"), URL.on_fields("year"))
    components.one_flow_radio(flux_col, "Flux de la carte", URL.key("flux"), URL.on_fields("flux"))
    level_col, code_col, _ = st.columns([1.1, 2, 1.6])
    components.territory_pickers(
        level_col, code_col, territory, URL.prefix, URL.on_level(), URL.on_territory()
    )


def _file(table: str, state: ProductState, territory: Territory | None = None) -> str:
    """`produit_departements_C21Z_2024_export.csv`."""
    period = queries.year_slug(state.year)
    return filenames.csv_name(table, territory, period, state.product, state.flux)


def fiche_links(depts: pd.Series, year: int) -> list[str]:
    """The fiche of each département, in `year`."""
    return [urlstate.fiche_url(FicheState(Territory("dept", code), year)) for code in depts]


# ---------------------------------------------------------------------------------------------
# « Chiffres clés » and the territory's share


def key_figures(state: ProductState, evolution: pd.DataFrame) -> None:
    year = evolution[evolution["year"] == state.year].set_index("flow")
    st.subheader(f"Chiffres clés ({queries.year_inline(state.year)})")
    selected = state.territory != FRANCE
    cols = st.columns(4 if selected else 2)
    for column, flow in zip(cols, (EXPORT, IMPORT), strict=False):
        column.metric(f"{flow.title} de la France", meur(year.loc[flow.name, "france_eur"]))
    if not selected:
        st.markdown(
            "Choisissez un territoire ci-dessus, ou cliquez sur un département de la carte, "
            "pour voir sa part de la France pour ce produit."
        )
        return
    for column, flow in zip(cols[2:], (EXPORT, IMPORT), strict=True):
        column.metric(
            f"Part de {state.territory.label} ({flow.plural})",
            pct(year.loc[flow.name, "share_pct"]),
            help=f"{meur(year.loc[flow.name, 'territory_eur'])} sur "
            f"{meur(year.loc[flow.name, 'france_eur'])}",
        )
    st.page_link(
        "pages/fiche.py",
        label=f"Fiche territoire : {state.territory.label}",
        icon=":material/description:",
        query_params=urlstate.params_of(FicheState(state.territory, state.year)),
    )


# ---------------------------------------------------------------------------------------------
# « Carte » and the first départements


def map_section(state: ProductState, by_dept: pd.DataFrame, label: str) -> None:
    flow = flow_of(state.flux)
    st.markdown(
        f"Les départements selon leurs {flow.plural} du produit « {plain(label)} ». Cliquez sur "
        "un département pour voir sa part de la France."
    )
    selected = state.territory.code if state.territory.level == "dept" else None
    period = queries.year_label(state.year)

    def build() -> folium.Map:
        return product_figures.product_choropleth(
            by_dept, flow, label, selected=selected, period=period
        )

    identity = ("produit", state.product, state.year, state.flux, selected, label, period)
    key = f"produit-map-{state.product}-{state.year}-{state.flux}-{selected}"
    clicked = components.clicked_departement(build, identity, key, MAP_HEIGHT)
    if clicked and clicked != selected:  # the component keeps its last click: not a new one
        target = replace(state, territory=Territory("dept", clicked))
        st.switch_page(urlstate.PRODUIT.file, query_params=urlstate.params_of(target))
    components.data_table(
        by_dept,
        _file("produit_departements", state),
        "product-depts-all",
        links={"Fiche": fiche_links(by_dept["dept"], state.year)},
    )


def top_section(state: ProductState, by_dept: pd.DataFrame) -> None:
    flow = flow_of(state.flux)
    top = product_figures.top_depts(by_dept)
    st.subheader(
        f"Les {product_figures.TOP_DEPTS} premiers départements, {flow.plural} "
        f"({queries.year_inline(state.year)})"
    )
    components.chart_with_data(
        lambda narrow: product_figures.top_depts_figure(by_dept, flow, narrow=narrow),
        top,
        _file("produit_top_departements", state),
        "product-depts",
        shared=(state.product, state.year, state.flux),
        caption="*En millions d'euros. La colonne « Fiche » ouvre la fiche du département.*",
        links={"Fiche": fiche_links(top["dept"], state.year)},
    )


# ---------------------------------------------------------------------------------------------
# Partners and evolution


def partners_section(state: ProductState) -> None:
    flow = flow_of(state.flux)
    where = state.territory
    st.subheader(
        f"Principaux pays, {flow.plural}, {where.name} ({queries.year_inline(state.year)})"
    )
    table = product_view.partners(state.product, state.year, state.flux, where)
    components.chart_with_data(
        lambda narrow: product_figures.partners_figure(table, flow, narrow=narrow),
        table,
        _file("produit_pays", state, where if where != FRANCE else None),
        "product-partners",
        shared=(state.product, state.year, state.flux, where),
        caption=f"*En millions d'euros, les {product_figures.TOP_PARTNERS} premiers ; le "
        "tableau et le CSV donnent tous les pays.*",
    )


def evolution_section(state: ProductState, evolution: pd.DataFrame) -> None:
    labels = {year: queries.year_label(year) for year in evolution["year"].unique()}
    charts = [("france_eur", "France entière", "M€")]
    if state.territory != FRANCE:
        charts += [
            ("territory_eur", state.territory.label, "M€"),
            ("share_pct", f"Part de {state.territory.label} dans la France", "%"),
        ]
    for column, title, unit in charts:
        st.subheader(f"{title}, par année")
        components.chart_with_data(
            product_figures.evolution_figure(evolution, column, labels, unit),
            registry.product_evolution_column(evolution, column),
            _file(f"produit_evolution_{column}", state, state.territory),
            f"product-evolution-{column}",
            caption=PARTIAL if any(label != str(year) for year, label in labels.items()) else None,
        )


def _map(state: ProductState) -> None:
    by_dept = product_view.by_dept(state.product, state.year, state.flux)
    map_section(state, by_dept, product_view.product_label(state.product))


def _evolution(state: ProductState) -> None:
    evolution_section(state, product_view.evolution(state.product, state.territory))


PARTIAL = "*Marqueurs creux : année incomplète (trimestres manquants).*"
METHODOLOGY = """
**Produits.** Les positions A129 de la nomenclature agrégée (NAF rév. 2) ; les codes CPF4 à
quatre chiffres quand les fichiers importés en portent. **France entière** : toutes les lignes
du jeu de données, y compris celles hors des 101 départements (non ventilées) ; la somme des
départements peut donc être un peu inférieure. **Part de la France** : valeur du département ÷
valeur de la France × 100. **Rang** : 1 pour la plus grande valeur ; des valeurs égales
partagent le même rang.
"""


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    label = product_view.product_label(state.product)
    st.title(f"Produit — {plain(label)}")
    components.partial_year_notice(state.year)
    st.markdown(
        "Où ce produit est exporté et importé en France, avec quels pays, et son évolution."
    )
    controls(state)
    evolution = product_view.evolution(state.product, state.territory)
    key_figures(state, evolution)
    by_dept = product_view.by_dept(state.product, state.year, state.flux)
    top_section(state, by_dept)  # the first screen: key figures, the first départements
    on_demand.sections_below(
        URL,
        state,
        sections.PRODUIT,
        {"carte": _map, "partenaires": partners_section, "evolution": _evolution},
    )
    with st.expander("Méthodologie"):
        st.markdown(METHODOLOGY)
        st.markdown(components.METHODOLOGY)


components.ensure_navigation()
page()
