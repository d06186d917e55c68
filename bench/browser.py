"""What a person waits for in a real browser: a shared fiche URL, then a move of its slider.

    python -m bench.browser [--data-dir DIR] [--samples N] [--results JSON] [--doc MD]

One `streamlit run serve.py` (bench.cluster, from a snapshot of the app) over the dataset, and
Debian's Chromium driven by Playwright (sync API) on 127.0.0.1:

- **fiche load**: time from `page.goto` of the fiche URL of a département with both flows
  (`/fiche?niveau=departement&code=53&annee=<latest>&top=10&flux=tous`) to the last chart
  drawn: every expected Plotly chart is in the page with its SVG and its traces (the Sankeys
  with their nodes) and the script has finished (`stApp`'s `data-test-script-state` is
  `notRunning`). Each sample opens a fresh browser context (empty cache, new session) against
  the same server.
- **slider**: on one loaded fiche, one key press on the top-N slider (`[role=slider]`,
  alternately ← and →: 10 ↔ 9) until the run it starts has finished (`data-test-script-state`
  seen leaving `notRunning`, then back), every chart is drawn and the stale charts of the
  previous run are gone (as many charts as expected): Streamlit draws a changed chart as a new
  element and removes the old one at the end of the run. The Sankeys that changed (a new
  element or other node counts) are counted: all six on the benchmark and demo datasets.

- **fiche first screen**: from the same `page.goto` as the fiche load, the time until the title,
  the key figures (four `st.metric`) and the partners chart are drawn and the script has
  finished (issue 18). Today's fiche runs in one script run: its first screen waits for the end
  of the run, and only the drawing of the other charts is spared.
- **floor** (issue 18): a minimal app, bench/floor/ (a title, four metrics, one Plotly bar chart
  of 10 bars and a slider that changes them), served the same way (`streamlit run
  bench/floor/serve.py`, the app's middleware and .streamlit/config.toml, from the same
  snapshot) by a second process during the same run: `floor_load` (goto → title, metrics and
  chart drawn, script idle) and `floor_slider` (one step of its slider → the chart drawn with
  the new values, script idle). The fiche's samples and the floor's alternate, so that what
  slows the machine down slows both; `fiche_load_to_floor`, `fiche_first_screen_to_floor` and
  `slider_to_floor` (p95 over p95) are the figures that compare between machines.
- **pages**: the first screen of Carte, Exposition, Évolution, Produit, Pays, Comparer (two
  départements) and Données at their shared links (`page_urls`), each in a fresh context: goto →
  the page's title drawn and the script idle.

One untimed warm-up of each, then `samples` of each: p50 and p95. Run by bench.run (skipped with
--no-browser); alone, the figures are merged into an existing results file under `browser`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from bench import cluster, generate, report
from lib import store, urlstate
from lib.domain import ComparisonState, DataFilter, FicheState, MapState, ProductState
from lib.territory import FRANCE, Territory, parse_territory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Debian's Chromium as the e2e tests launch it (tests/e2e/conftest.py): no sandbox (root in a
# container), no GPU, no call to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
VIEWPORT = {"width": 1440, "height": 1000}
TERRITORY = ("dept", "53")  # a département fiche: its Sankeys, its région's and France's
SAMPLES = 15
FICHE_LOAD_TARGET_MS = 1500.0
SLIDER_TARGET_MS = 300.0
TIMEOUT_MS = 60_000

# The visible charts of the page (a chart may exist in two layouts, one hidden by CSS at this
# width): how many, how many drawn (SVG and traces), the node counts of the Sankeys and which of
# them were marked before a slider move (MARK_JS); whether the script has finished (stApp's
# data-test-script-state).
PAGE_STATE_JS = """() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
                     .filter(p => p.checkVisibility());
  const drawn = plots.filter(p => p.querySelector('.main-svg')
                                  && p.querySelector('.trace, .sankey-node'));
  const sankeys = plots.filter(p => p.querySelector('.sankey'));
  const app = document.querySelector('[data-testid="stApp"]');
  return {plots: plots.length, drawn: drawn.length,
          nodes: sankeys.map(p => p.querySelectorAll('.sankey-node').length),
          marked: sankeys.map(p => p.dataset.benchBefore === '1'),
          idle: app !== null && app.dataset.testScriptState === 'notRunning'};
}"""
# Before a slider move: mark the charts, and record in window.benchRan when a script run starts.
MARK_JS = f"""() => {{
  const app = document.querySelector('[data-testid="stApp"]');
  window.benchRan = false;
  new MutationObserver((_, observer) => {{
    if (app.dataset.testScriptState !== 'notRunning') {{
      window.benchRan = true;
      observer.disconnect();
    }}
  }}).observe(app, {{attributes: true, attributeFilter: ['data-test-script-state']}});
  document.querySelectorAll('.js-plotly-plot').forEach(p => {{ p.dataset.benchBefore = '1'; }});
  return ({PAGE_STATE_JS})().nodes;
}}"""
LOADED_JS = f"""([charts, sankeys]) => {{
  const s = ({PAGE_STATE_JS})();
  const ready = s.idle && s.plots === charts && s.drawn === charts
                && s.nodes.filter(n => n > 0).length === sankeys;
  return ready ? s : false;
}}"""
# A run has started since the press and finished, its charts are drawn and the stale charts of
# the previous run are gone; `redrawn`: the Sankeys that changed (a new chart or other nodes).
REDRAWN_JS = f"""([charts, before]) => {{
  const s = ({PAGE_STATE_JS})();
  const ready = window.benchRan && s.idle && s.plots === charts && s.drawn === charts
                && s.nodes.length === before.length;
  const redrawn = s.nodes.filter((n, i) => !s.marked[i] || n !== before[i]).length;
  return ready ? {{...s, redrawn: redrawn}} : false;
}}"""


# The fiche's first screen (issue 18): its title, its four key figures and its partners chart
# (pages/fiche.py: components.chart_with_data keyed "partners", in one layout or two) drawn.
FIRST_SCREEN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const visible = (selector) => Array.from(document.querySelectorAll(selector))
                                     .filter(e => e.checkVisibility());
  const title = visible('[data-testid="stMain"] h1').filter(h => h.textContent.trim()).length;
  const metrics = visible('[data-testid="stMetric"]').length;
  const partners = visible('.st-key-chart-partners .js-plotly-plot, '
                           + '.st-key-charts-partners .js-plotly-plot')
    .filter(p => p.querySelector('.main-svg') && p.querySelector('.trace')).length;
  const idle = app !== null && app.dataset.testScriptState === 'notRunning';
  return idle && title > 0 && metrics >= 4 && partners > 0;
}"""
# Any page's first screen: its title drawn, the script finished; `errors`: exception boxes.
TITLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const titles = Array.from(document.querySelectorAll('[data-testid="stMain"] h1'))
                      .filter(h => h.checkVisibility() && h.textContent.trim());
  const idle = app !== null && app.dataset.testScriptState === 'notRunning';
  const errors = document.querySelectorAll('[data-testid="stException"]').length;
  return idle && titles.length > 0 ? {title: titles[0].textContent.trim(), errors: errors}
                                   : false;
}"""
# The floor (bench/floor/floor_app.py): title, metrics, its one chart drawn with its bars (the
# values, read from the chart's own data, tell a redraw after a slider move).
FLOOR_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
                     .filter(p => p.checkVisibility());
  const drawn = plots.filter(p => p.querySelector('.main-svg')
                                  && p.querySelectorAll('.trace.bars .point').length > 0);
  return {title: document.querySelectorAll('[data-testid="stMain"] h1').length,
          metrics: document.querySelectorAll('[data-testid="stMetric"]').length,
          plots: plots.length, drawn: drawn.length,
          bars: drawn.length ? drawn[0].querySelectorAll('.trace.bars .point').length : 0,
          values: drawn.length && drawn[0].data ? JSON.stringify(drawn[0].data[0].y) : null,
          idle: app !== null && app.dataset.testScriptState === 'notRunning'};
}"""
FLOOR_LOADED_JS = f"""() => {{
  const s = ({FLOOR_STATE_JS})();
  return s.idle && s.title === 1 && s.metrics === 4 && s.plots === 1 && s.drawn === 1 ? s : false;
}}"""
FLOOR_MARK_JS = f"""() => {{
  const app = document.querySelector('[data-testid="stApp"]');
  window.benchRan = false;
  new MutationObserver((_, observer) => {{
    if (app.dataset.testScriptState !== 'notRunning') {{
      window.benchRan = true;
      observer.disconnect();
    }}
  }}).observe(app, {{attributes: true, attributeFilter: ['data-test-script-state']}});
  return ({FLOOR_STATE_JS})().values;
}}"""
# Other values can only come from the run the move started. Its start is not required: a run
# this short may end before the browser renders the "running" state at all (seen: the move's
# values drawn, `benchRan` still false); `ran` says whether it was seen.
FLOOR_REDRAWN_JS = f"""(before) => {{
  const s = ({FLOOR_STATE_JS})();
  const ready = s.idle && s.plots === 1 && s.drawn === 1
                && s.values !== null && s.values !== before;
  return ready ? {{...s, ran: window.benchRan}} : false;
}}"""
FLOOR_BARS = 10  # bench/floor/floor_app.py's BARS
PRODUCT = "C21Z"  # pharmaceutical products: the Produit page's own example (lib/urlstate.py)
COUNTRY = "US"
COMPARED = ("53", "35")  # Mayenne and Ille-et-Vilaine


