"""« Diversifier »: after the exposure to a partner, the options. Indicators, not forecasts.

For a département or a région (never France: against itself every specialisation index is 1),
a year `y` and a partner (a country or group of lib.core.partners, its members of that year). X is
the territory's exports, F France's (« France entière »: `trade_national`, every row of the
dataset), both of year `y`; products are A129 codes (`product`), the seed fiches' level: the
CPF4 detail, present in some datasets only, is not used.

**Other markets** (`alternative_markets`, alternative_markets.csv). For each of the territory's
EXPOSED_PRODUCTS products with the largest exports to the partner (> 0; `exposed_products`,
lib.data.exposure's order: desc, then code) and every country c outside the partner's members:

- `s_tp = X_tp / F_p`, the territory's share of France's exports of p (to every country);
- `expected = s_tp × F_pc`; `actual = X_tpc` (`territory_exports_eur`, 0 when none);
  `untapped = max(expected − actual, 0)`; only the rows with `expected > 0`;
- `france_growth_pct = 100 × ((F_pc,y / F_pc,y−3)^(1/3) − 1)`, France's average annual growth
  over the three years before y; NaN (an empty CSV cell) when y−3 is not in the data, when
  either value is zero, negative or absent, or when y or y−3 is a partial year (a year without
  its four quarters: comparing some quarters with a whole year would be no growth);
- sorted by the product's exports to the partner (desc, then product code), then untapped
  (desc), then country code. Country codes are the data's, the customs' non-country codes
  (QU, QV…) included, as in every other table.

**Nearby activities** (the product space of Hidalgo, Klinger, Barabási, Hausmann, Science,
2007). Over the départements of the reference (the 101) with exports in y:

- `M_dp = 1` when d's Balassa index for p is ≥ 1, the index of lib.data.indicators.balassa
  (`RCA_dp = (X_dp / X_d) / (F_p / F)`, computed by the same expressions in one query for every
  département); 0 below, and where d does not export p;
- `φ_pq = |{d : M_dp = M_dq = 1}| / max(|{d : M_dp = 1}|, |{d : M_dq = 1}|)`, 0 when no
  département is specialised in either; `proximity(year)` gives it as a full square over the
  products France exports in y (every ordered pair, the diagonal included: φ_pp is 1, or 0
  when no département is specialised in p), sorted by product_a then product_b;
- `ω_tp = 100 × Σ_{q≠p} M_tq φ_pq / Σ_{q≠p} φ_pq` (0–100), 0 when the denominator is 0 (p
  close to nothing), M_t from the territory's own indices (lib.data.indicators.balassa: a région's
  against France, like a département's);
- `diversification`: every product France exports in y (F_p > 0) where the territory's index
  is < 1 or absent (`rca` 0 when the territory does not export p), by density desc then code;
  `related`: up to three of the territory's specialisations (M_tq = 1) with the largest
  φ_pq > 0 (a specialisation at proximity 0 is not near), ties by code, space-separated.
  `diversification_context`: the same products in the same order with France's exports of
  each and their growth over three years (the same rule as above, F_p instead of F_pc).

**Comparable territories** (`similar_territories`): the cosine similarity of the vectors of
export shares by product (X_dp / X_d) between the territory and every other département (the
régions, for a région) with exports in y; `count` rows, desc then code; empty when the
territory has no exports in y. Between non-negative vectors it lies in [0, 1] (clipped at 1
against rounding).

Partial years: every figure of year y compares values of y with values of y, so a partial
year is read on its own quarters everywhere, as the other pages read it; only the growth spans
two years, and is left empty then. A year absent from the data gives empty tables, as
lib.data.exposure and lib.data.indicators do. An unknown partner raises
lib.data.exposure.InvalidPartner.

Caching (lib/data/cache.py, keyed on db.dataset_key()): the départements' indices and the
proximities depend on the year and the dataset version only, so they are computed once per
version and year and shared by every territory, partner and session (unless the cache is off,
`COMEXT_CACHE_MB=0`, or the entry evicted); every table of the page is cached too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from lib.core import flows, measures, refs
from lib.core.schema import QUARTERS
from lib.core.territory import Territory
from lib.data import cache, exposure, indicators, queries

ALTERNATIVE_COLUMNS = [
    "product", "country", "territory_exports_eur", "france_exports_eur",
    "expected_eur", "untapped_eur", "france_growth_pct",
]  # fmt: skip
DIVERSIFICATION_COLUMNS = ["product", "rca", "density", "related"]
CONTEXT_COLUMNS = ["product", "density", "france_exports_eur", "france_growth_pct"]
SIMILAR_COLUMNS = ["code", "name", "similarity"]
PROXIMITY_COLUMNS = ["product_a", "product_b", "phi"]
EXPOSED_PRODUCTS = 10  # products most exported to the partner
SHOWN_MARKETS = 5  # countries shown per product on the page
RELATED = 3  # specialisations named beside each nearby product
SIMILAR = 10
GROWTH_YEARS = 3
SPECIALISED = 1.0  # a Balassa index from which a territory is specialised


Matrix = npt.NDArray[np.float64]


class NotForFrance(ValueError):
    """France as the territory: its specialisation indices are 1 by definition (French)."""


def check_territory(territory: Territory) -> None:
    """Raise NotForFrance for France; a département or a région passes."""
    if territory.level == "france":
        raise NotForFrance(
            "La France entière n'a rien à montrer ici : ses indices de spécialisation valent 1 "
            "par définition, puisqu'elle est sa propre référence, et elle n'a pas de territoire "
            "semblable à qui se comparer. Choisissez un département ou une région."
        )


# ---------------------------------------------------------------------------------------------
# Growth over three years


def growth_comparable(year: int) -> bool:
    """True when France's growth from y−3 to y can be computed: both years in the data, whole."""
    earlier = year - GROWTH_YEARS
    years = queries.available_years()
    return (
        year in years
        and earlier in years
        and queries.year_quarters(year) == QUARTERS
        and queries.year_quarters(earlier) == QUARTERS
    )


