"""Exposition: how much of a territory's exports go to a partner (country or group), what an
additional tariff could cost, and which imports depend on a single supplier.

URL: /exposition?niveau=departement&code=42&annee=2024&partenaire=US&taux=10&elasticite=5
"""

from __future__ import annotations

from dataclasses import replace

import folium
import pandas as pd
import streamlit as st

from lib.charts import exposure_figures, exposure_map
from lib.core import filenames, glossary, gridtext, measures, partners, refs, sections
from lib.core.escaping import plain
from lib.core.formatting import (
    SHORT_RANGE,
    estimate,
    estimate_range,
    meur,
    number,
    pct,
    trimmed,
)
from lib.core.states import (
    ELASTICITY_HIGH,
    ELASTICITY_LOW,
    ELASTICITY_MAX,
    ELASTICITY_MIN,
    ELASTICITY_RANGE,
    TARIFF_MAX,
    TARIFF_MIN,
    ExpositionState,
    at_bound,
)
from lib.core.territory import Territory
from lib.data import exposure, queries
from lib.web import registry, urlstate
from pages.parts import components, on_demand, wiring

MAP_HEIGHT = 560
URL = wiring.PageUrl(
    "exposition",
    lambda params: urlstate.parse_exposition(params, queries.available_years()),
    wiring.from_context(),
)
NOT_A_FORECAST = (
    "**Ordre de grandeur, pas une prévision.** Le calcul applique la même réaction à tous les "
    "produits et à tous les exportateurs, et sa fourchette ne couvre que l'incertitude sur "
    "l'élasticité. Le chiffre serait faux si les exportateurs absorbaient une partie du droit "
    "dans leurs prix, si l'euro baissait ou si le droit frappait aussi leurs concurrents "
    "d'autres pays (perte moindre) ; si les acheteurs trouvaient plus facilement d'autres "
    "fournisseurs que ne le suppose l'élasticité 8 (perte plus forte) ; si des exemptions, "
    "des quotas ou des règles d'origine réduisaient le droit réellement appliqué, ou s'il "
    "différait du taux choisi ; si les ventes étaient réorientées vers d'autres marchés ou "
    "passaient par un pays tiers (une baisse vers le partenaire, pas une perte d'exportations)."
)


def partner_name(state: ExpositionState) -> str:
    """The partner as the page names it (the UE with that year's member count)."""
    return partners.partner_label(state.partner, state.year)


def controls(state: ExpositionState) -> None:
    """Territory, year, partner, tariff and elasticity; each writes the URL."""
    territory = state.territory
    URL.sync(
        {
            "level": territory.level,
            "code": territory.code,
            "year": state.year,
            "partner": state.partner,
            "rate_pct": state.rate_pct,
            "elasticity": float(state.elasticity),
        }
    )
    wiring.partner_controls(territory, state.year, URL)


def scenario_controls() -> None:
    rate_col, elasticity_col, source_col = st.columns([2, 1, 2.5])
    rate_col.slider(
        "Droit de douane additionnel (%)",
        TARIFF_MIN,
        TARIFF_MAX,
        step=1,
        format="%d %%",
        key=URL.key("rate_pct"),
        on_change=URL.on_fields("rate_pct"),
    )
    elasticity_col.number_input(
        "Élasticité des échanges au droit de douane",
        min_value=ELASTICITY_MIN,
        max_value=ELASTICITY_MAX,
        step=0.5,
        format="%.1f",
        key=URL.key("elasticity"),
        on_change=URL.on_fields("elasticity"),
    )
    source_col.caption(f"{exposure.ELASTICITY_SOURCE} {exposure.RANGE_SOURCE}")


def _file(table: str, state: ExpositionState, *details: str) -> str:
    """`exposition_dept_42_2024_US.csv`."""
    period = queries.year_slug(state.year)
    return filenames.csv_name(table, state.territory, period, state.partner, *details)


# ---------------------------------------------------------------------------------------------
# « Exposition à l'export »


