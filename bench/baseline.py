"""The alternative users would reach for: the whole dataset in one pandas DataFrame.

Loaded once with pyarrow (codes as `category`, year int16, month int8, values float64), then
every view is computed as a pandas user without DuckDB would write it: a boolean filter on
year and départements, then `groupby`. The results have the shape of `lib.data.queries`' frames so
that the two can be compared cell by cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.workload import Draw
from lib.core import flows, refs
from lib.core.states import OTHERS
from lib.core.territory import FRANCE, Territory
from lib.data import store
from lib.data.queries import HIGHLIGHTED_LINKS, kpi_table

CODE_COLUMNS = ["flow", "dept", "product", "country"]
NAME_OF_CODE = {flow.code: flow.name for flow in flows.FLOWS}  # `flow` of the outputs
SANKEY_COLUMNS = {"product": "p", "country": "c"}  # the links' columns of each node kind


def load_frame(data_dir: str | Path) -> pd.DataFrame:
    """Every row of the dataset, codes as categories (about 16 bytes a row)."""
    manifest = store.read_manifest(data_dir)
    if manifest is None:
        raise FileNotFoundError(f"no dataset in {data_dir}")
    tables = []
    for year in manifest.years:
        table = pq.read_table(Path(data_dir) / manifest.files[year], read_dictionary=CODE_COLUMNS)
        year_column = pa.array(np.full(table.num_rows, year, dtype=np.int16))
        tables.append(table.add_column(0, "year", year_column))
    return pa.concat_tables(tables).unify_dictionaries().to_pandas()


def frame_bytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True).sum())


def select(
    frame: pd.DataFrame, depts: list[str] | None, year: int, columns: list[str]
) -> pd.DataFrame:
    """The rows of a territory (None = France) and a year, only the columns needed."""
    mask = frame["year"] == year
    if depts is not None:
        mask &= frame["dept"].isin(depts)
    return frame.loc[mask, columns]


def _flow_sums(rows: pd.DataFrame, depts: list[str] | None) -> dict[str, float]:
    """Exports and imports of the rows of `depts` (None = all rows)."""
    if depts is not None:
        rows = rows[rows["dept"].isin(depts)]
    sums = rows.groupby("flow", observed=True)["value_eur"].sum()
    return {flow: float(sums.get(flow, 0.0)) for flow in flows.CODES}


def kpis(frame: pd.DataFrame, territory: Territory, year: int) -> pd.DataFrame:
    """The year's rows are selected once; territory, région and France summed from them."""
    year_rows = select(frame, None, year, ["dept", "flow", "value_eur"])
    own = _flow_sums(year_rows, territory.depts)
    national = own if territory == FRANCE else _flow_sums(year_rows, None)
    region = territory.region
    regional = None
    if region is not None:
        regional = own if region == territory else _flow_sums(year_rows, region.depts)
    # The sums are pandas'; only the assembly of the rows is shared with lib.data.queries.
    return kpi_table(own, national, regional)


def partners(frame: pd.DataFrame, territory: Territory, year: int, top: int) -> pd.DataFrame:
    rows = select(frame, territory.depts, year, ["country", "flow", "value_eur"])
    sums = rows.groupby(["country", "flow"], observed=True)["value_eur"].sum().unstack("flow")
    sums = sums.reindex(columns=["E", "I"]).fillna(0.0)
    table = pd.DataFrame(
        {
            "country": sums.index.astype(str),
            "imports_eur": sums["I"].to_numpy(),
            "exports_eur": sums["E"].to_numpy(),
        }
    )
    table["total"] = table["imports_eur"] + table["exports_eur"]
    table = table[table["total"] != 0]
    table = table.sort_values(["total", "country"], ascending=[False, True]).head(top)
    table = table.drop(columns="total").reset_index(drop=True)
    table["balance_eur"] = table["exports_eur"] - table["imports_eur"]
    table.insert(1, "country_name", table["country"].map(refs.country_name))
    return table


def products(frame: pd.DataFrame, territory: Territory, year: int) -> pd.DataFrame:
    rows = select(frame, territory.depts, year, ["flow", "product", "value_eur"])
    sums = rows.groupby(["flow", "product"], observed=True)["value_eur"].sum().reset_index()
    sums = sums[sums["value_eur"] != 0]
    table = pd.DataFrame(
        {
            "flow": sums["flow"].astype(str).map(NAME_OF_CODE).to_numpy(),
            "product": sums["product"].astype(str).to_numpy(),
            "value_eur": sums["value_eur"].to_numpy(),
        }
    )
    flow_total = table.groupby("flow")["value_eur"].transform("sum")
    table["share_pct"] = 100 * table["value_eur"] / flow_total
    table = table.sort_values(["flow", "value_eur", "product"], ascending=[True, False, True])
    table.insert(2, "product_name", table["product"].map(refs.product_name))
    return table.reset_index(drop=True)


def _top_codes(base: pd.DataFrame, column: str, top: int) -> list[str]:
    sums = base.groupby(column)["value_eur"].sum()
    sums = sums[sums > 0]
    ranked = pd.DataFrame({column: sums.index, "v": sums.to_numpy()})
    ranked = ranked.sort_values(["v", column], ascending=[False, True])
    return ranked[column].head(top).tolist()


