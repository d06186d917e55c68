"""What a person waits for in a real browser: a shared fiche, its sections, its slider.

    python -m bench.browser [--data-dir DIR] [--samples N] [--results JSON] [--doc MD]

One `streamlit run serve.py` (bench.cluster, from a snapshot of the app) over the dataset, and
Debian's Chromium driven by Playwright (sync API) on 127.0.0.1. The fiche is that of a
département with both flows (`/fiche?niveau=departement&code=53&annee=<latest>&top=10&
flux=tous`), whose first screen is its title, controls, document buttons, introduction, key
figures and partners chart, and whose six other sections (lib/core/sections.FICHE) are expanders
computed only when opened (issue 18). Each session below has a Chromium of its own (its page
always in front: no repaint of a page brought back to the front inside a measure), and each
load opens a fresh browser context in it (empty cache, new session) against the same server.
« Script idle »: `stApp`'s `data-test-script-state` is `notRunning`. « Drawn »: a visible
chart (`checkVisibility`: a chart with two looks, wide and narrow, is sent in the one its
width takes when the window's width is known, .streamlit/width.js; else in both, CSS showing
one) has its SVG and its traces (a Sankey its nodes) when plotly.js draws it; an HTML chart
(lib/charts/kit.HtmlChart: the partners chart, the Sankeys) is drawn once it is in the page.

- **fiche first screen** (`fiche_first_screen`): `page.goto` of the fiche's shared link (every
  section closed) → its title, its four key figures (`st.metric`) and its partners chart drawn,
  script idle.
- **section open** (`section_open`): on that loaded fiche, a click on the title of each closed
  section in turn, in the page's order (situer, monde, activites, flux-export, flux-import,
  contexte; before each click, untimed, the previous section's expander has finished its
  opening animation and the title stands still: SETTLED_JS) → that section open with its
  charts drawn (as many visible charts as
  `section_charts` expects, its Sankeys with their nodes; « contexte » has no chart: its text
  drawn), script idle. Every section is opened in every sample, so nothing is hidden from the
  measure: the samples are pooled (`section_open_*`), and each section has its own p50/p95
  (`sections`).
- **fiche load** (`fiche_load`, the measure before issue 18, comparable to the past): goto of
  the same link with every section open (`&section=situer,monde,activites,flux-export,
  flux-import,contexte`) → every chart of the fiche drawn (`expected_charts`: 10 here), script
  idle.
- **slider** (`slider`): on a fiche loaded with its sections closed, one key press on the top-N
  slider (`[role=slider]`, alternately ← and →: 10 ↔ 9) → every visible chart the step changes
  redrawn (its data, as Plotly holds it, differs from before the press: the partners chart,
  with the new number of bars, read from its data and checked against the slider's value) and
  the script idle.
- **slider, a section open** (`slider_sections_open`): the same with « Flux à l'export » open
  (`&section=flux-export`): the partners chart and the section's three Sankeys redrawn.
  Which charts a step changes is learnt on each fiche's warm-up step (its run's end
  awaited, then the charts compared a second later) and recorded (`slider_changed`,
  `slider_sections_open_changed`); the timed steps wait for all of them (a territory with
  fewer partners or flows than the top N has charts that do not change; with none to wait
  for, a step waits for its run's end: the server's `script_finished` message, counted in the
  page by COUNT_FINISHED_JS, and the script idle).
- **floor** (issue 18): a minimal app, bench/floor/ (a title, four metrics, one Plotly bar chart
  of 10 bars and a slider that changes them), served the same way (`streamlit run
  bench/floor/serve.py`, the app's middleware and .streamlit/config.toml, from the same
  snapshot) by a second process during the same run: `floor_load` (goto → title, metrics and
  chart drawn, script idle) and `floor_slider` (one step of its slider → the chart drawn with
  the new values, script idle). The fiche's samples and the floor's alternate, so that what
  slows the machine down slows both. The ratios (p95 over p95, `RATIOS`) are the figures that
  compare between machines; their targets (`TARGETS`, issue 18) are judged in `targets`.
- **pages**: the first screen of Carte, Exposition, Évolution, Produit, Pays, Comparer (two
  départements) and Données at their shared links (`page_urls`), each in a fresh context: goto →
  the page's title drawn and the script idle; each page's p95 over the floor's load
  (`to_floor`, target ≤ 1.3).

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
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import cluster, generate, report
from lib.core import sections
from lib.core.states import ComparisonState, DataFilter, FicheState, MapState, ProductState
from lib.core.territory import FRANCE, Territory, parse_territory
from lib.data import store
from lib.web import urlstate

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
# Absolute figures, reported beside the ratios: what the issue expects on a quiet machine.
FICHE_FIRST_SCREEN_TARGET_MS = 1500.0
SLIDER_TARGET_MS = 300.0
TIMEOUT_MS = 60_000
# The expander's key: pages/parts/on_demand.py, `<prefix>-section-…`.
SECTION_PREFIX = "fiche-section-"
SLIDER_SECTION = "flux-export"  # open during `slider_sections_open`
CONTEXT_MIN_TEXT = 200  # characters of a chartless section's text once drawn
SETTLE_S = 1.0  # after the warm-up step: time for any late chart before comparing them

# A chart's signature: its data as Plotly holds it, or as an HTML chart writes it (its
# `data-signature`: lib/charts/kit.HtmlChart) (other data, another chart).
SIGNATURE_JS = r"""(p) => {
  if (p.classList.contains('comext-chart')) return p.dataset.signature;
  const data = p.data || [];
  const sankey = data.length > 0 && data[0].type === 'sankey';
  return JSON.stringify(data.map(t => sankey
    ? [t.node && t.node.label, t.link && t.link.source, t.link && t.link.value]
    : [t.x, t.y, t.z, t.labels, t.values, t.locations]));
}"""
# Every waiting predicate's first test, before any other query of the page: the script has
# finished. Polled at each frame while a run draws, a predicate then costs one attribute read,
# not `checkVisibility` on every chart, which makes the browser compute the page's styles in
# the middle of the run: 11 ms of a fiche step's main thread (JS profile, 2026-12-06), more
# on the fiche's page than on the floor's small one. The measure slows less what it measures.
IDLE_FIRST_JS = """const app = document.querySelector('[data-testid="stApp"]');
  if (app === null || app.dataset.testScriptState !== 'notRunning') return false;"""
# A chart drawn: Plotly's SVG with its traces (a Sankey's nodes); an HTML chart (the fiche's
# partners: lib/charts/kit.HtmlChart) is drawn as soon as it is in the page.
DRAWN_JS = """(p) => p.classList.contains('comext-chart')
  || (p.querySelector('.main-svg') !== null && p.querySelector('.trace, .sankey-node') !== null)"""
# Plotly's charts and the HTML ones.
PLOTS = ".js-plotly-plot, .comext-chart"
# A Sankey's nodes, drawn by plotly.js or in HTML (lib/charts/fiche_figures.sankey_html).
NODES = ".sankey-node, .cb-sk-node"
# The visible charts of the page (a chart may be sent in two looks, one hidden by CSS at this
# width): whether each is drawn (DRAWN_JS), its key (`chart-<key>`,
# `chart-wide-<key>` or `chart-narrow-<key>`: pages/parts/components.chart_with_data), its bars (the
# number of categories of a bar chart's first trace), its node count, and its signature
# (SIGNATURE_JS); whether the script has finished.
CHARTS_JS = rf"""() => {{
  const app = document.querySelector('[data-testid="stApp"]');
  const plots = Array.from(document.querySelectorAll('{PLOTS}'))
                     .filter(p => p.checkVisibility());
  const charts = plots.map(p => {{
    const holder = p.closest('[class*="st-key-chart-"]');
    const found = holder ? holder.className.match(/st-key-chart-(?:wide-|narrow-)?([\w-]+)/)
                         : null;
    const data = p.data || [];
    const html = p.classList.contains('comext-chart');
    const sankey = html ? p.classList.contains('cb-sankey')
                        : data.length > 0 && data[0].type === 'sankey';
    const y = !sankey && !html && data.length > 0 ? data[0].y : null;
    return {{
      key: found ? found[1] : null,
      drawn: ({DRAWN_JS})(p),
      sankey: sankey,
      nodes: p.querySelectorAll('{NODES}').length,
      bars: html ? Number(p.dataset.bars) : y ? (y.length ?? Object.keys(y).length) : 0,
      sig: ({SIGNATURE_JS})(p),
    }};
  }});
  return {{charts: charts, idle: app !== null && app.dataset.testScriptState === 'notRunning'}};
}}"""
# The whole fiche (every section open): as many charts as expected, all drawn, the Sankeys
# with their nodes, the script idle.
LOADED_JS = f"""([charts, sankeys]) => {{
  {IDLE_FIRST_JS}
  const s = ({CHARTS_JS})();
  const drawn = s.charts.filter(c => c.drawn).length;
  const withNodes = s.charts.filter(c => c.sankey && c.nodes > 0).length;
  const ready = s.charts.length === charts && drawn === charts && withNodes === sankeys;
  return ready ? {{charts: s.charts.length, drawn: drawn,
                   nodes: s.charts.filter(c => c.sankey).map(c => c.nodes)}} : false;
}}"""
# Records, in window.benchRan, that a script run has started (the app's script state leaves
# `notRunning`): the start of the run the floor's slider move asked for (reported, not awaited).
WATCH_RUN_JS = """const app = document.querySelector('[data-testid="stApp"]');
  window.benchRan = false;
  new MutationObserver((_, observer) => {
    if (app.dataset.testScriptState !== 'notRunning') {
      window.benchRan = true;
      observer.disconnect();
    }
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});"""
# The field of Streamlit's ForwardMsg that ends a script run (a varint: its status).
SCRIPT_FINISHED_FIELD = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number
# Whether a ForwardMsg's bytes (a Uint8Array) end a script run: its top-level fields read in
# turn (varint, 64-bit, length-delimited, 32-bit) until `script_finished`.
FINISHES_JS = f"""(bytes) => {{
  let i = 0;
  const varint = () => {{
    let value = 0, scale = 1, byte;
    do {{ byte = bytes[i++]; value += (byte & 0x7f) * scale; scale *= 128; }}
    while ((byte & 0x80) && i < bytes.length);
    return value;
  }};
  while (i < bytes.length) {{
    const key = varint(), field = Math.floor(key / 8), wire = key % 8;
    if (field === {SCRIPT_FINISHED_FIELD} && wire === 0) return true;
    if (wire === 0) varint();
    else if (wire === 2) {{ const length = varint(); i += length; }}
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return false;
  }}
  return false;
}}"""
# Counts, in window.benchFinished, the ends of script runs the server has sent: each binary
# message of the app's websocket is a ForwardMsg, whose top-level fields are read until
# `script_finished`. Installed in every context before the app's scripts (add_init_script).
# Why not the page's script state: a run short enough (a fragment's, changing nothing) may
# start and end between two renders, and its start then never shows (seen in CI), whereas
# its end is always a message.
COUNT_FINISHED_JS = f"""(() => {{
  window.benchFinished = 0;
  const finishes = {FINISHES_JS};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {{
    constructor(...args) {{
      super(...args);
      this.addEventListener('message', (event) => {{
        if (event.data instanceof ArrayBuffer && finishes(new Uint8Array(event.data))) {{
          window.benchFinished += 1;
        }}
      }});
    }}
  }};
}})();"""
# Before a slider move: record how many runs have ended (window.benchFinishedBefore) and
# return each visible chart's signature by key (what REDRAWN_JS compares with).
MARK_JS = f"""() => {{
  window.benchFinishedBefore = window.benchFinished;
  return Object.fromEntries(({CHARTS_JS})().charts.map(c => [c.key, c.sig]));
}}"""
# The run the press started has finished: as many visible charts as before, all drawn, the
# script idle, and every chart of `changing` (keys) redrawn with other data than before the
# press (other data can only come from that run, whose start the browser may not show when it
# is short); with nothing to change, the run's end received (window.benchFinished, counted by
# COUNT_FINISHED_JS). `changed`: the keys of every chart whose data changed; `partners`: the
# partners chart's bars.
REDRAWN_JS = f"""([charts, changing, before]) => {{
  {IDLE_FIRST_JS}
  const looks = (key) => ['', 'wide-', 'narrow-']
    .map(look => `.st-key-chart-${{look}}${{key}} :is({PLOTS})`).join();
  const moved = (key) => Array.from(document.querySelectorAll(looks(key)))
    .some(p => ({SIGNATURE_JS})(p) !== before[key]);
  if (!changing.every(moved)) return false;  // cheap, before the visibility of every chart
  const s = ({CHARTS_JS})();
  const changed = s.charts.filter(c => before[c.key] !== c.sig).map(c => c.key);
  const partners = s.charts.find(c => c.key === 'partners');
  const ready = s.charts.length === charts && s.charts.every(c => c.drawn)
                && (changing.length > 0 ? changing.every(k => changed.includes(k))
                                        : window.benchFinished > window.benchFinishedBefore);
  return ready ? {{changed: changed, partners: partners ? partners.bars : 0,
                   nodes: s.charts.filter(c => c.sankey).map(c => c.nodes)}} : false;
}}"""
# What changed since `before` (MARK_JS), now: the warm-up step learns which charts a step changes.
CHANGED_JS = f"""(before) => ({CHARTS_JS})().charts
  .filter(c => before[c.key] !== c.sig).map(c => c.key)"""


# The fiche's first screen (issue 18): its title, its four key figures and its partners chart
# (pages/fiche.py: components.chart_with_data keyed "partners", in one layout or two; an HTML
# chart since 2026-12-06, a Plotly one before) drawn.
FIRST_SCREEN_JS = f"""() => {{
  {IDLE_FIRST_JS}
  const visible = (selector) => Array.from(document.querySelectorAll(selector))
                                     .filter(e => e.checkVisibility());
  const title = visible('[data-testid="stMain"] h1').filter(h => h.textContent.trim()).length;
  const metrics = visible('[data-testid="stMetric"]').length;
  const partners = visible(':is(.st-key-chart-partners, .st-key-charts-partners) '
                           + ':is({PLOTS})').filter({DRAWN_JS}).length;
  return title > 0 && metrics >= 4 && partners > 0;
}}"""
# One section (its expander keyed `fiche-section-<slug>`): open, as many visible charts as
# expected, all drawn, its Sankeys with their nodes; a section without a chart: its text drawn
# (at least `minText` characters inside the expander); the script idle. Nothing of a closed
# section is in the page, so what is found came from the run its opening started.
SECTION_JS = f"""([slug, charts, sankeys, minText]) => {{
  {IDLE_FIRST_JS}
  const box = document.querySelector('.st-key-{SECTION_PREFIX}' + slug);
  if (box === null) return false;
  const details = box.querySelector('details');
  const inside = box.querySelector('[data-testid="stExpanderDetails"]');
  const plots = Array.from(box.querySelectorAll('{PLOTS}'))
                     .filter(p => p.checkVisibility());
  const drawn = plots.filter({DRAWN_JS}).length;
  const withNodes = plots.filter(p => p.querySelector('{NODES}')).length;
  const text = inside ? inside.innerText.trim().length : 0;
  const ready = details !== null && details.open && plots.length === charts
                && drawn === charts && withNodes === sankeys
                && (charts > 0 || text >= minText);
  return ready ? {{charts: plots.length, text: text}} : false;
}}"""
# Before a click on the title of section `slug` (not timed): no animation of the sections
# running (an expander opens with a Web Animation of its height, about 0.4 s, which moves every
# title below it: a section drawn in HTML is ready before its expander has finished opening)
# and the title where it was at the previous frame. Coordinates taken earlier could be those
# of a title still moving, and the click land beside it.
SETTLED_JS = f"""(slug) => {{
  const title = document.querySelector('.st-key-{SECTION_PREFIX}' + slug + ' summary');
  const moving = document.getAnimations().some(a => a.playState === 'running' && a.effect
    && a.effect.target && a.effect.target.closest('[class*="st-key-{SECTION_PREFIX}"]'));
  if (title === null || moving) return false;
  const r = title.getBoundingClientRect();
  const box = [r.x, r.y, r.width, r.height].join();
  const same = window.benchTitleBox === box;
  window.benchTitleBox = box;
  return same;
}}"""
# The state of one section, for the message of a timeout.
SECTION_STATE_JS = f"""(slug) => {{
  const box = document.querySelector('.st-key-{SECTION_PREFIX}' + slug);
  if (box === null) return null;
  const inside = box.querySelector('[data-testid="stExpanderDetails"]');
  return {{open: box.querySelector('details')?.open,
           plots: box.querySelectorAll('{PLOTS}').length,
           text: inside ? inside.innerText.trim().length : 0}};
}}"""
# Any page's first screen: its title drawn, the script finished; `errors`: exception boxes.
TITLE_JS = f"""() => {{
  {IDLE_FIRST_JS}
  const titles = Array.from(document.querySelectorAll('[data-testid="stMain"] h1'))
                      .filter(h => h.checkVisibility() && h.textContent.trim());
  const errors = document.querySelectorAll('[data-testid="stException"]').length;
  return titles.length > 0 ? {{title: titles[0].textContent.trim(), errors: errors}}
                            : false;
}}"""
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
  {IDLE_FIRST_JS}
  const s = ({FLOOR_STATE_JS})();
  return s.title === 1 && s.metrics === 4 && s.plots === 1 && s.drawn === 1 ? s : false;
}}"""
FLOOR_MARK_JS = f"""() => {{
  {WATCH_RUN_JS}
  return ({FLOOR_STATE_JS})().values;
}}"""
# Other values can only come from the run the move started. Its start is not required: a run
# this short may end before the browser renders the "running" state at all (seen: the move's
# values drawn, `benchRan` still false); `ran` says whether it was seen.
FLOOR_REDRAWN_JS = f"""(before) => {{
  {IDLE_FIRST_JS}
  const s = ({FLOOR_STATE_JS})();
  const ready = s.plots === 1 && s.drawn === 1
                && s.values !== null && s.values !== before;
  return ready ? {{...s, ran: window.benchRan}} : false;
}}"""
FLOOR_BARS = 10  # bench/floor/floor_app.py's BARS
PRODUCT = "C21Z"  # pharmaceutical products: the Produit page's own example (lib/web/urlstate.py)
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
        "comparer": urlstate.COMPARER.path
        + "?"
        + urlencode(urlstate.params_of(ComparisonState("dept", COMPARED, year))),
        "donnees": "/donnees?" + urlencode(urlstate.params_of(DataFilter(territory, first, year))),
    }


