"""What the benchmark measures: random view states, and the app's own query functions.

A draw is one state of the app (a territory, a year, a top N) plus the département whose rows
the Données page exports. Every view runs the functions of `lib.queries` exactly as the pages
call them; `fiche` runs every query `pages/fiche.py` runs for one state with `flux=tous`:
kpis, partners, products, and for each flow the Sankey of the territory, of its région and of
France (the comparison totals are read from the kpis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lib import queries, refs
from lib.territory import FRANCE, Territory
from lib.urlstate import TOP_DEFAULT, DataFilter

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
}
LEVEL_WEIGHTS = {"dept": 0.5, "region": 0.3, "france": 0.2}


@dataclass(frozen=True)
class Draw:
    """One random state of the app."""

    territory: Territory
    year: int
    top: int
    export_dept: str  # the département whose rows the CSV export writes

    @property
    def label(self) -> str:
        return f"{self.territory.level}:{self.territory.code}/{self.year}/top{self.top}"


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
    return draws


def _territory(
    level: str, depts: list[str], regions: list[str], rng: np.random.Generator
) -> Territory:
    if level == "dept":
        return Territory("dept", str(rng.choice(depts)))
    if level == "region":
        return Territory("region", str(rng.choice(regions)))
    return FRANCE


def comparisons(territory: Territory) -> list[Territory]:
    """The territories a fiche compares with (its région, then France), as pages/fiche.py."""
    region = territory.region
    candidates = (region if region != territory else None, FRANCE)
    return [t for t in candidates if t and t != territory]


def fiche(territory: Territory, year: int, top: int) -> dict[str, Any]:
    """Every query the Fiche page runs for (territory, year, top, flux=tous), by name."""
    out: dict[str, Any] = {"years": queries.available_years()}
    out["kpis"] = queries.kpis(territory, year)
    out["partners"] = queries.partners(territory, year, top)
    out["products"] = queries.products(territory, year)
    for flow in ("E", "I"):
        out[f"sankey_{flow}"] = queries.sankey(territory, year, flow, top)
        for other in comparisons(territory):  # their totals come from the kpis
            out[f"sankey_{flow}_{other.level}"] = queries.sankey(other, year, flow, top)
    return out


def export_filter(draw: Draw) -> DataFilter:
    """The Données page filter of the export: one département, one year, both flows."""
    return DataFilter(Territory("dept", draw.export_dept), draw.year, draw.year)


def export_csv(draw: Draw, folder: Path) -> Path:
    path = folder / "duckdb_export.csv"
    queries.write_rows_csv(export_filter(draw), str(path))
    return path


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
}
