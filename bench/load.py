"""`python -m bench.load` (`make load`): how many people at once the app serves on this machine.

    python -m bench.load [--backends 1,2] [--proxy auto|always] [--levels 1,2,4,...] [--tabs]
                         [--step-seconds S] [--warmup-seconds S] [--think MIN:MAX]
                         [--threshold-seconds 2] [--data-dir DIR] [--out JSON] [--doc MD]
                         [--seed N] [--wait-quiet S] [--api-share F] [--api-level N]
                         [--api-think MIN:MAX]

Clients are protocol-level sessions (bench.streamlit_client: Streamlit's websocket and protobuf
messages, as a browser tab sends and receives them), many of them in this one asyncio process:
far lighter than the server, so that what saturates is the server. Each simulated person visits
again and again, each visit the realistic mix of issue 18 (bench.load.visit, `VISIT`) in one tab,
as the app's links and menu take a person: a fiche opened by its link in a new tab
(`/fiche?niveau=…&code=…&annee=…&top=…&flux=…`: 80 % of visits on five fiches, `POPULAR`:
Mayenne, Pays de la Loire, France, Ille-et-Vilaine, Loire-Atlantique on the latest year with top
10 and both flows, as a shared link makes many visitors open the same few fiches; the others a
random territory, 50 % départements, 30 % régions, 20 % France, and year, top N and flow), then
one of its sections opened (a random one, as a click on its title does: the expander's new state
sent with a rerun of its fragment, `fragment_id`, by StreamlitSession.set_expander), one step of
its top-N slider (the partners part's fragment reruns, and the open section's when it follows
top N), one of its CSV files downloaded; then the Exposition of the same territory by the
fiche's link to it (StreamlitSession.follow_link: a rerun naming the page, as the browser sends
it), and the Carte by the menu (StreamlitSession.navigate), in the same session; a think time
drawn between actions. With `--tabs`, each page opens in a new tab instead (a session each):
the Carte first, then the fiche, then the Exposition. Each visit's tabs report a window width as
a browser does (`WINDOW_WIDTHS`: the cookie of .streamlit/width.js, two desktops for one phone),
so each chart comes in the one look that fits. Each step is one sixth of the requests; the
report gives the counts and shares actually run and the share of visits on the popular fiches
(`mix`). Every page received is checked against the state that session asked for (isolation,
`check_fiche` / `check_section` / `check_page` / `check_csv`): the URL the server writes back,
the title and section headings, the widgets' values, the section opened with its charts (its
Sankeys) or its text, the CSV file names, and the key figures of a territory, which must be the
same for every session that shows it.

For each configuration of `--backends` (1: one app process, clients straight on it; N > 1: N
processes behind nginx with sticky sessions, bench.cluster; `--proxy always` puts nginx in front
of one process too), fresh processes are started over one dataset (the demonstration dataset,
built in a temporary folder, unless `--data-dir`), and the number of simultaneous people is
raised level by level (`--levels`); at each level, after `--warmup-seconds`, during
`--step-seconds`: time to a complete fiche (from the request to the script's end: a tab's page
load + websocket + run, a fragment's rerun, or a widget's rerun) p50/p95 over the fiche's
first screen, section and slider steps, each action's p50/p95 (`by_action`: Carte and
Exposition too), fiches and visits completed per second, CSV downloads, errors, isolation
violations, the app processes' CPU (from /proc/PID/stat) and its milliseconds per fiche view
(`app_cpu_ms_per_fiche_view`: the app processes' CPU over the window ÷ fiches opened; each visit
opens one fiche, so this is the CPU of a visit of the mix, its Carte, Exposition and CSV
included) and resident memory, nginx's CPU, this load generator's own CPU. The ramp stops
after the first level whose fiche p95 exceeds `--threshold-seconds` (2 s): the saturation point
is the largest level held under it. The processes run a copy of the app taken at the start
(bench.cluster.snapshot), immune to edits of the working tree during the run. On a shared
machine (`--wait-quiet`), each configuration starts once other work has stopped, and a level
during which other work took more than half a core is measured again. Results go to `--out`
(bench/results/load.json) and to the generated block of `--doc` (docs/RELIABILITY.md). Exit
status 1 on any error or isolation violation.

The API mix (`--api-share`, 0 to skip it): after the ramp, at `--api-level` page sessions
(default: half the saturation level, a busy server that still keeps up), the pages are measured
alone, then with `--api-share` × that many simulated scripts calling the read-only API
(bench.load.api_client: random tables and parameters, 30 % CSV, 20 % revalidated with their
ETag, `--api-think` between calls, each script a client of its own for the rate limit through
X-Forwarded-For), then alone again: the report gives the pages' p95 with and without them.

The floor (`--floor`, issue 18): the same ramp against the floor app (bench/floor/: a title, four
metrics, one bar chart and a slider; bench.cluster starts it the same way from the same
snapshot) instead of the app. Each visit opens its page, moves its slider twice (the fiche's
visit has two widget actions too) and closes the tab; `check_floor` checks every page received
(no exception or error, the title, four metrics, one chart of ten bars, the slider at the value
asked, the same metrics for every session at the same value); its two steps are counted as
the fiche's two widget actions (`section`, `top`). No CSV, no API mix (the floor has neither).
Results go to bench/results/load_floor.json and, only when `--doc` is given, to a
document: the sessions it holds, beside the app's in load.json, are Streamlit's own ceiling on
this machine. The report's "fiche" columns then mean the floor's page.

tests/test_load.py runs `run_visits` (a few sessions, a bounded number of visits, no timing).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import functools
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np

from bench import cluster as clusters
from bench import procstat
from bench.streamlit_client import HttpResponse, ProtocolError, Run, StreamlitSession, http_get
from lib.core import config, refs
from lib.core.states import MapState
from lib.core.territory import FRANCE, Territory
from lib.web import api_terms, registry, sessionlimits, urlstate

ROOT = config.ROOT
DEFAULT_OUT = ROOT / "bench" / "results" / "load.json"
FLOOR_OUT = ROOT / "bench" / "results" / "load_floor.json"
DEFAULT_DOC = ROOT / "docs" / "RELIABILITY.md"
DOC_BEGIN = "<!-- load:results:begin (generated by python -m bench.load; do not edit) -->"
DOC_END = "<!-- load:results:end -->"
LEVELS = (1, 2, 4, 8, 12, 14, 16, 18, 20, 22, 24, 28, 32, 36, 40, 48, 56, 64, 80, 96, 128)
THRESHOLD_S = 2.0
STEP_S = 25.0
WARMUP_S = 5.0
THINK_S = (1.0, 3.0)
# The window a visit's browser reports: .streamlit/width.js writes its width in this cookie before
# the page connects, and the pages then build and send each chart in the one look that fits
# (pages/parts/components.page_look). Two desktops for one phone.
WIDTH_COOKIE = "comext-largeur"  # pages/parts/components.WIDTH_COOKIE
WINDOW_WIDTHS = (1440, 1440, 390)
ACTION_TIMEOUT_S = 60.0
BUDGET_S = 20 * 60  # per configuration: the ramp stops there whatever the latencies
QUIET_CORES = 0.25  # the machine counts as quiet below this much CPU used by others
# A visit (bench.load.visit), in order: each step one request a person waits for, by action.
VISIT = {
    "carte": "Carte",
    "open": "Fiche, first screen (its link, a new tab)",
    "section": "Fiche, one section opened (a fragment's rerun)",
    "top": (
        "Fiche, one step of top N (the partners part's fragment rerun; with the open "
        "section's when it follows top N)"
    ),
    "csv": "a CSV of the fiche downloaded",
    "exposition": "Exposition of the same territory",
}
# How a visit goes from page to page (`--tabs`): what the report says of it.
NAVIGATION = {
    False: (
        "one tab: the fiche by its link, then the Exposition by the fiche's link to it and "
        "the Carte by the menu, in the fiche's session"
    ),
    True: "a new tab per page: the Carte, then the fiche, then the Exposition (three sessions)",
}
# Every client comes from 127.0.0.1: the bounds on sessions (lib/web/sessionlimits.py) are lifted,
# so that the ramp measures the capacity, not the bound.
UNBOUNDED = {sessionlimits.ENV_MAX_SESSIONS: "0", sessionlimits.ENV_PER_ADDRESS: "0"}
FICHE_ACTIONS = ("open", "section", "top")  # each ends with a complete fiche (or its section)
PAGE_ACTIONS = ("carte", *FICHE_ACTIONS, "exposition")  # what a person waits for on screen
FLUX_LABELS = {"export": "Exportations", "import": "Importations", "tous": "Les deux"}
TOP_OPEN = (5, 10, 15, 20)
OWN_DOWNLOADS = ("csv-kpis", "csv-partners", "csv-products", "csv-sankey-E", "csv-sankey-I")
# Many visitors on the same few fiches (issue 18): this share of visits opens one of POPULAR
# (the latest year, top 10, both flows: the shared link), the others any fiche (draw_state).
POPULAR = (
    Territory("dept", "53"),
    Territory("region", "52"),
    FRANCE,
    Territory("dept", "35"),
    Territory("dept", "44"),
)
POPULAR_SHARE = 0.8
SECTION_PREFIX = "fiche-section-"  # the expanders' keys (pages/parts/on_demand.py)
API_SHARE = 0.5  # API clients beside the page sessions, per page session
API_THINK_S = (0.5, 2.0)  # a script's pause between two calls
API_REVALIDATE = 0.2  # share of calls repeating an earlier one with its ETag (a cache)
API_CSV = 0.3  # share of calls asking for the CSV
API_PARTNERS = ("US", "CN", "UE27", "HORS_UE", "GOLFE")


# --- What a session asks for, and the checks of what it receives --------------------------------


def draw_visit_state(rng: random.Random, years: Sequence[int]) -> urlstate.FicheState:
    """The fiche of a visit: POPULAR_SHARE of the time one of the POPULAR fiches (latest year,
    top 10, both flows), otherwise any fiche (draw_state)."""
    if rng.random() < POPULAR_SHARE:
        return urlstate.FicheState(rng.choice(POPULAR), max(years))
    return draw_state(rng, years)


def is_popular(state: urlstate.FicheState, years: Sequence[int]) -> bool:
    return state == urlstate.FicheState(state.territory, max(years)) and state.territory in POPULAR


def fiche_sections(state: urlstate.FicheState) -> dict[str, tuple[int, int]]:
    """The sections of a fiche and their (charts, Sankeys), as bench.browser counts them."""
    from bench.browser import section_charts  # its Playwright import is lazy

    return section_charts(state)


def mix_shares(counts: dict[str, int]) -> dict[str, float]:
    """Each action's share of the requests of the mix (VISIT's actions, in its order)."""
    total = sum(counts.get(action, 0) for action in VISIT)
    return {action: round(counts.get(action, 0) / total, 3) if total else 0.0 for action in VISIT}


def draw_state(rng: random.Random, years: Sequence[int]) -> urlstate.FicheState:
    """A random fiche: 50 % départements, 30 % régions, 20 % France; any year."""
    roll = rng.random()
    if roll < 0.5:
        territory = Territory("dept", rng.choice(list(refs.departements()["code"])))
    elif roll < 0.8:
        territory = Territory("region", rng.choice(list(refs.regions()["code"])))
    else:
        territory = FRANCE
    return urlstate.FicheState(
        territory, rng.choice(list(years)), rng.choice(TOP_OPEN), rng.choice(list(FLUX_LABELS))
    )


class Fingerprints:
    """What must be identical for every session showing the same territory and year (its key
    figures): a session receiving another's page would disagree with the others."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], str] = {}

    def check(self, key: tuple[str, ...], value: str) -> str | None:
        first = self._seen.setdefault(key, value)
        return None if first == value else f"{key}: {value!r}, elsewhere {first!r}"