def section_charts(state: FicheState) -> dict[str, tuple[int, int]]:
    """(visible charts, of which Sankeys) of each section of a fiche, by slug, in the
    page's order (lib/core/sections.FICHE): « situer » its specialisations (none for France, the
    reference of the index), « monde » the world map, « activites » the products, each flow
    shown (`flux-export`, `flux-import`) the territory's Sankey then its région's and France's
    when they differ from it, « contexte » none (text only)."""
    territory = state.territory
    others = {t for t in (territory.region, FRANCE) if t is not None and t != territory}
    sankeys = 1 + len(others)
    found = {
        "situer": (0 if territory.level == "france" else 1, 0),
        "monde": (1, 0),
        "activites": (1, 0),
        **{f"flux-{flow.name}": (sankeys, sankeys) for flow in state.shown_flows},
        "contexte": (0, 0),
    }
    return {slug: found[slug] for slug in sections.slugs(sections.FICHE) if slug in found}


def expected_charts(state: FicheState) -> tuple[int, int]:
    """(charts, of which Sankeys) of the whole fiche, every section open: the partners
    chart of the first screen and those of every section (section_charts)."""
    found = section_charts(state).values()
    return 1 + sum(charts for charts, _ in found), sum(sankeys for _, sankeys in found)


def all_open(state: FicheState) -> FicheState:
    """The fiche with every one of its sections open (`&section=situer,monde,…`)."""
    return replace(state, sections=tuple(section_charts(state)))


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return 1000 * (time.perf_counter() - start), result