def growth_pct(now: pd.Series[float], before: pd.Series[float]) -> pd.Series[float]:
    """100 × ((now / before)^(1/3) − 1), NaN where a value is not positive or missing."""
    now, before = now.astype("float64"), before.astype("float64")
    valid = (now > 0) & (before > 0)
    ratio = now.where(valid) / before.where(valid)
    return 100 * (ratio ** (1 / GROWTH_YEARS) - 1)


# ---------------------------------------------------------------------------------------------
# Other markets


def _exposed(territory: Territory, year: int, partner: str, count: int) -> pd.DataFrame:
    """`product, exports_eur, to_partner_eur` of the `count` products most exported to the
    partner (> 0), lib.data.exposure's order (desc, then code)."""
    check_territory(territory)
    table = exposure.exposure(territory, year, partner)
    table = table.loc[table["to_partner_eur"] > 0, ["product", "exports_eur", "to_partner_eur"]]
    return table.head(count).reset_index(drop=True)


def exposed_products(
    territory: Territory, year: int, partner: str, count: int = EXPOSED_PRODUCTS
) -> pd.DataFrame:
    """`product, to_partner_eur`: the territory's `count` products with the largest exports to
    the partner (> 0), desc then code."""
    return _exposed(territory, year, partner, count)[["product", "to_partner_eur"]]


def _market_values(
    territory: Territory, year: int, products: list[str], members: list[str]
) -> pd.DataFrame:
    """Per (product, country) outside the members where France exports in y (F_pc > 0):
    F_pc, F_p (every country), F_pc of y−3 and the territory's X_tpc."""
    relation, where, params = queries.flows_source(territory)
    before = year - GROWTH_YEARS
    national = [year, before, year, before, flows.EXPORT.code]
    return queries.fetch_frame(
        f"""
        WITH nat AS (
            SELECT product, country,
                   sum(value_eur) FILTER (WHERE year = ?) AS france_exports_eur,
                   sum(value_eur) FILTER (WHERE year = ?) AS france_before_eur
            FROM trade_national
            WHERE year IN (?, ?) AND flow = ? AND list_contains(?::VARCHAR[], product)
            GROUP BY product, country
        ),
        totals AS (
            SELECT *, sum(france_exports_eur) OVER (PARTITION BY product) AS france_product_eur
            FROM nat
        ),
        own AS (
            SELECT product, country, sum(value_eur) AS territory_exports_eur
            FROM {relation}
            WHERE year = ? AND flow = ? AND {where} AND list_contains(?::VARCHAR[], product)
            GROUP BY product, country
        )
        SELECT t.product, t.country, coalesce(own.territory_exports_eur, 0)
                   AS territory_exports_eur,
               t.france_exports_eur, t.france_product_eur, t.france_before_eur
        FROM totals t LEFT JOIN own USING (product, country)
        WHERE t.france_exports_eur > 0 AND NOT list_contains(?::VARCHAR[], t.country)
        """,
        [*national, products, year, flows.EXPORT.code, *params, products, members],
    )