def check_fiche(
    run: Run,
    expected: urlstate.FicheState,
    session: StreamlitSession | None = None,
    fingerprints: Fingerprints | None = None,
) -> tuple[list[str], list[str]]:
    """(errors, isolation violations) of a fiche received for `expected`. A page that failed
    (an exception, an error) counts as an error only: what it lacks is no violation."""
    errors = run.problems()
    if errors:
        return errors, []
    violations = []
    territory = expected.territory
    params = urlstate.params_of(expected)
    got = dict(parse_qsl(run.query_string, keep_blank_values=True))
    if got != params:
        violations.append(f"URL written back {run.query_string!r}, asked {urlencode(params)!r}")
    title = run.title() or ""
    if not title.endswith(f" {territory.label}"):
        violations.append(f"title {title!r} on the fiche of {territory.label}")
    if not any(f", {territory.name} (" in heading for heading in run.headings("h3")):
        violations.append(f"no section heading names {territory.name}: {run.headings('h3')}")
    if session is not None:
        top, flux = session.widget_value("fiche-top"), session.widget_value("fiche-flux")
        if top is None or flux is None:
            errors.append("the fiche has no top-N slider or no flow choice")
        else:
            if int(top) != expected.top:
                violations.append(f"top-N slider at {top}, asked {expected.top}")
            if flux != FLUX_LABELS[expected.flux]:
                violations.append(f"flow choice {flux!r}, asked {FLUX_LABELS[expected.flux]!r}")
    metrics = run.metrics()
    if not metrics:
        errors.append("the fiche has no key figures")
    elif fingerprints is not None:
        key = ("metrics", territory.level, territory.code, str(expected.year))
        found = fingerprints.check(key, json.dumps(metrics, sort_keys=True, ensure_ascii=False))
        if found:
            violations.append(f"key figures differ between sessions: {found}")
    return errors, violations


# The fiche's tables that do not depend on top N, their files named without it (pages/fiche.py):
# the key figures and the activities (the treemap shows every one).
WITHOUT_TOP = frozenset({"csv-kpis", "csv-products", "csv-products-cpf4"})


def check_csv(
    response: HttpResponse,
    key: str,
    expected: urlstate.FicheState,
    fingerprints: Fingerprints | None = None,
) -> tuple[list[str], list[str]]:
    """(errors, isolation violations) of a download of the fiche's own table `key`."""
    if response.status != 200:
        return [f"download {key}: HTTP {response.status}"], []
    territory = expected.territory
    code = "FR" if territory.level == "france" else territory.code
    name = response.filename or ""
    violations = []
    ending = ".csv" if key in WITHOUT_TOP else f"_top{expected.top}.csv"
    if f"_{territory.level}_{code}_{expected.year}" not in name or not name.endswith(ending):
        violations.append(f"download {key} named {name!r} on the fiche of {territory.label}")
    try:
        lines = response.body.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"download {key}: not UTF-8"], violations
    if len(lines) < 2:
        return [f"download {key}: {len(lines)} line(s)"], violations
    if key == "csv-partners" and len(lines) - 1 > expected.top:
        violations.append(f"{len(lines) - 1} partners in a top {expected.top}")
    if key == "csv-kpis" and fingerprints is not None:
        key_row = ("csv-kpis", territory.level, territory.code, str(expected.year))
        found = fingerprints.check(key_row, "\n".join(sorted(lines)))
        if found:
            violations.append(f"kpis.csv differs between sessions: {found[:300]}")
    return [], violations


