"""The Comparer page's numbers: two to four départements or régions side by side.

DuckDB queries over the aggregate views (see lib/data/db.py), every value bound: the territories
enter a query as the (territory, département) pairs they cover, bound as two parallel lists,
so that a région sums its départements' rows. Values in euros, percentages 0–100, unrounded,
as the rest of the CSV contract; rows in the order of the territories given.

- key_figures: exports, imports, balance, coverage and national shares of each territory
  (the fiche's key figures, read the same way from `trade_totals`).
- top_partners / top_products: each territory's first partners or products, per flow, with
  their share of the territory's flow.
- evolution: exports, imports and balance of each territory, every year of the dataset.
- peers: the territories proposed beside one, when the page opens from it (a fiche).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from lib.core import flows, measures, refs
from lib.core.states import COMPARE_MAX
from lib.core.territory import FRANCE, Territory
from lib.data import cache, queries

TOP_RANKED = 10  # partners or products of each territory and flow
Ranked = Literal["country", "product"]
_RANKED_NAMES = {"country": refs.country_name, "product": refs.product_name}

# The territories as (territory, dept) rows; the query binds the two lists that fill it.
_MEMBERS_SQL = "SELECT unnest(?::VARCHAR[]) AS territory, unnest(?::VARCHAR[]) AS dept"
# Rows in the territories' order: the list of their codes is bound once more.
_IN_ORDER_SQL = "list_position(?::VARCHAR[], territory)"


def _members(territories: Sequence[Territory]) -> list[object]:
    """The two bound lists of _MEMBERS_SQL: each territory's code beside each of its depts."""
    pairs = []
    for territory in territories:
        if territory.depts is None:  # France covers every row, not a list of départements
            raise ValueError("only départements and régions are compared")
        pairs += [(territory.code, dept) for dept in territory.depts]
    return [[code for code, _ in pairs], [dept for _, dept in pairs]]


def _codes(territories: Sequence[Territory]) -> list[str]:
    return [territory.code for territory in territories]


def _with_names(frame: pd.DataFrame, territories: Sequence[Territory]) -> pd.DataFrame:
    """`name` beside `territory`: « Mayenne », « Pays de la Loire »."""
    names = {territory.code: territory.name for territory in territories}
    frame.insert(1, "name", frame["territory"].map(names))
    return frame


@cache.cached
def key_figures(territories: Sequence[Territory], year: int) -> pd.DataFrame:
    """`territory, name, exports_eur, imports_eur, balance_eur, coverage_pct,
    exports_share_national_pct, imports_share_national_pct`: one row per territory.

    The national totals count every row of the year, outside the 101 départements included,
    as the fiche's (queries.kpis)."""
    frame = queries.fetch_frame(
        f"""
        WITH members AS ({_MEMBERS_SQL}),
        own AS (
            SELECT m.territory, {flows.sums_sql()}
            FROM members m LEFT JOIN trade_totals t ON t.dept = m.dept AND t.year = ?
            GROUP BY m.territory
        )
        SELECT territory, exports_eur, imports_eur FROM own ORDER BY {_IN_ORDER_SQL}
        """,
        [*_members(territories), year, _codes(territories)],
    )
    national_exports, national_imports = (
        queries.flow_totals(FRANCE, year)[flow.code] for flow in flows.FLOWS
    )
    measures.with_key_figures(frame, national_exports, national_imports)
    return _with_names(frame, territories)