@cache.cached
def alternative_markets(territory: Territory, year: int, partner: str) -> pd.DataFrame:
    """ALTERNATIVE_COLUMNS: for the exposed products, every country outside the partner with
    expected > 0 (module docstring), sorted by the product's exports to the partner (desc,
    code), then untapped (desc), then country."""
    exposed = _exposed(territory, year, partner, EXPOSED_PRODUCTS)
    members = list(exposure.valid_members(partner, year))
    if exposed.empty:
        return _empty(ALTERNATIVE_COLUMNS)
    values = _market_values(territory, year, exposed["product"].tolist(), members)
    exposed["order"] = range(len(exposed))
    table = values.merge(exposed, on="product")
    share = table["exports_eur"].astype("float64") / table["france_product_eur"].astype("float64")
    table["expected_eur"] = share * table["france_exports_eur"]
    table["untapped_eur"] = (table["expected_eur"] - table["territory_exports_eur"]).clip(lower=0)
    table["france_growth_pct"] = (
        growth_pct(table["france_exports_eur"], table["france_before_eur"])
        if growth_comparable(year)
        else np.nan
    )
    table = table[table["expected_eur"] > 0]
    table = table.sort_values(
        ["order", "untapped_eur", "country"], ascending=[True, False, True], kind="stable"
    )
    return _floats(table[ALTERNATIVE_COLUMNS], ALTERNATIVE_COLUMNS[2:])


def top_markets(markets: pd.DataFrame, per_product: int = SHOWN_MARKETS) -> pd.DataFrame:
    """The `per_product` countries of largest untapped value (> 0: a country where the territory
    already sells what is expected is no market to explore) of each product, in the order of
    `alternative_markets` (its rows, its columns)."""
    kept = markets[markets["untapped_eur"] > 0]
    return kept.groupby("product", sort=False).head(per_product).reset_index(drop=True)


def untapped_by_country(markets: pd.DataFrame) -> pd.DataFrame:
    """`country, untapped_eur`: the untapped value summed over the products of
    `alternative_markets`, every country of it (0 where the territory sells at least what is
    expected), desc then country."""
    sums = markets.groupby("country")["untapped_eur"].sum().astype("float64").reset_index()
    sums = sums.sort_values(["untapped_eur", "country"], ascending=[False, True])
    return sums.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The départements' specialisations and the proximities


@cache.cached
def _france_exports(year: int) -> pd.DataFrame:
    """`product, exports_eur` of every product of France's exports in y (≠ 0), by code."""
    return queries.fetch_frame(
        """
        SELECT product, sum(value_eur) AS exports_eur
        FROM trade_national WHERE year = ? AND flow = ?
        GROUP BY product HAVING sum(value_eur) <> 0 ORDER BY product
        """,
        [year, flows.EXPORT.code],
    )


def _france_products(year: int) -> list[str]:
    """The products France exports in y (F_p > 0), by code: the rows and columns of φ."""
    france = _france_exports(year)
    return france.loc[france["exports_eur"] > 0, "product"].tolist()


@cache.cached
def _dept_exports(year: int) -> pd.DataFrame:
    """`dept, product, exports_eur, rca` of every département of the reference exporting p in y
    (exports ≠ 0), by dept and product. The index is lib.data.indicators.balassa's, with its
    expressions: share_pct = 100·X_dp/X_d, france_share_pct = 100·F_p/F, rca = their ratio
    (NaN where France's share is 0). Read from `trade_detail` summed over its CPF4 codes (NULL
    included): the totals of `trade_annual` from a twentieth of its rows."""
    table = queries.fetch_frame(
        """
        SELECT dept, product, sum(value_eur) AS exports_eur
        FROM trade_detail
        WHERE year = ? AND flow = ? AND dept IN (SELECT code FROM ref_departements)
        GROUP BY dept, product HAVING sum(value_eur) <> 0
        ORDER BY dept, product
        """,
        [year, flows.EXPORT.code],
    )
    exports = table["exports_eur"].astype("float64")
    share_pct = measures.percent(exports, exports.groupby(table["dept"]).transform("sum"))
    france = _france_exports(year).set_index("product")["exports_eur"].astype("float64")
    france_shares = measures.percent(france, float(france.sum()))
    france_share_pct = france_shares.reindex(table["product"]).to_numpy()
    table["rca"] = share_pct / pd.Series(france_share_pct, index=table.index).replace(0, np.nan)
    return table


