"""Exposure of a territory's exports to a partner, a tariff scenario, and import dependency.

Every number of the Exposition page and of `python -m lib.fiche --exposure`: DuckDB queries
over the aggregate views (see lib/data/db.py), every value bound as a parameter, the partner's
member countries bound as one list (lib.core.partners, membership at July 1st of the year).
Values in euros, percentages 0–100, all unrounded, as the rest of the CSV contract.

- exposure: share of each product's exports going to the partner (A129 products, or CPF4
  codes where the data has them).
- tariff scenario: a constant-elasticity response of the exports to the partner to an
  additional tariff, X·((1+t)^(−ε) − 1): an order of magnitude, not a forecast, given for the
  chosen elasticity and for lib.core.states's ELASTICITY_RANGE (`…_elasticity_low_…`,
  `…_elasticity_high_…` columns and keys).
- dependency: for each imported product, its first supplier and that supplier's share, the
  Herfindahl-Hirschman index of the suppliers' shares, the share supplied from outside the UE.
"""

from __future__ import annotations

import math
from typing import Literal, TypeVar

import pandas as pd

from lib.core import flows, measures, partners, refs
from lib.core.states import ELASTICITY_RANGE, at_bound
from lib.core.territory import FRANCE, Territory
from lib.data import cache, queries

# The source of the scenario's trade elasticity by default (lib.core.states.DEFAULT_ELASTICITY),
# and of the range every figure of the scenario is also given for (lib.core.states.
# ELASTICITY_RANGE: the elasticity is the least known of its inputs).
ELASTICITY_SOURCE = (
    "Élasticité par défaut : 5, la valeur centrale que retiennent K. Head et T. Mayer de leur "
    "recension des estimations par les équations de gravité de l'élasticité des échanges aux "
    "coûts de commerce (« Gravity Equations: Workhorse, Toolkit, and Cookbook », Handbook of "
    "International Economics, vol. 4, 2014)."
)
RANGE_SOURCE = (
    "Fourchette : élasticités de 2 à 8. Les estimations publiées sont dispersées autour de 5 "
    "(environ 4 chez I. Simonovska et M. Waugh, 2014 ; environ 8 chez J. Eaton et S. Kortum, "
    "2002) : la fourchette montre cette incertitude, ce n'est pas un intervalle de confiance."
)
STRONG_DEPENDENCY_PCT = 50.0  # a first supplier from outside the UE above this share
Detail = Literal["product", "cpf4"]
Amount = TypeVar("Amount", float, "pd.Series[float]")

# The partner's member countries are bound as one list parameter.
_TO_PARTNER = "list_contains(?::VARCHAR[], country)"


class InvalidPartner(ValueError):
    """A partner code that is neither a country nor a group of lib.core.partners (French
    message)."""


def valid_members(partner: str, year: int) -> list[str]:
    """The partner's countries in `year`; an unknown code never reaches a query."""
    if not partners.is_partner(partner):
        raise InvalidPartner(f"Partenaire inconnu : « {partner} ».")
    return list(partners.members(partner, year))


# --- Export exposure ---------------------------------------------------------------------


@cache.cached
def exposure(
    territory: Territory, year: int, partner: str, detail: Detail = "product"
) -> pd.DataFrame:
    """`product, exports_eur, to_partner_eur, share_pct`: one row per product exported.

    `detail="cpf4"` gives the same per CPF4 code (in `product`), rows without CPF4 skipped.
    Sorted by the value exported to the partner, descending, then by code.
    """
    members = valid_members(partner, year)
    if detail == "product":
        relation, where, params = queries.flows_source(territory)
        key = "product"
    elif detail == "cpf4":
        # No aggregate holds CPF4 and country together: the rows themselves.
        where, params = queries.dept_filter(territory)
        relation, key, where = "trade", "cpf4", f"cpf4 IS NOT NULL AND {where}"
    else:
        raise ValueError(f"unknown detail {detail!r} (expected 'product' or 'cpf4')")
    frame = queries.fetch_frame(
        f"""
        SELECT {key} AS product,
               sum(value_eur) AS exports_eur,
               coalesce(sum(value_eur) FILTER (WHERE {_TO_PARTNER}), 0) AS to_partner_eur
        FROM {relation}
        WHERE year = ? AND flow = ? AND {where}
        GROUP BY {key}
        HAVING sum(value_eur) <> 0
        ORDER BY to_partner_eur DESC, product
        """,
        [members, year, flows.EXPORT.code, *params],
    )
    frame["share_pct"] = measures.percent(frame["to_partner_eur"], frame["exports_eur"])
    return frame


