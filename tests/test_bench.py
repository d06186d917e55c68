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
from lib.core import config, refs, sections
from lib.core.states import FicheState
from lib.core.territory import FRANCE, Territory
from lib.data import store
from lib.web import urlstate

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
    "diversifier": {"nearby", "context", "similar", "markets", "top_markets", "by_country"},
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


def _finishes_in_chromium(messages: list[bytes]) -> list[bool]:
    """browser.FINISHES_JS run by Chromium on each message's bytes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS
        )
        page = chromium.new_page()
        judge = f"(all) => all.map(m => ({browser.FINISHES_JS})(new Uint8Array(m)))"
        found = page.evaluate(judge, [list(m) for m in messages])
        chromium.close()
    return found


@pytest.mark.e2e
def test_a_run_s_end_is_read_from_the_server_s_message() -> None:
    """The slider's wait for a run that changes no chart counts the server's script_finished
    messages (the run's start may never show in the page): the parser finds that field after
    any other (a long hash, metadata, a status of 0) and not in any other message, even one
    whose bytes hold the field's tag inside a string."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.NewSession_pb2 import NewSession

    if not Path(browser.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` should have installed it.")
        pytest.skip("Chromium is not installed (run `make chromium`).")
    tag = bytes([browser.SCRIPT_FINISHED_FIELD << 3]).decode()  # the field's key as a byte
    ends, others = [], []
    for status in (0, 1, 3):  # successfully, early for rerun, a fragment's run
        msg = ForwardMsg(hash=tag * 300, script_finished=status)
        msg.metadata.delta_path.extend([0, 7])
        ends.append(msg.SerializeToString())
    others.append(ForwardMsg(hash=tag * 3).SerializeToString())
    delta = ForwardMsg(hash="h")
    delta.delta.new_element.markdown.body = tag * 200
    others.append(delta.SerializeToString())
    session = NewSession(name=tag, page_script_hash=tag * 40)
    others.append(ForwardMsg(new_session=session).SerializeToString())
    others.append(ForwardMsg(heartbeat_ack=True).SerializeToString())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        found = pool.submit(_finishes_in_chromium, ends + others).result()
    assert found == [True] * len(ends) + [False] * len(others)


@pytest.mark.e2e
def test_browser_timings_wait_for_every_chart(smoke: dict[str, Any]) -> None:
    if not Path(browser.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` should have installed it.")
        pytest.skip("Chromium is not installed (run `make chromium`).")
    # Playwright's sync API wants a thread without an event loop; the e2e tests' may run here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        found = pool.submit(browser.measure, smoke["data_dir"], 2, lambda _: None).result()
    for name, target in (("fiche_first_screen", 1500), ("slider", 300)):
        assert found[f"{name}_target_ms"] == target
    for name in (
        "fiche_first_screen", "section_open", "slider", "slider_sections_open", "fiche_load",
        "floor_load", "floor_slider",
    ):  # fmt: skip
        # every section is opened in every sample: the pooled samples are 6 per sample
        assert found[f"{name}_samples"] == (12 if name == "section_open" else 2), name
        for stat in ("p50", "p95"):
            value = found[f"{name}_{stat}_ms"]
            assert math.isfinite(value) and value > 0, (name, stat)
    assert list(found["sections"]) == list(sections.slugs(sections.FICHE))
    assert [s["charts"] for s in found["sections"].values()] == [1, 1, 1, 3, 3, 0]
    for slug, stats in found["sections"].items():
        assert stats["samples"] == 2 and stats["p95_ms"] > 0, slug
    # every section open: partners, specialisations, world map, products, 6 Sankeys
    assert found["charts"] == found["expected_charts"] == 10
    assert found["sankeys"] == 6
    # a step of top N with « Flux à l'export » open redraws the charts that depend on it: the
    # partners and the 3 Sankeys (the smoke data's Mayenne has too few partners and flows for
    # its own to change: France's does)
    changed = found["slider_sections_open_changed"]
    assert "sankey-E-france" in changed
    assert set(changed) <= {"partners", "sankey-E", "sankey-E-france", "sankey-E-region"}
    assert found["slider_sections_open_changed_fewest"] >= len(changed)
    assert set(found["slider_changed"]) <= {"partners"}
    for key in browser.RATIOS:
        assert found[key] is not None and found[key] > 0, key
    assert list(found["pages"]) == list(report.PAGE_NAMES)
    for name, stats in found["pages"].items():
        assert stats["samples"] == 2 and stats["p95_ms"] > 0 and stats["title"], name
        assert stats["to_floor"] > 0, name
    assert set(found["targets"]) == set(browser.TARGETS) | {
        f"page_{name}_to_floor" for name in report.PAGE_NAMES
    }
    assert all(t["met"] in (True, False) for t in found["targets"].values())
    text = report.markdown({**smoke["results"], "browser": found})
    assert "top-N slider moved, sections closed → partners chart redrawn" in text
    assert "Ratios to the floor" in text and "Targets of issue 18" in text


# --- The fiche's sections in the browser (issue 18): what each must draw --------------------------


def test_each_section_expects_the_charts_the_fiche_draws_in_it() -> None:
    mayenne = FicheState(Territory("dept", "53"), 2024)
    assert browser.section_charts(mayenne) == {
        "situer": (1, 0), "monde": (1, 0), "activites": (1, 0), "flux-export": (3, 3),
        "flux-import": (3, 3), "contexte": (0, 0),
    }  # fmt: skip
    assert browser.expected_charts(mayenne) == (10, 6)  # with the partners chart
    # France: no specialisation (the reference of the index), no other Sankey to compare with
    assert browser.section_charts(FicheState(FRANCE, 2024))["situer"] == (0, 0)
    assert browser.expected_charts(FicheState(FRANCE, 2024)) == (5, 2)
    # one flow shown: its section only; a région compares with France only
    exports = browser.section_charts(FicheState(Territory("region", "52"), 2024, flux="export"))
    assert list(exports) == ["situer", "monde", "activites", "flux-export", "contexte"]
    assert exports["flux-export"] == (2, 2)
    opened = browser.all_open(mayenne)
    assert opened.sections == sections.slugs(sections.FICHE)
    assert "section=situer%2Cmonde%2Cactivites%2Cflux-export%2Cflux-import%2Ccontexte" in (
        urlstate.fiche_url(opened)
    )


def test_the_predicates_name_what_the_fiche_draws() -> None:
    """The JS predicates look for the page's own keys: the sections' expanders
    (pages/parts/on_demand.py), the partners chart (pages/fiche.py), the charts' keys
    (components.chart_with_data)."""
    assert browser.SECTION_PREFIX == "fiche-section-"
    assert ".st-key-fiche-section-" in browser.SECTION_JS
    assert "details.open" in browser.SECTION_JS
    assert "st-key-chart-(?:wide-|narrow-)?" in browser.CHARTS_JS
    assert "checkVisibility" in browser.CHARTS_JS  # one look of two is hidden by CSS
    assert "window.benchFinished > window.benchFinishedBefore" in browser.REDRAWN_JS
    assert "changing.every" in browser.REDRAWN_JS
    assert browser.SLIDER_SECTION in sections.slugs(sections.FICHE)
    # the moved chart found by the keys its looks are drawn under, as CHARTS_JS finds them
    assert ".st-key-chart-${look}${key}" in browser.REDRAWN_JS
    pages = [
        config.ROOT / "pages" / "parts" / "on_demand.py", config.ROOT / "pages" / "fiche.py",
        config.ROOT / "pages" / "parts" / "components.py",
    ]  # fmt: skip
    source = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    assert 'url.key(f"section-{section.slug}")' in source
    assert '"partners",' in source
    assert 'f"chart-{look}-{key}"' in source


WAITING_PREDICATES = (
    "FIRST_SCREEN_JS", "LOADED_JS", "REDRAWN_JS", "SECTION_JS", "TITLE_JS", "FLOOR_LOADED_JS",
    "FLOOR_REDRAWN_JS",
)  # fmt: skip


@pytest.mark.parametrize("name", WAITING_PREDICATES)
def test_a_waiting_predicate_reads_the_script_state_before_anything_else(name: str) -> None:
    """Polled at every frame of a run, a predicate must not make the browser compute the
    page's styles (checkVisibility) while the run draws: it returns at once until the script
    has finished, and only then looks at the charts."""
    predicate = getattr(browser, name)
    body = predicate[predicate.index("{") + 1 :].lstrip()
    assert body.startswith(browser.IDLE_FIRST_JS)
    assert "return false" in browser.IDLE_FIRST_JS and "notRunning" in browser.IDLE_FIRST_JS
    assert predicate.index(browser.IDLE_FIRST_JS) < predicate.index("checkVisibility")


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
            ("fiche_first_screen", 800.0, 1000.0),
            ("section_open", 250.0, 300.0),
            ("slider", 120.0, 140.0),
            ("slider_sections_open", 200.0, 400.0),
            ("fiche_load", 900.0, 1200.0),
            ("floor_load", 300.0, 400.0),
            ("floor_slider", 80.0, 100.0),
        )
        for key, value in (("p50_ms", p50), ("p95_ms", p95), ("samples", 15))
    },
    "fiche_first_screen_target_ms": 1500.0,
    "slider_target_ms": 300.0,
    "sections": {
        "flux-export": {"charts": 3, "p50_ms": 280.0, "p95_ms": 350.0, "samples": 15},
        "contexte": {"charts": 0, "p50_ms": 90.0, "p95_ms": 110.0, "samples": 15},
    },
    "pages": {
        "carte": {"url": "/?annee=2024", "p50_ms": 700.0, "p95_ms": 800.0, "samples": 15},
        "donnees": {
            "url": "/donnees?niveau=departement",
            "p50_ms": 400.0,
            "p95_ms": 500.0,
            "samples": 15,
        },
    },
}


