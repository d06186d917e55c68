"""The benchmark, end to end on a smoke dataset generated in a tmp dir. Never asserts times.
The browser timings (Chromium) are tested on their own, marked e2e."""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bench import baseline, browser, compare, generate, procstat, report, run, workload
from lib import config, refs, store

REQUIRED_KEYS = {
    "rows",
    "views",
    "fiche_p95_ms",
    "cold_start_s",
    "peak_rss_mb",
    "ingest_rows_per_s",
}
VIEW_KEYS = {"p50_ms", "p95_ms", "pandas_p50_ms", "speedup"}
TIMING_KEYS = {"p50_ms", "p95_ms"}
# The answer of each page view of issue 11, by key (exposure_cpf4 and strong only with CPF4
# data and imports).
PAGE_KEYS = {
    "evolution": {
        "series", "average_growth", "change", "contributions_country", "contributions_product"
    },
    "produit": {"cpf4_codes", "evolution", "by_dept", "partners"},
    "pays": {"totals", "by_dept", "products", "evolution"},
    "comparer": {"key_figures", "partners", "products", "evolution"},
    "exposition": {
        "shares", "exposure", "cpf4_codes", "by_dept", "scenario_summary", "scenario",
        "dependency",
    },
}  # fmt: skip
REMOTE_KEYS = {"p50_ms", "p95_ms", "local_p50_ms", "slowdown", "compared", "mismatches"}
MACHINE_KEYS = {"cpu", "cores", "ram_gib", "python", "duckdb", "pandas", "date"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run: dataset generated in a tmp dir, results and doc written there."""
    folder = tmp_path_factory.mktemp("bench")
    doc = folder / "PERFORMANCE.md"
    doc.write_text("# Performance\n\nHand-written prose.\n", encoding="utf-8")
    before = os.environ.get(config.ENV_DATA_DIR)
    status = run.main(
        [
            "--smoke",
            "--data-dir",
            str(folder / "data"),
            "--out",
            str(folder / "latest.json"),
            "--doc",
            str(doc),
            "--repeat",
            "2",
            "--no-browser",
        ]
    )
    return {
        "status": status,
        "results": json.loads((folder / "latest.json").read_text(encoding="utf-8")),
        "doc": doc,
        "data_dir": folder / "data",
        "env_before": before,
    }


def test_smoke_run_succeeds_and_restores_the_environment(smoke: dict[str, Any]) -> None:
    assert smoke["status"] == 0
    assert os.environ.get(config.ENV_DATA_DIR) == smoke["env_before"]


def test_results_have_every_key_and_view(smoke: dict[str, Any]) -> None:
    results = smoke["results"]
    assert set(results) >= REQUIRED_KEYS
    assert set(results["machine"]) >= MACHINE_KEYS
    assert list(results["views"]) == list(workload.VIEWS)
    for view, stats in results["views"].items():
        assert set(stats) >= VIEW_KEYS, view
        timed = VIEW_KEYS if view in baseline.RUNNERS else TIMING_KEYS
        assert all(math.isfinite(stats[key]) and stats[key] > 0 for key in timed), view
        if view not in baseline.RUNNERS:  # no pandas baseline: no figure made up
            assert stats["pandas_p50_ms"] is None and stats["speedup"] is None, view
    for key in REQUIRED_KEYS - {"views"}:
        assert math.isfinite(results[key]) and results[key] > 0, key


def test_rows_are_those_of_the_generated_dataset(smoke: dict[str, Any]) -> None:
    manifest = store.read_manifest(smoke["data_dir"])
    assert manifest is not None
    assert smoke["results"]["rows"] == manifest.rows
    assert 1_000 <= manifest.rows <= 100_000
    assert manifest.years == list(generate.YEARS)


def test_duckdb_and_pandas_agree_on_every_view(smoke: dict[str, Any]) -> None:
    checks = smoke["results"]["checks"]
    assert set(checks) == set(baseline.RUNNERS) == set(workload.VIEWS) - set(PAGE_KEYS)
    for view, check in checks.items():
        assert check["compared"] > 0, view
        assert check["mismatches"] == 0, (view, check["first"])


def test_ingest_reads_every_row_of_the_customs_csv(smoke: dict[str, Any]) -> None:
    ingest = smoke["results"]["details"]["ingest"]
    assert ingest["rows"] == run.SMOKE["ingest_rows"]
    assert 0 < ingest["stored_rows"] <= ingest["rows"]


def test_doc_table_is_generated_between_markers(smoke: dict[str, Any]) -> None:
    doc: Path = smoke["doc"]
    report.update_doc(doc, smoke["results"])  # a second refresh replaces, never duplicates
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nHand-written prose.\n")
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    for view in workload.VIEWS:
        assert f"`{view}`" in text


def _is_value(name: object) -> bool:
    """A euro value (`*_eur`), not the previous year's (NaN before the first year)."""
    return str(name).endswith("_eur") and not str(name).endswith("_prev_eur")


def _finite_values(answer: object) -> bool:
    """Every euro value of an answer (frames' columns, dicts' keys) is finite."""
    if isinstance(answer, dict):
        return all(
            _finite_values(value) if not key.endswith("_eur") else math.isfinite(value)
            for key, value in answer.items()
        )
    if isinstance(answer, pd.DataFrame):
        columns = [c for c in answer.columns if _is_value(c)]
        return all(answer[c].map(math.isfinite).all() for c in columns)
    return True


def test_page_views_answer_every_query_of_their_page(smoke: dict[str, Any]) -> None:
    manifest = store.read_manifest(smoke["data_dir"])
    assert manifest is not None
    draws = workload.draw_plan(manifest.years, 4, run.SEED)
    assert draws == workload.draw_plan(manifest.years, 4, run.SEED)  # seeded
    with run.dataset_env(smoke["data_dir"]):
        for draw in draws:
            assert draw.product in set(refs.products()["code"])
            assert refs.is_country(draw.country)
            assert 2 <= len(draw.compared) <= 4
            for view, keys in PAGE_KEYS.items():
                answer = workload.RUNNERS[view](draw, smoke["data_dir"])
                assert set(answer) >= keys, (view, draw.label)
                assert _finite_values(answer), (view, draw.label)
                frames = [v for v in answer.values() if isinstance(v, pd.DataFrame)]
                assert frames and all(not frame.empty for frame in frames[:1]), view


def test_page_views_have_the_fiches_target() -> None:
    for view in PAGE_KEYS:
        assert view in workload.VIEWS and view in workload.PAGES
        assert report.p95_bound(view) == report.FICHE_P95_MS
    assert report.p95_bound("kpis") == report.VIEW_P95_MS


def test_generation_is_deterministic() -> None:
    first = generate.build_model(generate.SMOKE_ROWS)
    second = generate.build_model(generate.SMOKE_ROWS)
    assert generate.year_table(first, 2020).equals(generate.year_table(second, 2020))
    months = generate.year_table(first, 2024).column("month").to_pylist()
    assert set(months) <= set(range(1, 13))


def test_customs_csv_has_french_headers(tmp_path: Path) -> None:
    path = tmp_path / "douane.csv"
    generate.write_customs_csv(path, 500)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Flux;Année;Mois;Département;Code A129;Code pays;Valeur"
    assert len(lines) == 501


def test_comparison_detects_a_different_value_and_order() -> None:
    frame = pd.DataFrame({"code": ["A", "B"], "value_eur": [10.0, 5.0]})
    assert compare.difference(frame, frame.copy()) is None
    changed = frame.assign(value_eur=[10.0, 5.01])
    assert compare.difference(frame, changed) is not None
    assert compare.difference(frame, frame.iloc[::-1]) is not None
    assert compare.difference({"t": 1.0}, {"t": 1.0 + 1e-12}) is None
    assert compare.difference({"t": 1.0}, {"t": 2.0}) is not None


def test_targets_report_misses_with_their_size() -> None:
    slow = report.Target("x p95", 45.0, 30.0, True, "ms")
    assert not slow.met and "1.5×" in slow.verdict
    weak = report.Target("ingest", 700_000.0, 1_000_000.0, False, "rows/s")
    assert not weak.met and "30 %" in weak.verdict
    assert report.Target("fast", 12.0, 30.0, True, "ms").verdict == "met"


def test_remote_views_give_the_local_answers(smoke: dict[str, Any]) -> None:
    results = smoke["results"]
    remote = results["remote"]
    assert list(remote) == list(workload.VIEWS)
    for view, stats in remote.items():
        assert set(stats) >= REMOTE_KEYS, view
        assert stats["compared"] > 0, view
        assert stats["mismatches"] == 0, (view, stats["first"])
    assert remote["kpis"]["requests_per_call"] >= 0
    assert "Same views over HTTP (local server, range requests)" in smoke["doc"].read_text(
        encoding="utf-8"
    )


def test_no_remote_flag_skips_the_http_measure() -> None:
    assert run.parse_settings(["--smoke", "--no-remote"]).remote is False
    assert run.parse_settings(["--smoke"]).remote is True


def test_no_browser_flag_skips_the_browser_measure(smoke: dict[str, Any]) -> None:
    assert run.parse_settings(["--smoke", "--no-browser"]).browser is False
    assert run.parse_settings(["--smoke"]).browser is True
    assert "browser" not in smoke["results"]


BALLAST_MB = 768


def test_a_child_reports_its_own_peak_memory_not_its_parents(smoke: dict[str, Any]) -> None:
    """ru_maxrss carries the parent's peak over across fork and exec: a cold start of 232 MB
    spawned by a benchmark holding 1.5 GB reported 1 587 MB."""
    ballast = b"x" * (BALLAST_MB * 2**20)  # written, so resident in this process
    parent_mb = procstat.peak_rss_mb()
    cold = run.cold_start(smoke["data_dir"], 1)
    del ballast
    assert parent_mb > BALLAST_MB
    assert 0 < cold["peak_rss_mb"] < parent_mb - BALLAST_MB / 2


@pytest.mark.e2e
def test_browser_timings_wait_for_every_chart(smoke: dict[str, Any]) -> None:
    if not Path(browser.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` should have installed it.")
        pytest.skip("Chromium is not installed (run `make chromium`).")
    # Playwright's sync API wants a thread without an event loop; the e2e tests' may run here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        found = pool.submit(browser.measure, smoke["data_dir"], 2, lambda _: None).result()
    for name, target in (("fiche_load", 1500), ("slider", 300)):
        assert found[f"{name}_samples"] == 2
        assert found[f"{name}_target_ms"] == target
        for stat in ("p50", "p95"):
            value = found[f"{name}_{stat}_ms"]
            assert math.isfinite(value) and value > 0, (name, stat)
    # specialisations, partners, world map, products, 6 Sankeys
    assert found["charts"] == found["expected_charts"] == 10
    assert found["sankeys"] == 6
    assert found["sankeys_redrawn_by_slider"] > 0
    text = report.markdown({**smoke["results"], "browser": found})
    assert "top-N slider moved → Sankeys redrawn" in text