def sankey(
    frame: pd.DataFrame, territory: Territory, year: int, flow: str, top: int
) -> pd.DataFrame:
    rows = select(frame, territory.depts, year, ["flow", "product", "country", "value_eur"])
    rows = rows[rows["flow"] == flow]
    base = rows.groupby(["product", "country"], observed=True)["value_eur"].sum().reset_index()
    base["product"] = base["product"].astype(str)
    base["country"] = base["country"].astype(str)
    named_products = _top_codes(base, "product", top)
    named_countries = _top_codes(base, "country", top)
    base["p"] = base["product"].where(base["product"].isin(named_products), OTHERS)
    base["c"] = base["country"].where(base["country"].isin(named_countries), OTHERS)
    links = base.groupby(["p", "c"], as_index=False)["value_eur"].sum()
    links = links[links["value_eur"] != 0]
    source, target = (SANKEY_COLUMNS[kind] for kind in flows.flow_of(flow).sankey_ends)
    links = links.rename(columns={source: "source", target: "target"})
    links = links[["source", "target", "value_eur"]].sort_values(
        ["value_eur", "source", "target"], ascending=[False, True, True]
    )
    links = links.reset_index(drop=True)
    named = (links["source"] != OTHERS) & (links["target"] != OTHERS)
    links["highlight"] = 0
    links.loc[links.index[named][:HIGHLIGHTED_LINKS], "highlight"] = 1
    return links


def _dept_flows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Exports (E) and imports (I) per département in `year` (NaN where a flow is absent)."""
    rows = select(frame, None, year, ["dept", "flow", "value_eur"])
    sums = rows.groupby(["dept", "flow"], observed=True)["value_eur"].sum().unstack("flow")
    sums = sums.reindex(columns=["E", "I"])
    sums.index = sums.index.astype(str)
    return sums


def map_metrics(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    current = _dept_flows(frame, year).fillna(0.0)
    previous = _dept_flows(frame, year - 1)
    table = refs.departements()[["code", "name", "region_code"]].rename(columns={"code": "dept"})
    exports = table["dept"].map(current["E"]).fillna(0.0)
    imports = table["dept"].map(current["I"]).fillna(0.0)
    table["exports_eur"] = exports
    table["imports_eur"] = imports
    table["balance_eur"] = exports - imports
    table["coverage_pct"] = 100 * exports / imports.where(imports != 0)
    table["exports_share_national_pct"] = 100 * exports / (exports.sum() or math.nan)
    table["imports_share_national_pct"] = 100 * imports / (imports.sum() or math.nan)
    for flow, now in ((flows.EXPORT, exports), (flows.IMPORT, imports)):
        before = table["dept"].map(previous[flow.code]).astype("float64")
        table[f"{flow.key}_change_pct"] = 100 * (now - before) / before.where(before != 0)
    return table


def fiche(frame: pd.DataFrame, territory: Territory, year: int, top: int) -> dict[str, Any]:
    """The same computations as `bench.workload.fiche`, in pandas."""
    out: dict[str, Any] = {"years": sorted(int(y) for y in frame["year"].unique())}
    out["kpis"] = kpis(frame, territory, year)
    out["partners"] = partners(frame, territory, year, top)
    out["products"] = products(frame, territory, year)
    for flow in flows.CODES:
        out[f"sankey_{flow}"] = sankey(frame, territory, year, flow, top)
        for other in territory.comparisons:
            out[f"sankey_{flow}_{other.level}"] = sankey(frame, other, year, flow, top)
    return out


def export_csv(frame: pd.DataFrame, draw: Draw, folder: Path) -> Path:
    """The Données CSV of one département-year, columns and order of queries.write_rows_csv."""
    rows = frame.loc[(frame["year"] == draw.year) & (frame["dept"] == draw.export_dept)]
    codes = {c: rows[c].astype(str) for c in CODE_COLUMNS}
    table = pd.DataFrame(
        {
            "annee": rows["year"],
            "trimestre": rows["quarter"],
            "mois": rows["month"],
            "flux": codes["flow"].map(NAME_OF_CODE),
            "departement": codes["dept"],
            "departement_nom": codes["dept"].map(refs.dept_name),
            "produit": codes["product"],
            "produit_nom": codes["product"].map(refs.product_name),
            "cpf4": rows["cpf4"],
            "cpf4_nom": rows["cpf4"].map(refs.cpf4_name, na_action="ignore"),
            "pays": codes["country"],
            "pays_nom": codes["country"].map(refs.country_name),
            "valeur_eur": rows["value_eur"],
            "masse_kg": rows["mass_kg"],
        }
    )
    table = table.sort_values(
        ["annee", "departement", "flux", "produit", "cpf4", "pays", "trimestre", "mois"]
    )
    path = folder / "pandas_export.csv"
    table.to_csv(path, index=False)
    return path


BaselineRunner = Callable[[pd.DataFrame, Draw, Path], Any]

RUNNERS: dict[str, BaselineRunner] = {
    "kpis": lambda f, d, _: kpis(f, d.territory, d.year),
    "partners": lambda f, d, _: partners(f, d.territory, d.year, d.top),
    "products": lambda f, d, _: products(f, d.territory, d.year),
    "sankey_E": lambda f, d, _: sankey(f, d.territory, d.year, "E", d.top),
    "sankey_I": lambda f, d, _: sankey(f, d.territory, d.year, "I", d.top),
    "map_metrics": lambda f, d, _: map_metrics(f, d.year),
    "fiche": lambda f, d, _: fiche(f, d.territory, d.year, d.top),
    "export_csv": export_csv,
}