def shares_sentence(shares: pd.DataFrame, partner: str, year: int) -> str:
    """« En 2024, part des exportations allant vers le partenaire « États-Unis » : Loire (42)
    9,4 % (392,2 M€ sur 4 192,1 M€) ; Auvergne-Rhône-Alpes 7,6 % ; France entière 8,5 %. »
    (names through plain: this is Markdown)."""
    first, others = shares.iloc[0], shares.iloc[1:]
    parts = [
        f"**{plain(first['name'])} : {pct(first['share_pct'])}** "
        f"({meur(first['to_partner_eur'])} sur {meur(first['exports_eur'])})",
        *(f"{plain(row['name'])} : {pct(row['share_pct'])}" for _, row in others.iterrows()),
    ]
    return (
        f"En {year}, part des exportations allant vers le partenaire « {plain(partner)} » — "
        + " ; ".join(parts)
        + "."
    )


EXPOSED_CHARTS: dict[exposure_figures.Ranking, tuple[str, str, str]] = {
    "value": (
        "en valeur",
        "exposition",
        "*Exportations vers le partenaire, en millions d'euros. Le tableau et le CSV donnent "
        "tous les produits exportés par le territoire.*",
    ),
    "share": (
        "en part de leurs exportations",
        "exposition_part",
        "*Part des exportations de chaque produit allant vers le partenaire, parmi les produits "
        f"pesant au moins {pct(exposure_figures.MIN_WEIGHT_PCT)} des exportations du "
        "territoire.*",
    ),
}


def exposure_section(state: ExpositionState) -> None:
    partner = partner_name(state)
    year = queries.year_inline(state.year)
    st.header("Exposition à l'export", divider="gray")
    st.subheader(f"Part des exportations vers le partenaire « {plain(partner)} » ({year})")
    shares = exposure.exposure_shares(state.territory, state.year, state.partner)
    shown = shares.drop_duplicates(["code", "name"]).reset_index(drop=True)
    st.markdown(shares_sentence(shown, partner, state.year))
    components.chart_with_data(
        lambda narrow: exposure_figures.shares_figure(shown, narrow=narrow),
        shares,
        _file("exposition_comparaison", state),
        "exposure-shares",
        shared=(state.territory, state.year, state.partner),
    )
    table = exposure.exposure(state.territory, state.year, state.partner)
    for by, (words, name, caption) in EXPOSED_CHARTS.items():
        st.subheader(
            f"Les {exposure_figures.TOP_EXPOSED} produits les plus exposés, {words} ({year})"
        )
        # The value chart's rows are the first of the whole table, which its CSV gives.
        data = table if by == "value" else exposure_figures.top_by_share(table)
        components.chart_with_data(
            lambda narrow, by=by: exposure_figures.exposed_figure(table, by, narrow=narrow),
            data,
            _file(name, state),
            f"exposure-{by}",
            caption=caption,
            shared=(state.territory, state.year, state.partner),
        )
    diversifier_link(state)
    cpf4_section(state)


def diversifier_link(state: ExpositionState) -> None:
    """The next question, for the same territory, year and partner: where else to sell."""
    if state.territory.level == "france":  # France has no specialisation to build on
        return
    target = urlstate.default_diversification(state.territory, state.year, state.partner)
    st.page_link(
        "pages/diversifier.py",
        label=f"Diversifier : d'autres marchés que « {plain(partner_name(state))} » pour ces "
        "produits, des activités proches, des territoires comparables",
        icon=":material/alt_route:",
        query_params=urlstate.params_of(target),
    )


def cpf4_section(state: ExpositionState) -> None:
    """The same exposure per CPF4 product, when the imported files carry that detail."""
    if not queries.cpf4_codes():
        return
    named = registry.exposure_cpf4(state)  # named, as the API's `exposition_cpf4`
    if named.empty:
        return
    st.subheader(f"Le détail par produit CPF4 ({queries.year_inline(state.year)})")
    st.markdown(
        "Les mêmes parts pour chaque produit à quatre chiffres de la CPF, sous les produits "
        "A129 : exportations du territoire, dont vers le partenaire, et leur part. "
        + glossary.PRODUCT_CODES
    )
    # Its `product` column holds CPF4 codes (the API's name): titled as such on the grid.
    cpf4_titles = {
        "product": st.column_config.TextColumn("Produit (CPF4)"),
        "product_name": st.column_config.TextColumn("Libellé CPF4"),
    }
    components.data_table(
        named, _file("exposition_cpf4", state), "exposure-cpf4", column_config=cpf4_titles
    )


