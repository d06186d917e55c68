"""lib.data.diversification against hand-computed cases and an oracle in plain pandas/Python.

The oracles below are written from issue 21's definitions (lib/data/diversification.py's docstring
repeats them), not from the module: loops over the frame's rows, sets of specialisations,
the cosine written out. Partner members among the fixtures' countries are written by hand
(as tests/test_exposure.py does), independently of lib.core.partners.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core import csvfile, refs
from lib.core.territory import FRANCE, Territory
from lib.data import cache, diversification, exposure, queries
from lib.fiche import cli
from tests.conftest import rows
from tests.test_properties import PROPERTY_SETTINGS, dataset
from tests.test_quarters import quarterly
from tests.test_queries import random_trade

EU_AMONG_FIXTURES = {"DE", "BE", "ES", "IT", "NL"}  # the fixtures' countries in the UE (2024)
REF_DEPTS = set(refs.departements()["code"])


def members(partner: str) -> set[str]:
    return EU_AMONG_FIXTURES if partner == "UE27" else {partner}


def dept(code: str) -> Territory:
    return Territory("dept", code)


# --- Oracles ----------------------------------------------------------------------------------


def exports_of(frame: pd.DataFrame, year: int, depts: list[str] | None = None) -> pd.DataFrame:
    out = frame[(frame["year"] == year) & (frame["flow"] == "E")]
    return out if depts is None else out[out["dept"].isin(depts)]


def by(frame: pd.DataFrame, *keys: str) -> dict:
    """Sum of value_eur per key (a tuple key for several)."""
    sums: dict = {}
    for record in frame.itertuples(index=False):
        key = tuple(getattr(record, k) for k in keys)
        key = key[0] if len(keys) == 1 else key
        sums[key] = sums.get(key, 0.0) + record.value_eur
    return sums


def oracle_markets(
    frame: pd.DataFrame, depts: list[str], year: int, partner: set[str], growth: bool
) -> pd.DataFrame:
    own = exports_of(frame, year, depts)
    x_p, x_pc = by(own, "product"), by(own, "product", "country")
    to_partner = by(own[own["country"].isin(partner)], "product")
    exposed = [(p, v) for p, v in to_partner.items() if v > 0 and x_p[p] != 0]
    exposed = sorted(exposed, key=lambda item: (-item[1], item[0]))[:10]
    f_pc = by(exports_of(frame, year), "product", "country")
    before = by(exports_of(frame, year - 3), "product", "country")
    records = []
    for order, (p, _) in enumerate(exposed):
        f_p = sum(v for (q, _), v in f_pc.items() if q == p)
        share = x_p[p] / f_p
        for (q, c), f in f_pc.items():
            if q != p or c in partner or not share * f > 0:
                continue
            expected, actual = share * f, x_pc.get((p, c), 0.0)
            b = before.get((p, c), 0.0)
            rate = 100 * ((f / b) ** (1 / 3) - 1) if growth and f > 0 and b > 0 else math.nan
            records.append((order, p, c, actual, f, expected, max(expected - actual, 0), rate))
    records.sort(key=lambda r: (r[0], -r[6], r[2]))
    return pd.DataFrame([r[1:] for r in records], columns=diversification.ALTERNATIVE_COLUMNS)


def france_totals(frame: pd.DataFrame, year: int) -> dict[str, float]:
    return by(exports_of(frame, year), "product")


def specialisations(
    frame: pd.DataFrame, year: int, depts: list[str]
) -> tuple[dict[str, float], set[str]]:
    """The Balassa index (X_tp / X_t) / (F_p / F) of each product the units export, and the
    products where it is ≥ 1."""
    france = france_totals(frame, year)
    total = sum(france.values())
    own = by(exports_of(frame, year, depts), "product")
    own_total = sum(own.values())
    rca = {
        p: (v / own_total) / (france[p] / total)
        for p, v in own.items()
        if v != 0 and france.get(p, 0) != 0
    }
    return rca, {p for p, r in rca.items() if r >= 1}


def oracle_phi(frame: pd.DataFrame, year: int) -> dict[tuple[str, str], float]:
    france = france_totals(frame, year)
    products = sorted(p for p, v in france.items() if v > 0)
    depts = {d for d in exports_of(frame, year)["dept"] if d in REF_DEPTS}
    spec = {}
    for d in depts:
        if sum(by(exports_of(frame, year, [d]), "product").values()) > 0:
            spec[d] = specialisations(frame, year, [d])[1]
    phi = {}
    for p in products:
        for q in products:
            count_p = sum(p in s for s in spec.values())
            count_q = sum(q in s for s in spec.values())
            both = sum(p in s and q in s for s in spec.values())
            larger = max(count_p, count_q)
            phi[(p, q)] = both / larger if larger else 0.0
    return phi


def oracle_diversification(frame: pd.DataFrame, depts: list[str], year: int) -> pd.DataFrame:
    phi = oracle_phi(frame, year)
    products = sorted({p for p, _ in phi})
    rca, mine = specialisations(frame, year, depts)
    records = []
    for p in products:
        if p in mine:
            continue
        others = [q for q in products if q != p]
        denominator = sum(phi[(p, q)] for q in others)
        numerator = sum(phi[(p, q)] for q in others if q in mine)
        density = 100 * numerator / denominator if denominator else 0.0
        near = sorted((q for q in mine if phi[(p, q)] > 0), key=lambda q: (-phi[(p, q)], q))
        records.append((p, rca.get(p, 0.0), density, " ".join(near[:3])))
    records.sort(key=lambda r: (-r[2], r[0]))
    return pd.DataFrame(records, columns=diversification.DIVERSIFICATION_COLUMNS)


def oracle_similar(frame: pd.DataFrame, territory: Territory, year: int) -> pd.DataFrame:
    unit_of = (lambda d: d) if territory.level == "dept" else (lambda d: refs.region_of_dept(d))
    vectors: dict[str, dict[str, float]] = {}
    for record in exports_of(frame, year).itertuples(index=False):
        if record.dept in REF_DEPTS:
            vector = vectors.setdefault(unit_of(record.dept), {})
            vector[record.product] = vector.get(record.product, 0.0) + record.value_eur
    vectors = {u: v for u, v in vectors.items() if sum(v.values()) > 0}
    if territory.code not in vectors:
        return pd.DataFrame(columns=diversification.SIMILAR_COLUMNS)

    def shares(unit: str) -> dict[str, float]:
        total = sum(vectors[unit].values())
        return {p: v / total for p, v in vectors[unit].items()}

    own = shares(territory.code)
    records = []
    for unit in vectors:
        if unit == territory.code:
            continue
        other = shares(unit)
        dot = sum(own[p] * other.get(p, 0.0) for p in own)
        norms = math.sqrt(sum(v * v for v in own.values())) * math.sqrt(
            sum(v * v for v in other.values())
        )
        records.append((unit, dot / norms))
    records.sort(key=lambda r: (-r[1], r[0]))
    name = refs.dept_name if territory.level == "dept" else refs.region_name
    return pd.DataFrame(
        [(u, name(u), s) for u, s in records[:10]], columns=diversification.SIMILAR_COLUMNS
    )


def assert_tables_match(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    for key in keys:
        assert list(got[key]) == list(want[key]), key
    for column in want.columns.difference(keys):
        assert got[column].to_numpy(dtype=float) == pytest.approx(
            want[column].to_numpy(dtype=float), rel=1e-9, nan_ok=True
        ), column


# --- The product space by hand: 4 départements × 5 products -----------------------------------

P1, P2, P3, P4, P5 = "C10A", "C21Z", "C26A", "C29A", "C30A"
# Each département exports 100 in all; France (these four) 400.
MATRIX = {
    "01": {P1: 50, P2: 40, P3: 5, P4: 5},
    "03": {P1: 30, P2: 30, P3: 30, P4: 10},
    "04": {P2: 30, P3: 30, P4: 30, P5: 10},
    "05": {P3: 10, P4: 40, P5: 50},
}
# France: P1 80, P2 100, P3 75, P4 85, P5 60, shares 20 %, 25 %, 18.75 %, 21.25 %, 15 %. A
# département's index is its share (its value, out of 100) over France's:
#   01: 50/20, 40/25 ≥ 1; 5/18.75, 5/21.25 < 1          M = {P1, P2}
#   03: 30/20, 30/25, 30/18.75 ≥ 1; 10/21.25 < 1       M = {P1, P2, P3}
#   04: 30/25, 30/18.75, 30/21.25 ≥ 1; 10/15 < 1       M = {P2, P3, P4}
#   05: 40/21.25, 50/15 ≥ 1; 10/18.75 < 1              M = {P4, P5}
# Départements specialised: P1 2, P2 3, P3 2, P4 2, P5 1. φ = together / the larger count:
PHI = {
    (P1, P2): 2 / 3,  # 01, 03 / max(2, 3)
    (P1, P3): 1 / 2,  # 03 / max(2, 2)
    (P1, P4): 0.0,
    (P1, P5): 0.0,
    (P2, P3): 2 / 3,  # 03, 04 / max(3, 2)
    (P2, P4): 1 / 3,  # 04 / max(3, 2)
    (P2, P5): 0.0,
    (P3, P4): 1 / 2,  # 04 / max(2, 2)
    (P3, P5): 0.0,
    (P4, P5): 1 / 2,  # 05 / max(2, 1)
}
PRODUCT_SPACE = rows(
    [(2024, "E", d, p, "DE", v) for d, values in MATRIX.items() for p, v in values.items()]
)


def test_proximity_by_hand(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    table = diversification.proximity(2024)
    assert list(table.columns) == ["product_a", "product_b", "phi"]
    products = [P1, P2, P3, P4, P5]
    assert list(zip(table["product_a"], table["product_b"], strict=True)) == [
        (a, b) for a in products for b in products
    ]  # the full square, diagonal included
    got = {(a, b): phi for a, b, phi in table.itertuples(index=False)}
    for (a, b), phi in PHI.items():
        assert got[(a, b)] == pytest.approx(phi) and got[(b, a)] == pytest.approx(phi)
    assert [got[(p, p)] for p in products] == [1.0] * 5  # each has a specialised département


def test_density_of_a_departement_by_hand(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    table = diversification.diversification(dept("01"), 2024)
    assert list(table.columns) == diversification.DIVERSIFICATION_COLUMNS
    # 01 is specialised in P1 and P2. Its density of P3 is 100 × (φ31 + φ32) / (φ31 + φ32 +
    # φ34 + φ35) = 100 × (1/2 + 2/3) / (1/2 + 2/3 + 1/2 + 0) = 100 × (7/6) / (5/3) = 70; of
    # P4, 100 × (0 + 1/3) / (0 + 1/3 + 1/2 + 1/2) = 100 × (1/3) / (4/3) = 25; of P5,
    # 100 × 0 / (1/2) = 0.
    assert list(table["product"]) == [P3, P4, P5]
    assert table["density"].tolist() == pytest.approx([70.0, 25.0, 0.0])
    assert table["rca"].tolist() == pytest.approx([5 / 18.75, 5 / 21.25, 0.0])  # P5 not exported
    # Nearest specialisations: P3 — P2 (2/3), P1 (1/2); P4 — P2 (1/3), not P1 (φ = 0).
    assert list(table["related"]) == [f"{P2} {P1}", P2, ""]


def test_density_of_another_departement_by_hand(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    table = diversification.diversification(dept("05"), 2024)
    # 05 is specialised in P4 and P5. P3: 100 × (φ34 + φ35) / (φ31 + φ32 + φ34 + φ35) =
    # 100 × (1/2) / (1/2 + 2/3 + 1/2) = 100 × (1/2) / (5/3) = 30; P2: 100 × (1/3 + 0) /
    # (2/3 + 2/3 + 1/3 + 0) = 100 × (1/3) / (5/3) = 20; P1: 100 × 0 / (2/3 + 1/2) = 0.
    assert list(table["product"]) == [P3, P2, P1]
    assert table["density"].tolist() == pytest.approx([30.0, 20.0, 0.0])
    assert table["rca"].tolist() == pytest.approx([10 / 18.75, 0.0, 0.0])
    assert list(table["related"]) == [P4, P4, ""]


def test_a_region_is_indexed_against_france_like_a_departement(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    # Auvergne-Rhône-Alpes (84) = 01 + 03: P1 80, P2 70, P3 35, P4 15 of 200, shares 40 %,
    # 35 %, 17.5 %, 7.5 %: specialised in P1 (40/20) and P2 (35/25) only (17.5 < 18.75), as
    # 01 is, so the same densities.
    table = diversification.diversification(Territory("region", "84"), 2024)
    assert list(table["product"]) == [P3, P4, P5]
    assert table["density"].tolist() == pytest.approx([70.0, 25.0, 0.0])
    assert table["rca"].tolist() == pytest.approx([17.5 / 18.75, 7.5 / 21.25, 0.0])


def test_similar_territories_by_hand(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    table = diversification.similar_territories(dept("01"), 2024)
    assert list(table.columns) == diversification.SIMILAR_COLUMNS
    # Shares: 01 (.5, .4, .05, .05, 0), 03 (.3, .3, .3, .1, 0), 04 (0, .3, .3, .3, .1),
    # 05 (0, 0, .1, .4, .5). |01|² = .415, |03|² = |04|² = .28, |05|² = .42;
    # 01·03 = .15 + .12 + .015 + .005 = .29; 01·04 = .12 + .015 + .015 = .15;
    # 01·05 = .005 + .02 = .025.
    assert list(table["code"]) == ["03", "04", "05"]
    assert list(table["name"]) == ["Allier", "Alpes-de-Haute-Provence", "Hautes-Alpes"]
    assert table["similarity"].tolist() == pytest.approx(
        [
            0.29 / math.sqrt(0.415 * 0.28),
            0.15 / math.sqrt(0.415 * 0.28),
            0.025 / math.sqrt(0.415 * 0.42),
        ]
    )
    # Régions: 84 (.4, .35, .175, .075, 0) and 93 = 04 + 05 (0, .15, .2, .35, .3);
    # dot = .0525 + .035 + .02625 = .11375; |84|² = .31875, |93|² = .275.
    regions = diversification.similar_territories(Territory("region", "84"), 2024)
    assert list(regions["code"]) == ["93"]
    assert regions["similarity"].tolist() == pytest.approx([0.11375 / math.sqrt(0.31875 * 0.275)])


def test_a_territory_without_exports_has_no_specialisation_and_no_peer(use_dataset) -> None:
    use_dataset(PRODUCT_SPACE)
    table = diversification.diversification(dept("53"), 2024)
    assert list(table["product"]) == [P1, P2, P3, P4, P5]  # density 0 everywhere: by code
    assert table["density"].tolist() == [0.0] * 5 and table["rca"].tolist() == [0.0] * 5
    assert diversification.similar_territories(dept("53"), 2024).empty


def test_a_product_near_nothing_has_density_zero(use_dataset) -> None:
    # C30C is exported only from outside the 101 départements ("99"): no département is
    # specialised in it, so φ to it is 0 everywhere and its density's denominator is 0.
    use_dataset(
        rows(
            [
                (2024, "E", "01", P1, "DE", 60),
                (2024, "E", "01", P2, "DE", 40),
                (2024, "E", "03", P2, "DE", 100),
                (2024, "E", "99", "C30C", "DE", 50),
            ]
        )
    )
    # France 250: P1 24 %, P2 56 %, C30C 20 %. 01: P1 60/24 ≥ 1, P2 40/56 < 1; 03: P2 100/56.
    # P1 and P2 share no specialised département: φ = 0, and 01's density of P2 is 0 too.
    table = diversification.diversification(dept("01"), 2024)
    assert list(table["product"]) == [P2, "C30C"]
    assert table["density"].tolist() == [0.0, 0.0]
    assert list(table["related"]) == ["", ""]


# --- Other markets by hand ----------------------------------------------------------------

MARKETS = rows(
    [
        # Mayenne (53): C10A 40 (30 to US, 10 to DE); C21Z 20, all to US.
        (2024, "E", "53", "C10A", "US", 30),
        (2024, "E", "53", "C10A", "DE", 10),
        (2024, "E", "53", "C21Z", "US", 20),
        # The rest of France: C10A US 70, DE 190, BE 100, JP 40; C21Z CN 60.
        (2024, "E", "72", "C10A", "US", 70),
        (2024, "E", "72", "C10A", "DE", 190),
        (2024, "E", "72", "C10A", "BE", 100),
        (2024, "E", "72", "C10A", "JP", 40),
        (2024, "E", "72", "C21Z", "CN", 60),
        (2024, "I", "53", "C10A", "CN", 999),  # imports do not count
        # Three years earlier: France's C10A to DE 25, to BE 100; nothing to JP.
        (2021, "E", "72", "C10A", "DE", 25),
        (2021, "E", "72", "C10A", "BE", 100),
    ]
)


def test_alternative_markets_by_hand(use_dataset) -> None:
    use_dataset(MARKETS)
    table = diversification.alternative_markets(dept("53"), 2024, "US")
    assert list(table.columns) == diversification.ALTERNATIVE_COLUMNS
    # C10A first (30 to US, against 20 for C21Z). France's C10A: 440, Mayenne's share
    # 40/440 = 1/11. Expected: DE 200/11 (untapped 200/11 − 10 = 90/11), BE 100/11, JP 40/11;
    # US excluded. C21Z: France 80, share 20/80 = 1/4; CN expected 60/4 = 15.
    assert list(zip(table["product"], table["country"], strict=True)) == [
        ("C10A", "BE"), ("C10A", "DE"), ("C10A", "JP"), ("C21Z", "CN"),
    ]  # fmt: skip
    assert table["territory_exports_eur"].tolist() == [0.0, 10.0, 0.0, 0.0]
    assert table["france_exports_eur"].tolist() == [100.0, 200.0, 40.0, 60.0]
    assert table["expected_eur"].tolist() == pytest.approx([100 / 11, 200 / 11, 40 / 11, 15.0])
    assert table["untapped_eur"].tolist() == pytest.approx([100 / 11, 90 / 11, 40 / 11, 15.0])
    # Growth from 2021: DE (200/25)^(1/3) = 2, +100 %; BE 100/100, 0 %; JP and CN: none.
    growth = table["france_growth_pct"].tolist()
    assert growth[:2] == pytest.approx([0.0, 100.0])
    assert math.isnan(growth[2]) and math.isnan(growth[3])
    exposed = diversification.exposed_products(dept("53"), 2024, "US")
    assert exposed.to_dict("list") == {"product": ["C10A", "C21Z"], "to_partner_eur": [30.0, 20.0]}
    assert list(diversification.exposed_products(dept("53"), 2024, "US", 1)["product"]) == ["C10A"]


def test_top_markets_and_untapped_by_country(use_dataset) -> None:
    use_dataset(MARKETS)
    markets = diversification.alternative_markets(dept("53"), 2024, "US")
    top = diversification.top_markets(markets, per_product=2)
    assert list(top.columns) == diversification.ALTERNATIVE_COLUMNS
    assert list(zip(top["product"], top["country"], strict=True)) == [
        ("C10A", "BE"), ("C10A", "DE"), ("C21Z", "CN"),
    ]  # fmt: skip
    by_country = diversification.untapped_by_country(markets)
    assert list(by_country.columns) == ["country", "untapped_eur"]
    assert list(by_country["country"]) == ["CN", "BE", "DE", "JP"]  # 15 > 100/11 > 90/11 > 40/11
    # A country where the territory sells more than expected has untapped 0 and is no market.
    # Mayenne adds 100 of C10A to JP: its share becomes 140/540 and JP's expected 140 × 140/540
    # ≈ 36.3, less than the 100 it sells there.
    use_dataset(pd.concat([MARKETS, rows([(2024, "E", "53", "C10A", "JP", 100)])]))
    markets = diversification.alternative_markets(dept("53"), 2024, "US")
    jp = markets[markets["country"] == "JP"]
    assert jp["expected_eur"].tolist() == pytest.approx([140 * 140 / 540])
    assert jp["untapped_eur"].tolist() == [0.0]
    assert "JP" not in set(diversification.top_markets(markets)["country"])
    assert 0.0 in diversification.untapped_by_country(markets)["untapped_eur"].tolist()


def test_a_group_partner_excludes_its_members(use_dataset) -> None:
    use_dataset(MARKETS)
    # UE27 in 2024: Mayenne exports 10 of C10A to DE, so C10A only; DE and BE are excluded.
    table = diversification.alternative_markets(dept("53"), 2024, "UE27")
    assert list(zip(table["product"], table["country"], strict=True)) == [
        ("C10A", "JP"), ("C10A", "US"),
    ]  # fmt: skip
    # JP: expected 40/11, none sold; US: expected 100/11, 30 sold → untapped 0, listed last.
    assert table["untapped_eur"].tolist() == pytest.approx([40 / 11, 0.0])


def test_growth_is_empty_without_the_year_three_years_before(use_dataset) -> None:
    use_dataset(MARKETS[MARKETS["year"] == 2024])
    table = diversification.alternative_markets(dept("53"), 2024, "US")
    assert len(table) == 4 and table["france_growth_pct"].isna().all()
    assert (
        diversification.diversification_context(dept("53"), 2024)["france_growth_pct"].isna().all()
    )


def test_growth_is_empty_for_a_partial_year_whose_values_are_its_quarters(use_dataset) -> None:
    # 2021 whole; 2024 has T1 and T2 only: its figures are those two quarters', no growth.
    use_dataset(
        quarterly(
            [(2021, q, "E", "72", "C10A", None, "DE", 25.0) for q in (1, 2, 3, 4)]
            + [
                (2024, 1, "E", "53", "C10A", None, "US", 30.0),
                (2024, 2, "E", "53", "C10A", None, "US", 10.0),
                (2024, 1, "E", "72", "C10A", None, "DE", 160.0),
            ]
        )
    )
    assert queries.year_quarters(2024) == (1, 2)
    table = diversification.alternative_markets(dept("53"), 2024, "US")
    # France's C10A: 200, Mayenne's share 40/200; DE: expected 160/5 = 32.
    assert table[["country", "expected_eur"]].to_dict("list") == {
        "country": ["DE"], "expected_eur": [pytest.approx(32.0)],
    }  # fmt: skip
    assert table["france_growth_pct"].isna().all()
    assert not diversification.growth_comparable(2024)


def test_diversification_context_has_the_same_products_with_france(use_dataset) -> None:
    frame = pd.concat(
        [PRODUCT_SPACE, rows([(2021, "E", "01", P3, "DE", 75 / 8), (2021, "E", "01", P4, "DE", 0)])]
    )
    use_dataset(frame)
    context = diversification.diversification_context(dept("01"), 2024)
    assert list(context.columns) == [
        "product",
        "density",
        "france_exports_eur",
        "france_growth_pct",
    ]
    assert list(context["product"]) == [P3, P4, P5]
    assert context["density"].tolist() == pytest.approx([70.0, 25.0, 0.0])
    assert context["france_exports_eur"].tolist() == [75.0, 85.0, 60.0]
    # P3: (75 / (75/8))^(1/3) = 2, +100 %; P4 exported for 0 in 2021, P5 not at all: empty.
    growth = context["france_growth_pct"].tolist()
    assert growth[0] == pytest.approx(100.0) and math.isnan(growth[1]) and math.isnan(growth[2])


# --- Against the oracle on random data -----------------------------------------------------


def random_years(seed: int) -> pd.DataFrame:
    """random_trade with its 2023 rows moved to 2021: three years before 2024."""
    frame = random_trade(seed)
    frame["year"] = frame["year"].replace({2023: 2021})
    return frame


TERRITORIES = [dept("53"), dept("44"), Territory("region", "52"), Territory("region", "28")]


@pytest.mark.parametrize("seed", [3, 17])
@pytest.mark.parametrize("partner", ["US", "UE27"])
def test_alternative_markets_match_the_oracle(use_dataset, seed, partner) -> None:
    frame = random_years(seed)
    use_dataset(frame)
    listed = 0
    for territory in TERRITORIES:
        got = diversification.alternative_markets(territory, 2024, partner)
        want = oracle_markets(frame, territory.depts, 2024, members(partner), growth=True)
        assert_tables_match(got, want, ["product", "country"])
        listed += len(want)
    assert listed > 0  # not only empty tables


@pytest.mark.parametrize("seed", [3, 17, 29])
def test_product_space_and_similarity_match_the_oracle(use_dataset, seed) -> None:
    frame = random_years(seed)
    use_dataset(frame)
    phi = oracle_phi(frame, 2024)
    got = diversification.proximity(2024)
    assert list(zip(got["product_a"], got["product_b"], strict=True)) == sorted(phi)
    assert got["phi"].tolist() == pytest.approx([phi[pair] for pair in sorted(phi)])
    for territory in TERRITORIES:
        want = oracle_diversification(frame, territory.depts, 2024)
        assert_tables_match(
            diversification.diversification(territory, 2024), want, ["product", "related"]
        )
        want = oracle_similar(frame, territory, 2024)
        assert_tables_match(
            diversification.similar_territories(territory, 2024), want, ["code", "name"]
        )


def test_the_departements_indices_are_those_of_situer_le_territoire(use_dataset) -> None:
    from lib.data import indicators

    use_dataset(random_years(5))
    every = diversification._dept_exports(2024)
    for code in ["44", "49", "53", "72", "85"]:
        own = indicators.balassa(dept(code), 2024).set_index("product")["rca"]
        mine = every[every["dept"] == code].set_index("product")["rca"]
        assert mine.sort_index().tolist() == own.sort_index().tolist()


# --- Properties (hypothesis) -------------------------------------------------------------------

DEPTS = ["44", "49", "53", "72", "85", "14", "61", "99"]  # 99: outside the 101
PRODUCTS = ["C21Z", "C10A", "C29A", "C26A", "C30C"]
COUNTRIES = ["DE", "US", "CN", "BE", "ES", "QU", "GB"]
record = st.tuples(
    st.sampled_from([2021, 2024]),
    st.just("E"),
    st.sampled_from(DEPTS),
    st.sampled_from(PRODUCTS),
    st.sampled_from(COUNTRIES),
    st.one_of(
        st.just(0.0),
        st.floats(min_value=0.01, max_value=1e10, allow_nan=False, allow_infinity=False),
    ),
)
datasets = st.lists(record, min_size=1, max_size=50).map(rows)
PROPERTY_TERRITORIES = [dept("53"), dept("72"), Territory("region", "52")]


@PROPERTY_SETTINGS
@given(frame=datasets, partner=st.sampled_from(["US", "UE27"]))
def test_market_properties(frame: pd.DataFrame, partner: str) -> None:
    excluded = members(partner)
    with dataset(frame):
        for territory in PROPERTY_TERRITORIES:
            table = diversification.alternative_markets(territory, 2024, partner)
            assert (table["untapped_eur"] >= 0).all()
            assert (table["expected_eur"] > 0).all()
            assert not set(table["country"]) & excluded
            own = exports_of(frame, 2024, territory.depts)
            france = exports_of(frame, 2024)
            for product, group in table.groupby("product"):
                x_p = own.loc[own["product"] == product, "value_eur"].sum()
                f_p = france.loc[france["product"] == product, "value_eur"].sum()
                outside = france[(france["product"] == product) & ~france["country"].isin(excluded)]
                # Σ_c expected = s_tp × Σ_c F_pc over the countries outside the partner.
                assert group["expected_eur"].sum() == pytest.approx(
                    x_p / f_p * outside["value_eur"].sum(), rel=1e-9
                )


@PROPERTY_SETTINGS
@given(frame=datasets)
def test_density_and_similarity_properties(frame: pd.DataFrame) -> None:
    with dataset(frame):
        phi = diversification.proximity(2024)
        assert phi["phi"].between(0, 1).all()
        for territory in PROPERTY_TERRITORIES:
            table = diversification.diversification(territory, 2024)
            assert table["density"].between(0, 100).all()
            assert (table["rca"] < 1).all()
        similar = {
            code: diversification.similar_territories(dept(code), 2024, count=200)
            for code in DEPTS
            if code in REF_DEPTS
        }
        for code, table in similar.items():
            assert table["similarity"].between(0, 1).all()
            assert code not in set(table["code"])
            for other, value in zip(table["code"], table["similarity"], strict=True):
                back = similar[other].set_index("code")["similarity"]
                assert back[code] == pytest.approx(value, rel=1e-9, abs=1e-12)


# --- Bad input ---------------------------------------------------------------------------------


def test_france_is_refused_in_french(use_dataset) -> None:
    use_dataset(MARKETS)
    calls = [
        lambda: diversification.check_territory(FRANCE),
        lambda: diversification.alternative_markets(FRANCE, 2024, "US"),
        lambda: diversification.exposed_products(FRANCE, 2024, "US"),
        lambda: diversification.diversification(FRANCE, 2024),
        lambda: diversification.diversification_context(FRANCE, 2024),
        lambda: diversification.similar_territories(FRANCE, 2024),
    ]
    for call in calls:
        with pytest.raises(diversification.NotForFrance, match="valent 1 par définition"):
            call()
    diversification.check_territory(dept("53"))  # passes


@pytest.mark.parametrize("partner", ["XX", "FR", "us", "=1+1"])
def test_an_unknown_partner_is_refused_in_french(use_dataset, partner) -> None:
    use_dataset(MARKETS)
    with pytest.raises(
        exposure.InvalidPartner, match=re.escape(f"Partenaire inconnu : « {partner} »")
    ):
        diversification.alternative_markets(dept("53"), 2024, partner)


def test_a_year_absent_from_the_data_gives_empty_tables(use_dataset) -> None:
    use_dataset(MARKETS)
    assert diversification.alternative_markets(dept("53"), 2019, "US").empty
    assert diversification.diversification(dept("53"), 2019).empty
    assert diversification.diversification_context(dept("53"), 2019).empty
    assert diversification.similar_territories(dept("53"), 2019).empty
    assert diversification.proximity(2019).empty
    empty = diversification.alternative_markets(dept("53"), 2019, "US")
    assert list(empty.columns) == diversification.ALTERNATIVE_COLUMNS


def test_proximity_is_computed_once_per_dataset_version(use_dataset, monkeypatch) -> None:
    use_dataset(PRODUCT_SPACE)
    scans: list[str] = []
    fetch = queries.fetch_frame

    def counting(sql: str, params: list[object]) -> pd.DataFrame:
        if "trade_detail" in sql:
            scans.append(sql)
        return fetch(sql, params)

    monkeypatch.setattr(queries, "fetch_frame", counting)
    cache.reset(max_bytes=64 * 2**20)
    for code in ["01", "03", "05"]:
        diversification.diversification(dept(code), 2024)
        diversification.similar_territories(dept(code), 2024)
    diversification.proximity(2024)
    assert len(scans) == 1  # every département's exports, read once for all
    use_dataset(MARKETS)  # a new version: computed again, from the new data
    assert list(diversification.proximity(2024)["product_a"].unique()) == ["C10A", "C21Z"]
    assert len(scans) == 2


# --- The command line --------------------------------------------------------------------------

CSVS = ["alternative_markets.csv", "diversification.csv", "similar_territories.csv"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"product": str, "country": str, "code": str, "related": str},
                       keep_default_na=False, na_values=[""])  # fmt: skip


def test_cli_writes_the_three_tables(use_dataset, tmp_path: Path, capsys) -> None:
    frame = random_years(3)
    data_dir = use_dataset(frame)
    args = ["--level", "dept", "--code", "53", "--year", "2024", "--diversification", "us"]
    status, err = run(capsys, "--data-dir", str(data_dir), *args, "--out", str(tmp_path))
    assert status == 0, err
    assert set(CSVS) <= {p.name for p in tmp_path.iterdir()}
    markets = read(tmp_path / "alternative_markets.csv")
    assert_tables_match(
        markets, oracle_markets(frame, ["53"], 2024, {"US"}, True), ["product", "country"]
    )
    nearby = read(tmp_path / "diversification.csv").fillna({"related": ""})
    assert_tables_match(nearby, oracle_diversification(frame, ["53"], 2024), ["product", "related"])
    similar = read(tmp_path / "similar_territories.csv")
    assert_tables_match(similar, oracle_similar(frame, dept("53"), 2024), ["code", "name"])
    # The same bytes as the page's downloads (to_csv_bytes of the lib's tables).
    for name, table in diversification.tables(dept("53"), 2024, "US").items():
        assert (tmp_path / name).read_bytes() == csvfile.to_csv_bytes(table)
    header = (tmp_path / "alternative_markets.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(diversification.ALTERNATIVE_COLUMNS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--level", "france"], "La France entière n'a rien à montrer ici"),
        (["--level", "dept", "--code", "53", "--diversification", "XX"], "Partenaire inconnu"),
        (["--level", "region", "--code", "52", "--diversification", "FR"], "Partenaire inconnu"),
    ],
)
def test_cli_refuses_france_and_an_unknown_partner(
    use_dataset, tmp_path: Path, capsys, argv, message
) -> None:
    data_dir = use_dataset(MARKETS)
    if "--diversification" not in argv:
        argv = [*argv, "--diversification", "US"]
    status, err = run(capsys, "--data-dir", str(data_dir), *argv, "--year", "2024",
                      "--out", str(tmp_path / "x"))  # fmt: skip
    assert status == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_cli_all_skips_france_and_says_so(use_dataset, tmp_path: Path, capsys) -> None:
    data_dir = use_dataset(MARKETS)
    status, err = run(capsys, "--data-dir", str(data_dir), "--all", "--year", "2024",
                      "--diversification", "US", "--out", str(tmp_path))  # fmt: skip
    assert status == 0
    assert "le dossier france n'a pas ces fichiers" in err
    assert not set(CSVS) & {p.name for p in (tmp_path / "france").iterdir()}
    for folder in ["dept_53", "dept_01", "region_52"]:
        assert set(CSVS) <= {p.name for p in (tmp_path / folder).iterdir()}
    single = tmp_path / "single"
    run(capsys, "--data-dir", str(data_dir), "--level", "dept", "--code", "53", "--year", "2024",
        "--diversification", "US", "--out", str(single))  # fmt: skip
    for name in CSVS:
        assert (tmp_path / "dept_53" / name).read_bytes() == (single / name).read_bytes()
