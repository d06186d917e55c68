"""Fiche territoire: the seed fiche, for any département, région or France, any year.

URL: /fiche?niveau=departement&code=53&annee=2024&top=10&flux=export&section=flux-export

The first screen is the seed's first page (title, controls, document buttons, key figures, the
exposure to the United States, partners); the other sections are computed only when opened
(pages/parts/on_demand.py).

A step of top N reruns only what it changes on the first screen: the partners part (its title,
the top-N slider, the chart and its data) is a fragment (`partners_part`) inside the first
screen's own (`first_screen`, below the title and the controls). Nothing else there follows top
N: the key figures' files are named without it, and the document buttons make the fiche at the
click with the top N the partners part last ran with (pages/parts/fiche_downloads.py). The
sections whose charts follow top N (the « Flux » Sankeys: TOP_SECTIONS), when open, rerun with
it, by their fragments' keys: nothing else does. A change of year, territory or flow reruns the
page: each changes the title, the key figures and the sections.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.charts import fiche_figures
from lib.core import filenames, formatting, glossary, sections
from lib.core.flows import EXPORT, IMPORT, Flow
from lib.core.states import TOP_MAX, TOP_MIN, FicheState
from lib.core.territory import FRANCE, Territory
from lib.data import comparison, queries
from lib.fiche import cached_charts, texts
from lib.web import registry, urlstate
from pages.parts import (
    components,
    fiche_downloads,
    fiche_texts,
    fiche_world,
    on_demand,
    product_links,
    wiring,
)
from pages.parts.fiche_downloads import document_buttons
from pages.parts.fiche_exposure import us_exposure
from pages.parts.fiche_situation import situation_section

FLOW_READING = {
    EXPORT: "Figurent à gauche **les principaux biens exportés**, à droite **les pays de "
    "destination**. Les cinq principaux flux sont en **rouge** ; « Autres » regroupe les "
    "biens et pays au-delà du classement.",
    IMPORT: "Figurent à gauche **les principaux pays d'origine**, à droite **les biens "
    "importés**. Les cinq principaux flux sont en **rouge** ; « Autres » regroupe les pays "
    "et biens au-delà du classement.",
}


URL = wiring.PageUrl(
    "fiche",
    lambda params: urlstate.parse_fiche(params, queries.available_years()),
    wiring.from_context(),
)


def controls(state: FicheState) -> None:
    """Level, territory, year, top N and flow; each writes the URL, which drives the page."""
    territory = state.territory
    URL.sync(
        {
            "level": territory.level,
            "code": territory.code,
            "year": state.year,
            "top": state.top,
            "flux": state.flux,
        }
    )
    level_col, code_col, year_col, flux_col = st.columns([1.1, 2, 0.8, 1.8])
    components.territory_pickers(
        level_col, code_col, territory, URL.prefix, URL.on_level(), URL.on_territory()
    )
    components.year_select(year_col, "fiche-year", URL.on_fields("year"))
    components.flux_radio(flux_col, "fiche-flux", URL.on_fields("flux"))


# The sections whose charts follow top N (the Sankeys, their tables and `…_top10.csv` files):
# while one of them is open, a step of the slider reruns it with the partners part. The
# activities (treemap, tables) do not depend on top N, nor do their files' names.
TOP_SECTIONS = frozenset({"flux-export", "flux-import"})
PARTNERS_PART = "fiche-partners-part"  # the key of partners_part's fragment


def _on_top() -> None:
    """The slider's callback: top N into the URL; then, if a section following top N is open,
    the partners part and those sections rerun, by name (the slider's own fragment otherwise)."""
    URL.on_fields("top")()
    state, _ = URL.parse(components.url_params())
    following = [on_demand.fragment_key(URL, slug) for slug in _open_top_sections(state)]
    if following:
        try:
            st.rerun([PARTNERS_PART, *following])
        except StreamlitAPIException:
            # No fragment by that name: the last run stopped before the sections (a slow
            # query's notice). The page reruns, and draws them if it can.
            st.rerun()


def _open_top_sections(state: FicheState) -> list[str]:
    """The sections open that follow top N and that the page draws (a flow's, if shown)."""
    drawn = {f"flux-{flow.name}" for flow in state.shown_flows}
    return [slug for slug in state.sections if slug in TOP_SECTIONS & drawn]


TOP_HELP = (
    f"{glossary.TOP_N} Ici : les pays de ce graphique, et les produits et pays des parties "
    "« Flux à l'export » et « Flux à l'import » ci-dessous."
)


def top_slider() -> None:
    left, _ = st.columns([1.6, 3])
    left.slider(
        "Nombre de postes (top N)",
        TOP_MIN,
        TOP_MAX,
        key="fiche-top",
        on_change=_on_top,
        help=TOP_HELP,
    )


def key_figures(state: FicheState, kpis: pd.DataFrame) -> None:
    territory = state.territory
    values = fiche_figures.kpi_values(kpis)
    st.subheader("Chiffres clés")
    cols = st.columns(4)
    cols[0].metric("Exportations", formatting.meur(values["exports_eur"]))
    cols[1].metric("Importations", formatting.meur(values["imports_eur"]))
    cols[2].metric("Solde commercial", formatting.meur(values["balance_eur"], signed=True))
    cols[3].metric("Taux de couverture", formatting.pct(values["coverage_pct"]))
    for flow in state.shown_flows:
        sentences = fiche_figures.kpi_sentences(
            kpis, territory.label, territory.parent_region_name, flow
        )
        st.markdown("  \n".join(sentences))
    # Named without top N, which they do not depend on (as `rangs_…`): a step of top N leaves
    # them, and the name they were drawn with, as they are (partners_part).
    components.data_table(kpis, fiche_downloads.year_file("chiffres_cles", state), "kpis")


def partners_section(state: FicheState) -> None:
    st.subheader(
        f"Principaux pays à l'import et à l'export, {state.territory.name} "
        f"({queries.year_inline(state.year)})"
    )
    top_slider()
    territory, year, top = state.territory, state.year, state.top
    table = queries.partners(territory, year, top)
    components.chart_with_data(
        lambda narrow: cached_charts.partners_html(territory, year, top, narrow=narrow),
        table,
        _file("pays", state),
        "partners",
        links={"Page du pays": fiche_world.country_links(table["country"], state.year)},
        caption="*Clé de lecture : pour chaque pays, figurent à gauche les importations et à "
        "droite les exportations ; le solde est indiqué en vert (+) s'il est positif, en rouge "
        "(−) s'il est négatif.*",
    )


def products_section(state: FicheState) -> None:
    st.subheader(
        f"Principales activités à l'import et à l'export, {state.territory.name} "
        f"({queries.year_inline(state.year)})"
    )
    table = registry.fiche_products(state)  # the flows shown, as the API's `products`
    details = registry.fiche_product_details(state)
    caption = (
        "*En bleu les biens importés, en violet les biens exportés ; l'aire de chaque "
        "compartiment est proportionnelle à sa valeur.*"
    )
    detailed = not details.empty
    caption += (
        " *Cliquez sur un groupe d'activités pour l'agrandir"
        + (" et voir le détail de ses produits en nomenclature CPF4" if detailed else "")
        + " ; cliquez sur le chemin au-dessus du graphique ou sur le bandeau du haut pour "
        + f"remonter.{' ' + glossary.CPF4 if detailed else ''}*"
    )
    territory, year, flux = state.territory, state.year, state.flux
    components.chart_with_data(
        lambda narrow: cached_charts.treemap_html(territory, year, flux, narrow=narrow),
        table,
        fiche_downloads.year_file("produits", state),  # not top N's: the treemap shows them all
        "products",
        caption=caption + " *Cliquez sur un produit pour ouvrir sa page.*",
        links={product_links.COLUMN: product_links.links(table["product"], table["flow"], state)},
    )
    if not details.empty:
        st.markdown("**Détail des produits en nomenclature CPF4**")
        cpf4 = product_links.cpf4_links(details["cpf4"], details["flow"], state)
        components.data_table(
            details,
            fiche_downloads.year_file("produits_cpf4", state),
            "products-cpf4",
            links={"Page du code": cpf4},
        )


def flow_section(state: FicheState, flow: Flow, kpis: pd.DataFrame) -> None:
    title, short = texts.FLOW_TITLES[flow.code]
    territory = state.territory
    st.subheader(f"{title}, {territory.name} (en valeur, {queries.year_inline(state.year)})")
    links = queries.sankey(territory, state.year, flow.code, state.top)
    region_name = territory.parent_region_name
    components.chart_with_data(
        cached_charts.sankey_html(territory, state.year, flow.code, state.top),
        links,
        _file(f"sankey_{flow.name}", state),
        f"sankey-{flow.code}",
        links=product_links.sankey_links(links, flow, state),
        caption="  \n".join(fiche_figures.kpi_sentences(kpis, territory.label, region_name, flow))
        + "\n\n"
        + FLOW_READING[flow],
    )
    comparisons = territory.comparisons
    if comparisons:
        st.markdown("La situation peut être comparée à celle de la région et du pays :")
        values = fiche_figures.kpi_values(kpis)
        for column, other in zip(st.columns(len(comparisons)), comparisons, strict=True):
            scope = "national" if other == FRANCE else "region"
            with column:
                _comparison_sankey(state, other, flow, short, values[f"{scope}_{flow.key}_eur"])


def _comparison_sankey(
    state: FicheState, other: Territory, flow: Flow, short: str, total: float
) -> None:
    links = queries.sankey(other, state.year, flow.code, state.top)
    st.markdown(f"**{short}, {other.name} (en valeur, {queries.year_inline(state.year)})**")
    components.chart_with_data(
        cached_charts.sankey_html(other, state.year, flow.code, state.top),
        links,
        _file(f"sankey_{flow.name}", state, other),
        f"sankey-{flow.code}-{other.level}",
        links=product_links.sankey_links(links, flow, state, other),
        caption=f"Total des {flow.plural} : {formatting.meur(total)}",
    )


def _file(table: str, state: FicheState, territory: Territory | None = None) -> str:
    """`pays_dept_53_2024_top10.csv`: the fiche's territory unless another is drawn."""
    shown = territory or state.territory
    return filenames.csv_name(table, shown, queries.year_slug(state.year), f"top{state.top}")


def _sections(state: FicheState, kpis: pd.DataFrame) -> None:
    """Below the first screen, in the seed's order, each computed only when opened."""

    def section(slug: str, render: Callable[[FicheState], None]) -> None:
        on_demand.section(URL, state, sections.FICHE, slug, render)

    on_demand.caption()
    section("situer", lambda shown: situation_section(shown, kpis))
    section("monde", fiche_world.world_section)
    section("activites", products_section)
    for flow in state.shown_flows:
        section(f"flux-{flow.name}", lambda shown, flow=flow: flow_section(shown, flow, kpis))
    _links(state)
    section("contexte", fiche_texts.closing)


def _links(state: FicheState) -> None:
    st.page_link(
        "pages/exposition.py",
        label="Exposition à un partenaire et dépendances à l'import de ce territoire",
        icon=":material/public:",
        query_params=urlstate.params_of(urlstate.default_exposition(state.territory, state.year)),
    )
    if state.territory != FRANCE:  # France has no specialisation to build on
        st.page_link(
            "pages/diversifier.py",
            label="Diversifier : autres marchés, activités proches, territoires comparables",
            icon=":material/alt_route:",
            query_params=urlstate.params_of(
                urlstate.default_diversification(state.territory, state.year)
            ),
        )
    st.page_link(
        "pages/comparer.py",
        label="Comparer avec…",
        icon=":material/compare_arrows:",
        query_params=urlstate.params_of(
            urlstate.default_comparison(
                state.territory, state.year, comparison.peers(state.territory, state.year)
            )
        ),
    )
    st.page_link(
        "pages/evolution.py",
        label="Évolution de ce territoire sur toutes les années, et ce qui l'a portée",
        icon=":material/trending_up:",
        query_params=urlstate.params_of(
            urlstate.default_evolution(state.territory, queries.available_years())
        ),
    )


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    st.title(f"Les indicateurs clés : commerce extérieur — {state.territory.label}")
    components.partial_year_notice(state.year)
    controls(state)  # first: on a phone the introduction would push them a screen down
    first_screen()
    _sections(state, queries.kpis(state.territory, state.year))


@st.fragment
def first_screen() -> None:
    """The seed's first page below the controls: the document buttons, the introduction, the
    key figures and the exposure to the United States, then top N and the partners
    (`partners_part`). A fragment: a widget of its own (a table's « Voir les données ») reruns
    it alone.

    Its state is read from the URL at each of its runs (a fragment's rerun would otherwise get
    the arguments of the page's last run); the page above has shown the URL's notices."""
    state, _ = URL.parse(components.url_params())
    # Its own guard: an error raised in a fragment does not reach the page's (a damaged file,
    # a slow query end the first screen with their French notice, the sections stay).
    with components.query_time_limit():
        document_buttons(state)  # the fiche as a PDF or HTML document, made at the click
        fiche_texts.opening(state)
        key_figures(state, queries.kpis(state.territory, state.year))
        us_exposure(state)  # the question the fiche was written for, after its key figures
    partners_part()


@st.fragment(key=PARTNERS_PART)
def partners_part() -> None:
    """Top N and the partners chart with its data: a step of top N reruns this part (and the
    open sections that follow top N), the rest of the first screen (about 50 of its 60
    elements) stays as the browser drew it. It also gives the document buttons the top N they
    make the fiche with (their file is made at the click, after any step)."""
    state, _ = URL.parse(components.url_params())
    fiche_downloads.follow_top(state.top)
    with components.query_time_limit():  # its own guard, as first_screen's
        partners_section(state)


components.ensure_navigation()
page()