# ---------------------------------------------------------------------------------------------
# « Carte »


def map_section(state: ExpositionState) -> None:
    partner = partner_name(state)
    st.markdown(
        f"Les départements selon la part de leurs exportations allant vers le partenaire "
        f"« {plain(partner)} ». Cliquez sur un département pour ouvrir son exposition."
    )
    by_dept = exposure.exposure_by_dept(state.year, state.partner)
    selected = state.territory.code if state.territory.level == "dept" else None
    period = queries.year_label(state.year)

    def build() -> folium.Map:
        return exposure_map.exposure_choropleth(by_dept, partner, selected=selected, period=period)

    identity = ("exposition", state.year, state.partner, selected, partner, period)
    key = f"exposition-map-{state.year}-{state.partner}-{selected}"
    clicked = components.clicked_departement(build, identity, key, MAP_HEIGHT)
    if clicked and clicked != selected:  # the component keeps its last click: not a new one
        target = replace(state, territory=Territory("dept", clicked))
        st.switch_page(urlstate.EXPOSITION.file, query_params=urlstate.params_of(target))
    components.data_table(
        by_dept,
        filenames.csv_name(
            "exposition_departements", None, queries.year_slug(state.year), state.partner
        ),
        "exposure-map",
    )


# ---------------------------------------------------------------------------------------------
# « Scénario de droits de douane »


def _range(summary: dict[str, float], key: str, scale: float = 1.0) -> tuple[float, float]:
    """The scenario's figure `key` at the range's low and high elasticities, divided by
    `scale`."""
    low, high = (summary[at_bound(key, bound)] / scale for bound in ELASTICITY_RANGE)
    return low, high


def scenario_sentence(state: ExpositionState, summary: dict[str, float], partner: str) -> str:
    """The range first, rounded to what the method deserves; the chosen elasticity's figure
    after it (names through plain: this is Markdown)."""
    return (
        f"Avec un droit de douane additionnel de {pct(state.rate_pct, 0)}, les exportations vers "
        f"le partenaire « {plain(partner)} » ({meur(summary['to_partner_eur'])} en "
        f"{state.year}) varieraient "
        f"**{estimate_range(*_range(summary, 'change_eur', 1e6), 'M€')}** selon l'élasticité "
        f"retenue (de {number(ELASTICITY_LOW, 0)} à {number(ELASTICITY_HIGH, 0)}), soit "
        f"**{estimate_range(*_range(summary, 'share_of_exports_pct'), '%')}** des exportations "
        "totales du territoire (France entière : "
        f"{estimate_range(*_range(summary, 'france_share_of_exports_pct'), '%')}). Avec "
        f"l'élasticité choisie ({trimmed(state.elasticity)}) : environ "
        f"{estimate(summary['change_eur'] / 1e6, 'M€')}."
    )


def scenario_section(state: ExpositionState) -> None:
    partner = partner_name(state)
    scenario_controls()
    args = (state.territory, state.year, state.partner, state.rate_pct, state.elasticity)
    summary = exposure.scenario_summary(*args)
    st.markdown(
        f"**Fourchette pour une élasticité de {number(ELASTICITY_LOW, 0)} à "
        f"{number(ELASTICITY_HIGH, 0)}**"
    )
    cols = st.columns(3)
    cols[0].metric(
        "Variation des exportations vers le partenaire",
        estimate_range(*_range(summary, "change_eur", 1e6), "M€", SHORT_RANGE),
    )
    cols[1].metric(
        "Valeur en jeu, en part des exportations du territoire",
        estimate_range(*_range(summary, "share_of_exports_pct"), "%", SHORT_RANGE),
    )
    cols[2].metric(
        "Même calcul pour la France entière",
        estimate_range(*_range(summary, "france_share_of_exports_pct"), "%", SHORT_RANGE),
    )
    st.markdown(scenario_sentence(state, summary, partner))
    st.info(NOT_A_FORECAST, icon="ℹ️")
    scenario = exposure.tariff_scenario(*args)
    st.subheader(
        f"Variation estimée par produit ({queries.year_inline(state.year)}), les "
        f"{exposure_figures.TOP_EXPOSED} plus fortes"
    )
    components.chart_with_data(
        lambda narrow: exposure_figures.scenario_figure(scenario, state.elasticity, narrow=narrow),
        scenario,
        _file("scenario", state, f"taux{state.rate_pct}", f"elasticite{state.elasticity:g}"),
        "scenario",
        caption=scenario_caption(state),
        shared=args,
    )


