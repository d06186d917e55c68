"""The fiche's « Situer le territoire » section: ranks, specialisation, concentration.

Rendered by `situation_section`, which pages/fiche.py calls after the key figures; every number
comes from lib.data.indicators.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts import fiche_figures, indicator_figures
from lib.core import formatting, glossary, refs
from lib.core.escaping import plain
from lib.core.states import FicheState
from lib.data import indicators, queries
from lib.web import registry
from pages.parts import components
from pages.parts.fiche_downloads import year_file

_CONCENTRATION_ROWS = {
    ("country", "export"): "Pays clients",
    ("country", "import"): "Pays fournisseurs",
    ("product", "export"): "Produits exportés",
    ("product", "import"): "Produits importés",
}
METHOD = f"""
**Rangs.** Les départements (ou les régions) sont classés selon la valeur de l'année : le 1er a
les exportations, les importations, le solde ou le taux de couverture (exportations ÷
importations × 100) les plus élevés. Des valeurs égales partagent le même rang (deux 3e, puis
un 5e). Seuls les territoires présents dans les données de l'année sont classés, et le taux de
couverture n'est pas défini sans importations. L'évolution compare au rang de l'année
précédente, sur les mêmes trimestres pour une année incomplète ; « nouveau » : le territoire
n'était pas classé l'année précédente.

**Spécialisation (indice de Balassa, ou avantage comparatif révélé).** Pour chaque produit
(nomenclature A129) : (exportations du produit par le territoire ÷ exportations totales du
territoire) ÷ (exportations du produit par la France ÷ exportations totales de la France).
Au-dessus de 1, le produit pèse plus dans les exportations du territoire que dans celles de la
France. Le graphique retient les cinq indices les plus élevés parmi les produits pesant au moins
{formatting.pct(indicators.MIN_SPECIALISATION_SHARE_PCT)} des exportations du territoire, pour
qu'un produit marginal ne prenne pas la tête du classement ; le tableau complet les donne tous.
{glossary.A129}

**Concentration (indice de Herfindahl-Hirschman).** Somme des carrés des parts (entre 0 et 1)
de chaque pays partenaire, ou de chaque produit, dans le flux : 1 quand un seul pays ou un seul
produit fait tout le flux, proche de 0 quand les échanges se répartissent entre beaucoup.
L'indice est donné entre 0 et 1, avec trois décimales, comme sur la page Exposition (les
autorités de la concurrence le multiplient souvent par 10 000). La médiane est celle des
départements ayant ce flux dans l'année.
"""
SPECIALISATION_CAPTION = (
    "*Indice de Balassa : part du produit dans les exportations du territoire, rapportée à sa "
    "part dans les exportations de la France. Au-dessus de 1, le territoire est spécialisé dans "
    "ce produit. Seuls les produits pesant au moins "
    f"{formatting.pct(indicators.MIN_SPECIALISATION_SHARE_PCT)} des exportations du territoire "
    "sont retenus.*"
)


def _ranks(state: FicheState) -> None:
    territory = state.territory
    table = indicators.ranks(territory, state.year)
    compared_with = indicators.previous_label(state.year)
    sentences = indicators.rank_sentences(table, territory.level, compared_with)
    units = (
        f"{len(refs.departements())} départements"
        if territory.level == "dept"
        else f"{len(refs.regions())} régions"
    )
    st.markdown(f"**Rang parmi les {units}** (1er : valeur la plus élevée)")
    if sentences:
        st.markdown("\n".join(f"- {sentence}" for sentence in sentences))
    if compared_with is None:
        st.markdown(
            "*Pas d'évolution du rang : l'année précédente est absente des données ou ne peut "
            "être comparée trimestre par trimestre.*"
        )
    components.data_table(table, year_file("rangs", state), "situation-ranks")


def _with_names(table: pd.DataFrame) -> pd.DataFrame:
    return registry.with_product_names(table, refs.product_name)  # as the API's tables


def _specialisation(state: FicheState, exports_eur: float) -> None:
    st.markdown("**Spécialisation : les cinq produits les plus spécifiques**")
    if state.territory.level == "france":
        st.markdown(
            "*La spécialisation se mesure par rapport à la France : sans objet pour la France "
            "entière.*"
        )
        return
    if not exports_eur:
        st.markdown("*Aucune exportation enregistrée : pas de spécialisation à mesurer.*")
        return
    table = indicators.balassa(state.territory, state.year)
    top = indicators.strongest(table)
    components.chart_with_data(
        lambda narrow: indicator_figures.specialisation_html(top, narrow=narrow),
        _with_names(top),
        year_file("specialisation", state),
        "situation-balassa",
        caption=SPECIALISATION_CAPTION,
        shared=(state.territory, state.year),
    )
    st.markdown(f"Indice de spécialisation de chaque produit exporté{formatting.NBSP}:")
    components.data_table(
        _with_names(table), year_file("specialisation_produits", state), "situation-balassa-all"
    )


def _concentration_markdown(table: pd.DataFrame, territory_name: str | None) -> str:
    """A Markdown table of the HHI (0 to 1); no territory column for France."""
    headers = [
        *([plain(territory_name)] if territory_name else []),
        "France",
        "Médiane",
    ]
    lines = ["| | " + " | ".join(headers) + " |", "|---" + "|---:" * len(headers) + "|"]
    for row in table.itertuples(index=False):
        values = [row.territory_hhi] if territory_name else []
        values += [row.france_hhi, row.median_dept_hhi]
        label = _CONCENTRATION_ROWS[(str(row.dimension), str(row.flow))]
        lines.append(f"| {label} | " + " | ".join(indicators.hhi_text(v) for v in values) + " |")
    return "\n".join(lines)


def _concentration(state: FicheState) -> None:
    territory = state.territory
    table = indicators.concentration(territory, state.year)
    st.markdown(f"**Concentration des échanges.** {glossary.HHI}")
    name = None if territory.level == "france" else territory.name
    st.markdown(_concentration_markdown(table, name))
    st.markdown(
        "*Médiane : celle des départements ayant ce flux. Plus l'indice est élevé, plus les "
        "échanges dépendent de peu de pays ou de produits.*"
    )
    components.data_table(table, year_file("concentration", state), "situation-concentration")


def situation_section(state: FicheState, kpis: pd.DataFrame) -> None:
    """« Situer le territoire »: ranks (not for France), specialisation, concentration."""
    territory = state.territory
    st.subheader(f"Situer le territoire, {territory.name} ({queries.year_inline(state.year)})")
    if territory.level != "france":
        _ranks(state)
    values = fiche_figures.kpi_values(kpis)
    _specialisation(state, float(values["exports_eur"]))
    _concentration(state)
    with st.expander("Méthode : rangs, spécialisation, concentration"):
        st.markdown(METHOD)
