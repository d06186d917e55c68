"""Carte (home): the départements coloured by a metric; a click opens the fiche.

URL: /?annee=2024&indicateur=exports
"""

from __future__ import annotations

from dataclasses import replace

import folium
import streamlit as st

from lib.charts import choropleth
from lib.core import filenames, refs
from lib.core.schema import QUARTERS
from lib.core.states import FicheState, MapState
from lib.core.territory import Territory
from lib.data import queries
from lib.web import urlstate
from pages.parts import components, wiring

MAP_HEIGHT = 640


URL = wiring.PageUrl(
    "carte",
    lambda params: urlstate.parse_map(params, queries.available_years(), list(choropleth.METRICS)),
    wiring.from_context(territory_keys=None),  # the outline is SELECTED_DEPT's
)


def _fiche_params(code: str, year: int) -> dict[str, str]:
    """The fiche of a département, the year of the map (its other settings by default)."""
    return urlstate.params_of(FicheState(Territory("dept", code), year))


def open_fiche(code: str, year: int) -> None:
    st.switch_page(urlstate.FICHE.file, query_params=_fiche_params(code, year))


def _on_search() -> None:
    # Remember the choice and clear the box, so that coming back to the map does not reopen it.
    st.session_state["carte-goto"] = st.session_state["carte-search"]
    st.session_state["carte-search"] = None


def controls(year: int, metric: str) -> None:
    """Year, metric and a searchable list of départements (for keyboard users)."""
    URL.sync({"year": year, "metric": metric})
    year_col, metric_col, search_col = st.columns([1, 2, 3])
    components.year_select(year_col, "carte-year", URL.on_fields("year"))
    metric_col.selectbox(
        "Indicateur",
        list(choropleth.METRICS),
        format_func=lambda key: choropleth.METRICS[key].label,
        key="carte-metric",
        on_change=URL.on_fields("metric"),
    )
    search_col.selectbox(
        "Rechercher un département",
        list(refs.departements()["code"]),
        index=None,
        format_func=lambda code: f"{code} – {refs.dept_name(code)}",
        placeholder="Tapez un nom ou un numéro…",
        key="carte-search",
        on_change=_on_search,
    )


def drom_links(year: int) -> None:
    """The five overseas départements, also reachable in one click."""
    st.caption("Départements et régions d'outre-mer")
    for column, code in zip(st.columns(len(choropleth.DROM)), choropleth.DROM, strict=True):
        column.page_link(
            "pages/fiche.py",
            label=f"{refs.dept_name(code)} ({code})",
            query_params=_fiche_params(code, year),
        )


def legend_period(state: MapState) -> str:
    """« 2025 (T1–T2) »; for a one-year change of a partial year, the quarters compared."""
    label = queries.year_label(state.year)
    quarters = queries.year_quarters(state.year)
    if state.metric.endswith("_change") and quarters != QUARTERS:
        return f"{label} / mêmes trimestres de {state.year - 1}"
    return label


def change_notice(year: int) -> None:
    """Why a one-year change cannot be drawn, when it cannot."""
    if queries.comparable_quarters(year) is not None:
        return
    if year - 1 not in queries.available_years():
        st.info(f"Pas de données pour {year - 1} : l'évolution sur un an n'est pas disponible.")
    else:
        st.info(
            f"{queries.year_label(year)} et {queries.year_label(year - 1)} ne couvrent pas les "
            "mêmes trimestres (ou l'une des deux années n'est pas détaillée par trimestre) : "
            "l'évolution sur un an n'est pas disponible."
        )


def map_clicked_code(state: MapState, metrics_frame) -> str | None:
    """Draw the map; return the département just clicked, if any.

    A click opens the fiche at once, and the component is mounted anew when the user comes
    back, so a returned feature is always a fresh click.
    """
    period = legend_period(state)

    def build() -> folium.Map:
        return choropleth.choropleth(
            metrics_frame, state.metric, selected=state.selected, period=period
        )

    identity = ("carte", state.year, state.metric, state.selected, period)
    key = f"carte-{state.year}-{state.metric}-{state.selected}"
    return components.clicked_departement(build, identity, key, MAP_HEIGHT)


def page() -> None:
    years = queries.available_years()
    state = URL.shown()
    if state.selected is None and st.session_state.get(components.SELECTED_DEPT):
        # Coming back from a fiche: outline the département the user was reading.
        state = replace(state, selected=st.session_state[components.SELECTED_DEPT])
    year, metric = state.year, state.metric
    if not years:
        st.error("Le jeu de données est vide : importez des fichiers des Douanes.")
        return
    URL.write(state)
    st.title(f"Commerce extérieur des départements, {queries.year_label(year)}")
    st.markdown(
        "Cliquez sur un département pour ouvrir sa fiche : chiffres clés, principaux pays "
        "partenaires, principales activités, flux par produit et par pays."
    )
    controls(year, metric)
    searched = st.session_state.pop("carte-goto", None)
    if searched:
        open_fiche(searched, year)
    metrics_frame = queries.map_metrics(year)
    if metric.endswith("_change"):
        change_notice(year)
    clicked = map_clicked_code(state, metrics_frame)
    if clicked:
        open_fiche(clicked, year)
    drom_links(year)
    label = choropleth.METRICS[metric].label
    st.subheader(f"{label} par département, {queries.year_label(year)}")
    file_name = filenames.csv_name(f"carte_{metric}", None, queries.year_slug(year))
    components.data_table(metrics_frame, file_name, "map")
    with st.expander("Méthodologie"):
        st.markdown(components.METHODOLOGY)


components.ensure_navigation()
page()