def scenario_caption(state: ExpositionState) -> str:
    return (
        f"*En millions d'euros. Barre foncée : la variation avec l'élasticité "
        f"{number(ELASTICITY_LOW, 0)} ; barre claire : jusqu'à la variation avec l'élasticité "
        f"{number(ELASTICITY_HIGH, 0)} ; trait : avec l'élasticité choisie "
        f"({trimmed(state.elasticity)}). Le tableau et le CSV donnent les trois pour chaque "
        "produit, non arrondies.*"
    )


# ---------------------------------------------------------------------------------------------
# « Dépendances à l'import »

STRONG = "Dépendance"
STRONG_TEXT = "forte"
STRONG_PCT = pct(exposure.STRONG_DEPENDENCY_PCT, 0)
# The grid's numbers as French text (lib/core/gridtext.py): column → decimals.
DEPENDENCY_NUMBERS = {
    "Importations (M€)": 1,
    "Part du 1er fournisseur (%)": 1,
    "Part hors UE (%)": 1,
    "HHI": 3,
}


def dependency_view(table: pd.DataFrame, strong: pd.Series) -> pd.DataFrame:
    """The dependency table as read on the page: names beside the codes, « forte » flagged,
    numbers in French (the CSV keeps the raw table)."""
    view = pd.DataFrame(
        {
            "Produit": table["product"],
            "Libellé": [refs.product_name(code) for code in table["product"]],
            STRONG: [STRONG_TEXT if flag else "" for flag in strong],
            "Importations (M€)": table["imports_eur"] / 1e6,
            "Premier fournisseur": [refs.country_name(code) for code in table["first_supplier"]],
            "Part du 1er fournisseur (%)": table["first_supplier_share_pct"],
            "Part hors UE (%)": table["outside_eu_share_pct"],
            "HHI": table["hhi"],
        }
    )
    return gridtext.french_text(view, DEPENDENCY_NUMBERS)


def dependency_sentence(table: pd.DataFrame, strong: pd.Series) -> str:
    total = table["imports_eur"].sum()
    at_stake = table.loc[strong.to_numpy(), "imports_eur"].sum()
    count = int(strong.sum())
    if not count:
        return f"Aucun produit importé ne dépend à plus de {STRONG_PCT} d'un seul pays hors UE."
    products = "produit importé dépend" if count == 1 else "produits importés dépendent"
    return (
        f"**{count} {products}** à plus de {STRONG_PCT} d'un seul pays hors UE "
        f"(« dépendance forte ») : "
        f"{meur(at_stake)} d'importations, soit {pct(measures.percent(at_stake, total))} "
        "des importations du territoire."
    )


def dependency_section(state: ExpositionState) -> None:
    table = exposure.dependency(state.territory, state.year)
    if table.empty:
        st.markdown("Aucune importation pour ce territoire cette année.")
        return
    strong = exposure.strong_dependency(table)
    st.markdown(dependency_sentence(table, strong))
    only_strong = st.toggle("N'afficher que les dépendances fortes", key=URL.key("strong-only"))
    view = dependency_view(table, strong)
    st.dataframe(
        view[strong.to_numpy()] if only_strong else view,
        hide_index=True,
        width="stretch",
        column_config={
            "Produit": st.column_config.TextColumn(pinned=True),
            "Libellé": st.column_config.TextColumn(width="medium"),
            **{name: st.column_config.TextColumn(alignment="right") for name in DEPENDENCY_NUMBERS},
        },
    )
    st.caption(glossary.HHI)  # the table's last column, said where it is read
    components.download_buttons(
        table,
        filenames.csv_name("dependances", state.territory, queries.year_slug(state.year)),
        "dependency",
        label="Télécharger le tableau des dépendances",
    )


# ---------------------------------------------------------------------------------------------
# « Méthodologie »

