"""The Données CSV as a person downloads it: `GET /telecharger/donnees.csv` over HTTP.

    python -m bench.csv_route [--data-dir DIR] [--samples N] [--results JSON]

The route of lib/web/download.py with lib/web/webguard.py in front, as serve.py mounts them, served
by
uvicorn on 127.0.0.1 in a thread of this process, fetched with urllib:

- **time to first byte** of one département × one year (drawn at random, seeded, after one
  untimed warm-up): from the request to the first byte of the body, p50/p95 (issue 18's target:
  ≤ 30 ms p95). The route sends each chunk as DuckDB writes it (`download.CsvStream`);
- **the whole France × latest year** file: rows (lines after the header) per second over the
  complete transfer, the median of three (target ≥ 1 M rows/s), and its time to first byte
  (DuckDB sorts every row before writing the first: it grows with the file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from bench import cluster, generate
from lib.core import config, refs
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries
from lib.web import download

TTFB_TARGET_MS = 30.0
ROWS_PER_S_TARGET = 1_000_000


def served():
    """The routes as serve.py mounts them, on a free local port, until the block ends."""
    return cluster.asgi_server(download.routes())


def fetch(base: str, data_filter: DataFilter) -> tuple[float, float, int]:
    """(ms to the first byte, ms to the last, rows) of one download."""
    start = time.perf_counter()
    with urllib.request.urlopen(base + download.url(data_filter), timeout=120) as response:
        first = response.read(1)
        first_ms = 1000 * (time.perf_counter() - start)
        body = first + response.read()
    total_ms = 1000 * (time.perf_counter() - start)
    return first_ms, total_ms, max(body.count(b"\n") - 1, 0)


def _p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def measure(samples: int = 30, seed: int = 18) -> dict[str, Any]:
    """The figures above, over the dataset of COMEXT_DATA_DIR."""
    rng = random.Random(seed)
    year = max(queries.available_years())
    depts = sorted(refs.departements()["code"])
    with served() as base:
        fetch(base, DataFilter(Territory("dept", depts[0]), year, year))  # warm-up
        firsts = [
            fetch(base, DataFilter(Territory("dept", rng.choice(depts)), year, year))[0]
            for _ in range(samples)
        ]
        whole = [fetch(base, DataFilter(FRANCE, year, year)) for _ in range(3)]
    rows = whole[0][2]
    rows_per_s = rows / (statistics.median(t for _, t, _ in whole) / 1000)
    ttfb_p95 = _p(firsts, 95)
    return {
        "dept_year_ttfb_p50_ms": _p(firsts, 50),
        "dept_year_ttfb_p95_ms": ttfb_p95,
        "dept_year_ttfb_target_ms": TTFB_TARGET_MS,
        "dept_year_ttfb_met": ttfb_p95 <= TTFB_TARGET_MS,
        "france_year": year,
        "france_year_rows": rows,
        "france_year_ttfb_ms": round(statistics.median(f for f, _, _ in whole), 1),
        "france_year_total_ms": round(statistics.median(t for _, t, _ in whole), 1),
        "france_year_rows_per_s": round(rows_per_s),
        "france_year_rows_per_s_target": ROWS_PER_S_TARGET,
        "france_year_rows_per_s_met": rows_per_s >= ROWS_PER_S_TARGET,
        "samples": samples,
    }


def summary(found: dict[str, Any]) -> str:
    """One line of the figures and their verdicts."""
    return (
        f"first byte of a département × year p50/p95 {found['dept_year_ttfb_p50_ms']:.0f}/"
        f"{found['dept_year_ttfb_p95_ms']:.0f} ms (target ≤ {TTFB_TARGET_MS:.0f}: "
        f"{'met' if found['dept_year_ttfb_met'] else 'missed'}); France × "
        f"{found['france_year']} ({found['france_year_rows']:,} rows) at "
        f"{found['france_year_rows_per_s'] / 1e6:.2f} M rows/s (target ≥ 1: "
        f"{'met' if found['france_year_rows_per_s_met'] else 'missed'})"
    ).replace(",", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.csv_route", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=generate.DEFAULT_OUT)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--results", type=Path, help="merge the figures under `csv_route`")
    args = parser.parse_args(argv)
    os.environ[config.ENV_DATA_DIR] = str(args.data_dir)
    db.reset()
    found = measure(args.samples)
    print(json.dumps(found, indent=2))
    if args.results:
        results = json.loads(args.results.read_text()) if args.results.exists() else {}
        results["csv_route"] = found
        args.results.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