@cache.cached
def _partner_totals(territory: Territory, year: int, members: list[str]) -> tuple[float, float]:
    """(exports, exports to the members) of the territory, from its cheapest aggregate. Kept
    on its own: France's and each région's totals are read by every département's exposure
    (exposure_shares, partner_summary), and France's is a scan of the whole year."""
    relation, where, params = queries.flows_source(territory)
    exports, to_partner = queries.fetch_rows(
        f"""
        SELECT coalesce(sum(value_eur), 0),
               coalesce(sum(value_eur) FILTER (WHERE {_TO_PARTNER}), 0)
        FROM {relation} WHERE year = ? AND flow = ? AND {where}
        """,
        [members, year, flows.EXPORT.code, *params],
    )[0]
    return float(exports), float(to_partner)


def _scopes(territory: Territory) -> list[tuple[str, Territory]]:
    """The territory, its région (a département's only) and France, by scope name."""
    scopes = [("territory", territory)]
    if territory.level == "dept" and territory.region is not None:
        scopes.append(("region", territory.region))
    return [*scopes, ("france", FRANCE)]


@cache.cached
def exposure_shares(territory: Territory, year: int, partner: str) -> pd.DataFrame:
    """`scope, code, name, exports_eur, to_partner_eur, share_pct` for the territory (scope
    `territory`), its région (`region`, départements only) and France (`france`, always there,
    even when the territory is France). share_pct is NaN without exports."""
    members = valid_members(partner, year)
    records = []
    for scope, place in _scopes(territory):
        exports, to_partner = _partner_totals(place, year, members)
        share = measures.percent(to_partner, exports)
        records.append((scope, place.code, place.name, exports, to_partner, share))
    columns = ["scope", "code", "name", "exports_eur", "to_partner_eur", "share_pct"]
    return pd.DataFrame(records, columns=columns)


@cache.cached
def exposure_by_dept(year: int, partner: str) -> pd.DataFrame:
    """`dept, name, exports_eur, to_partner_eur, share_pct, rank_share, rank_value` for the 101
    départements of the reference, in its order.

    Ranks: 1 = most exposed; equal values share the lower rank (method "min"); a département
    without exports has no share and no share rank (NA).
    """
    members = valid_members(partner, year)
    frame = queries.fetch_frame(
        f"""
        SELECT dept,
               sum(value_eur) AS exports_eur,
               coalesce(sum(value_eur) FILTER (WHERE {_TO_PARTNER}), 0) AS to_partner_eur
        FROM trade_annual WHERE year = ? AND flow = ? GROUP BY dept
        """,
        [members, year, flows.EXPORT.code],
    )
    depts = refs.departements()[["code", "name"]].rename(columns={"code": "dept"})
    return _ranked(depts.merge(frame, on="dept", how="left"))


