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

import numpy as np

from bench import cluster, generate, report
from lib import store, urlstate
from lib.domain import FicheState
from lib.territory import FRANCE, parse_territory

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
    """Chromium on one server: fresh contexts for page loads, one page kept for the slider."""

    def __init__(self, browser: Any, base_url: str, path: str, expected: tuple[int, int]):
        self.browser = browser
        self.url = base_url + path
        self.charts, self.sankeys = expected
        self.page: Any = None
        self.last_state: dict[str, Any] = {}

    def load(self) -> float:
        """Milliseconds from `page.goto` to the last chart drawn, in a fresh context."""
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)

        def open_and_wait() -> Any:
            self.page.goto(self.url, wait_until="commit")
            return self.page.wait_for_function(
                LOADED_JS, arg=[self.charts, self.sankeys], polling="raf"
            )

        ms, handle = _timed(open_and_wait)
        self.last_state = handle.json_value()
        return ms

    def slide(self, key: str) -> float:
        """Milliseconds from a key press on the top-N slider to every Sankey redrawn."""
        before = self.page.evaluate(MARK_JS)
        self.page.get_by_role("slider").focus()

        def press_and_wait() -> Any:
            self.page.keyboard.press(key)
            return self.page.wait_for_function(REDRAWN_JS, arg=[self.charts, before], polling="raf")

        ms, handle = _timed(press_and_wait)
        self.last_state = handle.json_value()
        return ms

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()


def _stats(name: str, values: list[float], target: float) -> dict[str, Any]:
    return {
        f"{name}_p50_ms": round(_percentile(values, 50), 1),
        f"{name}_p95_ms": round(_percentile(values, 95), 1),
        f"{name}_samples": len(values),
        f"{name}_target_ms": target,
        f"{name}_runs_ms": [round(v, 1) for v in values],
    }


def _sample(session: Session, samples: int, log: Callable[[str], None]) -> dict[str, Any]:
    session.load()  # warm-up: the server's first run, Chromium's first start
    session.slide("ArrowLeft")
    loads = [session.load() for _ in range(samples)]
    log(f"browser: fiche load {', '.join(f'{ms:.0f}' for ms in loads)} ms")
    loaded = session.last_state
    keys = ["ArrowLeft", "ArrowRight"] * samples  # the page is at top 10: 9, 10, 9, …
    slides, redrawn = [], []
    for key in keys[:samples]:
        slides.append(session.slide(key))
        redrawn.append(session.last_state["redrawn"])
    log(f"browser: slider {', '.join(f'{ms:.0f}' for ms in slides)} ms")
    return {
        **_stats("fiche_load", loads, FICHE_LOAD_TARGET_MS),
        **_stats("slider", slides, SLIDER_TARGET_MS),
        "charts": loaded["drawn"],
        "sankeys": sum(1 for n in loaded["nodes"] if n > 0),
        "sankey_nodes": loaded["nodes"],
        "sankey_nodes_after_slider": session.last_state["nodes"],
        "sankeys_redrawn_by_slider": min(redrawn),  # the fewest of any move
    }


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
    state = FicheState(parse_territory(*TERRITORY), max(manifest.years))  # both flows, top 10
    path = urlstate.fiche_url(state)  # the shared link, as the pages write it
    expected = expected_charts(state)
    with tempfile.TemporaryDirectory(prefix="comext-browser-") as tmp:
        app_dir = cluster.snapshot(Path(tmp) / "app")  # the tree may change during the run
        with (
            cluster.running(data_dir, 1, proxy=False, app_dir=app_dir) as server,
            sync_playwright() as playwright,
        ):
            log(f"browser: {path} on {server.url}, {samples} samples each")
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            session = Session(browser, server.url, path, expected)
            try:
                results = _sample(session, samples, log)
            except Exception as exc:  # a timeout says little: what the page and the app showed
                state = session.page.evaluate(PAGE_STATE_JS) if session.page else None
                problems = "\n".join(server.log_problems())
                raise RuntimeError(f"{exc}\npage: {state}\napp log: {problems}") from exc
            finally:
                session.close()
                browser.close()
            problems = server.log_problems()
    if problems:
        raise RuntimeError("the app failed during the browser benchmark:\n" + problems[0])
    return {"url": path, "expected_charts": expected[0], **results}


def summary(results: dict[str, Any]) -> str:
    """One line: p50/p95 of each measure."""
    return "; ".join(
        f"{name} p50 {results[f'{name}_p50_ms']:.0f} ms, p95 {results[f'{name}_p95_ms']:.0f} ms"
        for name in ("fiche_load", "slider")
    )


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