class Session:
    """Chromium on one server: fresh contexts for page loads, one page kept for the slider and
    the sections.

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
        self.before: Any = None  # what `mark` returned before the last move

    def load(self) -> float:
        """Milliseconds from `page.goto` to `loaded`, in a fresh context (and, with `first`,
        from the same goto to the first screen: `first_ms`)."""
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        context.add_init_script(COUNT_FINISHED_JS)
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
        # Its page is the only one of its browser (measure): in front, drawing every frame.
        self.page.bring_to_front()
        self.before = self.page.evaluate(self.mark)
        arg = self.before if self.redrawn_arg is None else [*self.redrawn_arg, self.before]
        self.page.get_by_role("slider").focus()

        def press_and_wait() -> Any:
            self.page.keyboard.press(key)
            return self.page.wait_for_function(self.redrawn, arg=arg, polling="raf")

        ms, handle = _timed(press_and_wait)
        self.last_state = handle.json_value()
        return ms

    def open_section(self, slug: str, charts: int, sankeys: int) -> float:
        """Milliseconds from a click on the title of the closed section `slug` to SECTION_JS:
        its `charts` charts (`sankeys` Sankeys) drawn, or its text when it has none."""
        self.page.bring_to_front()
        title = self.page.locator(f".st-key-{SECTION_PREFIX}{slug} summary").first
        # As a reader would, before the click, not timed: the title still, then in view.
        self.page.wait_for_function(SETTLED_JS, arg=slug, polling="raf")
        title.scroll_into_view_if_needed()
        # Where to click, found before the clock starts: `locator.click` would first wait for
        # the title to be visible, stable over two frames and hit (about 40 ms here), time of
        # Playwright's, not of the app's. The click itself is then dispatched at once, as the
        # key press of a slider step is (`slide`).
        box = title.bounding_box()
        if box is None:
            raise RuntimeError(f"the title of section {slug} is not in the page")
        x, y = box["x"] + min(40, box["width"] / 2), box["y"] + box["height"] / 2
        arg = [slug, charts, sankeys, CONTEXT_MIN_TEXT]

        def click_and_wait() -> Any:
            self.page.mouse.click(x, y)
            return self.page.wait_for_function(SECTION_JS, arg=arg, polling="raf")

        ms, handle = _timed(click_and_wait)
        self.last_state = handle.json_value()
        return ms

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()
            self.page = None


def fiche_session(browser: Any, base_url: str, path: str) -> Session:
    """The fiche with its sections closed: loaded = its first screen (FIRST_SCREEN_JS)."""
    return Session(browser, base_url + path, FIRST_SCREEN_JS)


def full_fiche_session(
    browser: Any, base_url: str, path: str, expected: tuple[int, int]
) -> Session:
    """The fiche with sections open (every one: the measure before issue 18): loaded = every
    chart of the page (`expected`: charts, Sankeys) drawn."""
    return Session(browser, base_url + path, LOADED_JS, list(expected))


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
    "fiche_first_screen_to_floor": ("fiche_first_screen", "floor_load"),
    "section_open_to_floor_slider": ("section_open", "floor_slider"),
    "slider_to_floor": ("slider", "floor_slider"),
    "slider_sections_open_to_floor": ("slider_sections_open", "floor_slider"),
    "fiche_load_to_floor": ("fiche_load", "floor_load"),
}
# Issue 18's targets, ratios to the floor at most this (p95 over p95, same run); the whole
# fiche (`fiche_load_to_floor`) has none: it is the measure before the issue, kept to compare.
TARGETS = {
    "fiche_first_screen_to_floor": 1.3,
    "section_open_to_floor_slider": 3.0,
    "slider_to_floor": 1.5,
    "slider_sections_open_to_floor": 1.5,
}
PAGE_TO_FLOOR = 1.3  # every other page's first screen over the floor's load


def floor_ratios(found: dict[str, Any]) -> dict[str, float | None]:
    """The fiche's p95s over the floor's (RATIOS), None when a figure is missing or zero."""
    ratios: dict[str, float | None] = {}
    for key, (top, bottom) in RATIOS.items():
        num, den = found.get(f"{top}_p95_ms"), found.get(f"{bottom}_p95_ms")
        ratios[key] = round(num / den, 2) if num and den else None
    return ratios


def page_ratios(pages: dict[str, dict[str, Any]], floor_load_p95: float | None) -> None:
    """Each page's first screen p95 over the floor's load p95 (`to_floor`), in place."""
    for stats in pages.values():
        stats["to_floor"] = round(stats["p95_ms"] / floor_load_p95, 2) if floor_load_p95 else None


def targets(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every target of issue 18 measured in the browser: {name: {value, bound, met}}, `met`
    None when the value is missing. The ratios of TARGETS, then `page_<key>_to_floor` for each
    page of `pages` (its `to_floor`, ≤ PAGE_TO_FLOOR)."""
    found_targets: dict[str, dict[str, Any]] = {}

    def judge(name: str, value: float | None, bound: float) -> None:
        met = None if value is None else value <= bound
        found_targets[name] = {"value": value, "bound": bound, "met": met}

    for key, bound in TARGETS.items():
        judge(key, found.get(key), bound)
    for page, stats in (found.get("pages") or {}).items():
        judge(f"page_{page}_to_floor", stats.get("to_floor"), PAGE_TO_FLOOR)
    return found_targets