@cache.cached
def exposure_by_region(year: int, partner: str) -> pd.DataFrame:
    """`region, name, exports_eur, to_partner_eur, share_pct, rank_share, rank_value` for the
    régions of the reference, in its order: the sums of their départements (exposure_by_dept,
    no query of its own), ranked alike."""
    depts = exposure_by_dept(year, partner).merge(
        refs.departements()[["code", "region_code"]], left_on="dept", right_on="code"
    )
    sums = depts.groupby("region_code")[["exports_eur", "to_partner_eur"]].sum()
    regions = refs.regions()[["code", "name"]].rename(columns={"code": "region"})
    return _ranked(regions.merge(sums, left_on="region", right_index=True, how="left"))


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (one row per unit, NaN where a unit has no trade) with its share exposed and
    ranks: 1 = most exposed; equal values share the lower rank (method "min"); a unit without
    exports has no share and no share rank (NA)."""
    for column in ("exports_eur", "to_partner_eur"):
        frame[column] = frame[column].fillna(0.0).astype("float64")
    frame["share_pct"] = measures.percent(frame["to_partner_eur"], frame["exports_eur"])
    for rank, column in (("rank_share", "share_pct"), ("rank_value", "to_partner_eur")):
        frame[rank] = frame[column].rank(ascending=False, method="min").astype("Int64")
    return frame


EXPOSURE_COLUMNS = ["product", "exports_eur", "to_partner_eur", "share_pct"]  # exposure's
SUMMARY_COLUMNS = [
    "scope", "code", "name", "exports_eur", "to_partner_eur", "share_pct", "rank_share", "of",
]  # fmt: skip


@cache.cached
def partner_summary(
    territory: Territory, year: int, partner: str, products: int = 3
) -> pd.DataFrame:
    """The fiche's « Exposition aux États-Unis » in one table, `SUMMARY_COLUMNS`.

    First row, scope `territory`: the territory's exports, those to the partner, their share
    and, for a département (a région), its rank by that share among the départements (the
    régions) with exports, `of` of them (exposure_by_dept's, exposure_by_region's); France has
    no rank (NA). Then, scope `product`, the `products` products exported most to the partner
    (exposure's order, exports to it > 0), with the share of each product's exports going to
    it. Two cached queries at most: the units' ranking (shared by every territory of the
    level) or France's totals, and the territory's products.
    """
    if territory.level == "france":
        exports, to_partner = _partner_totals(FRANCE, year, valid_members(partner, year))
        rank, of = None, None
    else:
        units, key = (
            (exposure_by_dept(year, partner), "dept")
            if territory.level == "dept"
            else (exposure_by_region(year, partner), "region")
        )
        row = units.set_index(key).loc[territory.code].to_dict()
        exports, to_partner = float(row["exports_eur"]), float(row["to_partner_eur"])
        rank, of = row["rank_share"], int(units["rank_share"].notna().sum())
    share = measures.percent(to_partner, exports)
    first = ("territory", territory.code, territory.name, exports, to_partner, share, rank, of)
    exposed = exposure(territory, year, partner)
    exposed = exposed.loc[exposed["to_partner_eur"] > 0, EXPOSURE_COLUMNS].head(products)
    rows = [
        ("product", code, refs.product_name(code), value, sent, product_share, None, None)
        for code, value, sent, product_share in exposed.itertuples(index=False)
    ]
    frame = pd.DataFrame([first, *rows], columns=SUMMARY_COLUMNS)
    for column in ("rank_share", "of"):
        frame[column] = frame[column].astype("Int64")
    return frame


# --- Tariff scenario -----------------------------------------------------------------------


def tariff_effect(to_partner_eur: Amount, rate_pct: float, elasticity: float) -> Amount:
    """Change of the exports X to the partner under an additional tariff of `rate_pct` %:
    X·((1+t)^(−ε) − 1), t = rate_pct / 100. Negative (a loss) for t > 0; zero for t = 0."""
    if not rate_pct > -100 or not math.isfinite(rate_pct) or not math.isfinite(elasticity):
        raise ValueError(f"tariff rate {rate_pct!r} or elasticity {elasticity!r} out of range")
    factor = math.pow(1 + rate_pct / 100, -elasticity) - 1
    return to_partner_eur * factor


def tariff_scenario(
    territory: Territory, year: int, partner: str, rate_pct: float, elasticity: float
) -> pd.DataFrame:
    """`product, to_partner_eur, change_eur, change_elasticity_low_eur,
    change_elasticity_high_eur` for every product exported to the partner, in the order of
    `exposure` (largest exports to the partner first): the change with the chosen elasticity,
    then with the range's bounds."""
    table = exposure(territory, year, partner)
    table = table.loc[table["to_partner_eur"] != 0, ["product", "to_partner_eur"]]
    table = table.reset_index(drop=True)
    table["change_eur"] = tariff_effect(table["to_partner_eur"], rate_pct, elasticity)
    for bound, bound_elasticity in ELASTICITY_RANGE.items():
        table[at_bound("change_eur", bound)] = tariff_effect(
            table["to_partner_eur"], rate_pct, bound_elasticity
        )
    return table


