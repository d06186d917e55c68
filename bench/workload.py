"""What the benchmark measures: random view states, and the app's own query functions.

A draw is one state of the app (a territory, a year, a top N) plus the département whose rows
the Données page exports, and the states of the other pages (a product and a flow, a partner
country, a partner of the Exposition page, two to four territories to compare). Every view runs
the functions of `lib` exactly as the pages call them; `fiche` runs every query
`pages/fiche.py` runs for one state with `flux=tous`: kpis, partners, products, and for each
flow the Sankey of the territory, of its région and of France (the comparison totals are read
from the kpis). `evolution`, `produit`, `pays`, `comparer` and `exposition` run every query of
their page (PAGES) for one state; `diversifier` runs every query of pages/diversifier.py, its
sections open (a France draw, which that page refuses, is measured on the draw's `export_dept`
département).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from lib.core import flows, partners, refs
from lib.core.states import (
    COMPARE_MAX,
    COMPARE_MIN,
    DEFAULT_ELASTICITY,
    DEFAULT_PRODUCT,
    TARIFF_DEFAULT,
    ComparedLevel,
)
from lib.core.territory import FRANCE, Territory
from lib.data import (
    comparison,
    country_view,
    diversification,
    evolution,
    exposure,
    product_view,
    queries,
)
from lib.web.urlstate import TOP_DEFAULT, DataFilter

# View name -> what it stands for; the keys of `views` in the results.
VIEWS: dict[str, str] = {
    "kpis": "Territory key figures (queries.kpis)",
    "partners": "Partner balances (queries.partners)",
    "products": "Product treemap (queries.products)",
    "sankey_E": "Export Sankey (queries.sankey E)",
    "sankey_I": "Import Sankey (queries.sankey I)",
    "map_metrics": "Map, per-département metrics (queries.map_metrics)",
    "fiche": "Full fiche: every query of pages/fiche.py for one state",
    "export_csv": "Données CSV export of one département-year (queries.write_rows_csv)",
    "evolution": "Évolution: every query of pages/evolution.py (lib.data.evolution; change between "
    "the last two years)",
    "produit": "Produit: every query of pages/produit.py (lib.data.product_view)",
    "pays": "Pays: every query of pages/pays.py (lib.data.country_view)",
    "comparer": (
        "Comparer: every query of pages/comparer.py for 2-4 territories (lib.data.comparison)"
    ),
    "exposition": "Exposition: every query of pages/exposition.py (lib.data.exposure, dependency "
    "included)",
    "diversifier": "Diversifier: every query of pages/diversifier.py, its sections open "
    "(lib.data.diversification: markets, product space, similar territories)",
}
# The views that run every query of one page: the fiche's target (bench.report) applies.
PAGES = ("fiche", "evolution", "produit", "pays", "comparer", "exposition", "diversifier")
LEVEL_WEIGHTS = {"dept": 0.5, "region": 0.3, "france": 0.2}
COMPARED_LEVELS = ("dept", "region")
# The pages' states come from a second random stream: the draws of the fiche's views stay
# those of the runs before these pages were measured.
PAGES_STREAM = 11


@dataclass(frozen=True)
class Draw:
    """One random state of the app."""

    territory: Territory
    year: int
    top: int
    export_dept: str  # the département whose rows the CSV export writes
    product: str = DEFAULT_PRODUCT  # Produit (with `flux`, and the territory's share)
    flux: str = flows.EXPORT.name  # Produit's map, Évolution's index and breakdown
    country: str = partners.DEFAULT_PARTNER  # Pays
    partner: str = partners.DEFAULT_PARTNER  # Exposition (a country or a group)
    compared: tuple[Territory, ...] = ()  # Comparer

    @property
    def label(self) -> str:
        return f"{self.territory.level}:{self.territory.code}/{self.year}/top{self.top}"

    @property
    def pages_label(self) -> str:
        compared = ",".join(t.code for t in self.compared)
        level = self.compared[0].level if self.compared else ""
        return (
            f"produit:{self.product}/{self.flux} pays:{self.country} "
            f"partenaire:{self.partner} comparer:{level}:{compared}"
        )


def draw_plan(years: list[int], count: int, seed: int) -> list[Draw]:
    """`count` seeded draws: a mix of départements, régions and France, any year."""
    rng = np.random.default_rng(seed)
    depts = sorted(refs.departements()["code"])
    regions = sorted(refs.regions()["code"])
    levels = list(LEVEL_WEIGHTS)
    draws = []
    for _ in range(count):
        level = str(rng.choice(levels, p=list(LEVEL_WEIGHTS.values())))
        territory = _territory(level, depts, regions, rng)
        year = int(rng.choice(years))
        draws.append(Draw(territory, year, TOP_DEFAULT, str(rng.choice(depts))))
    pages = np.random.default_rng([seed, PAGES_STREAM])
    return [_with_pages(draw, depts, regions, pages) for draw in draws]


def _with_pages(draw: Draw, depts: list[str], regions: list[str], rng: np.random.Generator) -> Draw:
    """The draw with the other pages' states, codes drawn from the reference tables."""
    level: ComparedLevel = "dept" if str(rng.choice(COMPARED_LEVELS)) == "dept" else "region"
    pool = depts if level == "dept" else regions
    count = int(rng.integers(COMPARE_MIN, COMPARE_MAX + 1))
    codes = rng.choice(pool, size=count, replace=False)
    return replace(
        draw,
        product=str(rng.choice(sorted(refs.products()["code"]))),
        flux=str(rng.choice([flow.name for flow in flows.FLOWS])),
        country=str(rng.choice(sorted(country_view.country_choices()))),
        partner=str(rng.choice(sorted(partners.partner_choices()))),
        compared=tuple(Territory(level, str(code)) for code in codes),
    )