def page_urls(territory: Territory, years: list[int]) -> dict[str, str]:
    """The shared link of each page (by its key in `pages`, named in report.PAGE_NAMES), as
    the pages write them: `territory` (a département) on the latest year, its previous year
    too where a page takes a period."""
    year = max(years)
    first = max([y for y in years if y < year], default=year)
    return {
        "carte": "/?" + urlencode(urlstate.params_of(MapState(year, selected=territory.code))),
        "exposition": urlstate.exposition_url(urlstate.default_exposition(territory, year)),
        "evolution": urlstate.evolution_url(urlstate.default_evolution(territory, years)),
        "produit": urlstate.product_url(ProductState(PRODUCT, year, territory=territory)),
        "pays": urlstate.country_url(COUNTRY, year),
        "comparer": urlstate.COMPARER_PATH
        + "?"
        + urlencode(urlstate.params_of(ComparisonState("dept", COMPARED, year))),
        "donnees": "/donnees?" + urlencode(urlstate.params_of(DataFilter(territory, first, year))),
    }


def expected_charts(state: FicheState) -> tuple[int, int]:
    """(Plotly charts, of which Sankeys) of a fiche: the specialisations (not for France, the
    reference of the index), partners, the world map of partners, products, and for each flow
    shown the territory's Sankey, then its région's and France's when they differ from it."""
    territory = state.territory
    others = {t for t in (territory.region, FRANCE) if t is not None and t != territory}
    sankeys = len(state.shown_flows) * (1 + len(others))
    specialisations = 0 if territory.level == "france" else 1  # pages/fiche_situation.py
    return specialisations + 3 + sankeys, sankeys


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return 1000 * (time.perf_counter() - start), result