def _with_verdicts(found: dict[str, Any]) -> dict[str, Any]:
    found = {**found, **browser.floor_ratios(found)}
    found["pages"] = {name: dict(stats) for name, stats in found["pages"].items()}
    browser.page_ratios(found["pages"], found["floor_load_p95_ms"])
    return {**found, "targets": browser.targets(found)}


def test_floor_ratios_are_the_p95s_over_the_floors() -> None:
    assert browser.floor_ratios(BROWSER_FOUND) == {
        "fiche_first_screen_to_floor": 2.5,
        "section_open_to_floor_slider": 3.0,
        "slider_to_floor": 1.4,
        "slider_sections_open_to_floor": 4.0,
        "fiche_load_to_floor": 3.0,
    }
    missing = {k: v for k, v in BROWSER_FOUND.items() if not k.startswith("floor_slider")}
    ratios = browser.floor_ratios(missing)
    assert ratios["slider_to_floor"] is None and ratios["section_open_to_floor_slider"] is None


def test_targets_are_judged_on_the_ratios_to_the_floor() -> None:
    found = _with_verdicts(BROWSER_FOUND)
    assert found["pages"]["carte"]["to_floor"] == 2.0
    assert found["pages"]["donnees"]["to_floor"] == 1.25
    judged = found["targets"]
    assert judged["fiche_first_screen_to_floor"] == {"value": 2.5, "bound": 1.3, "met": False}
    assert judged["section_open_to_floor_slider"] == {"value": 3.0, "bound": 3.0, "met": True}
    assert judged["slider_to_floor"] == {"value": 1.4, "bound": 1.5, "met": True}
    assert judged["slider_sections_open_to_floor"]["met"] is False
    assert judged["page_carte_to_floor"] == {"value": 2.0, "bound": 1.3, "met": False}
    assert judged["page_donnees_to_floor"]["met"] is True
    assert "fiche_load_to_floor" not in judged  # the measure before the issue: no target
    # a figure missing: not measured, neither met nor missed
    unmeasured = browser.targets({"slider_to_floor": None})
    assert unmeasured["slider_to_floor"]["met"] is None
    assert report.ratio_verdict(None, 1.5) == "not measured"
    assert report.ratio_verdict(1.5, 1.5) == "met"
    assert report.ratio_verdict(2.04, 1.5) == "**missed** (×2.04 > ×1.5)"