def _specialised(rca: pd.Series[float]) -> pd.Series[bool]:
    """M = 1 where the index is ≥ 1 (NaN, an undefined index, is not)."""
    return rca.astype("float64") >= SPECIALISED


def _phi(specialisations: npt.NDArray[np.bool_]) -> Matrix:
    """φ from the 0/1 matrix units × products: co-occurrences over the larger of the two
    counts, 0 where both counts are 0."""
    m = specialisations.astype(np.float64)
    together = m.T @ m
    counts = m.sum(axis=0)
    larger = np.maximum.outer(counts, counts)
    phi: Matrix = np.divide(together, larger, out=np.zeros_like(together), where=larger > 0)
    return phi


@cache.cached
def _phi_matrix(year: int) -> pd.DataFrame:
    """φ as a square frame, products × products (those France exports in y, by code), from
    the départements with exports in y."""
    products = _france_products(year)
    depts = _dept_exports(year)
    exporting = depts.groupby("dept")["exports_eur"].transform("sum") > 0
    kept = depts[exporting & _specialised(depts["rca"]) & depts["product"].isin(products)]
    units, row = np.unique(kept["dept"].to_numpy(dtype=str), return_inverse=True)
    specialisations = np.zeros((len(units), len(products)), dtype=bool)
    specialisations[row, pd.Index(products).get_indexer(pd.Index(kept["product"]))] = True
    return pd.DataFrame(_phi(specialisations), index=products, columns=products)


@cache.cached
def proximity(year: int) -> pd.DataFrame:
    """`product_a, product_b, phi` for every ordered pair of the products France exports in y,
    the diagonal included (a full square, by product_a then product_b; module docstring)."""
    square = _phi_matrix(year)
    products = square.index.to_numpy()
    return pd.DataFrame(
        {
            "product_a": np.repeat(products, len(products)),
            "product_b": np.tile(products, len(products)),
            "phi": square.to_numpy().reshape(-1),
        },
        columns=PROXIMITY_COLUMNS,
    )


# ---------------------------------------------------------------------------------------------
# Nearby activities


def _territory_rca(territory: Territory, year: int, products: list[str]) -> pd.Series[float]:
    """The territory's Balassa index of each product (lib.data.indicators.balassa), 0 where it does
    not export it."""
    own = indicators.balassa(territory, year).set_index("product")["rca"]
    return own.reindex(products).astype("float64").fillna(0.0)


def _density(phi: Matrix, specialised: Matrix) -> Matrix:
    """ω_p = 100 × Σ_{q≠p} M_q φ_pq / Σ_{q≠p} φ_pq, 0 where the denominator is 0."""
    diagonal = np.diag(phi)
    numerator = phi @ specialised - diagonal * specialised
    denominator = phi.sum(axis=1) - diagonal
    safe = denominator > 0
    out = np.zeros_like(numerator)
    np.divide(100 * numerator, denominator, out=out, where=safe)
    density: Matrix = np.clip(out, 0.0, 100.0)  # against the rounding of the two sums only
    return density


def _related(phi: Matrix, products: list[str], specialised: Matrix) -> list[str]:
    """For each product, the RELATED specialisations (M_q = 1) with the largest φ > 0 to it,
    ties by code (`products` sorted), space-separated."""
    related = []
    for row in phi:
        near = [
            (-float(row[q]), products[q]) for q in np.flatnonzero((specialised > 0) & (row > 0))
        ]
        related.append(" ".join(code for _, code in sorted(near)[:RELATED]))
    return related


def _nearby(territory: Territory, year: int) -> pd.DataFrame:
    """`product, rca, density, related` of every product France exports, all of them (the
    specialisations included), by density desc then code."""
    check_territory(territory)
    products = _france_products(year)
    if not products:
        return _empty(DIVERSIFICATION_COLUMNS)
    phi = _phi_matrix(year).to_numpy()
    rca = _territory_rca(territory, year, products)
    specialised = np.asarray(_specialised(rca), dtype=np.float64)
    table = pd.DataFrame(
        {
            "product": products,
            "rca": rca.to_numpy(),
            "density": _density(phi, specialised),
            "related": _related(phi, products, specialised),
        }
    )
    table = table.sort_values(["density", "product"], ascending=[False, True])
    return table.reset_index(drop=True)