def _log_runs(log: Callable[[str], None], name: str, values: list[float]) -> None:
    log(f"browser: {name} {', '.join(f'{ms:.0f}' for ms in values)} ms")


def _open_sections(fiche: Session, expected: dict[str, tuple[int, int]]) -> dict[str, float]:
    """On the loaded fiche, each section opened in turn, in the page's order: ms by slug."""
    return {slug: fiche.open_section(slug, *charts) for slug, charts in expected.items()}


def _slides(session: Session, key: str) -> tuple[float, dict[str, Any]]:
    ms = session.slide(key)
    return ms, session.last_state


def _check_bars(state: dict[str, Any], top: int, partners: int, what: str) -> None:
    """The partners chart shows the top N, or every partner when there are `partners` < N."""
    if state["partners"] != min(top, partners):
        raise RuntimeError(f"{what}: the partners chart has {state['partners']} bars at top {top}")


def _learn_changing(session: Session, charts: int) -> list[str]:
    """The charts a step of top N changes on `session`'s page: one untimed step (waiting for the
    run's end only), a pause for anything late, then its charts compared with their
    state before the step."""
    session.redrawn_arg = [charts, []]
    session.slide("ArrowLeft")
    time.sleep(SETTLE_S)
    changing = sorted(session.page.evaluate(CHANGED_JS, session.before))
    session.redrawn_arg = [charts, changing]
    return changing