def _territory(
    level: str, depts: list[str], regions: list[str], rng: np.random.Generator
) -> Territory:
    if level == "dept":
        return Territory("dept", str(rng.choice(depts)))
    if level == "region":
        return Territory("region", str(rng.choice(regions)))
    return FRANCE


def fiche(territory: Territory, year: int, top: int) -> dict[str, Any]:
    """Every query the Fiche page runs for (territory, year, top, flux=tous), by name."""
    out: dict[str, Any] = {"years": queries.available_years()}
    out["kpis"] = queries.kpis(territory, year)
    out["partners"] = queries.partners(territory, year, top)
    out["products"] = queries.products(territory, year)
    for flow in ("E", "I"):
        out[f"sankey_{flow}"] = queries.sankey(territory, year, flow, top)
        for other in territory.comparisons:  # their totals come from the kpis
            out[f"sankey_{flow}_{other.level}"] = queries.sankey(other, year, flow, top)
    return out


def export_filter(draw: Draw) -> DataFilter:
    """The Données page filter of the export: one département, one year, both flows."""
    return DataFilter(Territory("dept", draw.export_dept), draw.year, draw.year)


def export_csv(draw: Draw, folder: Path) -> Path:
    path = folder / "duckdb_export.csv"
    queries.write_rows_csv(export_filter(draw), str(path))
    return path


def evolution_page(territory: Territory, flux: str) -> dict[str, Any]:
    """Every query of the Évolution page of `territory` with its default base (the first whole
    year) and the change between the last two years, broken down by partner and by product."""
    years = queries.available_years()
    whole = evolution.whole_years()
    table = evolution.series(territory, min(whole or years))
    out: dict[str, Any] = {"series": table}
    if not table.empty:
        out["average_growth"] = evolution.average_growth(table)
    start, end = years[-2:] if len(years) > 1 else (years[0], years[0])
    try:
        change = evolution.change_total(territory, flux, start, end)
    except evolution.NotComparable:  # the page says so and breaks nothing down
        return out
    out["change"] = asdict(change)
    for by in ("country", "product"):
        out[f"contributions_{by}"] = evolution.contributions(territory, flux, start, end, by)
    return out


