"""What a page shows, as plain data: the state of the fiche, of the Données filter, of the map,
of the Exposition page.

lib.web.urlstate parses these states from a URL (with its French notices) and writes the URL of
each (`urlstate.params_of`): the URL's words are urlstate's alone. lib.data.queries and the figures
read the states. This module depends on nothing above the territory and the flows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from lib.core import flows
from lib.core.flows import Flow
from lib.core.territory import FRANCE, Territory

OTHERS = "AUTRES"  # the code merging the products or countries beyond a top N
TOP_MIN, TOP_MAX, TOP_DEFAULT = 3, 25, 10
MAP_METRIC_DEFAULT = flows.EXPORT.key
# The Exposition page's additional tariff (whole %) and trade elasticity bounds.
TARIFF_MIN, TARIFF_MAX, TARIFF_DEFAULT = 0, 100, 10
ELASTICITY_MIN, ELASTICITY_MAX = 0.5, 20.0
# The trade elasticity of the scenario by default (its source: lib.data.exposure.ELASTICITY_SOURCE).
DEFAULT_ELASTICITY = 5.0
# The range of elasticities every figure of the tariff scenario is also given for (its source:
# lib.data.exposure.RANGE_SOURCE), by the word its columns and keys carry (at_bound).
ELASTICITY_LOW, ELASTICITY_HIGH = 2.0, 8.0
ELASTICITY_RANGE = {"elasticity_low": ELASTICITY_LOW, "elasticity_high": ELASTICITY_HIGH}


def at_bound(key: str, bound: str) -> str:
    """A scenario's column or key at one of ELASTICITY_RANGE's bounds: (`change_eur`,
    `elasticity_low`) → `change_elasticity_low_eur` (the unit stays last)."""
    stem, unit = key.rsplit("_", 1)
    return f"{stem}_{bound}_{unit}"


@dataclass(frozen=True)
class FicheState:
    """The fiche: a territory, a year, the top N, a flow choice (flows.CHOICES), the sections
    open."""

    territory: Territory
    year: int
    top: int = TOP_DEFAULT
    flux: str = flows.BOTH
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order

    @property
    def shown_flows(self) -> tuple[Flow, ...]:
        """The flows shown, exports first."""
        return flows.chosen(self.flux)

    @property
    def shows_exports(self) -> bool:
        return flows.EXPORT in self.shown_flows

    @property
    def shows_imports(self) -> bool:
        return flows.IMPORT in self.shown_flows


@dataclass(frozen=True)
class DataFilter:
    """The Données page: a territory, a year range, a flow, products and countries."""

    territory: Territory
    first_year: int
    last_year: int
    flux: str = flows.BOTH
    products: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)
    first_quarter: int = 1  # the period runs from (first_year, first_quarter)
    last_quarter: int = 4  # to (last_year, last_quarter), both included
    cpf4: tuple[str, ...] = field(default_factory=tuple)


def default_data_filter(
    years: Sequence[int], territory: Territory = FRANCE, year: int | None = None
) -> DataFilter:
    """What the Données page shows for what its URL leaves out: one year (`year`, else the
    latest), one flow (exports), `territory` (France): a total that means something and a file
    of a size a spreadsheet opens, rather than both flows added over every year.

    `territory` and `year` let a caller start from what the visitor chose elsewhere;
    urlstate.parse_data_filter reads every parameter the URL gives over these."""
    chosen = year if year is not None and year in years else max(years, default=0)
    return DataFilter(territory, chosen, chosen, flows.EXPORT.name)


@dataclass(frozen=True)
class MapState:
    """The Carte page: its year, the metric colouring the départements, the one outlined."""

    year: int
    metric: str = MAP_METRIC_DEFAULT
    selected: str | None = None


@dataclass(frozen=True)
class ExpositionState:
    """The Exposition page: a territory, a year, a partner (country or group code of
    lib.core.partners), an additional tariff in whole % and the trade elasticity of the scenario."""

    territory: Territory
    year: int
    partner: str
    rate_pct: int
    elasticity: float
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order


@dataclass(frozen=True)
class DiversificationState:
    """The Diversifier page: a département or a région (France is parsed, and the page says it
    has nothing to show for it), a year, the partner whose most exposed products look for other
    markets (a country or group code of lib.core.partners)."""

    territory: Territory
    year: int
    partner: str
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order


# The Comparer page: how many territories it sets side by side.
COMPARE_MIN, COMPARE_MAX = 2, 4
ComparedLevel = Literal["dept", "region"]


@dataclass(frozen=True)
class ComparisonState:
    """The Comparer page: départements or régions (`level`), their codes (valid, once each, at
    most COMPARE_MAX, in the order given; fewer than COMPARE_MIN: nothing compared yet), a
    year."""

    level: ComparedLevel
    codes: tuple[str, ...]
    year: int
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order

    @property
    def territories(self) -> tuple[Territory, ...]:
        return tuple(Territory(self.level, code) for code in self.codes)


@dataclass(frozen=True)
class CountryState:
    """The Pays page: a partner country (a country code of the reference, not France), a year,
    the flow colouring its map of départements (`flows.EXPORT.name` or `flows.IMPORT.name`)."""

    country: str
    year: int
    flux: str = flows.EXPORT.name
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order


@dataclass(frozen=True)
class EvolutionState:
    """The Évolution page: a territory, the base year of its index (a whole year), the two
    years whose change is broken down (`start` before `end`), and the flow of the index and of
    that breakdown (`flows.EXPORT.name` or `flows.IMPORT.name`)."""

    territory: Territory
    base: int
    start: int
    end: int
    flux: str = flows.EXPORT.name
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order


DEFAULT_PRODUCT = "C21Z"  # the Produit page without a product: pharmaceuticals (issue 11's)


@dataclass(frozen=True)
class ProductState:
    """The Produit page: a product (an A129 code of the reference, or a CPF4 code of the
    dataset), a year, the flow of its map (`flows.EXPORT.name` or `flows.IMPORT.name`), and the
    territory whose share of France is shown (FRANCE: none chosen)."""

    product: str
    year: int
    flux: str = flows.EXPORT.name
    territory: Territory = FRANCE
    sections: tuple[str, ...] = ()  # the sections open (lib/core/sections.py), in the page's order