def _sample(
    fiche: Session,
    full: Session,
    slider_open: Session,
    floor: Session,
    expected: dict[str, tuple[int, int]],
    samples: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every fiche measure, alternated with the floor's (see the module's docstring)."""
    visible = 1  # the first screen's visible chart: the partners chart (one look of two)
    with_open = visible + expected[SLIDER_SECTION][0]
    # Warm-up: the servers' first runs, Chromium's first start; each fiche's first step learns
    # which of its charts a step of top N changes (the partners chart, the Sankeys: unless the
    # territory has fewer partners or flows than the top N).
    fiche.load()
    _open_sections(fiche, expected)
    full.load()
    floor.load()
    floor.slide("ArrowLeft")
    fiche.load()
    shown = fiche.page.evaluate(CHARTS_JS)["charts"]
    partners = next(c["bars"] for c in shown if c["key"] == "partners")  # at top 10
    changing_first = _learn_changing(fiche, visible)
    slider_open.load()
    changing = _learn_changing(slider_open, with_open)
    # Alternated, so that whatever slows the machine down meanwhile weighs on both sides.
    firsts, loads, floor_loads = [], [], []
    opened: dict[str, list[float]] = {slug: [] for slug in expected}
    for _ in range(samples):
        firsts.append(fiche.load())
        for slug, ms in _open_sections(fiche, expected).items():
            opened[slug].append(ms)
        floor_loads.append(floor.load())
        loads.append(full.load())
    _log_runs(log, "fiche first screen", firsts)
    for slug, values in opened.items():
        _log_runs(log, f"section {slug}", values)
    _log_runs(log, "fiche load (every section open)", loads)
    _log_runs(log, "floor load", floor_loads)
    loaded = full.last_state
    fiche.load()
    slider_open.load()
    slides, slides_open, floor_slides = [], [], []
    changed: list[list[str]] = []
    top = 10  # both fiches load at top 10: 9, 10, 9, …
    for key in (["ArrowLeft", "ArrowRight"] * samples)[:samples]:
        top += -1 if key == "ArrowLeft" else 1
        ms, state = _slides(fiche, key)
        _check_bars(state, top, partners, "slider")
        slides.append(ms)
        floor_slides.append(floor.slide(key))
        ms, state = _slides(slider_open, key)
        _check_bars(state, top, partners, "slider, a section open")
        slides_open.append(ms)
        changed.append(state["changed"])
    _log_runs(log, "slider", slides)
    _log_runs(log, f"slider ({SLIDER_SECTION} open)", slides_open)
    _log_runs(log, "floor slider", floor_slides)
    if floor.last_state["bars"] != FLOOR_BARS:
        raise RuntimeError(f"the floor's chart has {floor.last_state['bars']} bars")
    pooled = [ms for values in opened.values() for ms in values]
    found = {
        **_stats("fiche_first_screen", firsts, FICHE_FIRST_SCREEN_TARGET_MS),
        **_stats("section_open", pooled),
        "sections": {
            slug: {
                "charts": expected[slug][0],
                **{k.removeprefix("open_"): v for k, v in _stats("open", values).items()},
            }
            for slug, values in opened.items()
        },
        **_stats("slider", slides, SLIDER_TARGET_MS),
        "slider_changed": changing_first,
        **_stats("slider_sections_open", slides_open),
        "slider_sections_open_section": SLIDER_SECTION,
        "slider_sections_open_changed": changing,
        "slider_sections_open_changed_fewest": min(len(c) for c in changed),
        **_stats("fiche_load", loads),
        **_stats("floor_load", floor_loads),
        **_stats("floor_slider", floor_slides),
        "charts": loaded["drawn"],
        "sankeys": sum(1 for n in loaded["nodes"] if n > 0),
        "sankey_nodes": loaded["nodes"],
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


def _shown(sessions: dict[str, Session]) -> dict[str, Any]:
    """What each page showed (for the message of a failure)."""
    shown: dict[str, Any] = {}
    for name, session in sessions.items():
        if session.page is None:
            continue
        try:
            state = session.page.evaluate(FLOOR_STATE_JS if name == "floor" else CHARTS_JS)
            if name != "floor":
                state = {
                    "idle": state["idle"],
                    "charts": [{k: c[k] for k in ("key", "drawn", "nodes", "bars")}
                               for c in state["charts"]],
                    "sections": {
                        slug: session.page.evaluate(SECTION_STATE_JS, slug)
                        for slug in sections.slugs(sections.FICHE)
                    },
                }  # fmt: skip
            shown[name] = state
        except Exception as exc:  # the page itself may be what failed
            shown[name] = f"unreadable: {exc}"
    return shown


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
    state = FicheState(territory, max(manifest.years))  # both flows, top 10, sections closed
    path = urlstate.fiche_url(state)  # the shared link, as the pages write it
    full_path = urlstate.fiche_url(all_open(state))
    open_path = urlstate.fiche_url(replace(state, sections=(SLIDER_SECTION,)))
    expected = section_charts(state)
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
            # A Chromium per session: each one's page is always the page in front of its
            # browser. One browser for all made each step begin by bringing a page to the
            # front, which repaints it whole: a cost no reader moving a slider pays, and one
            # that grows with the page (the fiche's far more than the floor's).
            browsers = [
                playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(4)
            ]
            browser = browsers[0]
            sessions = {
                "fiche": fiche_session(browsers[0], server.url, path),
                "fiche (every section open)": full_fiche_session(
                    browsers[1], server.url, full_path, expected_charts(state)
                ),
                # Loaded once the section's charts are drawn too, not only the first screen: its
                # partners chart needs no plotly.js, so the first screen can be drawn while the
                # Sankeys still wait for it; a step taken then was timed with them (and its
                # warm-up took the Sankeys still drawing for charts the step changes).
                f"fiche ({SLIDER_SECTION} open)": full_fiche_session(
                    browsers[2],
                    server.url,
                    open_path,
                    (1 + expected[SLIDER_SECTION][0], expected[SLIDER_SECTION][1]),
                ),
                "floor": floor_session(browsers[3], floor_server.url),
            }
            try:
                results = _sample(*sessions.values(), expected, samples, log)
                for session in sessions.values():  # their pages would keep their sessions
                    if session.page is not None and session is not sessions["floor"]:
                        session.close()
                results["pages"] = _pages(browser, server.url, urls, samples, log)
            except Exception as exc:  # a timeout says little: what the pages and the app showed
                shown = _shown(sessions)
                problems = "\n".join(server.log_problems() + floor_server.log_problems())
                raise RuntimeError(f"{exc}\npages: {shown}\napp log: {problems}") from exc
            finally:
                for session in sessions.values():
                    session.close()
                for each in browsers:
                    each.close()
            problems = server.log_problems() + floor_server.log_problems()
    if problems:
        raise RuntimeError("the app failed during the browser benchmark:\n" + problems[0])
    page_ratios(results["pages"], results.get("floor_load_p95_ms"))
    found = {
        "url": path,
        "url_every_section_open": full_path,
        "url_slider_sections_open": open_path,
        "expected_charts": expected_charts(state)[0],
        **results,
    }
    found["targets"] = targets(found)
    return found


SUMMARY_MEASURES = (
    "fiche_first_screen", "section_open", "slider", "slider_sections_open", "fiche_load",
    "floor_load", "floor_slider",
)  # fmt: skip


def summary(results: dict[str, Any]) -> str:
    """One line: p50/p95 of each measure, the ratios to the floor, the targets missed."""
    measures = [
        f"{name} p50 {results[f'{name}_p50_ms']:.0f} ms, p95 {results[f'{name}_p95_ms']:.0f} ms"
        for name in SUMMARY_MEASURES
        if f"{name}_p95_ms" in results
    ]
    ratios = [f"{key} ×{results[key]}" for key in RATIOS if results.get(key) is not None]
    verdicts = results.get("targets") or {}
    missed = [name for name, t in verdicts.items() if t["met"] is False]
    met = sum(1 for t in verdicts.values() if t["met"])
    judged = [f"targets met {met}/{len(verdicts)}"] if verdicts else []
    judged += [f"missed: {', '.join(missed)}"] if missed else []
    return "; ".join(measures + ratios + judged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__)
    parser.add_argument("--data-dir", default=str(generate.DEFAULT_OUT))
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument(
        "--results",
        default=str(report.DEFAULT_RESULTS),
        help="merged into (a file of its own when absent)",
    )
    parser.add_argument("--doc", help="Markdown file whose results table is refreshed")
    args = parser.parse_args(argv)
    found = measure(args.data_dir, max(2, args.samples))
    print(summary(found))
    path = Path(args.results)
    # Merged into the results of `python -m bench` when they are there; a file of their own
    # otherwise (a run aside, kept out of latest.json), rather than printed only.
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results["browser"] = found
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {path}")
    if args.doc and "views" in results:  # the table needs the whole bench's results
        report.update_doc(Path(args.doc), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