class Session:
    """Chromium on one server: fresh contexts for page loads, one page kept for the slider.

    `loaded` is the JS predicate of a loaded page (with its `loaded_arg`), after `first` (with
    no argument) when the first screen is timed too; `mark` and `redrawn` those of a slider
    move: `mark` returns what `redrawn` receives as its argument's last item (the state before
    the move), after `redrawn_arg`'s items when it is a list."""

    def __init__(
        self,
        browser: Any,
        url: str,
        loaded: str,
        loaded_arg: Any = None,
        *,
        first: str | None = None,
        mark: str = MARK_JS,
        redrawn: str = REDRAWN_JS,
        redrawn_arg: list[Any] | None = None,
    ):
        self.browser = browser
        self.url = url
        self.loaded, self.loaded_arg, self.first = loaded, loaded_arg, first
        self.mark, self.redrawn, self.redrawn_arg = mark, redrawn, redrawn_arg
        self.page: Any = None
        self.last_state: dict[str, Any] = {}
        self.first_ms: float | None = None  # the first screen of the last load, with `first`

    def load(self) -> float:
        """Milliseconds from `page.goto` to `loaded`, in a fresh context (and, with `first`,
        from the same goto to the first screen: `first_ms`)."""
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        start = time.perf_counter()
        self.page.goto(self.url, wait_until="commit")
        if self.first is not None:
            self.page.wait_for_function(self.first, polling="raf")
            self.first_ms = 1000 * (time.perf_counter() - start)
        handle = self.page.wait_for_function(self.loaded, arg=self.loaded_arg, polling="raf")
        ms = 1000 * (time.perf_counter() - start)
        self.last_state = handle.json_value()
        return ms

    def slide(self, key: str) -> float:
        """Milliseconds from a key press on the page's slider to `redrawn`."""
        # The fiche's and the floor's pages alternate: the other one, opened since, is in front,
        # and a page behind it gets no animation frame (Plotly draws on them, `raf` polls).
        self.page.bring_to_front()
        before = self.page.evaluate(self.mark)
        arg = before if self.redrawn_arg is None else [*self.redrawn_arg, before]
        self.page.get_by_role("slider").focus()

        def press_and_wait() -> Any:
            self.page.keyboard.press(key)
            return self.page.wait_for_function(self.redrawn, arg=arg, polling="raf")

        ms, handle = _timed(press_and_wait)
        self.last_state = handle.json_value()
        return ms

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()
            self.page = None