def check_section(
    run: Run, expected: urlstate.FicheState, slug: str
) -> tuple[list[str], list[str]]:
    """(errors, isolation violations) of the fiche's section `slug` once opened: the expander
    open in the URL, its charts arrived (at least as many charts, Plotly or HTML, as the
    browser shows: a chart in two looks sends both; the flows' Sankeys), or its text for a
    section without a chart, and its heading naming the territory of `expected`."""
    errors = run.problems()
    if errors:
        return errors, []
    block = run.expander(SECTION_PREFIX + slug)
    if block is None:
        return [f"the fiche has no section {slug!r}"], []
    violations = []
    opened = dict(parse_qsl(run.query_string)).get("section", "").split(",")
    if slug not in opened:
        violations.append(f"section {slug!r} opened, the URL says {run.query_string!r}")
    inside = run.inside(block.path)
    charts, sankeys = fiche_sections(expected).get(slug, (0, 0))
    # Plotly's charts and the HTML ones (lib/charts/kit.HtmlChart: the Sankeys among them).
    specs = [e.proto.spec for e in inside if e.kind == "plotly_chart"]
    bodies = [e.proto.body for e in inside if e.kind == "html" and "comext-chart" in e.proto.body]
    plots = specs + bodies
    drawn_sankeys = sum('"sankey"' in spec for spec in specs) + sum(
        "cb-sankey" in body for body in bodies
    )
    if len(plots) < charts or drawn_sankeys < sankeys:
        errors.append(
            f"section {slug!r}: {len(plots)} charts ({drawn_sankeys} Sankeys), expected "
            f"{charts} ({sankeys})"
        )
    text = sum(len(e.proto.body) for e in inside if e.kind == "markdown")
    if not charts and text < 200:
        errors.append(f"section {slug!r}: {text} characters of text")
    headings = [e.proto.body for e in inside if e.kind == "heading"]
    name = expected.territory.name
    if charts and not any(f", {name} (" in heading for heading in headings):
        violations.append(f"section {slug!r}: no heading names {name}: {headings}")
    return errors, violations


def check_page(run: Run, params: dict[str, str], title_has: str) -> tuple[list[str], list[str]]:
    """(errors, isolation violations) of another page of the mix: no failure, a title naming
    `title_has`, the URL written back with every parameter asked."""
    errors = run.problems()
    if errors:
        return errors, []
    violations = []
    title = run.title()
    if not title:
        errors.append("the page has no title")
    elif title_has not in title:
        violations.append(f"title {title!r}, asked a page of {title_has!r}")
    got = dict(parse_qsl(run.query_string, keep_blank_values=True))
    differ = {k: (got.get(k), v) for k, v in params.items() if got.get(k) != v}
    if differ:
        violations.append(f"URL written back {run.query_string!r}: {differ}")
    return errors, violations


# --- Recording ----------------------------------------------------------------------------------


@dataclass
class Sample:
    action: str  # open, top, flux, csv
    ended: float  # time.monotonic() at the end
    seconds: float
    bytes: int


@dataclass
class Recorder:
    """Everything the sessions of one configuration did (single asyncio thread: no lock)."""

    samples: list[Sample] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)
    violations: list[tuple[float, str]] = field(default_factory=list)
    fingerprints: Fingerprints = field(default_factory=Fingerprints)
    visits: int = 0
    popular_visits: int = 0  # visits of one of POPULAR's fiches

    def counts(self) -> dict[str, int]:
        """Samples by action."""
        found: dict[str, int] = {}
        for s in self.samples:
            found[s.action] = found.get(s.action, 0) + 1
        return found

    def sample(self, action: str, seconds: float, size: int) -> None:
        self.samples.append(Sample(action, time.monotonic(), seconds, size))

    def problems(self, errors: Iterable[str], violations: Iterable[str]) -> None:
        now = time.monotonic()
        self.errors += [(now, e) for e in errors]
        self.violations += [(now, v) for v in violations]

    def count(self, action: str) -> int:
        return sum(1 for s in self.samples if s.action == action)