@cache.cached
def diversification(territory: Territory, year: int) -> pd.DataFrame:
    """DIVERSIFICATION_COLUMNS: the products France exports where the territory is not
    specialised (rca < 1, 0 when not exported), by density desc then code."""
    table = _nearby(territory, year)
    kept = table[~_specialised(table["rca"])]
    return _floats(kept[DIVERSIFICATION_COLUMNS], ["rca", "density"])


@cache.cached
def diversification_context(territory: Territory, year: int) -> pd.DataFrame:
    """CONTEXT_COLUMNS for the products of `diversification`, in its order: their density,
    France's exports of each in y and their average annual growth since y−3 (NaN as in
    alternative_markets)."""
    return context_of(diversification(territory, year), year)


def context_of(nearby: pd.DataFrame, year: int) -> pd.DataFrame:
    """`diversification_context` from the `diversification` table of year `year` the caller
    has already (the page draws both: one computation of the densities, not two)."""
    table = nearby[["product", "density"]].copy()
    now = _france_exports(year).set_index("product")["exports_eur"]
    table["france_exports_eur"] = table["product"].map(now)
    if growth_comparable(year):
        before = _france_exports(year - GROWTH_YEARS).set_index("product")["exports_eur"]
        table["france_growth_pct"] = growth_pct(
            table["france_exports_eur"], table["product"].map(before)
        )
    else:
        table["france_growth_pct"] = np.nan
    return _floats(table[CONTEXT_COLUMNS], CONTEXT_COLUMNS[1:])


# ---------------------------------------------------------------------------------------------
# Comparable territories


def _unit_exports(level: str, year: int) -> pd.DataFrame:
    """Units × products exports of y: the départements, or the régions (sums of theirs), with
    exports in y (> 0)."""
    depts = _dept_exports(year)
    if level == "region":
        regions = refs.departements().set_index("code")["region_code"]
        depts = depts.assign(dept=depts["dept"].map(regions))
    matrix = depts.pivot_table(
        index="dept", columns="product", values="exports_eur", aggfunc="sum", fill_value=0.0
    ).astype("float64")
    return matrix[matrix.sum(axis=1) > 0]


@cache.cached
def similar_territories(territory: Territory, year: int, count: int = SIMILAR) -> pd.DataFrame:
    """SIMILAR_COLUMNS: the `count` départements (régions, for a région) whose export shares by
    product are closest to the territory's (cosine), itself excluded, desc then code."""
    check_territory(territory)
    exports = _unit_exports(territory.level, year)
    if territory.code not in exports.index:
        return _empty(SIMILAR_COLUMNS)
    shares = exports.div(exports.sum(axis=1), axis=0)
    norms = np.sqrt((shares**2).sum(axis=1))
    own = shares.loc[territory.code]
    cosine = shares.to_numpy() @ own.to_numpy() / (norms.to_numpy() * norms[territory.code])
    table = pd.DataFrame({"code": shares.index, "similarity": np.minimum(cosine, 1.0)})
    table = table[table["code"] != territory.code]
    table = table.sort_values(["similarity", "code"], ascending=[False, True]).head(count)
    name = refs.dept_name if territory.level == "dept" else refs.region_name
    table.insert(1, "name", table["code"].map(name))
    return _floats(table[SIMILAR_COLUMNS], ["similarity"])


# ---------------------------------------------------------------------------------------------
# Frames


_TEXT_COLUMNS = {"product", "country", "related", "code", "name"}


def _empty(columns: list[str]) -> pd.DataFrame:
    """A table without rows: codes and names as text, values as float64."""
    return pd.DataFrame(
        {c: pd.Series(dtype="str" if c in _TEXT_COLUMNS else "float64") for c in columns}
    )


def _floats(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The table with a fresh index and its value columns as float64."""
    table = table.reset_index(drop=True)
    for column in columns:
        table[column] = table[column].astype("float64")
    return table


def tables(territory: Territory, year: int, partner: str) -> dict[str, pd.DataFrame]:
    """The `--diversification` CSVs of the territory and year, keyed by file name."""
    return {
        "alternative_markets.csv": alternative_markets(territory, year, partner),
        "diversification.csv": diversification(territory, year),
        "similar_territories.csv": similar_territories(territory, year),
    }
