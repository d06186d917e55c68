"""Évolution: a territory's exports, imports and balance year by year beside its région and
France (values, index, growth), and the partners and products that drove the change between
two years.

URL: /evolution?niveau=departement&code=53&base=2015&debut=2023&fin=2024&flux=export
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts import evolution_figures
from lib.core import filenames, flows, periods, sections
from lib.core.escaping import plain
from lib.core.formatting import meur, pct
from lib.core.states import EvolutionState
from lib.data import evolution, queries
from lib.web import registry, urlstate
from pages.parts import components, on_demand, wiring

URL = wiring.PageUrl(
    "evolution",
    lambda params: urlstate.parse_evolution(
        params, queries.available_years(), evolution.whole_years()
    ),
    wiring.from_context(year_keys=("fin",)),  # the year shown elsewhere ends the comparison
)
BREAKDOWNS: dict[evolution.By, tuple[str, str]] = {
    "country": ("Par pays partenaire", "pays"),
    "product": ("Par produit", "produits"),
}
LINKS_SHOWN = 3  # rises and falls named, with their link, under each waterfall


def controls(state: EvolutionState) -> None:
    """Territory, flow and the index's base year; each writes the URL."""
    territory = state.territory
    URL.sync(
        {
            "level": territory.level,
            "code": territory.code,
            "flux": state.flux,
            "base": state.base,
            "start": state.start,
            "end": state.end,
        }
    )
    level_col, code_col, flux_col, base_col = st.columns([1.1, 2, 1.6, 1])
    components.territory_pickers(
        level_col, code_col, territory, URL.prefix, URL.on_level(), URL.on_territory()
    )
    flux_col.radio(
        "Flux",
        [flow.name for flow in flows.FLOWS],
        format_func=lambda name: flows.flow_of(name).title,
        key=URL.key("flux"),
        horizontal=True,
        on_change=URL.on_fields("flux"),
    )
    base_col.selectbox(
        "Année de base (indice 100)",
        evolution.whole_years(),
        key=URL.key("base"),
        on_change=URL.on_fields("base"),
    )


def _span(table: pd.DataFrame) -> str:
    """`2015-2024`, `2015-2025-T1-T2` in a file name."""
    years = sorted(table["year"].unique())
    return f"{years[0]}-{queries.year_slug(int(years[-1]))}" if years else ""


# ---------------------------------------------------------------------------------------------
# « Sur toute la période »


def growth_sentence(averages: pd.DataFrame, flow: str) -> str:
    """« Exportations, croissance annuelle moyenne de 2015 à 2024 : Mayenne +5,3 % ; Pays de la
    Loire +3,3 % ; France entière +3,1 %. » (names through plain: this is Markdown)."""
    rows = averages[averages["flow"] == flow]
    if rows.empty:
        return ""
    first = rows.iloc[0]
    parts = [
        f"{plain(row['name'])} **{pct(row['average_growth_pct'], signed=True)}**"
        for _, row in rows.iterrows()
    ]
    return (
        f"{flows.flow_of(flow).title}, croissance annuelle moyenne de {first['first_year']} à "
        f"{first['last_year']} : " + " ; ".join(parts) + "."
    )


def period_section(state: EvolutionState) -> None:
    territory, flow = state.territory, flows.flow_of(state.flux)
    table = evolution.series(territory, state.base)
    if table.empty:
        st.markdown("Aucune donnée pour ce territoire.")
        return
    averages = evolution.average_growth(table)
    st.header("Sur toute la période", divider="gray")
    for line in (growth_sentence(averages, f.name) for f in flows.FLOWS):
        if line:
            st.markdown(line)
    if table["partial"].any():
        st.markdown(
            "*Une année incomplète (trimestres indiqués sous l'année) est dessinée à part, en "
            "pointillés ou hachurée : elle est comparée aux mêmes trimestres de l'année "
            "précédente, et la moyenne annuelle ne porte que sur les années complètes.*"
        )
    span = _span(table)
    own = registry.own_series(table)
    st.subheader(f"Exportations, importations et solde, {territory.name} (M€)")
    components.chart_with_data(
        evolution_figures.values_figure(table),
        own,
        filenames.csv_name("evolution", territory, span),
        "evolution-values",
    )
    st.subheader(f"{flow.title} en indice, base 100 en {state.base}")
    components.chart_with_data(
        evolution_figures.index_figure(table, flow, state.base),
        table,
        filenames.csv_name("evolution_comparaison", territory, span, f"base{state.base}"),
        "evolution-index",
        caption=f"*{territory.label}, sa région et la France entière : {flow.plural} de "
        f"chaque année ÷ celles de {state.base} × 100.*",
    )
    st.subheader(f"{flow.title} : taux de croissance annuel")
    components.chart_with_data(
        evolution_figures.growth_figure(table, flow),
        averages,
        filenames.csv_name("croissance_moyenne", territory, span),
        "evolution-growth",
        caption="*Variation sur l'année précédente ; le tableau et le CSV donnent la croissance "
        "annuelle moyenne de chaque flux sur la période.*",
    )


# ---------------------------------------------------------------------------------------------
# « Ce qui a porté la variation »


