"""The fiche's world map: the territory's partner countries coloured by its exports or imports
to each (lib.charts.world.partners_figure), every partner in the table with a link to its
Pays page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts import world
from lib.core import flows
from lib.core.states import CountryState, FicheState
from lib.data import country_view, queries
from lib.fiche import cached_charts
from lib.web import urlstate
from pages.parts import components
from pages.parts.fiche_downloads import year_file


def country_links(countries: pd.Series, year: int) -> list[str | None]:
    """The Pays page of each partner country (`/pays?code=US&annee=2024&flux=export`); none
    for the codes that are no country (undetermined or confidential partners)."""
    pages = set(country_view.country_choices())
    return [urlstate.country_url(code, year) if code in pages else None for code in countries]


def phone_height() -> bool:
    """Whether the world map takes a phone's height (world.NARROW_WORLD_HEIGHT): only in a
    window known to be narrow (components.page_look). Its one figure serves every width, its
    geometry sent once; where the width cannot be told, the desktop's height."""
    return components.page_look() == "narrow"


def world_section(state: FicheState) -> None:
    """« Les pays partenaires dans le monde »: one flow at a time (the fiche's, or a choice)."""
    st.subheader(
        f"Les pays partenaires dans le monde, {state.territory.name} "
        f"({queries.year_inline(state.year)})"
    )
    shown = state.shown_flows
    flow = shown[0]
    if len(shown) > 1:
        choice = st.radio(
            "Flux de la carte du monde",
            [f.name for f in shown],
            format_func=lambda name: flows.flow_of(name).title,
            horizontal=True,
            key="fiche-world-flow",
        )
        flow = flows.flow_of(choice)
    table = country_view.territory_partners(state.territory, state.year)
    clicked = components.chart_with_data(
        cached_charts.world_map(state.territory, state.year, flow.name, narrow=phone_height()),
        table,
        year_file(f"pays_monde_{flow.name}", state),
        "world",  # one figure for every width: the map's geometry is sent once
        caption=f"*{world.legend(table, flow.name)}* *Cliquez sur un pays pour ouvrir sa page.*",
        links={"Page du pays": country_links(table["country"], state.year)},
        clickable=True,
    )
    code = next((point.get("location") for point in clicked if point.get("location")), None)
    if code in country_view.country_choices():
        target = CountryState(code, state.year, flow.name)
        st.switch_page(urlstate.PAYS.file, query_params=urlstate.params_of(target))