def fiche_session(browser: Any, base_url: str, path: str, expected: tuple[int, int]) -> Session:
    charts, sankeys = expected
    return Session(
        browser, base_url + path, LOADED_JS, [charts, sankeys], first=FIRST_SCREEN_JS,
        redrawn_arg=[charts],
    )  # fmt: skip


def floor_session(browser: Any, base_url: str) -> Session:
    return Session(
        browser, base_url + "/", FLOOR_LOADED_JS, mark=FLOOR_MARK_JS, redrawn=FLOOR_REDRAWN_JS
    )


def _stats(name: str, values: list[float], target: float | None = None) -> dict[str, Any]:
    found = {
        f"{name}_p50_ms": round(_percentile(values, 50), 1),
        f"{name}_p95_ms": round(_percentile(values, 95), 1),
        f"{name}_samples": len(values),
        f"{name}_runs_ms": [round(v, 1) for v in values],
    }
    if target is not None:
        found[f"{name}_target_ms"] = target
    return found


RATIOS = {  # key in `browser` → (numerator, denominator): p95 over p95
    "fiche_load_to_floor": ("fiche_load", "floor_load"),
    "fiche_first_screen_to_floor": ("fiche_first_screen", "floor_load"),
    "slider_to_floor": ("slider", "floor_slider"),
}


def floor_ratios(found: dict[str, Any]) -> dict[str, float | None]:
    """The fiche's p95s over the floor's (RATIOS), None when a figure is missing or zero."""
    ratios: dict[str, float | None] = {}
    for key, (top, bottom) in RATIOS.items():
        num, den = found.get(f"{top}_p95_ms"), found.get(f"{bottom}_p95_ms")
        ratios[key] = round(num / den, 2) if num and den else None
    return ratios


def _log_runs(log: Callable[[str], None], name: str, values: list[float]) -> None:
    log(f"browser: {name} {', '.join(f'{ms:.0f}' for ms in values)} ms")


def _sample(
    fiche: Session, floor: Session, samples: int, log: Callable[[str], None]
) -> dict[str, Any]:
    # Warm-up: the servers' first runs, Chromium's first start.
    for session in (fiche, floor):
        session.load()
        session.slide("ArrowLeft")
    # Alternated, so that whatever slows the machine down meanwhile weighs on both sides.
    loads, firsts, floor_loads = [], [], []
    for _ in range(samples):
        loads.append(fiche.load())
        firsts.append(fiche.first_ms)
        floor_loads.append(floor.load())
    for name, values in (("fiche load", loads), ("fiche first screen", firsts)):
        _log_runs(log, name, values)
    _log_runs(log, "floor load", floor_loads)
    loaded = fiche.last_state
    keys = ["ArrowLeft", "ArrowRight"] * samples  # the pages are at 10: 9, 10, 9, …
    slides, redrawn, floor_slides = [], [], []
    for key in keys[:samples]:
        slides.append(fiche.slide(key))
        redrawn.append(fiche.last_state["redrawn"])
        floor_slides.append(floor.slide(key))
    _log_runs(log, "slider", slides)
    _log_runs(log, "floor slider", floor_slides)
    if floor.last_state["bars"] != FLOOR_BARS:
        raise RuntimeError(f"the floor's chart has {floor.last_state['bars']} bars")
    found = {
        **_stats("fiche_load", loads, FICHE_LOAD_TARGET_MS),
        **_stats("slider", slides, SLIDER_TARGET_MS),
        **_stats("fiche_first_screen", firsts),
        **_stats("floor_load", floor_loads),
        **_stats("floor_slider", floor_slides),
        "charts": loaded["drawn"],
        "sankeys": sum(1 for n in loaded["nodes"] if n > 0),
        "sankey_nodes": loaded["nodes"],
        "sankey_nodes_after_slider": fiche.last_state["nodes"],
        "sankeys_redrawn_by_slider": min(redrawn),  # the fewest of any move
    }
    return {**found, **floor_ratios(found)}