def _top(ranked: Ranked, territories: Sequence[Territory], year: int, top: int) -> pd.DataFrame:
    """`territory, name, flow, <ranked>, <ranked>_name, value_eur, share_pct, rank`."""
    frame = queries.fetch_frame(
        f"""
        WITH members AS ({_MEMBERS_SQL}),
        sums AS (
            SELECT m.territory, t.flow, t.{ranked} AS code, sum(t.value_eur) AS value_eur
            FROM trade_annual t JOIN members m ON t.dept = m.dept
            WHERE t.year = ?
            GROUP BY m.territory, t.flow, t.{ranked}
            HAVING sum(t.value_eur) <> 0
        ),
        ranked AS (
            SELECT *,
                   100 * value_eur / sum(value_eur) OVER (PARTITION BY territory, flow)
                       AS share_pct,
                   row_number() OVER (
                       PARTITION BY territory, flow ORDER BY value_eur DESC, code
                   ) AS rank
            FROM sums
        )
        SELECT territory, {flows.name_sql("flow")} AS flow, code AS {ranked},
               value_eur, share_pct, rank
        FROM ranked WHERE rank <= ?
        ORDER BY {_IN_ORDER_SQL}, flow, rank
        """,
        [*_members(territories), year, top, _codes(territories)],
    )
    frame.insert(3, f"{ranked}_name", frame[ranked].map(_RANKED_NAMES[ranked]))
    return _with_names(frame, territories)


@cache.cached
def top_partners(
    territories: Sequence[Territory], year: int, top: int = TOP_RANKED
) -> pd.DataFrame:
    """Each territory's `top` partner countries per flow, largest first (ties: by code):
    `territory, name, flow, country, country_name, value_eur, share_pct, rank`; share_pct is
    of the territory's flow (every country counted)."""
    return _top("country", territories, year, top)


@cache.cached
def top_products(
    territories: Sequence[Territory], year: int, top: int = TOP_RANKED
) -> pd.DataFrame:
    """Each territory's `top` A129 products per flow, as top_partners does for countries:
    `territory, name, flow, product, product_name, value_eur, share_pct, rank`."""
    return _top("product", territories, year, top)


@cache.cached
def evolution(territories: Sequence[Territory]) -> pd.DataFrame:
    """`territory, name, year, exports_eur, imports_eur, balance_eur`: every year of the dataset
    for every territory (0 for a year without its rows), by territory then year."""
    frame = queries.fetch_frame(
        f"""
        WITH members AS ({_MEMBERS_SQL}),
        sums AS (
            SELECT m.territory, t.year, {flows.sums_sql()}
            FROM trade_totals t JOIN members m ON t.dept = m.dept
            GROUP BY m.territory, t.year
        ),
        grid AS (
            SELECT territory, year
            FROM (SELECT DISTINCT territory FROM members)
            CROSS JOIN (SELECT DISTINCT year FROM trade_totals)
        )
        SELECT territory, year,
               coalesce(exports_eur, 0) AS exports_eur, coalesce(imports_eur, 0) AS imports_eur
        FROM grid LEFT JOIN sums USING (territory, year)
        ORDER BY {_IN_ORDER_SQL}, year
        """,
        [*_members(territories), _codes(territories)],
    )
    frame["year"] = frame["year"].astype("int64")
    frame["balance_eur"] = measures.balance(frame["exports_eur"], frame["imports_eur"])
    return _with_names(frame, territories)


@cache.cached
def peers(territory: Territory, year: int, count: int = COMPARE_MAX - 1) -> tuple[str, ...]:
    """The codes of the `count` territories proposed beside `territory`, so that a comparison
    opened from its fiche shows at once: the other départements of its région, or, for a
    département alone in its région (the DROM) and for a région, the others of its level;
    the closest in size first (exports plus imports of `year`, then code). None for France."""
    if territory.level == "france":
        return ()
    depts = queries.map_metrics(year)  # every département of the reference, 0 when no trade
    sizes = depts.assign(size=depts["exports_eur"] + depts["imports_eur"])
    if territory.level == "region":
        totals = sizes.groupby("region_code")["size"].sum()
        candidates = totals.rename_axis("code").reset_index()
    else:
        candidates = sizes.rename(columns={"dept": "code"})
        region = refs.region_of_dept(territory.code)
        neighbours = candidates[candidates["region_code"] == region]
        if len(neighbours) > 1:
            candidates = neighbours
    own = candidates.loc[candidates["code"] == territory.code, "size"].sum()
    others = candidates[candidates["code"] != territory.code]
    ranked = others.assign(distance=(others["size"] - own).abs()).sort_values(["distance", "code"])
    return tuple(ranked["code"].head(count))
