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
from bench import cluster as clusters
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
    for name in ("fiche_first_screen", "floor_load", "floor_slider"):
        assert found[f"{name}_samples"] == 2 and found[f"{name}_p95_ms"] > 0, name
    for key in browser.RATIOS:
        assert found[key] is not None and found[key] > 0, key
    assert list(found["pages"]) == list(report.PAGE_NAMES)
    for name, stats in found["pages"].items():
        assert stats["samples"] == 2 and stats["p95_ms"] > 0 and stats["title"], name
    text = report.markdown({**smoke["results"], "browser": found})
    assert "top-N slider moved → Sankeys redrawn" in text
    assert "Ratios to the floor" in text


# --- The floor (issue 18): its script, and its figures in the report -----------------------------

FLOOR_APP = config.ROOT / clusters.FLOOR_DIR / "floor_app.py"


def _bars(at: Any) -> list[float]:
    """The y values of the floor's one chart, from the figure Streamlit received."""
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)["data"][0]["y"]


def test_the_floor_shows_a_title_four_metrics_and_one_chart_that_its_slider_changes() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(FLOOR_APP), default_timeout=30).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Plancher de mesure"]
    assert len(at.metric) == 4
    before = _bars(at)
    assert len(before) == browser.FLOOR_BARS
    metrics = [m.value for m in at.metric]
    at.slider(key="floor-step").set_value(9).run()
    assert not at.exception
    after = _bars(at)
    assert len(after) == browser.FLOOR_BARS and after != before
    assert [m.value for m in at.metric] != metrics


def test_the_floor_is_served_from_a_snapshot_of_the_app(tmp_path: Path) -> None:
    app = clusters.snapshot(tmp_path / "app")
    assert (app / clusters.FLOOR_SCRIPT).is_file() and (app / "serve.py").is_file()
    assert (app / ".streamlit" / "config.toml").is_file()  # the same theme: the same folder
    command = clusters.streamlit_command(8600, script=clusters.FLOOR_SCRIPT)
    assert clusters.FLOOR_SCRIPT in command and "serve.py" not in command


BROWSER_FOUND: dict[str, Any] = {
    "url": "/fiche?niveau=departement&code=53&annee=2024&top=10&flux=tous",
    "charts": 10,
    **{
        f"{name}_{key}": value
        for name, p50, p95 in (
            ("fiche_load", 900.0, 1200.0),
            ("fiche_first_screen", 800.0, 1000.0),
            ("slider", 250.0, 400.0),
            ("floor_load", 300.0, 400.0),
            ("floor_slider", 80.0, 100.0),
        )
        for key, value in (("p50_ms", p50), ("p95_ms", p95), ("samples", 15))
    },
    "fiche_load_target_ms": 1500.0,
    "slider_target_ms": 300.0,
    "pages": {
        "carte": {"url": "/?annee=2024", "p50_ms": 700.0, "p95_ms": 800.0, "samples": 15},
        "donnees": {
            "url": "/donnees?niveau=departement",
            "p50_ms": 500.0,
            "p95_ms": 600.0,
            "samples": 15,
        },
    },
}


def test_floor_ratios_are_the_p95s_over_the_floors() -> None:
    assert browser.floor_ratios(BROWSER_FOUND) == {
        "fiche_load_to_floor": 3.0,
        "fiche_first_screen_to_floor": 2.5,
        "slider_to_floor": 4.0,
    }
    missing = {k: v for k, v in BROWSER_FOUND.items() if not k.startswith("floor_slider")}
    assert browser.floor_ratios(missing)["slider_to_floor"] is None


def test_report_gives_the_floor_its_ratios_and_the_pages_first_screens() -> None:
    found = {**BROWSER_FOUND, **browser.floor_ratios(BROWSER_FOUND)}
    lines = report._browser_table({"browser": found})
    text = "\n".join(lines)
    assert "| floor load: title, 4 metrics and bar chart drawn | 300 | 400 | — | — |" in lines
    assert (
        "| fiche load: shared URL opened → last chart drawn | 900 | 1200 | ≤ 1500 ms | met |"
        in (lines)
    )
    assert "top-N slider moved → Sankeys redrawn | 250 | 400 | ≤ 300 ms | **missed**" in text
    assert "fiche load / floor load **×3.0**" in text
    assert "fiche slider / floor slider **×4.0**" in text
    assert "| Carte | `/?annee=2024` | 700 | 800 | ×2.00 |" in lines
    assert "| Données | `/donnees?niveau=departement` | 500 | 600 | ×1.50 |" in lines


def test_report_of_a_run_before_the_floor_has_neither_floor_nor_pages() -> None:
    old = {k: v for k, v in BROWSER_FOUND.items() if k.startswith(("fiche_load", "slider", "url"))}
    text = "\n".join(report._browser_table({"browser": {**old, "charts": 10}}))
    assert "fiche load: shared URL opened" in text
    assert "floor" not in text and "Ratios" not in text and "First screen" not in text


def test_the_views_are_timed_as_queries_never_as_cache_hits(smoke: dict[str, Any]) -> None:
    """Inside dataset_env the cross-session cache keeps nothing: each repetition of a view runs
    its queries (lib/cache.py would otherwise answer every repetition after the first)."""
    from lib import cache, queries
    from lib.territory import Territory

    manifest = store.read_manifest(smoke["data_dir"])
    year = manifest.years[-1]
    with run.dataset_env(smoke["data_dir"]):
        for _ in range(3):
            queries.kpis(Territory("dept", "53"), year)
        stats = cache.shared().stats()
        assert stats.hits == 0 and stats.entries == 0
    cache.reset()