def test_summary_names_the_targets_missed() -> None:
    line = browser.summary(_with_verdicts(BROWSER_FOUND))
    assert "fiche_first_screen p50 800 ms, p95 1000 ms" in line
    assert "section_open_to_floor_slider ×3.0" in line
    assert "targets met 3/6" in line
    assert (
        "missed: fiche_first_screen_to_floor, slider_sections_open_to_floor, page_carte_to_floor"
        in line
    )


def test_report_gives_the_measures_sections_targets_and_pages() -> None:
    lines = report._browser_table({"browser": _with_verdicts(BROWSER_FOUND)})
    text = "\n".join(lines)
    assert "| floor load: title, 4 metrics and bar chart drawn | 300 | 400 | — | — |" in lines
    assert (
        "| fiche first screen: shared link opened → title, key figures and partners chart drawn "
        "| 800 | 1000 | ≤ 1500 ms | met |" in lines
    )
    assert (
        "top-N slider moved, sections closed → partners chart redrawn | 120 | 140 | ≤ 300" in text
    )
    assert "fiche load, every section open (`&section=…`)" in text
    assert "fiche first screen / floor load **×2.5**" in text
    assert "section opened / floor slider **×3.0**" in text
    assert "| Flux à l'export (`flux-export`) | 3 | 280 | 350 | ×3.50 |" in lines
    assert "| Contexte, méthodologie… (`contexte`) | 0 | 90.0 | 110 | ×1.10 |" in lines
    assert "| fiche first screen / floor load | ×2.50 | ≤ ×1.3 | **missed** (×2.50 > ×1.3) |" in (
        lines
    )
    assert "| section opened / floor slider | ×3.00 | ≤ ×3 | met |" in lines
    assert "| Carte first screen / floor load | ×2.00 | ≤ ×1.3 | **missed** (×2.00 > ×1.3) |" in (
        lines
    )
    assert "Targets met: 3 of 6." in lines
    assert "| Carte | `/?annee=2024` | 700 | 800 | ×2.00 |" in lines
    assert "| Données | `/donnees?niveau=departement` | 400 | 500 | ×1.25 |" in lines


