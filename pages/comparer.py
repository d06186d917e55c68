"""Comparer: two to four départements or régions side by side, on common scales.

URL: /comparer?niveau=departement&codes=53,61,72&annee=2024
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.charts import comparison_figures
from lib.core import filenames, refs, sections
from lib.core.escaping import plain
from lib.core.flows import FLOWS, Flow
from lib.core.formatting import meur, national_share, pct
from lib.core.states import COMPARE_MAX, COMPARE_MIN, ComparedLevel, ComparisonState
from lib.core.territory import Territory
from lib.data import comparison, queries
from lib.web import registry, urlstate
from pages.parts import components, on_demand, wiring


def _start(context: urlstate.Context) -> dict[str, str]:
    """Opened from the menu: the visitor's year, her département or région beside the ones
    comparison.peers proposes (France, or no territory yet: the page's defaults)."""
    years = queries.available_years()
    params = urlstate.context_params(context, years, territory_keys=None)
    territory = context.territory
    if territory is None or territory.level == "france" or not years:
        return params
    year = int(params.get("annee", max(years)))
    compared = urlstate.default_comparison(territory, year, comparison.peers(territory, year))
    return urlstate.params_of(compared)


URL = wiring.PageUrl(
    "comparer",
    lambda params: urlstate.parse_comparison(params, queries.available_years()),
    _start,
)
LEVELS: dict[ComparedLevel, str] = {"dept": "Départements", "region": "Régions"}
RANKINGS = {  # the words of the sentence, the file's
    "country": ("partenaires", "pays"),
    "product": ("produits", "produits"),
}


def moved_codes(state: ComparisonState, level: ComparedLevel) -> tuple[str, ...]:
    """The same places at the other level: the départements' régions (once each), or the
    first département of each région."""
    if level == state.level:
        return state.codes
    if level == "region":
        regions = (refs.region_of_dept(code) for code in state.codes)
        return tuple(dict.fromkeys(code for code in regions if code))
    return tuple(depts[0] for code in state.codes if (depts := refs.depts_of_region(code)))


def _on_level(state: ComparisonState) -> ComparisonState:
    level = URL.widget("level")
    return replace(state, level=level, codes=moved_codes(state, level))


def controls(state: ComparisonState) -> None:
    """Level, territories (at most COMPARE_MAX) and year; each writes the URL."""
    URL.sync({"level": state.level, "codes": list(state.codes), "year": state.year})
    level_col, codes_col, year_col = st.columns([1.1, 4, 0.8])
    level_col.radio(
        "Niveau",
        list(LEVELS),
        format_func=LEVELS.get,
        key=URL.key("level"),
        on_change=URL.on(_on_level),
    )
    codes_col.multiselect(
        f"Territoires à comparer (de {COMPARE_MIN} à {COMPARE_MAX})",
        components.territory_options(state.level),
        format_func=lambda code: components.territory_label(state.level, code),
        max_selections=COMPARE_MAX,
        placeholder="Choisissez des territoires",
        key=URL.key("codes"),
        on_change=URL.on(lambda s: replace(s, codes=tuple(URL.widget("codes")))),
    )
    components.year_select(year_col, URL.key("year"), URL.on_fields("year"))


def _file(table: str, state: ComparisonState, period: str, *details: str) -> str:
    """`comparaison_chiffres_cles_dept_53-61-72_2024.csv`: the territories in the place of
    one territory's level and code."""
    compared = f"comparaison_{table}_{state.level}_{'-'.join(state.codes)}"
    scope = ", ".join(Territory(state.level, code).label for code in state.codes)
    return filenames.csv_name(compared, None, period, *details, scope=scope)


# ---------------------------------------------------------------------------------------------
# « Chiffres clés »


def key_figures_section(state: ComparisonState) -> pd.DataFrame:
    year = queries.year_inline(state.year)
    st.header(f"Chiffres clés ({year})", divider="gray")
    table = comparison.key_figures(state.territories, state.year)
    for column, row in zip(st.columns(len(table)), table.itertuples(), strict=True):
        with column, st.container(border=True, key=f"kpis-{row.territory}"):
            st.markdown(f"**{plain(state.territories[row.Index].label)}**")
            st.metric("Exportations", meur(row.exports_eur))
            st.metric("Importations", meur(row.imports_eur))
            st.metric("Solde commercial", meur(row.balance_eur, signed=True))
            st.metric("Taux de couverture", pct(row.coverage_pct))
            st.caption(
                f"Part de la France : {national_share(row.exports_share_national_pct)} des "
                f"exportations, {national_share(row.imports_share_national_pct)} des "
                "importations."
            )
    st.subheader(f"Exportations et importations ({year})")
    components.chart_with_data(
        lambda narrow: comparison_figures.key_figures_figure(table, narrow=narrow),
        table,
        _file("chiffres_cles", state, queries.year_slug(state.year)),
        "comparison-kpis",
        shared=(state.territories, state.year),
        caption="*En millions d'euros, sur une même échelle.*",
    )
    return table


# ---------------------------------------------------------------------------------------------
# « Partenaires » and « Produits »


def ranking_section(state: ComparisonState, ranked: str) -> None:
    words, file_word = RANKINGS[ranked]
    year = queries.year_inline(state.year)
    query = comparison.top_partners if ranked == "country" else comparison.top_products
    table = query(state.territories, state.year)
    st.markdown(
        f"Les {comparison.TOP_RANKED} premiers {words} de chaque territoire en {year}, en "
        "millions d'euros, **sur une même échelle** : les barres se comparent d'un territoire "
        "à l'autre."
    )
    for flow in FLOWS:
        rows = registry.shown_flows(table, flow.name)  # as the API's, flux=export or import
        st.subheader(_ranking_title(flow, ranked))
        components.chart_with_data(
            lambda narrow, flow=flow: comparison_figures.ranking_figure(
                table, ranked, flow, narrow=narrow
            ),
            rows,
            _file(file_word, state, queries.year_slug(state.year), flow.name),
            f"comparison-{ranked}-{flow.name}",
            shared=(state.territories, state.year),
        )


RANKING_TITLES = {
    ("country", "E"): "Pays de destination des exportations",
    ("country", "I"): "Pays d'origine des importations",
    ("product", "E"): "Produits exportés",
    ("product", "I"): "Produits importés",
}


def _ranking_title(flow: Flow, ranked: str) -> str:
    return RANKING_TITLES[(ranked, flow.code)]


# ---------------------------------------------------------------------------------------------
# « Évolution »


def evolution_section(state: ComparisonState) -> None:
    table = comparison.evolution(state.territories)
    years = sorted({int(year) for year in table["year"]})
    labels = {year: queries.year_label(year) for year in years}
    st.markdown(
        "Exportations et importations de chaque territoire, année par année, en millions "
        "d'euros, **sur une même échelle**."
        + (
            " Les points creux marquent une année incomplète."
            if any(label != str(year) for year, label in labels.items())
            else ""
        )
    )
    components.chart_with_data(
        lambda narrow: comparison_figures.evolution_figure(table, labels, narrow=narrow),
        table,
        _file("evolution", state, f"{years[0]}-{years[-1]}" if years else ""),
        "comparison-evolution",
        shared=state.territories,
    )


def links(state: ComparisonState) -> None:
    """Each territory's fiche."""
    st.markdown("**Fiches des territoires comparés**")
    for column, territory in zip(st.columns(len(state.codes)), state.territories, strict=True):
        column.page_link(
            "pages/fiche.py",
            label=territory.label,
            icon=":material/description:",
            query_params=urlstate.params_of(
                urlstate.FicheState(territory=territory, year=state.year)
            ),
        )


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    st.title("Comparer des territoires")
    components.partial_year_notice(state.year)
    st.markdown(
        f"De {COMPARE_MIN} à {COMPARE_MAX} départements ou régions côte à côte : chiffres clés, "
        "partenaires, produits et évolution, chaque graphique sur une échelle commune."
    )
    controls(state)
    if len(state.codes) < COMPARE_MIN:
        st.info(
            f"Choisissez au moins {COMPARE_MIN} territoires à comparer (au plus {COMPARE_MAX}).",
            icon="ℹ️",
        )
        return
    key_figures_section(state)  # the first screen: the key figures side by side
    on_demand.sections_below(
        URL,
        state,
        sections.COMPARER,
        {
            "partenaires": lambda shown: ranking_section(shown, "country"),
            "produits": lambda shown: ranking_section(shown, "product"),
            "evolution": evolution_section,
        },
    )
    links(state)
    with st.expander("Méthodologie"):
        st.markdown(components.METHODOLOGY)


components.ensure_navigation()
page()
