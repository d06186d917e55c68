"""The scaled benchmark dataset: `python -m bench.generate [--out DIR] [--rows N | --scale F]`.

Monthly rows (month 1-12) for 2015-2024, the 101 départements, the goods positions of
`products.csv` and the partners of the demonstration dataset, about 55 million rows by default.
It reuses the weights of `lib.sources.demo` (département product profiles, gravity partners,
specialisations, national cycle) and adds what a monthly file has on top of an annual one:

- each (département, flow) trades a number of product x partner pairs growing with its size
  (`T ** PAIRS_EXPONENT`, T its 2024 total), scaled so that the whole dataset has `rows` rows;
- a pair's monthly activity probability falls with its rank: the largest pairs trade every
  month, the tail only now and then, so small pairs appear and disappear (realistic sparsity);
- values follow the (département, flow) total of the year (2024 calibrated total x national
  cycle x département trend), a yearly pair noise, a seasonal profile (August dip) and a monthly
  noise; they are whole euros.

Deterministic: the structure comes from `seed`, each year from (`seed`, year). Years are generated
and written one at a time with the project's own writer (`store.write_years`), so memory stays
at about one year of rows. `write_customs_csv` writes the same kind of rows as a customs CSV
file (French headers, semicolons) for the ingest benchmark.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from lib.core import config
from lib.data import store
from lib.sources import demo

SEED = 20_260_404
YEARS: tuple[int, ...] = tuple(int(y) for y in demo.YEARS)
REFERENCE_YEAR = demo.CALIBRATION_YEAR
DEFAULT_ROWS = 55_000_000
SMOKE_ROWS = 20_000
DEFAULT_OUT = config.ROOT / "bench" / "data"
SOURCE = "demo"  # synthetic rows: the app shows its demonstration banner over them
MONTHS = 12

PAIRS_EXPONENT = 0.55  # pairs traded by a (département, flow) ~ size ** PAIRS_EXPONENT
MAX_PAIR_SHARE = 0.8  # at most this share of all product x partner pairs
PAIR_SIGMA = 0.9  # lognormal spread of a pair around its product x partner weight
YEAR_SIGMA = 0.25  # yearly noise of a pair
MONTH_SIGMA = 0.5  # monthly noise of a pair
TREND_SIGMA = 0.012  # yearly trend of a (département, flow)
ACTIVITY_DROP = 0.95  # monthly activity of the pair of rank ratio u: 1 - ACTIVITY_DROP * sqrt(u)
ACTIVITY_FLOOR = 0.04
SEASON = np.array([0.95, 1.0, 1.08, 1.02, 1.0, 1.04, 1.0, 0.72, 1.0, 1.06, 1.04, 0.92])

CSV_HEADER = ("Flux", "Année", "Mois", "Département", "Code A129", "Code pays", "Valeur")

ARROW = "bench_arrow"  # the registered Arrow table of one year

YearDone = Callable[[int, int], None]  # (year, rows of that year)


@dataclass(frozen=True)
class Model:
    """The traded pairs of every (département, flow) and what drives their values."""

    refs: demo.Refs
    seed: int
    df: np.ndarray  # (N,) index of (département, flow) = dept * 2 + flow
    product: np.ndarray  # (N,) product index
    country: np.ndarray  # (N,) country index
    weight: np.ndarray  # (N,) relative size of the pair within its (département, flow)
    activity: np.ndarray  # (N,) probability that the pair trades in a given month
    level: np.ndarray  # (D*2,) 2024 total of each (département, flow), euros
    trend: np.ndarray  # (D*2,) yearly log trend of each (département, flow)

    @property
    def pairs(self) -> int:
        return len(self.df)


def activity_of_rank(rank_ratio: np.ndarray) -> np.ndarray:
    """Monthly activity probability of a pair from its rank / pair count (0 = largest)."""
    return np.clip(1.0 - ACTIVITY_DROP * np.sqrt(rank_ratio), ACTIVITY_FLOOR, 1.0)


def _mean_activity() -> float:
    return float(activity_of_rank(np.linspace(0.0, 1.0, 10_001)).mean())


def pair_counts(level: np.ndarray, rows: int, n_pairs: int, n_years: int) -> np.ndarray:
    """(D*2,) pairs of each (département, flow) so that the dataset has about `rows` rows."""
    size = (level / 1e9) ** PAIRS_EXPONENT
    cap = int(MAX_PAIR_SHARE * n_pairs)
    pairs_wanted = rows / (_mean_activity() * MONTHS * n_years)

    def counts(scale: float) -> np.ndarray:
        return np.clip(np.round(scale * size), 1, cap).astype(np.int64)

    low, high = 0.0, 10.0 * cap / size.min()
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if counts(middle).sum() < pairs_wanted else (low, middle)
    return counts(high)


def pair_weights(r: demo.Refs, rng: np.random.Generator) -> np.ndarray:
    """(D*2, P*C) weight of every product x partner pair of every (département, flow)."""
    affinity = demo.dept_affinity(r, rng) * demo.product_base(r, rng)[None]  # (D, 2, P)
    partners = r.country_weight[:, None, :] * demo.product_partner_boost(r)  # (2, P, C)
    weight = affinity[..., None] * partners[None] * demo.dept_partner_boost(r)[:, None, None, :]
    weight = weight.reshape(len(r.depts) * 2, len(r.products) * len(r.countries))
    return weight * np.exp(PAIR_SIGMA * rng.standard_normal(weight.shape))


def build_model(rows: int = DEFAULT_ROWS, seed: int = SEED) -> Model:
    """Draw the traded pairs (weighted sampling without replacement, Gumbel top-k)."""
    rng = np.random.default_rng(seed)
    r = demo.load_refs()
    level = demo.dept_targets(r.depts, r.dept_region).reshape(-1).astype(float)
    weight = pair_weights(r, rng)
    counts = pair_counts(level, rows, weight.shape[1], len(YEARS))
    order = np.argsort(-(np.log(weight) + rng.gumbel(size=weight.shape)), axis=1)
    df = np.repeat(np.arange(len(level)), counts)
    pair = np.concatenate([order[i, :k] for i, k in enumerate(counts)])
    rank_ratio = np.concatenate([np.arange(k) / k for k in counts])
    n_countries = len(r.countries)
    return Model(
        refs=r,
        seed=seed,
        df=df,
        product=pair // n_countries,
        country=pair % n_countries,
        weight=weight[df, pair],
        activity=activity_of_rank(rank_ratio),
        level=level,
        trend=np.clip(rng.normal(0.005, TREND_SIGMA, len(level)), -0.03, 0.04),
    )


def _year_level(model: Model, year: int) -> np.ndarray:
    """(D*2,) total of each (département, flow) in `year`."""
    index = YEARS.index(year)
    macro = np.array([demo.MACRO[flow][index] for flow in demo.FLOWS])
    flow = np.arange(len(model.level)) % 2
    return model.level * macro[flow] * np.exp(model.trend * (year - REFERENCE_YEAR))


def year_values(model: Model, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pair index, month 1-12, euros) of every row of `year`."""
    rng = np.random.default_rng([model.seed, year])
    n = model.pairs
    active = rng.random((n, MONTHS)) < model.activity[:, None]
    pair_year = model.weight * np.exp(YEAR_SIGMA * rng.standard_normal(n))
    noise = np.exp(MONTH_SIGMA * rng.standard_normal((n, MONTHS))) * SEASON[None, :]
    raw = np.where(active, pair_year[:, None] * noise, 0.0)
    totals = np.bincount(model.df, weights=raw.sum(axis=1), minlength=len(model.level))
    scale = _year_level(model, year) / np.where(totals > 0, totals, 1.0)
    pair, month = np.nonzero(active)
    euros = np.maximum(np.round(raw[pair, month] * scale[model.df[pair]]), 1.0)
    return pair, month + 1, euros


