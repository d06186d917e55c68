"""The fiche as a document: what each page of the seed publication holds, for any territory and
year (the HTML is written by lib/fiche/as_html.py, printed to PDF by lib/fiche/as_pdf.py).

The seed « Les indicateurs clés : commerce extérieur » (ANCT–DGE, 2025) has nine pages for a
département, and the document keeps them: 1. title, introduction and the Territoires
d'industrie, the key figures and the exposure to the United States; 2. « Contexte et
méthodologie »; 3. « Balance commerciale territoriale » (partners chart and its « Clé de
lecture »); 4. the activities treemap; 5. « Exportations » (the Sankey, the totals and shares
sentences); 6. the région's and France's export Sankeys; 7–8. the same for « Importations »;
9. « Informations pratiques ». A région has no région page to compare with (only France's
Sankey), France none at all.

Every number, table and sentence comes from the functions the Fiche page calls (lib.data.queries,
lib.charts.fiche_figures, lib.fiche.texts), so that the document and the page show the same
figures. The
charts keep the page's Plotly figures, given the fixed size of their place on an A4 page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from lib.charts import fiche_figures
from lib.core import config, formatting
from lib.core.flows import FLOWS, Flow
from lib.core.partners import US
from lib.core.states import TOP_DEFAULT
from lib.core.territory import FRANCE, Territory
from lib.data import db, exposure, industry_lists, queries, store
from lib.fiche import texts
from lib.web import urlstate

# The printable width of an A4 page (210 mm less two 15 mm margins) in CSS pixels (96 per inch).
# Its printable height is 990 px (297 mm less 17 and 18 mm margins): each chart's height leaves
# room for what shares its page (titles, introduction, sentences), whatever the top N.
PAGE_WIDTH_PX = 680
PARTNERS_MAX_HEIGHT_PX = 740  # below the introduction, above the « Clé de lecture »
TREEMAP_HEIGHT_PX = 760
SANKEY_MIN_HEIGHT_PX = 560  # the main Sankey has its page: room for its labels…
SANKEY_MAX_HEIGHT_PX = 620  # …with the introduction above, the sentences below
COMPARISON_HEIGHT_PX = 400  # two comparison Sankeys per page…
COMPARISON_FIT_TOP = 12  # …up to this top N; beyond, each keeps its own height (and page)

DEMO_WARNING = (
    "Données de démonstration synthétiques, calées sur les totaux publiés pour 2024 : ces "
    "chiffres ne sont pas ceux des Douanes."
)

# How the seed's sentences name the territory, by level: the territory itself, its adjective,
# « dans le … » and « depuis le … ».
_SCOPE = {
    "dept": ("le département", "départementale", "dans le département", "depuis le département"),
    "region": ("la région", "régionale", "dans la région", "depuis la région"),
    "france": ("la France", "nationale", "en France", "depuis la France"),
}
_NUMBER_WORDS = {
    3: "trois",
    4: "quatre",
    5: "cinq",
    6: "six",
    7: "sept",
    8: "huit",
    9: "neuf",
    10: "dix",
    11: "onze",
    12: "douze",
    13: "treize",
    14: "quatorze",
    15: "quinze",
    16: "seize",
    20: "vingt",
}


@dataclass(frozen=True)
class Chart:
    """One chart of the document: its caption (the seed's title above it), its element id and
    its Plotly figure, already sized for its place on the page."""

    key: str
    title: str
    figure: go.Figure


@dataclass(frozen=True)
class Comparison:
    """The région's or France's Sankey, and its total."""

    chart: Chart
    total: str


@dataclass(frozen=True)
class FlowPages:
    """« Exportations » or « Importations »: two pages."""

    flow: Flow
    title: str
    intro: str
    chart: Chart
    sentences: list[str]
    reading: str
    comparison_intro: str
    comparisons: list[Comparison]


@dataclass(frozen=True)
class IndustryBox:
    """A département's Territoires d'industrie, or why there is no list."""

    names: list[str]
    source: str
    note: str  # the footnote under a list, or the sentence saying why there is none


@dataclass(frozen=True)
class Document:
    """Everything the document shows, in page order."""

    territory: Territory
    year: int
    top: int
    period: str  # « 2024 », « 2025 (T1–T2) »
    introduction: tuple[str, ...]
    key_figures: list[tuple[str, str]]  # (label, value) as the Fiche page's « Chiffres clés »
    us_exposure: texts.PartnerExposure  # after them, as on the Fiche page
    exposure_url: str  # the Exposition page of the territory, year and the United States
    industry: IndustryBox | None
    context: texts.Section
    methodology: texts.Section
    balance_intro: str
    partners: Chart
    partners_key: str
    products_intro: str
    products: Chart
    flows: list[FlowPages]
    practical: texts.Section
    footer: str
    demo: bool

    @property
    def title(self) -> str:
        return f"{texts.PUBLICATION} — {self.territory.label} — {self.period}"

    @property
    def charts(self) -> list[Chart]:
        """Every chart, in page order."""
        flow_charts = [
            chart
            for pages in self.flows
            for chart in [pages.chart, *(c.chart for c in pages.comparisons)]
        ]
        return [self.partners, self.products, *flow_charts]


def _sized(fig: go.Figure, height: int | None = None, tight: bool = False) -> go.Figure:
    """`fig` at the page's width (and `height`): a printed page does not resize charts.
    `tight`: no room above and below (the caption is the document's, not the figure's)."""
    size: dict[str, object] = {"width": PAGE_WIDTH_PX, "autosize": False}
    if height is not None:
        size["height"] = height
    if tight:
        size["margin"] = {"t": 8, "b": 8}
    return fig.update_layout(size)


def _capped(fig: go.Figure, max_height: int) -> go.Figure:
    """`fig` no taller than `max_height` (a top 25 would push its page's end to the next)."""
    return fig.update_layout(height=min(int(fig.layout.height or max_height), max_height))


def number_words(count: int) -> str:
    """« dix » as the seed writes its top 10; digits beyond the words it would use."""
    return _NUMBER_WORDS.get(count, str(count))


def _industry_box(territory: Territory) -> IndustryBox | None:
    if territory.level != "dept":
        return None
    names, source = industry_lists.for_dept(territory.code, config.data_dir())
    if names:
        return IndustryBox(names, source, texts.TI_FOOTNOTE)
    return IndustryBox([], source, texts.TI_NONE if source else texts.TI_MISSING)


def _key_figures(kpis: pd.DataFrame) -> list[tuple[str, str]]:
    """The Fiche page's four « Chiffres clés », on the cover."""
    values = fiche_figures.kpi_values(kpis)
    return [
        ("Exportations", formatting.meur(float(values["exports_eur"]))),
        ("Importations", formatting.meur(float(values["imports_eur"]))),
        ("Solde commercial", formatting.meur(float(values["balance_eur"]), signed=True)),
        ("Taux de couverture", formatting.pct(float(values["coverage_pct"]))),
    ]


def _balance_intro(territory: Territory) -> str:
    who = _SCOPE[territory.level][0]
    return (
        "Cette première infographie identifie les principaux pays concernés par des relations "
        f"commerciales avec {who}, en prenant en compte les principaux pays à l'import et à "
        "l'export. Cette vision d'ensemble permet d'apprécier les grands équilibres commerciaux "
        "locaux vis-à-vis de l'extérieur."
    )


PARTNERS_KEY = (
    "Clé de lecture : pour chaque pays, figurent à gauche le montant des importations et à "
    "droite celui des exportations. Le delta constitue la balance commerciale, indiquée en "
    "rouge ou en vert selon qu'elle est négative ou positive."
)


def _products_intro(territory: Territory) -> str:
    _, adjective, inside, from_ = _SCOPE[territory.level]
    return (
        "Le graphique suivant représente les principales activités concernées par les échanges "
        f"commerciaux internationaux à l'échelle {adjective}. Figurent en bleu les biens "
        f"importés {inside}, en violet les biens exportés {from_}. L'aire des compartiments est "
        "proportionnelle à l'importance du bien concerné dans sa catégorie d'échange, ce qui "
        "permet d'identifier les principales activités concernées à l'import et à l'export, "
        "ainsi que la balance globale."
    )


def _flow_intro(territory: Territory, flow: Flow, top: int) -> str:
    _, _, inside, from_ = _SCOPE[territory.level]
    n = number_words(top)
    if flow.code == "E":
        return (
            "Pour aller plus loin dans l'analyse, le graphique suivant représente les flux "
            "d'exportations (quel produit est exporté vers quel pays). Sont représentés les "
            f"{n} premiers biens exportés {from_} ainsi que les {n} principaux pays acheteurs. "
            "La catégorie « Autres » comprend les biens et les pays au-delà de ce classement "
            f"des {n} premiers. Pour faciliter la lecture, les cinq principaux flux (tel produit "
            "vers telle destination) sont représentés en rouge."
        )
    return (
        "De manière similaire, le graphique suivant représente les flux d'importations (quel "
        f"pays vend quel produit). Sont représentés les {n} principaux pays vendeurs ainsi que "
        f"les {n} premiers biens importés {inside}. La catégorie « Autres » comprend les pays "
        f"et les biens au-delà de ce classement des {n} premiers. Pour faciliter la lecture, "
        "les cinq principaux flux (telle origine pour tel produit) sont représentés en rouge."
    )


def _flow_reading(territory: Territory, flow: Flow) -> str:
    _, _, inside, from_ = _SCOPE[territory.level]
    if flow.code == "E":
        return (
            f"Figurent à gauche les principaux biens exportés {from_}, à droite les pays de "
            "destination."
        )
    return f"Figurent à gauche les principaux pays d'origine, à droite les biens importés {inside}."


def _comparison_intro(territory: Territory, flow: Flow) -> str:
    adjective = _SCOPE[territory.level][1]
    others = "de la région et du pays" if territory.level == "dept" else "du pays"
    return (
        f"La situation {adjective} des {flow.plural} représentée page précédente peut être "
        f"comparée à celle {others} :"
    )


def _sankey_chart(
    key: str, title: str, links: pd.DataFrame, flow: Flow, max_height: int, min_height: int = 0
) -> Chart:
    fig = fiche_figures.sankey_figure(links, flow)
    height = min(max(int(fig.layout.height or 440), min_height), max_height)
    return Chart(key, title, _sized(fig, height, tight=True))


def _flow_pages(
    territory: Territory, year: int, top: int, kpis: pd.DataFrame, flow: Flow
) -> FlowPages:
    inline = queries.year_inline(year)
    values = fiche_figures.kpi_values(kpis)
    main = _sankey_chart(
        f"sankey-{flow.name}",
        f"{texts.FLOW_TITLES[flow.code][0]}, {territory.name} (en valeur, {inline})",
        queries.sankey(territory, year, flow.code, top),
        flow,
        SANKEY_MAX_HEIGHT_PX,
        SANKEY_MIN_HEIGHT_PX,
    )
    comparisons = []
    for other in territory.comparisons:
        scope = "national" if other == FRANCE else "region"
        height = COMPARISON_HEIGHT_PX if top <= COMPARISON_FIT_TOP else SANKEY_MAX_HEIGHT_PX
        chart = _sankey_chart(
            f"sankey-{flow.name}-{other.level}",
            f"{texts.FLOW_TITLES[flow.code][1]}, {other.name} (en valeur, {inline})",
            queries.sankey(other, year, flow.code, top),
            flow,
            height,
        )
        total = formatting.meur(float(values[f"{scope}_{flow.key}_eur"]))
        comparisons.append(Comparison(chart, f"Total des {flow.plural} : {total}"))
    return FlowPages(
        flow=flow,
        title=flow.plural.capitalize(),  # « Exportations », « Importations »
        intro=_flow_intro(territory, flow, top),
        chart=main,
        sentences=fiche_figures.kpi_sentences(
            kpis, territory.label, territory.parent_region_name, flow
        ),
        reading=_flow_reading(territory, flow),
        comparison_intro=_comparison_intro(territory, flow),
        comparisons=comparisons,
    )


def _footer(year: int, generated: dt.date, manifest: store.Manifest | None) -> str:
    """The source line at the foot of every page: the customs' publication and year, the
    dataset's date and the document's."""
    created = (
        formatting.french_date(dt.date.fromisoformat(manifest.created[:10])) if manifest else "–"
    )
    return (
        f"Source : DGDDI, « {texts.SOURCE} », {queries.year_label(year)} · données du "
        f"{created} · fiche éditée le {formatting.french_date(generated)}"
    )


def build(
    territory: Territory, year: int, top: int = TOP_DEFAULT, generated: dt.date | None = None
) -> Document:
    """The document of `territory` for `year` (a year of the dataset) and top N."""
    quarters = queries.year_quarters(year)
    inline = queries.year_inline(year)
    kpis = queries.kpis(territory, year)
    partners = queries.partners(territory, year, top)
    products = queries.products(territory, year)
    manifest = db.manifest()
    return Document(
        territory=territory,
        year=year,
        top=top,
        period=queries.year_label(year),
        introduction=texts.introduction(territory),
        key_figures=_key_figures(kpis),
        us_exposure=texts.us_exposure(
            exposure.partner_summary(territory, year, US),
            territory.level,
            queries.year_label(year),
        ),
        exposure_url=urlstate.exposition_url(
            replace(urlstate.default_exposition(territory, year), partner=US)
        ),
        industry=_industry_box(territory),
        context=texts.context(territory, year, quarters),
        methodology=texts.methodology(territory, year, quarters),
        balance_intro=_balance_intro(territory),
        partners=Chart(
            "partners",
            f"Principaux pays à l'import et à l'export, {territory.name} ({inline})",
            _sized(_capped(fiche_figures.partners_figure(partners), PARTNERS_MAX_HEIGHT_PX)),
        ),
        partners_key=PARTNERS_KEY,
        products_intro=_products_intro(territory),
        products=Chart(
            "products",
            f"Principales activités à l'import et à l'export, {territory.name} ({inline})",
            _sized(fiche_figures.treemap_figure(products), TREEMAP_HEIGHT_PX, tight=True),
        ),
        flows=[_flow_pages(territory, year, top, kpis, flow) for flow in FLOWS],
        practical=texts.practical_information(territory, year, quarters),
        footer=_footer(year, generated or dt.date.today(), manifest),
        demo=bool(manifest and manifest.has_demo),
    )