def _pages(
    browser: Any, base_url: str, urls: dict[str, str], samples: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """First screen of each page: goto → title drawn, script idle; fresh context each time."""
    found = {}
    for name, path in urls.items():
        session = Session(browser, base_url + path, TITLE_JS)
        try:
            session.load()  # warm-up: the page's first run on this server
            runs = [session.load() for _ in range(samples)]
            if session.last_state["errors"]:
                raise RuntimeError(f"{path}: the page shows an exception")
        finally:
            session.close()
        _log_runs(log, f"page {name}", runs)
        found[name] = {
            "url": path,
            "title": session.last_state["title"],
            **{
                key.removeprefix("first_screen_"): v
                for key, v in _stats("first_screen", runs).items()
            },
        }
    return found


def measure(
    data_dir: Path | str,
    samples: int = SAMPLES,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The browser timings over the dataset of `data_dir` (a local dataset folder)."""
    from playwright.sync_api import sync_playwright

    manifest = store.read_manifest(Path(data_dir))
    if manifest is None:
        raise FileNotFoundError(f"no dataset in {data_dir}")
    territory = parse_territory(*TERRITORY)
    state = FicheState(territory, max(manifest.years))  # both flows, top 10
    path = urlstate.fiche_url(state)  # the shared link, as the pages write it
    expected = expected_charts(state)
    urls = page_urls(territory, sorted(manifest.years))
    with tempfile.TemporaryDirectory(prefix="comext-browser-") as tmp:
        app_dir = cluster.snapshot(Path(tmp) / "app")  # the tree may change during the run
        with (
            cluster.running(data_dir, 1, proxy=False, app_dir=app_dir) as server,
            # The floor from the same copy, with the same options: only the script differs.
            cluster.running(
                data_dir, 1, proxy=False, app_dir=app_dir, script=cluster.FLOOR_SCRIPT
            ) as floor_server,
            sync_playwright() as playwright,
        ):
            log(f"browser: {path} on {server.url}, the floor on {floor_server.url}, {samples} each")
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            fiche = fiche_session(browser, server.url, path, expected)
            floor = floor_session(browser, floor_server.url)
            try:
                results = _sample(fiche, floor, samples, log)
                fiche.close()  # its page would keep its session (and its memory) meanwhile
                results["pages"] = _pages(browser, server.url, urls, samples, log)
            except Exception as exc:  # a timeout says little: what the page and the app showed
                shown = {
                    "fiche": fiche.page.evaluate(PAGE_STATE_JS) if fiche.page else None,
                    "floor": floor.page.evaluate(FLOOR_STATE_JS) if floor.page else None,
                }
                problems = "\n".join(server.log_problems() + floor_server.log_problems())
                raise RuntimeError(f"{exc}\npages: {shown}\napp log: {problems}") from exc
            finally:
                fiche.close()
                floor.close()
                browser.close()
            problems = server.log_problems() + floor_server.log_problems()
    if problems:
        raise RuntimeError("the app failed during the browser benchmark:\n" + problems[0])
    return {"url": path, "expected_charts": expected[0], **results}


SUMMARY_MEASURES = ("fiche_load", "fiche_first_screen", "slider", "floor_load", "floor_slider")


def summary(results: dict[str, Any]) -> str:
    """One line: p50/p95 of each measure, the ratios to the floor."""
    measures = [
        f"{name} p50 {results[f'{name}_p50_ms']:.0f} ms, p95 {results[f'{name}_p95_ms']:.0f} ms"
        for name in SUMMARY_MEASURES
        if f"{name}_p95_ms" in results
    ]
    ratios = [f"{key} ×{results[key]}" for key in RATIOS if results.get(key) is not None]
    return "; ".join(measures + ratios)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__)
    parser.add_argument("--data-dir", default=str(generate.DEFAULT_OUT))
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--results", default=str(report.DEFAULT_RESULTS), help="merged into")
    parser.add_argument("--doc", help="Markdown file whose results table is refreshed")
    args = parser.parse_args(argv)
    found = measure(args.data_dir, max(2, args.samples))
    print(summary(found))
    path = Path(args.results)
    if path.exists():
        results = json.loads(path.read_text(encoding="utf-8"))
        results["browser"] = found
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        if args.doc:
            report.update_doc(Path(args.doc), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