async def visit(
    base_url: str,
    rng: random.Random,
    years: Sequence[int],
    recorder: Recorder,
    think_s: tuple[float, float],
    tabs: bool = False,
) -> None:
    """One person's visit, the mix of VISIT: a fiche (POPULAR_SHARE of the time one of the
    POPULAR) opened by its link, one of its sections opened (a random one: a click on its
    title, the fragment's rerun), one step of its top-N slider (the partners part's fragment
    reruns, and the open section's when it follows top N), one of its CSV files downloaded;
    then the Exposition of the same territory by the fiche's link to it, and the Carte by the
    menu, in the same tab (one session), as the app's links and menu take a person. With
    `tabs`, the person opens each page in a new tab instead (a session each): the Carte first,
    then the fiche, then the Exposition. A think time is drawn between actions."""

    async def think() -> None:
        await asyncio.sleep(rng.uniform(*think_s))

    def record(action: str, run: Run, seconds: float, params: dict[str, str], title: str) -> None:
        recorder.sample(action, seconds, run.bytes_received)
        recorder.problems(*check_page(run, params, title))

    async def new_tab(action: str, url: str, title_has: str) -> None:
        path, _, query = url.partition("?")
        async with StreamlitSession(base_url, ACTION_TIMEOUT_S, cookies=dict(window)) as tab:
            started = time.perf_counter()
            run = await tab.open(path, query)
            record(action, run, time.perf_counter() - started, dict(parse_qsl(query)), title_has)

    state = draw_visit_state(rng, years)
    window = {WIDTH_COOKIE: str(rng.choice(WINDOW_WIDTHS))}
    recorder.visits += 1
    recorder.popular_visits += is_popular(state, years)
    carte = urlstate.params_of(MapState(state.year))
    exposition = urlstate.default_exposition(state.territory, state.year)
    session = StreamlitSession(base_url, timeout_s=ACTION_TIMEOUT_S, cookies=dict(window))
    try:
        if tabs:
            await new_tab("carte", "/?" + urlencode(carte), str(state.year))
            await think()
        await fiche_visit(session, state, rng, recorder, think)
        if tabs:
            await session.close()  # the fiche's tab closed: the Exposition opens in another
            await new_tab("exposition", urlstate.exposition_url(exposition), state.territory.label)
        else:
            run = await session.follow_link(urlstate.EXPOSITION.url_path)
            params = urlstate.params_of(exposition)
            record("exposition", run, run.seconds, params, state.territory.label)
            await think()
            run = await session.navigate(urlstate.CARTE.url_path)
            record("carte", run, run.seconds, carte, str(state.year))
        await think()
    except (ProtocolError, OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        recorder.problems([f"{type(exc).__name__}: {exc}"], [])
    finally:
        with contextlib.suppress(Exception):
            await session.close()


async def fiche_visit(
    session: StreamlitSession,
    state: urlstate.FicheState,
    rng: random.Random,
    recorder: Recorder,
    think,
) -> None:
    """The fiche's part of a visit, in `session`: its link opened (a new tab), one section
    opened, one step of top N, one of its CSVs downloaded; each page received checked."""
    started = time.perf_counter()
    run = await session.open("/fiche", urlencode(urlstate.params_of(state)))
    recorder.sample("open", time.perf_counter() - started, run.bytes_received)
    recorder.problems(*check_fiche(run, state, session, recorder.fingerprints))
    await think()

    slug = rng.choice(list(fiche_sections(state)))
    state = replace(state, sections=(slug,))
    run = await session.set_expander(SECTION_PREFIX + slug)
    recorder.sample("section", run.seconds, run.bytes_received)
    recorder.problems(*check_fiche(run, state, session, recorder.fingerprints))
    recorder.problems(*check_section(run, state, slug))
    await think()

    top = rng.choice([n for n in range(urlstate.TOP_MIN, urlstate.TOP_MAX + 1) if n != state.top])
    state = replace(state, top=top)
    run = await session.set_widget("fiche-top", top)
    recorder.sample("top", run.seconds, run.bytes_received)
    recorder.problems(*check_fiche(run, state, session, recorder.fingerprints))
    recorder.problems(*check_section(run, state, slug))
    await think()

    offered = run.downloads()
    own = [key for key in OWN_DOWNLOADS if key in offered]
    if not own:
        recorder.problems([f"the fiche offers {sorted(offered)} for download"], [])
        return
    key = rng.choice(own)
    started = time.perf_counter()
    response = await session.download(offered[key])
    recorder.sample("csv", time.perf_counter() - started, len(response.body))
    recorder.problems(*check_csv(response, key, state, recorder.fingerprints))
    await think()


# --- The floor (bench/floor/floor_app.py) --------------------------------------------------------

FLOOR_TITLE = "Plancher de mesure"  # floor_app.TITLE
FLOOR_SLIDER = "floor-step"  # floor_app.SLIDER_KEY
FLOOR_STEPS = range(1, 21)  # floor_app.SLIDER_MIN … SLIDER_MAX
FLOOR_DEFAULT = 10
FLOOR_BARS = 10


def check_floor(
    run: Run,
    step: int,
    session: StreamlitSession | None = None,
    fingerprints: Fingerprints | None = None,
) -> tuple[list[str], list[str]]:
    """(errors, isolation violations) of a floor page received for the slider at `step`: what
    check_fiche checks of a fiche, for the floor's page."""
    errors = run.problems()
    if errors:
        return errors, []
    violations = []
    if run.title() != FLOOR_TITLE:
        errors.append(f"the floor's title is {run.title()!r}")
    charts = run.of_kind("plotly_chart")
    if len(charts) != 1:
        errors.append(f"the floor has {len(charts)} charts")
    else:
        bars = json.loads(charts[0].proto.spec)["data"][0]["y"]
        if len(bars) != FLOOR_BARS:
            errors.append(f"the floor's chart has {len(bars)} bars")
    if session is not None:
        value = session.widget_value(FLOOR_SLIDER)
        if value is None:
            errors.append("the floor has no slider")
        elif int(value) != step:
            violations.append(f"floor slider at {value}, asked {step}")
    metrics = run.metrics()
    if len(metrics) != 4:
        errors.append(f"the floor has {len(metrics)} metrics")
    elif fingerprints is not None:
        found = fingerprints.check(("floor", str(step)), json.dumps(metrics, sort_keys=True))
        if found:
            violations.append(f"the floor's metrics differ between sessions: {found}")
    return errors, violations


async def floor_visit(
    base_url: str,
    rng: random.Random,
    years: Sequence[int],
    recorder: Recorder,
    think_s: tuple[float, float],
) -> None:
    """One visit of the floor: open its page, move its slider twice (`years`: unused)."""
    session = StreamlitSession(base_url, timeout_s=ACTION_TIMEOUT_S)
    recorder.visits += 1
    step = FLOOR_DEFAULT
    try:
        started = time.perf_counter()
        run = await session.open("/", "")
        recorder.sample("open", time.perf_counter() - started, run.bytes_received)
        recorder.problems(*check_floor(run, step, session, recorder.fingerprints))
        await asyncio.sleep(rng.uniform(*think_s))
        # The fiche's two widget actions (a section opened, a top-N step), counted alike.
        for action in ("section", "top"):
            step = rng.choice([n for n in FLOOR_STEPS if n != step])
            run = await session.set_widget(FLOOR_SLIDER, step)
            recorder.sample(action, run.seconds, run.bytes_received)
            recorder.problems(*check_floor(run, step, session, recorder.fingerprints))
            await asyncio.sleep(rng.uniform(*think_s))
    except (ProtocolError, OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        recorder.problems([f"{type(exc).__name__}: {exc}"], [])
    finally:
        with contextlib.suppress(Exception):
            await session.close()


def visit_function(floor: bool, tabs: bool = False) -> Callable[..., Awaitable[None]]:
    """What a simulated person does at each visit: the floor's visit, or the app's mix in one
    tab or (`tabs`) in a new tab per page."""
    return floor_visit if floor else functools.partial(visit, tabs=tabs)


async def person(
    index: int,
    base_url: str,
    seed: int,
    years: Sequence[int],
    recorder: Recorder,
    think_s: tuple[float, float],
    visits: int | None = None,
    visit_of: Callable[..., Awaitable[None]] = visit,
) -> None:
    """A simulated person: visits one after another (`visits` of them, or until cancelled);
    `visit_of` is one of visit_function's (the app's mix, or the floor's visit)."""
    rng = random.Random(seed * 100_003 + index)
    await asyncio.sleep(rng.uniform(0, think_s[1]))  # people do not all arrive at once
    done = 0
    while visits is None or done < visits:
        await visit_of(base_url, rng, years, recorder, think_s)
        done += 1


async def available_years(base_url: str) -> list[int]:
    """The dataset's years, as the fiche's year selector offers them."""
    async with StreamlitSession(base_url, timeout_s=ACTION_TIMEOUT_S) as session:
        run = await session.open("/fiche", "")
        element = run.widget("fiche-year")
        if element is None:
            raise ProtocolError(f"the fiche has no year selector: {run.problems()}")
        return [int(m.group()) for o in element.proto.options if (m := re.match(r"\d{4}", o))]


# --- API clients ----------------------------------------------------------------------------------


def draw_api_target(rng: random.Random, years: Sequence[int]) -> tuple[str, str]:
    """A random API address and its table: any table, its page's example parameters with a
    random département or région (never France: some tables are not shown for it), year and
    partner."""
    table = rng.choice(list(registry.TABLES.values()))
    params = registry.example(table.page)
    if "code" in params and table.page.name in ("fiche", "exposition", "evolution"):
        state = draw_state(rng, years)
        while state.territory == FRANCE:
            state = draw_state(rng, years)
        params |= {"niveau": urlstate.WORD_OF_LEVEL[state.territory.level]}
        params |= {"code": state.territory.code}
    if "annee" in params:
        params["annee"] = str(rng.choice(list(years)))
    if "partenaire" in params:
        params["partenaire"] = rng.choice(API_PARTNERS)
    if rng.random() < API_CSV:
        params["format"] = "csv"
    return f"{api_terms.PREFIX}/{table.name}?{urlencode(params)}", table.name


def check_api(response: HttpResponse, target: str, table: str, revalidated: bool) -> list[str]:
    """The errors of an API answer: a status other than 200 (304 when revalidated), a body
    that is not the table asked for."""
    if response.status == 304 and revalidated:
        return []
    if response.status != 200:
        return [f"API {target}: HTTP {response.status} {response.body[:200]!r}"]
    if "format=csv" in target:
        ok = response.headers.get("content-type", "").startswith("text/csv")
        return [] if ok and response.body.count(b"\n") >= 1 else [f"API {target}: not a CSV"]
    try:
        body = json.loads(response.body)
    except ValueError:
        return [f"API {target}: not JSON"]
    return [] if body.get("table") == table else [f"API {target}: table {body.get('table')!r}"]


async def api_call(
    base_url: str,
    rng: random.Random,
    years: Sequence[int],
    recorder: Recorder,
    address: str,
    etags: dict[str, tuple[str, str]],
) -> None:
    """One call, from the client at `address` (sent as X-Forwarded-For, which the app trusts
    from 127.0.0.1 as from nginx: each simulated script is a client of its own for the rate
    limit); sometimes a call made before, revalidated with its ETag."""
    headers = {"X-Forwarded-For": address}
    if etags and rng.random() < API_REVALIDATE:
        target = rng.choice(list(etags))
        table, headers["If-None-Match"] = etags[target]
    else:
        target, table = draw_api_target(rng, years)
    started = time.perf_counter()
    try:
        response = await http_get(
            base_url + target, timeout_s=ACTION_TIMEOUT_S, extra_headers=headers
        )
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        recorder.problems([f"API {target}: {type(exc).__name__}: {exc}"], [])
        return
    recorder.sample("api", time.perf_counter() - started, len(response.body))
    revalidated = "If-None-Match" in headers
    recorder.problems(check_api(response, target, table, revalidated), [])
    if response.status == 200 and "etag" in response.headers:
        etags[target] = (table, response.headers["etag"])


async def api_client(
    index: int,
    base_url: str,
    seed: int,
    years: Sequence[int],
    recorder: Recorder,
    think_s: tuple[float, float],
    calls: int | None = None,
) -> None:
    """A simulated script calling the API: `calls` calls, or until cancelled."""
    rng = random.Random(seed * 200_003 + index)
    address = f"10.77.{index // 250}.{index % 250 + 1}"
    etags: dict[str, tuple[str, str]] = {}
    await asyncio.sleep(rng.uniform(0, think_s[1]))
    done = 0
    while calls is None or done < calls:
        await api_call(base_url, rng, years, recorder, address, etags)
        done += 1
        await asyncio.sleep(rng.uniform(*think_s))


def run_api_calls(
    base_url: str,
    clients: int,
    calls: int,
    *,
    seed: int = 1,
    think_s: tuple[float, float] = (0.0, 0.1),
    years: Sequence[int] | None = None,
) -> Recorder:
    """`clients` scripts making `calls` API calls each, at once (bounded by count)."""

    async def _all() -> Recorder:
        recorder = Recorder()
        found = years or await available_years(base_url)
        await asyncio.gather(
            *(
                api_client(i, base_url, seed, found, recorder, think_s, calls)
                for i in range(clients)
            )
        )
        return recorder

    return run_sync(_all())


def run_visits(
    base_url: str,
    sessions: int,
    visits: int,
    *,
    seed: int = 1,
    think_s: tuple[float, float] = (0.0, 0.2),
    floor: bool = False,
    tabs: bool = False,
) -> Recorder:
    """`sessions` people making `visits` visits each, at once (bounded by count, not time), of
    the app (in one tab, or a new tab per page with `tabs`) or, with `floor`, of the floor app."""

    async def _all() -> Recorder:
        recorder = Recorder()
        years = [] if floor else await available_years(base_url)
        visit_of = visit_function(floor, tabs)
        await asyncio.gather(
            *(
                person(i, base_url, seed, years, recorder, think_s, visits, visit_of)
                for i in range(sessions)
            )
        )
        return recorder

    return run_sync(_all())


def run_sync(coroutine):
    """`asyncio.run`, in a thread of its own when this thread already runs an event loop (the
    Playwright sync API of the e2e tests leaves one running in the test process)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- The ramp -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


async def session_counts(urls: Sequence[str]) -> list[int]:
    """Sessions each app process (its base URL) has opened so far (its /_stcore/metrics)."""
    counts = []
    for url in urls:
        try:
            response = await http_get(f"{url}/_stcore/metrics", timeout_s=10)
            found = re.search(rb'session_events_total\{type="connect"\} (\d+)', response.body)
            counts.append(int(found.group(1)) if found else -1)
        except (OSError, TimeoutError):
            counts.append(-1)
    return counts


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores, all processes), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        ticks = [int(x) for x in handle.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    guest = sum(ticks[8:])  # guest time is already counted in user time
    return (sum(ticks) - guest - idle) / clusters.CLOCK_TICKS


@dataclass
class Snapshot:
    at: float
    app_cpu: list[float]
    nginx_cpu: float
    client_cpu: float
    machine_cpu: float
    sessions: list[int]

    @classmethod
    async def take(cls, cluster: clusters.Cluster) -> Snapshot:
        sessions = await session_counts(cluster.backend_urls())
        return cls(
            time.monotonic(),
            [b.cpu_seconds() for b in cluster.backends],
            cluster.proxy.cpu_seconds() if cluster.proxy else 0.0,
            time.process_time(),
            machine_busy_seconds(),
            sessions,
        )


async def others_quiet(cluster: clusters.Cluster, max_wait_s: float) -> bool:
    """Wait (at most `max_wait_s`, the sessions running on) until the CPU used on the machine by
    anything but the app, nginx and this process is under QUIET_CORES over 3 s."""
    deadline = time.monotonic() + max_wait_s
    while True:
        start = await Snapshot.take(cluster)
        await asyncio.sleep(3)
        end = await Snapshot.take(cluster)
        ours = sum(end.app_cpu) - sum(start.app_cpu) + end.nginx_cpu - start.nginx_cpu
        ours += end.client_cpu - start.client_cpu
        others = (end.machine_cpu - start.machine_cpu - ours) / (end.at - start.at)
        if others < QUIET_CORES:
            return True
        if time.monotonic() >= deadline:
            return False


async def sample_memory(cluster: clusters.Cluster, peaks: list[int], stop: asyncio.Event) -> None:
    """Largest resident size of each app process, sampled every 0.5 s."""
    while not stop.is_set():
        for i, backend in enumerate(cluster.backends):
            peaks[i] = max(peaks[i], backend.memory()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


def summarise(
    level: int, recorder: Recorder, start: Snapshot, end: Snapshot, rss: list[int], since: float
) -> dict[str, Any]:
    """One level: the samples completed between the two snapshots, problems since `since`."""
    window = end.at - start.at
    inside = [s for s in recorder.samples if start.at <= s.ended < end.at]
    fiche = [s.seconds for s in inside if s.action in FICHE_ACTIONS]
    csv = [s.seconds for s in inside if s.action == "csv"]
    by_action = {}
    pages = [s.seconds for s in inside if s.action in PAGE_ACTIONS]
    for action in (*VISIT, "api"):
        values = [s.seconds for s in inside if s.action == action]
        by_action[action] = {
            "count": len(values),
            "p50_ms": _ms(percentile(values, 50)),
            "p95_ms": _ms(percentile(values, 95)),
        }
    app_cpu = [(b - a) / window for a, b in zip(start.app_cpu, end.app_cpu, strict=True)]
    nginx_cpu = (end.nginx_cpu - start.nginx_cpu) / window
    client_cpu = (end.client_cpu - start.client_cpu) / window
    other_cpu = (
        (end.machine_cpu - start.machine_cpu) / window - sum(app_cpu) - nginx_cpu - client_cpu
    )
    errors = [e for t, e in recorder.errors if since <= t < end.at]
    violations = [v for t, v in recorder.violations if since <= t < end.at]
    return {
        "sessions": level,
        "window_s": round(window, 1),
        "fiches": len(fiche),
        "fiches_per_s": round(len(fiche) / window, 2),
        "visits_per_s": round(by_action["open"]["count"] / window, 2),
        "fiche_p50_ms": _ms(percentile(fiche, 50)),
        "fiche_p95_ms": _ms(percentile(fiche, 95)),
        "fiche_max_ms": _ms(max(fiche) if fiche else None),
        "page_p95_ms": _ms(percentile(pages, 95)),
        # The app processes' CPU over the window per fiche opened (each visit of the mix opens
        # one fiche: its CPU, the rest of the visit's included).
        "app_cpu_ms_per_fiche_view": cpu_per_view(
            sum(b - a for a, b in zip(start.app_cpu, end.app_cpu, strict=True)),
            by_action["open"]["count"],
        ),
        "by_action": by_action,
        "downloads": len(csv),
        "download_p95_ms": _ms(percentile(csv, 95)),
        "api_calls_per_s": round(by_action["api"]["count"] / window, 2),
        "api_p50_ms": by_action["api"]["p50_ms"],
        "api_p95_ms": by_action["api"]["p95_ms"],
        "mib_received_per_s": round(sum(s.bytes for s in inside) / window / 2**20, 2),
        "app_cpu_cores": [round(c, 2) for c in app_cpu],
        "app_cpu_cores_total": round(sum(app_cpu), 2),
        "nginx_cpu_cores": round(nginx_cpu, 3),
        "client_cpu_cores": round(client_cpu, 2),
        # everything else running on the machine meanwhile (a shared machine: other work)
        "other_cpu_cores": round(max(other_cpu, 0.0), 2),
        "app_rss_mib_max": [round(r / 2**20) for r in rss],
        "sessions_opened_per_process": [
            b - a if a >= 0 and b >= 0 else None
            for a, b in zip(start.sessions, end.sessions, strict=True)
        ],
        "errors": len(errors),
        "isolation_violations": len(violations),
        "error_examples": errors[:3],
        "violation_examples": violations[:3],
    }


def cpu_per_view(cpu_seconds: float, views: int) -> float | None:
    """Milliseconds of CPU per view (None without a view)."""
    return round(1000 * cpu_seconds / views, 1) if views else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


async def measure(
    cluster: clusters.Cluster, recorder: Recorder, level: int, step_s: float, since: float
) -> dict[str, Any]:
    """One measured window of `step_s` seconds (`summarise`), memory sampled meanwhile."""
    peaks = [0] * len(cluster.backends)
    stop = asyncio.Event()
    memory = asyncio.create_task(sample_memory(cluster, peaks, stop))
    start = await Snapshot.take(cluster)
    await asyncio.sleep(step_s)
    end = await Snapshot.take(cluster)
    stop.set()
    await memory
    return summarise(level, recorder, start, end, peaks, since)


async def ramp(
    cluster: clusters.Cluster,
    levels: Sequence[int],
    *,
    step_s: float,
    warmup_s: float,
    think_s: tuple[float, float],
    threshold_s: float,
    seed: int,
    budget_s: float = BUDGET_S,
    remeasure: int = 0,
    quiet_wait_s: float = 0.0,
    floor: bool = False,
    tabs: bool = False,
    log=print,
) -> tuple[list[dict[str, Any]], Recorder]:
    recorder = Recorder()
    years = [] if floor else await available_years(cluster.url)
    visit_of = visit_function(floor, tabs)
    # One visit alone first: the processes' first fiche (DuckDB, imports) is not a load figure.
    for index in range(len(cluster.backends) * 2):
        await visit_of(cluster.url, random.Random(-1 - index), years, Recorder(), (0, 0))
    people: list[asyncio.Task] = []
    results: list[dict[str, Any]] = []
    began = time.monotonic()
    try:
        for level in levels:
            since = time.monotonic()
            while len(people) < level:
                people.append(
                    asyncio.create_task(
                        person(
                            len(people),
                            cluster.url,
                            seed,
                            years,
                            recorder,
                            think_s,
                            visit_of=visit_of,
                        )
                    )
                )
            await asyncio.sleep(warmup_s)
            for attempt in range(1 + remeasure):
                result = await measure(cluster, recorder, level, step_s, since)
                result["measured"] = attempt + 1
                # Other work on the (shared) machine took cores from the app: measure again
                # once it has stopped (the errors of every attempt stay counted).
                if result["other_cpu_cores"] <= 2 * QUIET_CORES or attempt == remeasure:
                    break
                log(
                    f"  {level:4d} sessions: other work used {result['other_cpu_cores']} cores; "
                    "measuring again once the machine is quiet"
                )
                await others_quiet(cluster, quiet_wait_s)
            results.append(result)
            log(
                f"  {level:4d} sessions: fiche p50 {result['fiche_p50_ms']} ms, "
                f"p95 {result['fiche_p95_ms']} ms, {result['fiches_per_s']} fiches/s, "
                f"app CPU {result['app_cpu_cores_total']} cores, nginx "
                f"{result['nginx_cpu_cores']}, client {result['client_cpu_cores']}, other "
                f"{result['other_cpu_cores']}, RSS "
                f"{result['app_rss_mib_max']} MiB, errors {result['errors']}, violations "
                f"{result['isolation_violations']}"
            )
            p95 = result["fiche_p95_ms"]
            if p95 is None or p95 > threshold_s * 1000:
                break
            if time.monotonic() - began > budget_s:
                log("  (time budget of the configuration reached)")
                break
    finally:
        for task in people:
            task.cancel()
        await asyncio.gather(*people, return_exceptions=True)
    return results, recorder


async def compare_api(
    cluster: clusters.Cluster,
    level: int,
    api_clients: int,
    *,
    step_s: float,
    warmup_s: float,
    think_s: tuple[float, float],
    api_think_s: tuple[float, float],
    seed: int,
    tabs: bool = False,
    log=print,
) -> dict[str, Any]:
    """The pages' times with and without API clients beside them: `level` page sessions
    measured alone, then with `api_clients` scripts calling the API, then alone again (the two
    windows alone bracket the one with the API, so that a drift of the server over time is
    seen rather than counted as the API's)."""
    recorder = Recorder()
    years = await available_years(cluster.url)
    people = [
        asyncio.create_task(
            person(
                i,
                cluster.url,
                seed + 1,
                years,
                recorder,
                think_s,
                visit_of=visit_function(False, tabs),
            )
        )
        for i in range(level)
    ]
    scripts: list[asyncio.Task] = []
    windows: list[dict[str, Any]] = []
    try:
        for phase in ("pages", "pages + API", "pages"):
            if phase == "pages + API":
                scripts = [
                    asyncio.create_task(
                        api_client(j, cluster.url, seed, years, recorder, api_think_s)
                    )
                    for j in range(api_clients)
                ]
            elif scripts:
                for task in scripts:
                    task.cancel()
                await asyncio.gather(*scripts, return_exceptions=True)
                scripts = []
            since = time.monotonic()
            await asyncio.sleep(warmup_s)
            result = await measure(cluster, recorder, level, step_s, since)
            result |= {"phase": phase, "api_clients": api_clients if "API" in phase else 0}
            windows.append(result)
            log(
                f"  {level:4d} sessions, {result['api_clients']} API clients: fiche p50 "
                f"{result['fiche_p50_ms']} ms, p95 {result['fiche_p95_ms']} ms, "
                f"{result['fiches_per_s']} fiches/s, API {result['api_calls_per_s']} calls/s "
                f"(p95 {result['api_p95_ms']} ms), app CPU {result['app_cpu_cores_total']} "
                f"cores, errors {result['errors']}"
            )
    finally:
        for task in [*people, *scripts]:
            task.cancel()
        await asyncio.gather(*people, *scripts, return_exceptions=True)
    return api_effect(windows, level)


def api_effect(windows: list[dict[str, Any]], level: int) -> dict[str, Any]:
    """What the API clients cost the pages: p95 with them ÷ the mean p95 of the windows
    without them."""
    alone = [w["fiche_p95_ms"] for w in windows if not w["api_clients"] and w["fiche_p95_ms"]]
    mixed = next((w for w in windows if w["api_clients"]), None)
    base = sum(alone) / len(alone) if alone else None
    with_api = mixed["fiche_p95_ms"] if mixed else None
    return {
        "sessions": level,
        "api_clients": mixed["api_clients"] if mixed else 0,
        "windows": windows,
        "fiche_p95_ms_without": None if base is None else round(base, 1),
        "fiche_p95_ms_with": with_api,
        "p95_ratio": round(with_api / base, 2) if base and with_api else None,
        "errors": sum(w["errors"] for w in windows),
    }


def mix_summary(recorder: Recorder, floor: bool = False) -> dict[str, Any]:
    """What the sessions did: requests by action and their shares, the share of visits on the
    POPULAR fiches (the floor: its page and its slider only)."""
    counts = recorder.counts()
    if floor:
        return {"counts": counts}
    return {
        "counts": {action: counts.get(action, 0) for action in VISIT},
        "shares": mix_shares(counts),
        "popular_fiches": [f"{t.level}:{t.code}" for t in POPULAR],
        "popular_share_asked": POPULAR_SHARE,
        "popular_share": round(recorder.popular_visits / recorder.visits, 3)
        if recorder.visits
        else None,
    }


def saturation(levels: list[dict[str, Any]], threshold_s: float) -> dict[str, Any] | None:
    """The largest level held with p95 under the threshold and no error (None if none)."""
    held = [
        lv
        for lv in levels
        if lv["fiche_p95_ms"] is not None
        and lv["fiche_p95_ms"] <= threshold_s * 1000
        and lv["errors"] == 0
    ]
    return max(held, key=lambda lv: lv["sessions"]) if held else None


def wait_quiet(max_wait_s: float, log=print) -> float:
    """Wait (at most `max_wait_s`) until the machine is quiet: under QUIET_CORES of CPU used
    over 3 s (on a shared machine, other work competes with the app for the cores). Returns
    the cores last seen busy."""
    deadline = time.monotonic() + max_wait_s
    announced = False
    while True:
        before = machine_busy_seconds()
        time.sleep(3)
        busy = (machine_busy_seconds() - before) / 3
        if busy < QUIET_CORES or time.monotonic() >= deadline:
            return busy
        if not announced:
            log(f"  waiting for the machine to be quiet ({busy:.2f} cores busy elsewhere)…")
            announced = True


def run_configuration(
    data_dir: str,
    backends: int,
    proxy: bool,
    args: argparse.Namespace,
    app_dir: Path = ROOT,
) -> dict[str, Any]:
    name = f"{backends} process{'es' if backends > 1 else ''}" + (" + nginx" if proxy else "")
    print(f"{name}:", flush=True)
    busy = wait_quiet(args.wait_quiet) if args.wait_quiet else None
    script = clusters.FLOOR_SCRIPT if args.floor else clusters.APP_SCRIPT
    name += " (floor)" if args.floor else ""
    cluster = clusters.start(
        data_dir, backends, proxy=proxy, app_dir=app_dir, script=script, env=UNBOUNDED
    )
    try:
        levels, recorder = run_sync(
            ramp(
                cluster,
                args.levels,
                step_s=args.step_seconds,
                warmup_s=args.warmup_seconds,
                think_s=args.think,
                threshold_s=args.threshold_seconds,
                seed=args.seed,
                remeasure=2 if args.wait_quiet else 0,
                quiet_wait_s=args.wait_quiet,
                floor=args.floor,
                tabs=args.tabs,
            )
        )
        best = saturation(levels, args.threshold_seconds)
        api_mix = None
        if args.api_share > 0 and not args.floor:  # the floor serves no API
            level = args.api_level or max(1, (best["sessions"] if best else args.levels[0]) // 2)
            print(f"  API mix at {level} sessions:", flush=True)
            api_mix = run_sync(
                compare_api(
                    cluster,
                    level,
                    max(1, round(args.api_share * level)),
                    step_s=args.step_seconds,
                    warmup_s=args.warmup_seconds,
                    think_s=args.think,
                    api_think_s=args.api_think,
                    seed=args.seed,
                    tabs=args.tabs,
                )
            )
        memory = [b.memory() for b in cluster.backends]
        log_problems = cluster.log_problems()
    finally:
        cluster.stop()
    return {
        "name": name,
        "backends": backends,
        "proxy": "nginx" if proxy else None,
        "levels": levels,
        "saturation": best,
        "peak_fiches_per_s": max((lv["fiches_per_s"] for lv in levels), default=None),
        "visits": recorder.visits,
        "mix": mix_summary(recorder, floor=args.floor),
        "app_cpu_ms_per_fiche_view": best["app_cpu_ms_per_fiche_view"] if best else None,
        "fiches": sum(recorder.count(a) for a in FICHE_ACTIONS),
        "downloads": recorder.count("csv"),
        "errors": len(recorder.errors),
        "isolation_violations": len(recorder.violations),
        "error_examples": [e for _, e in recorder.errors[:5]],
        "violation_examples": [v for _, v in recorder.violations[:5]],
        "app_peak_rss_mib": [round(hwm / 2**20) for _, hwm in memory],
        "machine_busy_cores_before": None if busy is None else round(busy, 2),
        "log_problems": log_problems[:5],
        "api_mix": api_mix,
    }


# --- Report -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = procstat.cpu_model()
    nginx = clusters.nginx_binary()
    nginx_version = None
    if nginx:
        done = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        nginx_version = done.stderr.strip().removeprefix("nginx version: ")
    import streamlit

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "nginx": nginx_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def scale_out(configurations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Throughput at saturation of the largest configuration over that of one process."""
    measured = [c for c in configurations if c.get("saturation")]
    one = [c for c in measured if c["backends"] == 1]
    many = [c for c in measured if c["backends"] > 1]
    if not one or not many:
        return None
    base, top = one[0], max(many, key=lambda c: c["backends"])
    a, b = base["saturation"], top["saturation"]
    return {
        "from": base["name"],
        "to": top["name"],
        "fiches_per_s": [a["fiches_per_s"], b["fiches_per_s"]],
        "throughput_gain": round(b["fiches_per_s"] / a["fiches_per_s"], 2),
        "peak_fiches_per_s": [base["peak_fiches_per_s"], top["peak_fiches_per_s"]],
        "peak_throughput_gain": round(top["peak_fiches_per_s"] / base["peak_fiches_per_s"], 2),
        "sessions_held": [a["sessions"], b["sessions"]],
        "sessions_gain": round(b["sessions"] / a["sessions"], 2),
    }


def _visit_text(tabs: bool) -> str:
    """A visit of the mix in words, for the report (NAVIGATION[tabs])."""
    opened = "a fiche (new tab; " if tabs else "a fiche by its link (new tab; "
    fiche = (
        f"{opened}{100 * POPULAR_SHARE:.0f} % of visits on {len(POPULAR)} fiches: "
        f"{', '.join(f'{t.level}:{t.code}' for t in POPULAR)}, latest year, top 10, both flows; "
        "the others any territory, year, top N and flow) → one of its sections opened (a "
        "fragment's rerun) → one step of its top-N slider → one of its CSVs"
    )
    if tabs:
        return f"Carte (new tab) → {fiche} → Exposition of the same territory (new tab)"
    return (
        f"{fiche} → Exposition of the same territory (the fiche's link, same tab) → Carte (the "
        "menu, same tab)"
    )


def render_markdown(results: dict[str, Any]) -> str:
    run, settings = results["run"], results["settings"]
    visit_text = (
        "open the floor's page (bench/floor/, new tab) → move its slider → move it again"
        if settings.get("floor")
        # Results written before `--tabs` existed opened a new tab per page.
        else _visit_text(settings.get("tabs", True))
    )
    lines = [
        f"Run of {run['date']} on {run['cpu']}, {run['cores']} cores, {run['ram_gib']} GiB RAM; "
        f"Python {run['python']}, Streamlit {run['streamlit']}, nginx {run['nginx'] or 'absent'}; "
        f"load average at start {run['load_average_at_start']}.",
        "",
        f"Each session: a visit = {visit_text}, think time "
        f"{settings['think_s'][0]:g}–{settings['think_s'][1]:g} s "
        f"between actions, then a new visit. Level = simultaneous sessions; "
        f"{settings['warmup_s']:g} s warm-up then {settings['step_s']:g} s measured per level; "
        + (
            "time to a complete page over its opening and its two slider steps"
            if settings.get("floor")
            else "time to a complete fiche over the fiche's first screen, section and slider "
            "actions (the Carte and the Exposition in their own columns)"
        )
        + "; threshold p95 ≤ "
        f"{settings['threshold_s']:g} s. Dataset: {settings['dataset']}.",
        "",
    ]
    for conf in results["configurations"]:
        if conf.get("skipped"):
            lines += [f"**{conf['name']}**: skipped ({conf['skipped']}).", ""]
            continue
        best = conf["saturation"]
        held = (
            f"**{best['sessions']} sessions** held (p95 {best['fiche_p95_ms']:.0f} ms, "
            f"{best['fiches_per_s']} fiches/s, app CPU "
            f"{_num(best.get('app_cpu_ms_per_fiche_view'))} ms per fiche view)"
            if best
            else "no level held under the threshold"
        )
        others = [lv["other_cpu_cores"] for lv in conf["levels"]]
        other = f"{max(others):.2f}" if others else "—"
        lines += [
            f"**{conf['name']}**: {held}; {conf['visits']} visits, {conf['fiches']} fiches, "
            f"{conf['downloads']} CSV downloads in all; errors: {conf['errors']}; isolation "
            f"violations: {conf['isolation_violations']}; peak resident memory of each app "
            f"process: {', '.join(f'{m} MiB' for m in conf['app_peak_rss_mib'])}; CPU used by "
            f"other work on the machine during the levels: at most {other} cores.",
            "",
            *_mix_lines(conf.get("mix")),
            "| Sessions | Fiche p50 (ms) | Fiche p95 (ms) | Carte p95 (ms) | Exposition p95 (ms) "
            "| Fiches/s | Visits/s | CSV p95 (ms) | App CPU (cores) | App CPU per fiche view "
            "(ms) | nginx CPU | Client CPU | Other CPU | App RSS max (MiB) "
            "| Sessions per process | Errors | Violations |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        for lv in conf["levels"]:
            mark = " ✓" if best and lv["sessions"] == best["sessions"] else ""
            per = lv["sessions_opened_per_process"]
            lines.append(
                f"| {lv['sessions']}{mark} | {_num(lv['fiche_p50_ms'])} | "
                f"{_num(lv['fiche_p95_ms'])} | {_action_p95(lv, 'carte')} | "
                f"{_action_p95(lv, 'exposition')} | {lv['fiches_per_s']} | {lv['visits_per_s']} | "
                f"{_num(lv['download_p95_ms'])} | {lv['app_cpu_cores_total']} "
                f"({' + '.join(str(c) for c in lv['app_cpu_cores'])}) | "
                f"{_num(lv.get('app_cpu_ms_per_fiche_view'))} | "
                f"{lv['nginx_cpu_cores']} | {lv['client_cpu_cores']} | {lv['other_cpu_cores']} | "
                f"{' + '.join(str(r) for r in lv['app_rss_mib_max'])} | "
                f"{' / '.join(str(p) for p in per) if len(per) > 1 else '—'} | "
                f"{lv['errors']} | {lv['isolation_violations']} |"
            )
        lines.append("")
        lines += _api_mix_lines(conf.get("api_mix"))
    gain = results.get("scale_out")
    if gain:
        lines.append(
            f"Scale-out: {gain['from']} → {gain['to']}: throughput at saturation "
            f"{gain['fiches_per_s'][0]} → {gain['fiches_per_s'][1]} fiches/s "
            f"(**×{gain['throughput_gain']}**), sessions held {gain['sessions_held'][0]} → "
            f"{gain['sessions_held'][1]} (**×{gain['sessions_gain']}**); highest throughput "
            f"measured at any level {gain['peak_fiches_per_s'][0]} → "
            f"{gain['peak_fiches_per_s'][1]} fiches/s (×{gain['peak_throughput_gain']})."
        )
    return "\n".join(lines).rstrip() + "\n"


def _action_p95(level: dict[str, Any], action: str) -> str:
    return _num((level.get("by_action") or {}).get(action, {}).get("p95_ms"))


def _mix_lines(mix: dict[str, Any] | None) -> list[str]:
    """The mix actually run: requests by action and their shares, visits on the popular fiches."""
    if not mix or "shares" not in mix:
        return []
    shares = ", ".join(
        f"{VISIT[action]} {mix['counts'][action]} ({100 * share:.0f} %)"
        for action, share in mix["shares"].items()
    )
    popular = mix.get("popular_share")
    return [
        f"Mix run (requests by action, share of all): {shares}. Visits on the "
        f"{len(mix['popular_fiches'])} popular fiches: "
        + ("—" if popular is None else f"{100 * popular:.0f} %")
        + f" (asked {100 * mix['popular_share_asked']:.0f} %).",
        "",
    ]


def _api_mix_lines(mix: dict[str, Any] | None) -> list[str]:
    """The pages with and without API clients beside them (compare_api)."""
    if not mix:
        return []
    lines = [
        f"API mix, {mix['sessions']} page sessions then the same with {mix['api_clients']} API "
        f"clients beside them, then alone again: fiche p95 {_num(mix['fiche_p95_ms_without'])} "
        f"ms without (mean of the two windows alone), {_num(mix['fiche_p95_ms_with'])} ms with "
        f"(**×{mix['p95_ratio']}**); errors: {mix['errors']}.",
        "",
        "| Window | Page sessions | API clients | Fiche p50 (ms) | Fiche p95 (ms) | Fiches/s "
        "| API calls/s | API p50 (ms) | API p95 (ms) | App CPU (cores) | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in mix["windows"]:
        lines.append(
            f"| {w['phase']} | {w['sessions']} | {w['api_clients']} | {_num(w['fiche_p50_ms'])} "
            f"| {_num(w['fiche_p95_ms'])} | {w['fiches_per_s']} | {w['api_calls_per_s']} | "
            f"{_num(w['api_p50_ms'])} | {_num(w['api_p95_ms'])} | {w['app_cpu_cores_total']} | "
            f"{w['errors']} |"
        )
    return [*lines, ""]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def write_doc(doc: Path, block: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if DOC_BEGIN not in text or DOC_END not in text:
        raise SystemExit(f"{doc} has no generated block ({DOC_BEGIN} … {DOC_END})")
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_BEGIN}\n{block}{DOC_END}{tail}", encoding="utf-8")


# --- Command line -------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _think(text: str) -> tuple[float, float]:
    low, _, high = text.partition(":")
    return float(low), float(high or low)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backends", type=_ints, default=[1, 2], help="configurations: 1,2")
    parser.add_argument("--proxy", choices=("auto", "always"), default="auto")
    parser.add_argument("--levels", type=_ints, default=list(LEVELS))
    parser.add_argument("--step-seconds", type=float, default=STEP_S)
    parser.add_argument("--warmup-seconds", type=float, default=WARMUP_S)
    parser.add_argument("--think", type=_think, default=THINK_S, help="MIN:MAX seconds")
    parser.add_argument("--threshold-seconds", type=float, default=THRESHOLD_S)
    parser.add_argument("--data-dir", default=None, help="default: a new demonstration dataset")
    parser.add_argument("--out", type=Path, default=None, help=f"default: {DEFAULT_OUT}")
    parser.add_argument(
        "--doc", default=None, help=f"'' leaves the docs alone (default: {DEFAULT_DOC})"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help=f"load the floor app (bench/floor/) instead of the app; default --out {FLOOR_OUT}, "
        "and no document unless --doc",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--tabs",
        action="store_true",
        help="each page of a visit in a new tab (a session each) instead of the fiche's tab",
    )
    parser.add_argument(
        "--api-share",
        type=float,
        default=API_SHARE,
        help="API clients per page session in the API mix (0: no API mix)",
    )
    parser.add_argument(
        "--api-level",
        type=int,
        default=0,
        help="page sessions of the API mix (default: half the saturation level)",
    )
    parser.add_argument("--api-think", type=_think, default=API_THINK_S, help="MIN:MAX seconds")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=600,
        help="before each configuration, wait up to this many seconds for the machine's other "
        "work to stop (0: do not wait)",
    )
    args = parser.parse_args(argv)
    # The floor's results never replace the app's: a file of their own, no document by default.
    if args.out is None:
        args.out = FLOOR_OUT if args.floor else DEFAULT_OUT
    if args.doc is None:
        args.doc = "" if args.floor else str(DEFAULT_DOC)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_info = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **machine()}
    with tempfile.TemporaryDirectory(prefix="comext-load-") as tmp:
        data_dir = args.data_dir
        dataset = (
            data_dir or "the demonstration dataset (python -m lib.sources.demo), on local disk"
        )
        if data_dir is None and args.floor:  # the floor reads no data
            data_dir, dataset = str(Path(tmp) / "no-data"), "none (the floor reads no data)"
        elif data_dir is None:
            data_dir = str(Path(tmp) / "data")
            print("Building the demonstration dataset…", flush=True)
            subprocess.run(
                [sys.executable, "-m", "lib.sources.demo", "--data-dir", data_dir],
                cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        # The app as it is now: the processes of every configuration run this copy, whatever
        # happens to the working tree during the run.
        app_dir = clusters.snapshot(Path(tmp) / "app")
        configurations = []
        for backends in args.backends:
            proxy = backends > 1 or args.proxy == "always"
            if proxy and clusters.nginx_binary() is None:
                name = f"{backends} processes + nginx"
                print(f"{name}: skipped, nginx is not installed (make nginx)")
                configurations.append({"name": name, "backends": backends, "skipped": "no nginx"})
                continue
            configurations.append(run_configuration(data_dir, backends, proxy, args, app_dir))
    results = {
        "run": run_info,
        "settings": {
            "levels": args.levels,
            "step_s": args.step_seconds,
            "warmup_s": args.warmup_seconds,
            "think_s": list(args.think),
            "window_widths_px": list(WINDOW_WIDTHS),
            "threshold_s": args.threshold_seconds,
            "seed": args.seed,
            "dataset": dataset,
            "wait_quiet_s": args.wait_quiet,
            "api_share": 0.0 if args.floor else args.api_share,
            "floor": args.floor,
            "tabs": None if args.floor else args.tabs,
            "navigation": None if args.floor else NAVIGATION[args.tabs],
            "api_think_s": list(args.api_think),
        },
        "configurations": configurations,
        "scale_out": scale_out(configurations),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    block = render_markdown(results)
    print(block)
    if args.doc:
        write_doc(Path(args.doc), block)
    failed = [
        c["name"]
        for c in configurations
        if c.get("errors")
        or c.get("isolation_violations")
        or c.get("log_problems")
        or (c.get("api_mix") or {}).get("errors")
    ]
    for conf in configurations:
        mix_errors = [
            example for w in (conf.get("api_mix") or {}).get("windows", []) for example in
            w["error_examples"]
        ]  # fmt: skip
        for example in [
            *conf.get("error_examples", []), *conf.get("violation_examples", []), *mix_errors
        ]:  # fmt: skip
            print(f"  {conf['name']}: {example}")
        for problem in conf.get("log_problems", []):
            print(f"  {conf['name']} log: {problem[:500]}")
    if failed:
        print(f"FAILED: errors or isolation violations in {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