def year_table(model: Model, year: int) -> pa.Table:
    """The canonical rows of one year (codes dictionary-encoded)."""
    pair, month, euros = year_values(model, year)
    df = model.df[pair]
    r = model.refs
    return pa.table(
        {
            "year": pa.array(np.full(len(pair), year, dtype=np.int16)),
            "month": pa.array(month.astype(np.int8)),
            "flow": _dictionary(df % 2, list(demo.FLOWS)),
            "dept": _dictionary(df // 2, list(r.depts)),
            "product": _dictionary(model.product[pair], list(r.products)),
            "country": _dictionary(model.country[pair], list(r.countries)),
            "value_eur": pa.array(euros),
        }
    )


def _dictionary(indices: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(labels, pa.string())
    )


def write_dataset(
    out: str | Path,
    rows: int = DEFAULT_ROWS,
    seed: int = SEED,
    on_year: YearDone | None = None,
) -> store.Manifest:
    """Generate the dataset into `out` (replacing any dataset there), one year at a time."""
    model = build_model(rows, seed)
    con = duckdb.connect()
    try:
        manifest = None
        for index, year in enumerate(YEARS):
            table = year_table(model, year)
            con.register(ARROW, table)  # the writer types the columns, adds the absent ones
            manifest = store.write_years(out, con, ARROW, source=SOURCE, replace_all=index == 0)
            con.unregister(ARROW)
            if on_year:
                on_year(year, table.num_rows)
        assert manifest is not None
        return manifest
    finally:
        con.close()


def dataset_bytes(data_dir: str | Path, manifest: store.Manifest) -> int:
    """Size on disk of the files the manifest names."""
    return sum((Path(data_dir) / rel).stat().st_size for rel in manifest.files.values())


def write_customs_csv(path: str | Path, rows: int, seed: int = SEED + 1) -> int:
    """A customs-like CSV (`Flux;Année;Mois;Département;Code A129;Code pays;Valeur`) of exactly
    `rows` data rows (the last two years of a model of the same density). Returns `rows`."""
    model = build_model(int(rows * len(YEARS) / 2 * 1.05) + 10_000, seed)
    tables = [year_table(model, year) for year in YEARS[-2:]]
    table = pa.concat_tables(tables).slice(0, rows)
    if table.num_rows < rows:
        raise ValueError(f"the model gave {table.num_rows} rows, fewer than {rows}")
    ordered = pa.table(
        [
            table.column("flow").cast(pa.string()),
            table.column("year").cast(pa.int64()),
            table.column("month").cast(pa.int64()),
            table.column("dept").cast(pa.string()),
            table.column("product").cast(pa.string()),
            table.column("country").cast(pa.string()),
            table.column("value_eur").cast(pa.int64()),
        ],
        names=list(CSV_HEADER),
    )
    # Arrow always quotes header names; customs files do not: the header is written by hand.
    options = pa_csv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
    with open(path, "wb") as handle:
        handle.write((";".join(CSV_HEADER) + "\n").encode("utf-8"))
        pa_csv.write_csv(ordered, handle, write_options=options)
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Generate the scaled monthly benchmark dataset (deterministic).",
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="dataset folder (bench/data)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--rows", type=int, help=f"target row count (default {DEFAULT_ROWS:_})")
    size.add_argument("--scale", type=float, help="fraction of the default row count")
    size.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS:_} rows")
    parser.add_argument("--seed", type=int, default=SEED)
    return parser


def target_rows(args: argparse.Namespace) -> int:
    if args.smoke:
        return SMOKE_ROWS
    if args.scale is not None:
        return max(1_000, int(DEFAULT_ROWS * args.scale))
    return args.rows or DEFAULT_ROWS


def _log_year(year: int, rows: int) -> None:
    print(f"  {year}: {rows:_} rows", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    rows = target_rows(args)
    print(f"Generating about {rows:_} rows into {args.out}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    manifest = write_dataset(args.out, rows, args.seed, on_year=_log_year)
    elapsed = time.perf_counter() - start
    size_mb = dataset_bytes(args.out, manifest) / 2**20
    print(
        f"{manifest.rows:_} rows, {len(manifest.years)} years, {size_mb:.1f} MiB on disk, "
        f"in {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