def year_controls(state: EvolutionState) -> None:
    years = sorted(queries.available_years(), reverse=True)
    columns = st.columns([1, 1, 3])
    for column, label, field in ((columns[0], "De", "start"), (columns[1], "À", "end")):
        column.selectbox(
            label,
            years,
            format_func=queries.year_label,
            key=URL.key(field),
            on_change=URL.on_fields(field),
        )


def _period(year: int, quarters: tuple[int, ...]) -> str:
    return periods.year_label(year, quarters)


def change_sentence(state: EvolutionState, change: evolution.Change) -> str:
    flow = flows.flow_of(state.flux)
    quarters = periods.quarters_text(change.quarters)
    on = f" (trimestres {quarters} de chaque année)" if quarters else ""
    return (
        f"Les {flow.plural} de {plain(state.territory.label)} sont passées de "
        f"{meur(change.start_eur)} en {state.start} à {meur(change.end_eur)} en {state.end}"
        f"{on} : **{meur(change.change_eur, signed=True)}**, soit "
        f"**{pct(change.growth_pct, signed=True)}**. Chaque barre est la contribution d'un "
        "partenaire ou d'un produit à cette variation ; elles s'additionnent à la variation "
        "totale."
    )


def drivers_sentence(table: pd.DataFrame) -> str:
    """The largest rises and falls, each a Markdown link to its page (names through plain)."""

    def named(rows: pd.DataFrame) -> str:
        return ", ".join(
            (f"[{plain(row['name'])}]({row['page']})" if row["page"] else plain(row["name"]))
            + f" ({meur(row['change_eur'], signed=True)})"
            for _, row in rows.iterrows()
        )

    rises = table[table["change_eur"] > 0].head(LINKS_SHOWN)
    falls = table[table["change_eur"] < 0].iloc[::-1].head(LINKS_SHOWN)
    parts = []
    if not rises.empty:
        parts.append(f"Plus fortes hausses : {named(rises)}.")
    if not falls.empty:
        parts.append(f"Plus fortes baisses : {named(falls)}.")
    return "  \n".join(parts)


def breakdown(state: EvolutionState, by: evolution.By, change: evolution.Change) -> None:
    title, word = BREAKDOWNS[by]
    table = registry.contributions(state, by)  # with each contributor's page, as the API's
    st.subheader(title)
    start_label = _period(state.start, change.quarters)
    end_label = _period(state.end, change.quarters)
    components.chart_with_data(
        lambda narrow: evolution_figures.waterfall_figure(
            table, start_label, end_label, narrow=narrow
        ),
        table,
        filenames.csv_name(
            f"contributions_{word}",
            state.territory,
            f"{state.start}-{queries.year_slug(state.end)}",
            state.flux,
        ),
        f"evolution-{by}",
        caption=drivers_sentence(table),
        column_config={"page": st.column_config.LinkColumn("Page", display_text="Ouvrir")},
    )


def drivers_section(state: EvolutionState) -> None:
    flow = flows.flow_of(state.flux)
    st.subheader(
        f"Ce qui a porté la variation des {flow.plural} entre {state.start} et {state.end}"
    )
    year_controls(state)
    try:
        change = evolution.change_total(state.territory, state.flux, state.start, state.end)
    except evolution.NotComparable as error:
        st.warning(str(error), icon="⚠️")  # our own text: years only
        return
    st.markdown(change_sentence(state, change))
    for by in BREAKDOWNS:
        breakdown(state, by, change)


METHODOLOGY = """
**Indice.** Valeur de l'année ÷ valeur de l'année de base × 100, pour le territoire, sa région
et la France entière. L'année de base est une année complète.

**Années incomplètes.** Quand la dernière année ne couvre que certains trimestres, sa valeur est
comparée à celle des mêmes trimestres de l'année précédente ; son indice prolonge celui de
l'année précédente de cette variation. Elle est dessinée à part (marqueur creux, pointillés,
barres hachurées).

**Croissance annuelle moyenne.** ((valeur de la dernière année complète ÷ valeur de la première)
^(1 ÷ nombre d'années) − 1) × 100.

**Contributions.** Pour chaque pays partenaire ou produit (A129) : variation de sa valeur entre
les deux années (sur les mêmes trimestres si l'une est incomplète), et contribution en points de
croissance = variation ÷ total de la première année × 100. La somme des variations est la
variation totale du territoire ; la somme des contributions, son taux de croissance.
"""


def page() -> None:
    state = URL.current()
    if components.no_year(state.end):
        return
    st.title(f"Évolution du commerce extérieur — {state.territory.label}")
    st.markdown(
        "Les exportations, importations et le solde du territoire année après année, à côté de "
        "sa région et de la France, puis les partenaires et les produits qui ont porté la "
        "variation entre deux années."
    )
    controls(state)
    period_section(state)  # the first screen: the series of every year
    on_demand.sections_below(URL, state, sections.EVOLUTION, {"variation": drivers_section})
    with st.expander("Méthodologie"):
        st.markdown(METHODOLOGY)
        st.markdown(components.METHODOLOGY)


components.ensure_navigation()
page()
