"""Diversifier: after the exposure, the options. Other markets for the products most exposed to
a partner, the activities near the territory's specialisations (the product space), the
territories whose exports look most like its own. Indicators with their formulas, not forecasts.

URL: /diversifier?niveau=departement&code=42&annee=2024&partenaire=US
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts import diversification_figures
from lib.core import filenames, glossary, partners, refs, sections
from lib.core.escaping import plain
from lib.core.formatting import number
from lib.core.states import CountryState, DiversificationState, FicheState
from lib.core.territory import Territory
from lib.data import country_view, diversification, queries
from lib.web import urlstate
from pages.parts import components, fiche_world, on_demand, wiring

URL = wiring.PageUrl(
    "diversifier",
    lambda params: urlstate.parse_diversification(params, queries.available_years()),
    wiring.from_context(),
)
NEAREST_LISTED = 5  # nearby activities named in the text (the table gives them all)


def partner_name(state: DiversificationState) -> str:
    """The partner as the page names it (the UE with that year's member count)."""
    return partners.partner_label(state.partner, state.year)


def _file(table: str, state: DiversificationState, *details: str) -> str:
    """`alternative_markets_dept_42_2024_US.csv`, `diversification_dept_42_2024.csv`."""
    period = queries.year_slug(state.year)
    return filenames.csv_name(table, state.territory, period, *details)


def controls(state: DiversificationState) -> None:
    """Territory, year and partner; each writes the URL."""
    territory = state.territory
    URL.sync(
        {
            "level": territory.level,
            "code": territory.code,
            "year": state.year,
            "partner": state.partner,
        }
    )
    wiring.partner_controls(
        territory,
        state.year,
        URL,
        "Le pays ou le groupe de pays dont les produits les plus exposés cherchent "
        "d'autres marchés.",
    )


# ---------------------------------------------------------------------------------------------
# « Vendre ailleurs » (the first screen)


def growth_notice(markets: pd.DataFrame, year: int) -> None:
    """Say why France's growth column is empty, when it is empty for every country."""
    if markets.empty or markets["france_growth_pct"].notna().any():
        return
    earlier = year - 3
    reason = (
        f"l'année {earlier} n'est pas dans les données"
        if earlier not in queries.available_years()
        else "les années comparées ne couvrent pas les mêmes trimestres"
    )
    st.info(
        f"Croissance des exportations de la France sur trois ans non calculable pour "
        f"{queries.year_label(year)} : {reason}. La colonne reste vide ; le reste est calculé.",
        icon="ℹ️",
    )


def markets_caption(state: DiversificationState) -> str:
    return (
        f"*Pour chaque produit, les {diversification.SHOWN_MARKETS} pays où l'écart entre ce que "
        "le territoire y vendrait s'il exportait comme la France et ce qu'il y vend est le plus "
        "grand, en millions d'euros ; chaque produit a sa propre échelle. Les pays du "
        f"partenaire « {plain(partner_name(state))} » sont exclus. Le tableau et le CSV donnent "
        "tous les pays où ces exportations attendues sont positives, avec la croissance des "
        "exportations de la France.*"
    )


def markets_section(state: DiversificationState) -> None:
    partner = partner_name(state)
    year = queries.year_inline(state.year)
    st.header("D'autres marchés pour les produits exposés", divider="gray")
    st.markdown(
        f"Les {diversification.EXPOSED_PRODUCTS} produits que le territoire exporte le plus vers "
        f"le partenaire « {plain(partner)} » ({year}), et les pays où la France vend ces "
        "produits quand le territoire y vend moins que son poids ne le laisserait attendre."
    )
    markets = diversification.alternative_markets(state.territory, state.year, state.partner)
    if markets.empty:
        st.info(
            f"Le territoire n'exporte aucun produit vers « {plain(partner)} » en {year}, ou la "
            "France n'exporte ces produits vers aucun autre pays : rien à comparer.",
            icon="ℹ️",
        )
        return
    growth_notice(markets, state.year)
    top = diversification.top_markets(markets)
    components.chart_with_data(
        lambda narrow: diversification_figures.markets_figure(top, narrow=narrow),
        markets,
        _file("alternative_markets", state, state.partner),
        "diversifier-markets",
        caption=markets_caption(state),
        shared=(state.territory, state.year, state.partner),
    )


# ---------------------------------------------------------------------------------------------
# « Carte du monde des marchés à explorer »


def map_section(state: DiversificationState) -> None:
    markets = diversification.alternative_markets(state.territory, state.year, state.partner)
    by_country = diversification.untapped_by_country(markets)
    st.markdown(
        "Le potentiel non exploité de chaque pays, additionné sur les produits ci-dessus. "
        "Cliquez sur un pays pour ouvrir sa page."
    )
    clicked = components.chart_with_data(
        diversification_figures.world_figure(by_country, narrow=fiche_world.phone_height()),
        by_country,
        _file("potentiel_pays", state, state.partner),
        "diversifier-world",  # one figure for every width: the map's geometry is sent once
        caption=f"*{diversification_figures.world_legend(by_country)}*",
        links={"Page du pays": fiche_world.country_links(by_country["country"], state.year)},
        clickable=True,
    )
    code = next((point.get("location") for point in clicked if point.get("location")), None)
    if code in country_view.country_choices():
        target = CountryState(code, state.year)
        st.switch_page(urlstate.PAYS.file, query_params=urlstate.params_of(target))


# ---------------------------------------------------------------------------------------------
# « Activités proches »


def _product(code: str) -> str:
    return f"{refs.product_name(code)} ({code})"


def nearest_list(table: pd.DataFrame) -> str:
    """The NEAREST_LISTED densest products, each with the specialisations closest to it
    (reference names through plain: this is Markdown)."""
    lines = []
    for rank, row in enumerate(table.head(NEAREST_LISTED).itertuples(index=False), start=1):
        related = [code for code in str(row.related or "").split() if code]
        near = " ; ".join(plain(_product(code)) for code in related) or "aucune"
        lines.append(
            f"{rank}. **{plain(_product(row.product))}** — densité {number(row.density)} ; "
            f"proche de : {near}"
        )
    return "\n".join(lines)


def nearby_section(state: DiversificationState) -> None:
    st.markdown(
        "Les produits où le territoire n'est pas encore spécialisé, mais qui sont proches de "
        "ceux où il l'est : les départements qui exportent beaucoup les uns exportent souvent "
        "les autres. Plus la densité est élevée, plus le territoire a déjà ce qui entoure le "
        "produit.",
        help=f"{glossary.BALASSA}\n\n{glossary.PROXIMITY}\n\n{glossary.DENSITY}",
    )
    table = diversification.diversification(state.territory, state.year)
    if table.empty:
        st.info("Aucun produit où le territoire ne soit déjà spécialisé.", icon="ℹ️")
        return
    st.markdown(f"**Les {NEAREST_LISTED} activités les plus proches**")
    st.markdown(nearest_list(table))
    context = diversification.context_of(table, state.year)
    st.subheader(
        f"Densité et exportations de la France ({queries.year_inline(state.year)})",
        help=glossary.DENSITY,
    )
    components.chart_with_data(
        lambda narrow: diversification_figures.density_figure(context, narrow=narrow),
        context,
        _file("activites_proches", state),
        "diversifier-density",
        caption=f"*{diversification_figures.density_legend()}*",
        shared=(state.territory, state.year),
    )
    st.markdown(
        "**Tous les produits où le territoire n'est pas spécialisé**, du plus dense au moins "
        "dense : indice de Balassa, densité et les trois spécialisations les plus proches.",
        help=glossary.BALASSA,
    )
    components.data_table(table, _file("diversification", state), "diversifier-nearby")


# ---------------------------------------------------------------------------------------------
# « Territoires comparables »


def similar_links(similar: pd.DataFrame, state: DiversificationState) -> dict[str, list[str]]:
    """Each similar territory's fiche, and the Comparer page with the territory beside it."""
    level = state.territory.level
    fiches, compared = [], []
    for code in similar["code"]:
        other = Territory(level, code)
        fiches.append(urlstate.fiche_url(FicheState(other, state.year)))
        comparison = urlstate.default_comparison(state.territory, state.year, (code,))
        compared.append(urlstate.comparison_url(comparison))
    return {"Fiche": fiches, "Comparer": compared}


def similar_section(state: DiversificationState) -> None:
    which = "départements" if state.territory.level == "dept" else "régions"
    st.markdown(
        f"Les {which} dont les exportations se répartissent entre les produits de la façon la "
        "plus semblable à celle du territoire (1 : la même répartition). Des territoires à "
        "qui demander comment ils vendent, ou avec qui chercher des marchés."
    )
    similar = diversification.similar_territories(state.territory, state.year)
    if similar.empty:
        st.info(f"Aucun autre territoire de ce niveau n'exporte en {state.year}.", icon="ℹ️")
        return
    components.chart_with_data(
        lambda narrow: diversification_figures.similar_figure(similar, narrow=narrow),
        similar,
        _file("similar_territories", state),
        "diversifier-similar",
        shared=(state.territory, state.year),
        links=similar_links(similar, state),
        column_config={
            "Comparer": st.column_config.LinkColumn(
                "Comparer", display_text=f"Comparer avec {state.territory.name}"
            )
        },
    )


# ---------------------------------------------------------------------------------------------
# « Méthodologie »

METHODOLOGY = """
**D'autres marchés.** Pour chacun des {exposed} produits (nomenclature A129) que le territoire
exporte le plus vers le partenaire, et pour chaque pays `c` hors du partenaire :

- part du territoire dans les exportations françaises du produit : `s = X_p ÷ F_p`
  (`X` : les exportations du territoire, `F` : celles de la France entière) ;
- exportations attendues : `s × F_pc`, ce que le territoire vendrait au pays si ses
  exportations du produit allaient où vont celles de la France ;
- potentiel non exploité : `max(attendues − X_pc, 0)` ;
- croissance annuelle de la France : `100 × ((F_pc,a ÷ F_pc,a−3)^(1/3) − 1)`, sa croissance
  moyenne sur les trois années précédant l'année `a` ; vide quand elle ne peut être calculée
  (l'année `a − 3` absente des données, une valeur nulle, une année incomplète).

Le graphique montre, pour chaque produit, les {shown} pays au plus fort potentiel ; la carte,
leur potentiel additionné sur les produits.

**Activités proches (l'espace produit).** Pour les départements qui exportent dans l'année :

- `M_dp = 1` quand l'indice de Balassa du département `d` pour le produit `p` est au moins 1
  (le même indice que « Situer le territoire »), `0` sinon et quand `d` n'exporte pas `p` ;
- proximité de deux produits : `φ_pq = (nombre de départements où M_dp = M_dq = 1) ÷ max(nombre
  où M_dp = 1, nombre où M_dq = 1)` ;
- densité d'un produit pour le territoire : `ω_p = 100 × Σ_(q≠p) M_q φ_pq ÷ Σ_(q≠p) φ_pq`, de 0
  à 100, où `M_q` vient des indices de Balassa du territoire (ceux d'une région calculés par
  rapport à la France, comme ceux d'un département).

La liste donne les produits exportés par la France où le territoire n'est pas spécialisé
(indice inférieur à 1, ou produit non exporté : indice 0), de la plus forte densité à la plus
faible, et pour chacun les trois spécialisations du territoire qui en sont les plus proches
(plus forte proximité ; à égalité, par code).

**Territoires comparables.** Pour chaque département (ou région, pour une région), les parts
des produits dans ses exportations (`X_dp ÷ X_d`) ; la similarité de deux territoires est le
cosinus de leurs vecteurs de parts, `Σ a_p b_p ÷ (√Σ a_p² × √Σ b_p²)`, de 0 (aucun produit en
commun) à 1 (la même répartition). Les dix plus proches, le territoire lui-même exclu.

**Produits et années.** Les produits sont ceux de la nomenclature A129 ; le détail CPF4, que
certaines données portent, n'est pas utilisé. Une année incomplète est lue sur ses propres
trimestres, comme sur les autres pages ; la croissance sur trois ans reste alors vide.

**Sources.** C. A. Hidalgo, B. Klinger, A.-L. Barabási et R. Hausmann, « The Product Space
Conditions the Development of Nations », *Science*, vol. 317, 2007, p. 482-487 (proximité et
densité). L'écart entre exportations attendues et réelles s'inspire de l'approche du potentiel
d'exportation du Centre du commerce international (ITC, *Export Potential Map*), en bien plus
simple : ni droits de douane, ni distance, ni prévision de la demande.

**Limites.**

- Les données sont établies selon le **lieu de dédouanement**, qui n'est pas toujours le lieu
  de production : une spécialisation peut être celle d'une plateforme logistique.
- **Une piste à examiner, pas une recommandation** : un marché où le territoire vend moins que
  la France, ou une activité proche de ses spécialisations, disent où regarder ; ni si ce
  serait rentable, ni ce que savent faire ses entreprises (un poste A129 regroupe des produits
  très divers).
- Sur les **données de démonstration** (bandeau en haut de la page), les résultats sont aussi
  inventés que les données.
"""


def methodology() -> None:
    with st.expander("Méthodologie"):
        st.markdown(
            METHODOLOGY.format(
                exposed=diversification.EXPOSED_PRODUCTS, shown=diversification.SHOWN_MARKETS
            )
        )
        st.markdown(components.METHODOLOGY)


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    st.title(f"Diversifier — {state.territory.label}")
    components.partial_year_notice(state.year)
    st.markdown(
        "Après l'exposition, les options : où vendre ailleurs les produits les plus exposés à "
        "un partenaire, quelles activités sont proches de celles où le territoire est déjà "
        "fort, quels territoires exportent comme lui. Des indicateurs et leurs formules, pas "
        "des prévisions."
    )
    controls(state)
    try:
        diversification.check_territory(state.territory)
    except diversification.NotForFrance as refused:
        st.info(str(refused), icon="ℹ️")  # the lib's own French sentence, no URL text in it
        methodology()
        return
    markets_section(state)
    on_demand.sections_below(
        URL,
        state,
        sections.DIVERSIFIER,
        {"carte": map_section, "activites": nearby_section, "territoires": similar_section},
    )
    methodology()


components.ensure_navigation()
page()