def scenario_summary(
    territory: Territory, year: int, partner: str, rate_pct: float, elasticity: float
) -> dict[str, float]:
    """The scenario in total: `change_eur` (signed: negative = a loss), `share_of_exports_pct`
    (that change as a % of the territory's total exports, NaN without exports) and
    `france_share_of_exports_pct` (the same for France); also `exports_eur`,
    `to_partner_eur` and `france_change_eur`. The four scenario figures again at the range's
    bounds (at_bound: `change_elasticity_low_eur`, `share_of_exports_elasticity_high_pct`…).

    The response being proportional, the total change is the effect on the total exported to
    the partner, equal to the sum of tariff_scenario's changes.
    """
    members = valid_members(partner, year)
    exports, to_partner = _partner_totals(territory, year, members)
    france_exports, france_to_partner = _partner_totals(FRANCE, year, members)

    def figures(chosen: float) -> dict[str, float]:
        change = tariff_effect(to_partner, rate_pct, chosen)
        france_change = tariff_effect(france_to_partner, rate_pct, chosen)
        return {
            "change_eur": change,
            "share_of_exports_pct": measures.percent(change, exports),
            "france_change_eur": france_change,
            "france_share_of_exports_pct": measures.percent(france_change, france_exports),
        }

    summary = {"exports_eur": exports, "to_partner_eur": to_partner, **figures(elasticity)}
    for bound, bound_elasticity in ELASTICITY_RANGE.items():
        summary |= {at_bound(k, bound): v for k, v in figures(bound_elasticity).items()}
    return summary


# --- Import dependency ---------------------------------------------------------------------


@cache.cached
def dependency(territory: Territory, year: int) -> pd.DataFrame:
    """One row per product imported (imports ≠ 0), largest imports first, then by code.

    Suppliers are the countries with a non-zero value. first_supplier: the largest, ties broken
    by country code ascending; hhi = Σ (supplier value / product imports)², in [0, 1];
    outside_eu_share_pct: imports from countries outside the UE of that year
    (partners.eu_members), unknown or confidential codes included.
    """
    relation, where, params = queries.flows_source(territory)
    eu = sorted(partners.eu_members(year))
    return queries.fetch_frame(
        f"""
        WITH suppliers AS (
            SELECT product, country, sum(value_eur) AS v
            FROM {relation}
            WHERE year = ? AND flow = ? AND {where}
            GROUP BY product, country
            HAVING sum(value_eur) <> 0
        ),
        ranked AS (
            SELECT product, country, v,
                   sum(v) OVER (PARTITION BY product) AS imports,
                   row_number() OVER (PARTITION BY product ORDER BY v DESC, country) AS place
            FROM suppliers
        )
        SELECT product,
               any_value(imports) AS imports_eur,
               any_value(country) FILTER (WHERE place = 1) AS first_supplier,
               100 * any_value(v) FILTER (WHERE place = 1) / any_value(imports)
                   AS first_supplier_share_pct,
               sum((v / imports) ** 2) AS hhi,
               100 * coalesce(sum(v) FILTER (WHERE NOT list_contains(?::VARCHAR[], country)), 0)
                   / any_value(imports) AS outside_eu_share_pct
        FROM ranked
        GROUP BY product
        HAVING any_value(imports) <> 0
        ORDER BY imports_eur DESC, product
        """,
        [year, flows.IMPORT.code, *params, eu],
    )


def strong_dependency(table: pd.DataFrame) -> pd.Series[bool]:
    """« Dépendance forte »: the first supplier is outside the UE and supplies more than half.

    Read from the table's own columns, without the year: when the first supplier holds more
    than 50 %, it is outside the UE exactly when the share from outside the UE is at least its
    share (an EU first supplier leaves less than 50 % to the rest; a non-EU one is counted in
    the outside share). Both shares are computed alike (100 × value / imports), so the
    comparison is exact.
    """
    first = table["first_supplier_share_pct"]
    return (first > STRONG_DEPENDENCY_PCT) & (table["outside_eu_share_pct"] >= first)


# --- The CSV files (the CLI's `--exposure` and the page's downloads) -------------------------


def tables(territory: Territory, year: int, partner: str) -> dict[str, pd.DataFrame]:
    """`exposure.csv` and `dependency.csv` of the territory and year, keyed by file name."""
    return {
        "exposure.csv": exposure(territory, year, partner),
        "dependency.csv": dependency(territory, year),
    }
