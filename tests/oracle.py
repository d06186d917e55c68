"""Independent expectations: the export contract computed with plain pandas on a small frame.

Written from the contract in docs/DATA.md, not from lib/data/queries.py, so that the two
implementations check each other.
"""

from __future__ import annotations

import math

import pandas as pd


def select(frame: pd.DataFrame, depts: list[str] | None, year: int) -> pd.DataFrame:
    """Rows of the territory (None = France) for one year."""
    out = frame[frame["year"] == year]
    return out if depts is None else out[out["dept"].isin(depts)]


def totals(frame: pd.DataFrame, depts: list[str] | None, year: int) -> tuple[float, float]:
    sel = select(frame, depts, year)
    return (
        float(sel.loc[sel["flow"] == "E", "value_eur"].sum()),
        float(sel.loc[sel["flow"] == "I", "value_eur"].sum()),
    )


def pct(a: float, b: float) -> float:
    return 100 * a / b if b else math.nan


def kpis(
    frame: pd.DataFrame, depts: list[str] | None, region_depts: list[str] | None, year: int
) -> dict[str, float]:
    exp, imp = totals(frame, depts, year)
    nat_e, nat_i = totals(frame, None, year)
    out = {
        "exports_eur": exp,
        "imports_eur": imp,
        "balance_eur": exp - imp,
        "coverage_pct": pct(exp, imp),
        "national_exports_eur": nat_e,
        "national_imports_eur": nat_i,
        "exports_share_national_pct": pct(exp, nat_e),
        "imports_share_national_pct": pct(imp, nat_i),
    }
    if region_depts is not None:
        reg_e, reg_i = totals(frame, region_depts, year)
        out |= {
            "region_exports_eur": reg_e,
            "region_imports_eur": reg_i,
            "exports_share_region_pct": pct(exp, reg_e),
            "imports_share_region_pct": pct(imp, reg_i),
        }
    return out


def partners(frame: pd.DataFrame, depts: list[str] | None, year: int, top: int) -> pd.DataFrame:
    sel = select(frame, depts, year)
    by = sel.pivot_table(
        index="country", columns="flow", values="value_eur", aggfunc="sum", fill_value=0.0
    )
    by = by.reindex(columns=["E", "I"], fill_value=0.0)
    by = by[(by["E"] + by["I"]) != 0]
    table = pd.DataFrame(
        {
            "country": by.index,
            "imports_eur": by["I"].to_numpy(),
            "exports_eur": by["E"].to_numpy(),
        }
    )
    table["total"] = table["imports_eur"] + table["exports_eur"]
    table = table.sort_values(["total", "country"], ascending=[False, True]).head(top)
    table["balance_eur"] = table["exports_eur"] - table["imports_eur"]
    return table.drop(columns="total").reset_index(drop=True)


def products(frame: pd.DataFrame, depts: list[str] | None, year: int) -> pd.DataFrame:
    sel = select(frame, depts, year)
    parts = []
    for flow, name in (("E", "export"), ("I", "import")):
        by = sel[sel["flow"] == flow].groupby("product")["value_eur"].sum()
        by = by[by != 0]
        part = pd.DataFrame({"flow": name, "product": by.index, "value_eur": by.to_numpy()})
        part["share_pct"] = 100 * part["value_eur"] / part["value_eur"].sum()
        parts.append(part.sort_values(["value_eur", "product"], ascending=[False, True]))
    return pd.concat(parts, ignore_index=True)


def top_codes(sel: pd.DataFrame, column: str, top: int) -> set[str]:
    by = sel.groupby(column)["value_eur"].sum()
    by = by[by > 0].reset_index().sort_values(["value_eur", column], ascending=[False, True])
    return set(by[column].head(top))


def sankey(
    frame: pd.DataFrame, depts: list[str] | None, year: int, flow: str, top: int
) -> pd.DataFrame:
    sel = select(frame, depts, year)
    sel = sel[sel["flow"] == flow]
    named_products = top_codes(sel, "product", top)
    named_countries = top_codes(sel, "country", top)
    merged = pd.DataFrame(
        {
            "p": sel["product"].where(sel["product"].isin(named_products), "AUTRES"),
            "c": sel["country"].where(sel["country"].isin(named_countries), "AUTRES"),
            "value_eur": sel["value_eur"],
        }
    )
    links = merged.groupby(["p", "c"], as_index=False)["value_eur"].sum()
    links = links[links["value_eur"] != 0]
    src, dst = ("p", "c") if flow == "E" else ("c", "p")
    links = links.rename(columns={src: "source", dst: "target"})[["source", "target", "value_eur"]]
    links = links.sort_values(
        ["value_eur", "source", "target"], ascending=[False, True, True]
    ).reset_index(drop=True)
    named = (links["source"] != "AUTRES") & (links["target"] != "AUTRES")
    highlighted = links[named].head(5).index
    links["highlight"] = 0
    links.loc[highlighted, "highlight"] = 1
    return links
