"""bench/csv_route.py on a small dataset: the figures it reports, and its count of the France ×
latest year rows against plain pandas over the fixture frame (never against the route)."""

from __future__ import annotations

from bench import csv_route
from tests.test_quarters import ROWS


def test_it_reports_its_targets_and_counts_the_france_year_rows(use_dataset) -> None:
    use_dataset(ROWS)
    found = csv_route.measure(samples=3)
    latest = ROWS["year"].max()
    assert found["france_year"] == latest
    assert found["france_year_rows"] == len(ROWS[ROWS["year"] == latest]) > 0
    assert 0 < found["dept_year_ttfb_p50_ms"] <= found["dept_year_ttfb_p95_ms"]
    assert found["dept_year_ttfb_met"] == (found["dept_year_ttfb_p95_ms"] <= 30.0)
    assert found["france_year_rows_per_s_met"] == (found["france_year_rows_per_s"] >= 1_000_000)
