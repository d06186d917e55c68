"""The Pays page's numbers: France's trade with one partner country, by département, by
product and year by year; and every partner of a territory for the fiche's world map.

DuckDB queries over the aggregate views (lib/data/db.py), every value bound as a parameter; the
country is checked against the reference (lib.core.refs) before any query. Values in euros,
unrounded, as the rest of the CSV contract.
"""

from __future__ import annotations

import pandas as pd

from lib.core import flows, measures, partners, refs
from lib.core.territory import Territory
from lib.data import cache, queries


class InvalidCountry(ValueError):
    """A code that is no partner country of the reference (France is none)."""


def country_choices() -> list[str]:
    """The countries a Pays page shows: the reference's partner countries by French name (the
    groups of lib.core.partners left out)."""
    return [code for code in partners.partner_choices() if refs.is_country(code)]


def _checked(country: str) -> str:
    if not (partners.is_partner(country) and refs.is_country(country)):
        raise InvalidCountry(f"Pays inconnu : « {country[:40]} ».")
    return country


def _with_balance(frame: pd.DataFrame) -> pd.DataFrame:
    frame["balance_eur"] = measures.balance(frame["exports_eur"], frame["imports_eur"])
    return frame


@cache.cached
def totals(country: str, year: int) -> dict[str, float]:
    """France's `exports_eur`, `imports_eur`, `balance_eur` with the country, and the country's
    share of France's exports and imports (`exports_share_pct`, `imports_share_pct`, NaN when
    France has none)."""
    by_flow = {
        code: (float(with_country), float(every))
        for code, with_country, every in queries.fetch_rows(
            """
            SELECT flow, coalesce(sum(value_eur) FILTER (WHERE country = ?), 0), sum(value_eur)
            FROM trade_national WHERE year = ? GROUP BY flow
            """,
            [_checked(country), year],
        )
    }
    exports, all_exports = by_flow.get(flows.EXPORT.code, (0.0, 0.0))
    imports, all_imports = by_flow.get(flows.IMPORT.code, (0.0, 0.0))
    return {
        "exports_eur": exports,
        "imports_eur": imports,
        "balance_eur": measures.balance(exports, imports),
        "exports_share_pct": measures.percent(exports, all_exports),
        "imports_share_pct": measures.percent(imports, all_imports),
    }


@cache.cached
def by_dept(country: str, year: int) -> pd.DataFrame:
    """`dept, name, exports_eur, imports_eur, balance_eur` with the country, for the 101
    départements of the reference in its order (0 where a département has no such trade)."""
    frame = queries.fetch_frame(
        f"""
        SELECT dept, {flows.sums_sql()}
        FROM trade_annual WHERE year = ? AND country = ? GROUP BY dept
        """,
        [year, _checked(country)],
    )
    depts = refs.departements()[["code", "name"]].rename(columns={"code": "dept"})
    frame = depts.merge(frame, on="dept", how="left")
    for flow in flows.FLOWS:
        frame[f"{flow.key}_eur"] = frame[f"{flow.key}_eur"].fillna(0.0)
    return _with_balance(frame)


@cache.cached
def products(country: str, year: int) -> pd.DataFrame:
    """`product, product_name, exports_eur, imports_eur, balance_eur`: every product traded with
    the country either way, by exports + imports descending, then by code."""
    frame = queries.fetch_frame(
        f"""
        SELECT product, {flows.sums_sql()}
        FROM trade_national WHERE year = ? AND country = ?
        GROUP BY product HAVING sum(value_eur) <> 0
        ORDER BY exports_eur + imports_eur DESC, product
        """,
        [year, _checked(country)],
    )
    frame.insert(1, "product_name", frame["product"].map(refs.product_name))
    return _with_balance(frame)


@cache.cached
def evolution(country: str) -> pd.DataFrame:
    """`year, exports_eur, imports_eur, balance_eur`: France's trade with the country for every
    year of the dataset (0 in a year without it), ascending."""
    frame = queries.fetch_frame(
        f"""
        SELECT year, {flows.sums_sql()}
        FROM trade_national WHERE country = ? GROUP BY year
        """,
        [_checked(country)],
    )
    years = pd.DataFrame({"year": queries.available_years()})
    frame = years.merge(frame, on="year", how="left").fillna(0.0)
    return _with_balance(frame)


def territory_partners(territory: Territory, year: int) -> pd.DataFrame:
    """Every partner country of the territory in `year`: queries.partners without a top."""
    return queries.partners(territory, year, len(refs.countries()))