def produit_page(product: str, year: int, flux: str, territory: Territory) -> dict[str, Any]:
    """Every query of the Produit page (the page reads the CPF4 codes for its URL and again for
    its product list: the same query, run once here)."""
    return {
        "cpf4_codes": queries.cpf4_codes(),
        "evolution": product_view.evolution(product, territory),
        "by_dept": product_view.by_dept(product, year, flux),
        "partners": product_view.partners(product, year, flux, territory),
    }


def pays_page(country: str, year: int) -> dict[str, Any]:
    """Every query of the Pays page."""
    return {
        "totals": country_view.totals(country, year),
        "by_dept": country_view.by_dept(country, year),
        "products": country_view.products(country, year),
        "evolution": country_view.evolution(country),
    }


def comparer_page(territories: tuple[Territory, ...], year: int) -> dict[str, Any]:
    """Every query of the Comparer page."""
    return {
        "key_figures": comparison.key_figures(territories, year),
        "partners": comparison.top_partners(territories, year),
        "products": comparison.top_products(territories, year),
        "evolution": comparison.evolution(territories),
    }


def exposition_page(territory: Territory, year: int, partner: str) -> dict[str, Any]:
    """Every query of the Exposition page with its default tariff and elasticity."""
    out: dict[str, Any] = {
        "shares": exposure.exposure_shares(territory, year, partner),
        "exposure": exposure.exposure(territory, year, partner),
        "cpf4_codes": queries.cpf4_codes(),
    }
    if out["cpf4_codes"]:
        out["exposure_cpf4"] = exposure.exposure(territory, year, partner, detail="cpf4")
    out["by_dept"] = exposure.exposure_by_dept(year, partner)
    scenario = (territory, year, partner, TARIFF_DEFAULT, DEFAULT_ELASTICITY)
    out["scenario_summary"] = exposure.scenario_summary(*scenario)
    out["scenario"] = exposure.tariff_scenario(*scenario)
    out["dependency"] = exposure.dependency(territory, year)
    if not out["dependency"].empty:
        out["strong"] = exposure.strong_dependency(out["dependency"]).tolist()
    return out


def diversifier_page(territory: Territory, year: int, partner: str) -> dict[str, Any]:
    """Every query of the Diversifier page with every section open: the markets (first
    screen), their world map, the nearby activities and the similar territories."""
    markets = diversification.alternative_markets(territory, year, partner)
    nearby = diversification.diversification(territory, year)
    return {
        "nearby": nearby,
        "context": diversification.context_of(nearby, year),  # as the page does
        "similar": diversification.similar_territories(territory, year),
        "markets": markets,  # empty when nothing is exported to the partner
        "top_markets": diversification.top_markets(markets),
        "by_country": diversification.untapped_by_country(markets),
    }


def _diversified(draw: Draw) -> Territory:
    """The draw's territory, or for France (which the page refuses) its export département."""
    return draw.territory if draw.territory != FRANCE else Territory("dept", draw.export_dept)


ViewRunner = Callable[[Draw, Path], Any]

RUNNERS: dict[str, ViewRunner] = {
    "kpis": lambda d, _: queries.kpis(d.territory, d.year),
    "partners": lambda d, _: queries.partners(d.territory, d.year, d.top),
    "products": lambda d, _: queries.products(d.territory, d.year),
    "sankey_E": lambda d, _: queries.sankey(d.territory, d.year, "E", d.top),
    "sankey_I": lambda d, _: queries.sankey(d.territory, d.year, "I", d.top),
    "map_metrics": lambda d, _: queries.map_metrics(d.year),
    "fiche": lambda d, _: fiche(d.territory, d.year, d.top),
    "export_csv": export_csv,
    "evolution": lambda d, _: evolution_page(d.territory, d.flux),
    "produit": lambda d, _: produit_page(d.product, d.year, d.flux, d.territory),
    "pays": lambda d, _: pays_page(d.country, d.year),
    "comparer": lambda d, _: comparer_page(d.compared, d.year),
    "exposition": lambda d, _: exposition_page(d.territory, d.year, d.partner),
    "diversifier": lambda d, _: diversifier_page(_diversified(d), d.year, d.partner),
}