def test_report_of_a_run_before_the_floor_has_neither_floor_nor_pages() -> None:
    old = {
        "url": BROWSER_FOUND["url"], "charts": 10, "fiche_load_target_ms": 1500.0,
        **{k: v for k, v in BROWSER_FOUND.items() if k.startswith(("fiche_load", "slider_"))
           and not k.startswith("slider_sections")},
    }  # fmt: skip
    text = "\n".join(report._browser_table({"browser": old}))
    assert "fiche load: shared URL opened → last chart drawn | 900 | 1200 | ≤ 1500 ms | met" in text
    assert "top-N slider moved → Sankeys redrawn" in text
    assert "floor" not in text and "Ratios" not in text and "First screen" not in text
    assert "Targets of issue 18" not in text and "Each section" not in text


def test_the_views_are_timed_as_queries_never_as_cache_hits(smoke: dict[str, Any]) -> None:
    """Inside dataset_env the cross-session cache keeps nothing: each repetition of a view runs
    its queries (lib/data/cache.py would otherwise answer every repetition after the first)."""
    from lib.core.territory import Territory
    from lib.data import cache, queries

    manifest = store.read_manifest(smoke["data_dir"])
    year = manifest.years[-1]
    with run.dataset_env(smoke["data_dir"]):
        for _ in range(3):
            queries.kpis(Territory("dept", "53"), year)
        stats = cache.shared().stats()
        assert stats.hits == 0 and stats.entries == 0
    cache.reset()


def test_the_donnees_csv_route_is_measured_and_reported(smoke: dict[str, Any]) -> None:
    found = smoke["results"]["csv_route"]
    manifest = store.read_manifest(smoke["data_dir"])
    assert manifest is not None
    latest = max(manifest.years)
    (path,) = smoke["data_dir"].glob(f"v-*/year={latest}/data.parquet")
    assert found["france_year"] == latest
    assert found["france_year_rows"] == len(pd.read_parquet(path, columns=["value_eur"]))
    assert found["samples"] == run.SMOKE["csv_samples"]
    text = smoke["doc"].read_text(encoding="utf-8")
    assert "The Données CSV as a person downloads it" in text
    assert f"Whole France × {latest}" in text


def test_a_browser_run_is_written_where_it_is_asked(tmp_path: Path, monkeypatch) -> None:
    """Merged into the bench's results when they exist; a file of its own otherwise."""
    found = {"fiche_first_screen_p95_ms": 1.0}
    monkeypatch.setattr(browser, "measure", lambda data_dir, samples: found)
    monkeypatch.setattr(browser, "summary", lambda results: "")
    alone = tmp_path / "aside" / "browser.json"
    assert browser.main(["--results", str(alone)]) == 0
    assert json.loads(alone.read_text(encoding="utf-8")) == {"browser": found}
    merged = tmp_path / "latest.json"
    merged.write_text(json.dumps({"views": {}, "browser": {"old": 1}}), encoding="utf-8")
    assert browser.main(["--results", str(merged)]) == 0
    assert json.loads(merged.read_text(encoding="utf-8")) == {"views": {}, "browser": found}