METHODOLOGY = """
**Part vers le partenaire.** Pour un territoire (ou un produit) : exportations vers les pays du
partenaire ÷ exportations totales × 100. Les produits sont ceux de la nomenclature A129.
Les classements « en part » ne retiennent que les produits pesant au moins {min_weight} des
exportations du territoire. Sur la carte, le rang 1 est le département le plus exposé ; des
valeurs égales partagent le même rang.

**Scénario de droits de douane.** Variation des exportations X vers le partenaire sous un droit
additionnel t (en fraction : 10 % → t = 0,10) et une élasticité ε :
X × ((1 + t)^(−ε) − 1). Avec t = 10 % et ε = 5, les exportations baissent de 38 % (de 17 %
avec ε = 2, de 53 % avec ε = 8). Le calcul est fait produit par produit ; la valeur en jeu est
la variation totale ÷ exportations totales du territoire × 100, comparée au même calcul pour la
France entière. Chaque chiffre est donné pour les élasticités 2 et 8, arrondi à deux chiffres
significatifs de la plus grande des deux bornes : la méthode n'en dit pas plus. {source}

**Premier fournisseur.** Pour chaque produit importé, le pays d'où vient la plus grande valeur
(à égalité, le premier code pays dans l'ordre alphabétique) ; sa part = ses importations ÷
importations du produit × 100.

**Indice de Herfindahl-Hirschman (HHI).** Somme des carrés des parts des fournisseurs (parts
entre 0 et 1) : 1 pour un fournisseur unique, proche de 0 pour des fournisseurs nombreux et
égaux.

**Part hors UE.** Importations venant de pays hors de l'Union européenne de l'année (y compris
les codes non ventilés ou confidentiels des Douanes) ÷ importations du produit × 100. Un produit
est en **dépendance forte** quand son premier fournisseur est hors UE et en fournit plus de 50 %.

**Groupes de pays.** La composition retenue pour une année est celle du 1er juillet.
« Union européenne » : les membres de l'année (28 avec le Royaume-Uni jusqu'en 2019 ; le
Royaume-Uni est sorti le 1er février 2020 ; la Croatie est entrée le 1er juillet 2013).
« Hors Union européenne » : tous les autres pays (France exceptée). « Zone euro » : les membres
de l'année (Lettonie depuis le 1er janvier 2014, Lituanie depuis 2015, Croatie depuis 2023,
Bulgarie à partir du 1er janvier 2026).
« Pays du Golfe (CCG) » : Arabie saoudite, Bahreïn, Émirats arabes unis, Koweït, Oman, Qatar.
"""


def members_sentence(state: ExpositionState) -> str:
    """The partner's member countries in the year, when it is a group."""
    codes = partners.members(state.partner, state.year)
    if codes == (state.partner,):
        return ""
    members = set(codes)  # named in the order of the partner list (by name, accents ignored)
    names = [name for code, name in partners.partner_choices().items() if code in members]
    return (
        f"**{plain(partner_name(state))} en {state.year}** ({len(codes)} pays) : "
        f"{plain(', '.join(names))}."
    )


def methodology(state: ExpositionState) -> None:
    with st.expander("Méthodologie"):
        st.markdown(
            METHODOLOGY.format(
                min_weight=pct(exposure_figures.MIN_WEIGHT_PCT),
                source=f"{exposure.ELASTICITY_SOURCE} {exposure.RANGE_SOURCE}",
            )
        )
        members = members_sentence(state)
        if members:
            st.markdown(members)
        st.markdown(components.METHODOLOGY)


def page() -> None:
    state = URL.current()
    if components.no_year(state.year):
        return
    st.title(f"Exposition et dépendances — {state.territory.label}")
    components.partial_year_notice(state.year)
    st.markdown(
        "Quelle part des exportations du territoire dépend d'un partenaire, ce qu'un droit de "
        "douane additionnel pourrait coûter, et quels produits importés viennent surtout d'un "
        "seul pays hors de l'Union européenne."
    )
    controls(state)
    exposure_section(state)  # the first screen: the share exported to the partner, by product
    on_demand.sections_below(
        URL,
        state,
        sections.EXPOSITION,
        {"carte": map_section, "scenario": scenario_section, "dependances": dependency_section},
    )
    methodology(state)


components.ensure_navigation()
page()
