"""The Produit page's numbers: one product across the départements, its partner countries, its
evolution, and a territory's share of France for it.

A product is an A129 code of the reference (read from the aggregate views) or a CPF4 code of
the dataset (read from `trade_detail`, and from the rows for its partner countries: no
aggregate holds CPF4 and country together). Every code is checked before any query and bound
as a parameter. Values in euros, percentages 0–100, unrounded, as the CSV contract.

France is every row of the dataset, rows outside the 101 départements of the reference
included (`outside_eur` of `france_split`): the départements plus those rows sum to France.
"""

from __future__ import annotations

import pandas as pd

from lib.core import flows, measures, refs
from lib.core.territory import FRANCE, Territory
from lib.data import cache, queries


class InvalidProduct(ValueError):
    """A code that is neither an A129 product of the reference nor a CPF4 code of the data."""


def check_product(product: str) -> str:
    """`product` itself when it is an A129 code or a CPF4 code of the dataset."""
    if refs.is_product(product) or product in queries.cpf4_codes():
        return product
    raise InvalidProduct(f"Produit inconnu : « {product} ».")


def product_label(product: str) -> str:
    """« Industrie pharmaceutique (C21Z) », or a CPF4 code's label from the dataset."""
    name = refs.product_name(product) if refs.is_product(product) else refs.cpf4_name(product)
    return name if name == product else f"{name} ({product})"


def _source(
    product: str, territory: Territory = FRANCE, per_dept: bool = False, per_country: bool = False
) -> tuple[str, str, list[object]]:
    """(relation, predicate, parameters) of the product's rows in the territory, from the
    cheapest view that has the columns asked for (`dept` with per_dept, `country` with
    per_country)."""
    where, params = queries.dept_filter(territory)
    if refs.is_product(check_product(product)) and not per_country:
        # The CPF4 aggregate (flow, dept, product, cpf4) has no country: a few thousand rows a
        # year where trade_annual has them per country (the product is not a sort key, so a
        # filter on it reads the whole year either way).
        relation, key = "trade_detail", "product"
    elif refs.is_product(product):
        national = territory == FRANCE and not per_dept
        relation, key = ("trade_national" if national else "trade_annual"), "product"
    else:
        relation, key = ("trade" if per_country else "trade_detail"), "cpf4"
    return relation, f"{key} = ? AND {where}", [product, *params]


@cache.cached
def by_dept(product: str, year: int, flow: str) -> pd.DataFrame:
    """`dept, name, value_eur, share_pct, rank` for the 101 départements of the reference, in
    its order: the product's value in the flow, its share of France's (NaN when France has
    none), the rank by value (1 = largest; equal values share the lower rank; none without
    trade)."""
    relation, where, params = _source(product, per_dept=True)
    frame = queries.fetch_frame(
        f"""
        SELECT dept, sum(value_eur) AS value_eur FROM {relation}
        WHERE year = ? AND flow = ? AND {where} GROUP BY dept
        """,
        [year, flows.flow_of(flow).code, *params],
    )
    depts = refs.departements()[["code", "name"]].rename(columns={"code": "dept"})
    frame = depts.merge(frame, on="dept", how="left")
    frame["value_eur"] = frame["value_eur"].fillna(0.0).astype("float64")
    france = france_split(product, year, flow)["france_eur"]
    frame["share_pct"] = measures.percent(frame["value_eur"], france)
    traded = frame["value_eur"].where(frame["value_eur"] != 0)
    frame["rank"] = traded.rank(ascending=False, method="min").astype("Int64")
    return frame


@cache.cached
def france_split(product: str, year: int, flow: str) -> dict[str, float]:
    """`france_eur`, the product's value in the flow for France, and `outside_eur`, the part
    of it on rows outside the départements of the reference."""
    relation, where, params = _source(product, per_dept=True)
    depts = list(refs.departements()["code"])
    france, outside = queries.fetch_rows(
        f"""
        SELECT coalesce(sum(value_eur), 0),
               coalesce(sum(value_eur) FILTER (WHERE NOT list_contains(?::VARCHAR[], dept)), 0)
        FROM {relation} WHERE year = ? AND flow = ? AND {where}
        """,
        [depts, year, flows.flow_of(flow).code, *params],
    )[0]
    return {"france_eur": float(france), "outside_eur": float(outside)}


@cache.cached
def partners(product: str, year: int, flow: str, territory: Territory = FRANCE) -> pd.DataFrame:
    """`country, country_name, value_eur, share_pct`: every partner country of the product in
    the flow (value ≠ 0), largest first then by code; shares of the product's total."""
    relation, where, params = _source(product, territory, per_country=True)
    frame = queries.fetch_frame(
        f"""
        SELECT country, sum(value_eur) AS value_eur,
               100 * sum(value_eur) / sum(sum(value_eur)) OVER () AS share_pct
        FROM {relation}
        WHERE year = ? AND flow = ? AND {where}
        GROUP BY country HAVING sum(value_eur) <> 0
        ORDER BY value_eur DESC, country
        """,
        [year, flows.flow_of(flow).code, *params],
    )
    frame.insert(1, "country_name", frame["country"].map(refs.country_name))
    return frame


@cache.cached
def evolution(product: str, territory: Territory = FRANCE) -> pd.DataFrame:
    """`year, flow, territory_eur, france_eur, share_pct`: the product's exports and imports in
    every year of the dataset (0 when absent), the territory's and France's, and the
    territory's share of France (NaN when France has none). Ordered by year, exports first."""
    own, own_params = queries.dept_filter(territory)
    relation, where, params = _source(product, per_dept=territory != FRANCE)
    frame = queries.fetch_frame(
        f"""
        SELECT year, {flows.name_sql("flow")} AS flow,
               coalesce(sum(value_eur) FILTER (WHERE {own}), 0) AS territory_eur,
               sum(value_eur) AS france_eur
        FROM {relation} WHERE {where} GROUP BY year, flow
        """,
        [*own_params, *params],
    )
    grid = pd.MultiIndex.from_product(
        [queries.available_years(), [flow.name for flow in flows.FLOWS]], names=["year", "flow"]
    ).to_frame(index=False)
    frame = grid.merge(frame, on=["year", "flow"], how="left")
    for column in ("territory_eur", "france_eur"):
        frame[column] = frame[column].fillna(0.0).astype("float64")
    france = frame["france_eur"]
    frame["share_pct"] = measures.percent(frame["territory_eur"], france)
    return frame
