"""Faults, each simulated and measured (issue 19): `make chaos` = `python -m bench.chaos`.

    python -m bench.chaos [--short] [--faults kill,import,damaged,disk,remote] [--visitors 6]
                          [--seconds S] [--data-dir DIR] [--out bench/results/chaos.json]

Each fault runs on its own copy of the dataset (never the original), with the app as
`make serve N=2` starts it (bench.cluster: nginx and two `streamlit run serve.py` processes
over one dataset; the remote fault serves the copy over HTTP, bench/httpserver.py). A handful
of protocol-level visitors (bench/streamlit_client.py, no browser) open fiches of départements
through nginx for a fixed time, each as a browser tab keeping its route cookie, and check the
key figures « Exportations » and « Importations » of every page against the figures computed
here independently from the dataset's Parquet files (duckdb over each year's data file; pandas
over the customs files an import brings). One fault is injected at a time:

- kill: one app process SIGKILLed under load, restarted a few seconds later as a supervisor
  (systemd's Restart=always) would; the visitors on it must get their next page from the other;
- import: an import (`python -m lib.sources.ingest`, customs files in the published layout, 2024
  exports ×1.07 and imports ×1.05) then a rollback (`python -m lib.data.store rollback`) under load:
  each page shows the old or the new figures, never an error nor a mix, and every process
  shows the new figures once the command returns (then the old ones after the rollback);
- damaged: a Parquet file of the current version truncated in place: the pages that need it
  say « Données endommagées » in French, the others keep working, `python -m lib.data.store check`
  names the file (exit status 1), `python -m lib.data.store rollback` brings the previous version;
- disk: imports under a file-size limit (RLIMIT_FSIZE in the child, as `ulimit -f`; a write
  beyond it fails as on a full disk), one failing while the new version is written, one while
  the customs files are extracted: refused in French, the previous version whole and served,
  no partial version left behind;
- remote: the dataset read over HTTP (httpfs) from a server made to stall, then to answer 500,
  then to recover: the pages answer within the query time limit with a French message, and
  work again once the server does.

The report (JSON, and a Markdown table printed for docs/RELIABILITY.md) gives per fault: the
visitors, the pages served (with their key figures checked), the pages that said in French why
they could not show (expected in some faults), the errors visitors saw, the time to recovery,
and the figures lost (pages whose figures match no expected answer; must be 0). Exit status 1
when a fault's expectations fail. tests/test_chaos.py runs the short version (`--short`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import numpy as np
import pandas as pd

from bench import cluster as clusters
from bench import httpserver, procstat
from bench.load import run_sync, session_counts
from bench.streamlit_client import StreamlitSession
from lib.core import config
from lib.core.territory import Territory
from lib.data import db, store
from lib.web import sessionlimits, urlstate

ROOT = config.ROOT
DEFAULT_OUT = ROOT / "bench" / "results" / "chaos.json"
FAULTS = ("kill", "import", "damaged", "disk", "remote")
TITLES = {
    "kill": "An app process killed (SIGKILL) under load",
    "import": "An import then a rollback under load (CLI)",
    "damaged": "A damaged dataset file (Parquet truncated)",
    "disk": "A full disk during an import (file-size limit)",
    "remote": "A slow then failing remote dataset (HTTP stall, then 500)",
}
FULL_SECONDS = 60.0  # per fault (the remote fault: its phases, see remote_phases)
SHORT_SECONDS = 14.0
VISITORS = 6
THINK_S = (0.2, 0.8)
PAGE_TIMEOUT_S = 60.0
PAGE_SLACK_S = 3.0  # beyond the query time limit: the rest of a page's run, the network
RESTART_AFTER_S = 3.0  # the killed process stays down this long, then the supervisor runs
IMPORT_YEAR = 2024
FACTORS = {"E": 1.07, "I": 1.05}  # what the import does to the year's values
DAMAGED_FILE = "annual.parquet"  # the file of IMPORT_YEAR truncated (the fiche's key figures)
DISK_LIMIT_BYTES = 256 * 1024  # RLIMIT_FSIZE of the import's process
# Every visitor comes from 127.0.0.1: the session bounds (lib/web/sessionlimits.py) are lifted.
UNBOUNDED = {sessionlimits.ENV_MAX_SESSIONS: "0", sessionlimits.ENV_PER_ADDRESS: "0"}
# French messages a page may show instead of its figures, by fault (an error alert's text).
DAMAGED_NOTICE = "Données endommagées"
TIMEOUT_NOTICE = "La requête a dépassé"
REMOTE_NOTICE = "Le serveur qui héberge les données"
Figures = dict[tuple[str, int], tuple[float, float]]  # (dept, year) -> (exports, imports) €


# --- The expected figures, computed independently -------------------------------------------------


def expected_figures(data_dir: Path) -> Figures:
    """Exports and imports of every département and year, summed with duckdb straight from each
    year's data file named by the manifest (not through the app's views or aggregates)."""
    manifest = json.loads((data_dir / store.MANIFEST).read_text(encoding="utf-8"))
    found: dict[tuple[str, int], list[float]] = {}
    con = duckdb.connect()
    try:
        for year, rel in manifest["files"].items():
            rows = con.execute(
                "SELECT dept, flow, sum(value_eur) FROM read_parquet(?) GROUP BY dept, flow",
                [str(data_dir / rel)],
            ).fetchall()
            for dept, flow, total in rows:
                pair = found.setdefault((str(dept), int(year)), [0.0, 0.0])
                pair[0 if flow == "E" else 1] += float(total or 0.0)
    finally:
        con.close()
    return {key: (exports, imports) for key, (exports, imports) in found.items()}


def shown_meur(text: str | None) -> float | None:
    """`1 773,5 M€` (as the fiche shows it) -> 1773.5; None when not a figure in M€."""
    if not text or "M€" not in text:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text.replace("M€", "")).replace("−", "-")
    try:
        return float(cleaned.replace(",", "."))
    except ValueError:
        return None


def matches(shown: tuple[float, float], expected: tuple[float, float] | None) -> bool:
    """The key figures shown (M€, one decimal) are those of `expected` (euros)."""
    if expected is None:
        return False
    return all(
        abs(value - euros / 1e6) <= 0.05 + 1e-3  # shown rounded to 0.1 M€
        for value, euros in zip(shown, expected, strict=True)
    )


# --- The customs files of an import ---------------------------------------------------------------


def import_rows(data_dir: Path, year: int = IMPORT_YEAR) -> pd.DataFrame:
    """The rows of a customs import of `year`, both flows, in the published layout's columns
    (tests/customs_files.py): the dataset's rows of that year with their values multiplied by
    FACTORS (whole euros) and spread over the four quarters, each product with a CPF4 code."""
    from tests import customs_files

    manifest = store.read_manifest(data_dir)
    assert manifest is not None and year in manifest.files, f"no year {year} in {data_dir}"
    con = duckdb.connect()
    try:
        frame = con.execute(
            "SELECT flow, dept, product, country, value_eur FROM read_parquet(?)",
            [str(data_dir / manifest.files[year])],
        ).df()
    finally:
        con.close()
    prefixes = customs_files.cpf4_prefixes()
    frame = frame[frame["product"].isin(prefixes)].reset_index(drop=True)
    factors = frame["flow"].map(FACTORS).to_numpy()
    values = np.round(frame["value_eur"].to_numpy() * factors).astype("int64")
    return pd.DataFrame(
        {
            "year": year,
            "quarter": (np.arange(len(frame)) % 4) + 1,
            "flow": frame["flow"],
            "dept": frame["dept"],
            "region": [customs_files.region_of(d) for d in frame["dept"]],
            "product": frame["product"],
            "cpf4": [prefixes[p] + "1" for p in frame["product"]],
            "country": frame["country"],
            "value_eur": values,
            "mass_kg": 1,
        }
    )


def write_import(rows: pd.DataFrame, folder: Path, flows: Sequence[str] = ("E", "I")) -> list[Path]:
    """One published regional ZIP per flow of `rows` (tests/customs_files.py)."""
    from tests import customs_files

    folder.mkdir(parents=True, exist_ok=True)
    year = int(rows["year"].iloc[0])
    paths = []
    for flow in flows:
        part = rows[rows["flow"] == flow].reset_index(drop=True)
        name = customs_files.published_zip_name(year, flow)
        paths.append(customs_files.write_published_zip(folder / name, part, year=year, flow=flow))
    return paths


def figures_after_import(before: Figures, rows: pd.DataFrame) -> Figures:
    """The figures once `rows` are imported: their (year, flow) pairs replaced (pandas)."""
    year = int(rows["year"].iloc[0])
    sums = rows.groupby(["dept", "flow"])["value_eur"].sum()
    after = {key: value for key, value in before.items() if key[1] != year}
    for dept in {d for d, _ in sums.index}:
        after[(dept, year)] = (
            float(sums.get((dept, "E"), 0.0)),
            float(sums.get((dept, "I"), 0.0)),
        )
    return after


# --- The visitors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page a visitor asked for: when (seconds from the start), how it went ("ok",
    "notice", "error", "wrong"), how long it took, which fiche, and what was wrong if anything."""

    at: float
    kind: str
    seconds: float
    dept: str
    year: int
    detail: str = ""


@dataclass
class Visitor:
    """One person opening fiches one after another, as new tabs of one browser (its route
    cookie kept), and what happened to them."""

    index: int
    cookie: str
    backend: int | None = None  # the app process nginx routes this visitor to
    pages: int = 0  # fiches shown with their key figures, checked
    notices: int = 0  # pages that said in French why they could not show
    errors: list[tuple[float, str]] = field(default_factory=list)  # (seconds, what)
    wrong: list[str] = field(default_factory=list)  # figures that match no expected answer
    answers: Counter[str] = field(default_factory=Counter)  # which expected answer matched
    timeline: list[Page] = field(default_factory=list)
    slowest_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "visitor": self.index,
            "backend": self.backend,
            "pages": self.pages,
            "notices": self.notices,
            "errors": len(self.errors),
            "figures_lost": len(self.wrong),
            "answers": dict(self.answers),
            "slowest_page_s": round(self.slowest_s, 2),
            "first_errors": [f"{t:.1f} s: {what[:300]}" for t, what in self.errors[:3]],
            "first_wrong": self.wrong[:3],
        }


@dataclass
class Crowd:
    """The visitors of one fault, the answers their pages may show, and the clock."""

    base_url: str
    targets: list[tuple[str, int]]
    answers: dict[str, Figures]  # name -> figures: a page must match one of them
    notices: tuple[str, ...] = ()  # French messages accepted instead of figures
    visitors: list[Visitor] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def now(self) -> float:
        return time.monotonic() - self.started


def fiche_query(dept: str, year: int) -> str:
    return urlencode(urlstate.params_of(urlstate.FicheState(Territory("dept", dept), year)))


async def show_fiche(session: StreamlitSession, dept: str, year: int) -> Any:
    return await session.open("/fiche", fiche_query(dept, year))


def judge(crowd: Crowd, run: Any, dept: str, year: int) -> tuple[str, str]:
    """(kind, detail) of a page: "ok" (its figures match an expected answer: detail names it),
    "notice" (an accepted French message), "error", or "wrong" (figures matching no answer)."""
    problems = run.problems()
    if problems:
        accepted = all(any(n in p for n in crowd.notices) for p in problems)
        return ("notice" if accepted else "error"), "; ".join(problems)[:400]
    if f"({dept})" not in (run.title() or ""):
        return "error", f"title {run.title()!r} on the fiche of {dept}"
    metrics = run.metrics()
    shown = (shown_meur(metrics.get("Exportations")), shown_meur(metrics.get("Importations")))
    if shown[0] is None or shown[1] is None:
        return "error", f"no key figures: {metrics}"
    figures = (shown[0], shown[1])
    found = [
        name for name, answer in crowd.answers.items() if matches(figures, answer.get((dept, year)))
    ]
    if not found:
        expected = {name: answer.get((dept, year)) for name, answer in crowd.answers.items()}
        return "wrong", f"{dept} {year}: shown {figures} M€, expected one of {expected} €"
    return "ok", found[0] if len(found) == 1 else "+".join(found)


async def visit(crowd: Crowd, visitor: Visitor, rng: random.Random) -> None:
    """Open fiches until told to stop; a failed page ends that tab, the next is a new one."""
    session: StreamlitSession | None = None
    while not crowd.stop.is_set():
        dept, year = rng.choice(crowd.targets)
        if session is None:
            session = StreamlitSession(
                crowd.base_url, PAGE_TIMEOUT_S, cookies={clusters.ROUTE_COOKIE: visitor.cookie}
            )
        began = crowd.now()
        try:
            run = await show_fiche(session, dept, year)
            kind, detail = judge(crowd, run, dept, year)
        except Exception as error:  # a closed stream, a refused connection, a timeout
            kind, detail = "error", f"{type(error).__name__}: {error}"
        took = crowd.now() - began
        visitor.slowest_s = max(visitor.slowest_s, took)
        visitor.timeline.append(Page(began, kind, took, dept, year, detail))
        if kind == "ok":
            visitor.pages += 1
            visitor.answers[detail] += 1
        elif kind == "notice":
            visitor.notices += 1
        elif kind == "wrong":
            visitor.pages += 1
            visitor.wrong.append(detail)
        else:
            visitor.errors.append((began, detail))
        if kind == "error" and session is not None:
            with contextlib.suppress(Exception):
                await session.close()
            session = None  # the next page: a new tab (the browser keeps its cookie)
        await asyncio.sleep(rng.uniform(*THINK_S))
    if session is not None:
        with contextlib.suppress(Exception):
            await session.close()


async def place_visitors(crowd: Crowd, cluster: clusters.Cluster, count: int, seed: int) -> None:
    """Create the visitors and learn each one's process: one page each, alone, through nginx,
    and the process whose session count rose (also the first, cold pages of each process)."""
    urls = cluster.backend_urls()
    for index in range(count):
        visitor = Visitor(index + 1, f"chaos-{seed}-{index + 1}")
        before = await session_counts(urls)
        dept, year = crowd.targets[index % len(crowd.targets)]
        session = StreamlitSession(
            crowd.base_url, PAGE_TIMEOUT_S, cookies={clusters.ROUTE_COOKIE: visitor.cookie}
        )
        try:
            await show_fiche(session, dept, year)
        finally:
            await session.close()
        after = await session_counts(urls)
        rose = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if b > a]
        visitor.backend = rose[0] if len(rose) == 1 else None
        crowd.visitors.append(visitor)


async def probe(url: str, dept: str, year: int, expected: tuple[float, float]) -> bool:
    """A fresh tab straight on one app process shows `expected` for the fiche."""
    try:
        async with StreamlitSession(url, PAGE_TIMEOUT_S) as session:
            run = await show_fiche(session, dept, year)
    except Exception:
        return False
    if run.problems():
        return False
    metrics = run.metrics()
    shown = (shown_meur(metrics.get("Exportations")), shown_meur(metrics.get("Importations")))
    return None not in shown and matches((shown[0], shown[1]), expected)  # type: ignore[arg-type]


async def all_show(
    urls: Sequence[str], figures: Figures, samples: Sequence[tuple[str, int]], within_s: float
) -> float | None:
    """Seconds until every process shows `figures` for every sample fiche (polled), or None
    when they still do not after `within_s`."""
    began = time.monotonic()
    while True:
        results = [
            await probe(url, dept, year, figures[(dept, year)])
            for url in urls
            for dept, year in samples
        ]
        if all(results):
            return time.monotonic() - began
        if time.monotonic() - began > within_s:
            return None
        await asyncio.sleep(0.5)


# --- Commands, as the administrator types them ----------------------------------------------------


@dataclass
class Command:
    argv: list[str]
    status: int
    seconds: float
    stdout: str
    stderr: str

    def to_json(self) -> dict[str, Any]:
        shown = [a if not a.startswith("/") else Path(a).name for a in self.argv[2:]]
        return {
            "command": "python -m " + " ".join(shown),
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "output": (self.stdout + self.stderr).strip()[-1500:],
        }


async def command(
    ctx: Context, args: Sequence[str], preexec: Callable[[], None] | None = None
) -> Command:
    """`python -m …` from the app the processes run (ctx.app_dir), in a child process, without
    blocking the visitors."""
    argv = [sys.executable, "-m", *args]

    def _run() -> Command:
        began = time.monotonic()
        done = subprocess.run(
            argv, cwd=ctx.app_dir, capture_output=True, text=True, timeout=600, preexec_fn=preexec
        )
        return Command(argv, done.returncode, time.monotonic() - began, done.stdout, done.stderr)

    return await asyncio.to_thread(_run)


def file_size_limit(limit: int) -> Callable[[], None]:
    """preexec_fn: `ulimit -f` in the child. A write beyond the limit fails (EFBIG) as on a
    full disk (ENOSPC): Python ignores SIGXFSZ, which would otherwise kill the process."""

    def _apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return _apply


# --- The faults -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one fault did and showed."""

    fault: str
    title: str
    visitors: int
    seconds: float
    pages: int = 0
    notices: int = 0
    errors: int = 0
    figures_lost: int = 0
    recovery_s: float | None = None
    recovery: str = ""
    expectations: dict[str, bool] = field(default_factory=dict)  # on errors and figures
    timing: dict[str, bool] = field(default_factory=dict)  # on times (not asserted by tests)
    facts: dict[str, Any] = field(default_factory=dict)
    per_visitor: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        checks = [*self.expectations.values(), *self.timing.values()]
        return all(checks) and self.figures_lost == 0

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ok"] = self.ok
        return body


@dataclass
class Context:
    source: Path  # the dataset copied for each fault
    workdir: Path
    seconds: float
    visitors: int
    seed: int
    app_dir: Path
    short: bool


def copy_dataset(ctx: Context, name: str) -> Path:
    target = ctx.workdir / name / "data"
    shutil.copytree(ctx.source, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def begin(ctx: Context, fault: str, seconds: float) -> tuple[Outcome, Path, Figures]:
    """A fault's outcome to fill, its own copy of the dataset and that copy's figures."""
    outcome = Outcome(fault, TITLES[fault], ctx.visitors, seconds)
    data = copy_dataset(ctx, fault)
    return outcome, data, expected_figures(data)


def start_cluster(ctx: Context, name: str, data: str | Path) -> clusters.Cluster:
    return clusters.start(
        data, 2, proxy=True, workdir=ctx.workdir / name / "cluster", env=UNBOUNDED,
        app_dir=ctx.app_dir,
    )  # fmt: skip


async def crowd_run(
    ctx: Context,
    crowd: Crowd,
    cluster: clusters.Cluster,
    script: Callable[[], Any],
) -> None:
    """Place the visitors, run them while `script` injects the fault, then stop them."""
    await place_visitors(crowd, cluster, ctx.visitors, ctx.seed)
    crowd.started = time.monotonic()
    rngs = [random.Random(f"{ctx.seed}-{v.index}") for v in crowd.visitors]
    tasks = [
        asyncio.create_task(visit(crowd, v, rng))
        for v, rng in zip(crowd.visitors, rngs, strict=True)
    ]
    try:
        await script()
    finally:
        crowd.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def until(condition: Callable[[], bool], cap_s: float = 20.0) -> bool:
    """Wait until `condition` holds (polled), at most `cap_s`: a fault's next step waits for the
    visitors to have met the state it tests, however slow the machine."""
    deadline = time.monotonic() + cap_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


def pages_of(crowd: Crowd) -> list[Page]:
    return [p for v in crowd.visitors for p in v.timeline]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Unavailable|Data)\b.*")


def logged_exceptions(cluster: clusters.Cluster) -> list[str]:
    """The exception lines (`Type: message`) of the tracebacks in the app processes' logs
    (Streamlit draws them in boxes; the last line of each names the exception)."""
    found = []
    for proc in cluster.backends:
        text = _ANSI.sub("", proc.log.read_text(errors="replace")) if proc.log.exists() else ""
        found += [
            f"{proc.name}: {line.strip()[:500]}"
            for line in text.splitlines()
            if _EXCEPTION_LINE.match(line)
        ]
    return found


def tally(outcome: Outcome, crowd: Crowd, cluster: clusters.Cluster | None) -> None:
    outcome.pages = sum(v.pages for v in crowd.visitors)
    outcome.notices = sum(v.notices for v in crowd.visitors)
    outcome.errors = sum(len(v.errors) for v in crowd.visitors)
    outcome.figures_lost += sum(len(v.wrong) for v in crowd.visitors)
    outcome.per_visitor = [v.summary() for v in crowd.visitors]
    if cluster is not None:
        outcome.log_problems = cluster.log_problems()
        outcome.facts["exceptions_in_logs"] = logged_exceptions(cluster)
        outcome.expectations["no traceback in any server log"] = not outcome.log_problems


def first_ok_after(visitor: Visitor, moment: float) -> float | None:
    """When the visitor's first page after `moment` that worked began (None: none did)."""
    return next((p.at for p in visitor.timeline if p.at >= moment and p.kind == "ok"), None)


def recovered_after(visitors: Sequence[Visitor], moment: float, kinds: set[str]) -> float | None:
    """Seconds from `moment` until every visitor whose pages failed (a kind of `kinds`) while
    or after it happened has had a page that worked again (the end of that page); 0 when none
    failed, None when one never recovered."""
    worst = 0.0
    for visitor in visitors:
        failed = [p for p in visitor.timeline if p.at + p.seconds >= moment and p.kind in kinds]
        if not failed:
            continue
        last = failed[-1].at + failed[-1].seconds
        back = next((p for p in visitor.timeline if p.at >= last and p.kind == "ok"), None)
        if back is None:
            return None
        worst = max(worst, back.at + back.seconds - moment)
    return worst


def expected_log_lines(problems: Sequence[str], port: int) -> tuple[list[str], list[str]]:
    """(nginx's errors about the killed process at `port`, the other problems): the first are
    the fault itself (a reset stream, a refused connection), not a failure."""
    mine = [p for p in problems if p.startswith("nginx:") and f"127.0.0.1:{port}" in p]
    return mine, [p for p in problems if p not in mine]


async def fault_kill(ctx: Context) -> Outcome:
    seconds = ctx.seconds
    outcome, data, figures = begin(ctx, "kill", seconds)
    cluster = await asyncio.to_thread(start_cluster, ctx, "kill", data)
    depts = sorted({d for d, _ in figures})
    rng = random.Random(ctx.seed)
    targets = [(d, y) for d in rng.sample(depts, 12) for y in (IMPORT_YEAR, IMPORT_YEAR - 1)]
    crowd = Crowd(cluster.url, targets, {"dataset": figures})
    killed_at = 0.0
    victim = 0

    async def script() -> None:
        nonlocal killed_at, victim
        counts = Counter(v.backend for v in crowd.visitors)
        victim = 0 if counts[0] >= counts[1] else 1
        await asyncio.sleep(seconds * 0.3)
        process = cluster.backends[victim]
        killed_at = crowd.now()
        os.kill(process.pid, signal.SIGKILL)
        await asyncio.to_thread(process.popen.wait)
        await asyncio.sleep(RESTART_AFTER_S)
        began = time.monotonic()
        # what `make serve` does for a dead process (bench.cluster.Supervisor)
        restarted = await asyncio.to_thread(clusters.Supervisor(cluster).check)
        outcome.facts["supervisor_kept_serving"] = restarted
        outcome.facts["restart_to_healthy_s"] = round(time.monotonic() - began, 2)
        outcome.facts["restarted_at_s"] = round(crowd.now(), 2)
        await asyncio.sleep(max(0.0, seconds - crowd.now()))

    try:
        await crowd_run(ctx, crowd, cluster, script)
        tally(outcome, crowd, cluster)
        port = cluster.backends[victim].port
        seen, outcome.log_problems = expected_log_lines(outcome.log_problems, port)
        outcome.expectations["no traceback in any server log"] = not outcome.log_problems
        outcome.facts["nginx_errors_about_killed_process"] = seen
        on_victim = [v for v in crowd.visitors if v.backend == victim]
        others = [v for v in crowd.visitors if v.backend != victim]
        outcome.facts |= {
            "killed_process": cluster.backends[victim].name,
            "killed_at_s": round(killed_at, 2),
            "visitors_on_killed_process": [v.index for v in on_victim],
            "errors_on_killed_process": sum(len(v.errors) for v in on_victim),
            "errors_elsewhere": sum(len(v.errors) for v in others),
            "restarted_by": "bench.cluster.Supervisor (what `make serve` runs)",
        }
        outcome.recovery_s = recovered_after(crowd.visitors, killed_at, {"error"})
        outcome.recovery = "killed → every visitor that saw an error has its next page"
        alive = await all_show(cluster.backend_urls(), figures, targets[:1], within_s=30)
        outcome.expectations |= {
            "every visitor was placed on a process": all(
                v.backend is not None for v in crowd.visitors
            ),
            "at most one error per visitor of the killed process": all(
                len(v.errors) <= 1 for v in on_victim
            ),
            "visitors of the other process saw no error": outcome.facts["errors_elsewhere"] == 0,
            "each visitor's pages worked again after the kill": all(
                first_ok_after(v, killed_at + 0.001) is not None for v in crowd.visitors
            ),
            "the restarted process serves the right figures": alive is not None,
        }
    finally:
        await asyncio.to_thread(cluster.stop)
    return outcome


async def fault_import(ctx: Context) -> Outcome:
    seconds = ctx.seconds
    outcome, data, old = begin(ctx, "import", seconds)
    rows = await asyncio.to_thread(import_rows, data)
    files = await asyncio.to_thread(write_import, rows, ctx.workdir / "import" / "files")
    new = figures_after_import(old, rows)
    cluster = await asyncio.to_thread(start_cluster, ctx, "import", data)
    rng = random.Random(ctx.seed)
    depts = rng.sample(sorted({d for d, _ in old}), 12)
    targets = [(d, y) for d in depts for y in (IMPORT_YEAR, IMPORT_YEAR - 1)]
    crowd = Crowd(cluster.url, targets, {"old": old, "new": new})
    samples = [(depts[0], IMPORT_YEAR), (depts[1], IMPORT_YEAR)]
    marks: dict[str, float] = {}

    async def script() -> None:
        await asyncio.sleep(seconds * 0.3)
        marks["import"] = crowd.now()
        done = await command(ctx, ["lib.sources.ingest", *map(str, files), "--data-dir", str(data)])
        outcome.commands.append(done.to_json())
        marks["imported"] = crowd.now()
        outcome.facts["all_processes_new_after_import_s"] = rounded(
            await all_show(cluster.backend_urls(), new, samples, within_s=20)
        )
        await asyncio.sleep(max(0.0, seconds * 0.65 - crowd.now()))
        imported = marks["imported"]
        await until(lambda: any(p.at > imported and p.detail == "new" for p in pages_of(crowd)))
        marks["rollback"] = crowd.now()
        done = await command(ctx, ["lib.data.store", "rollback", "--data-dir", str(data)])
        outcome.commands.append(done.to_json())
        marks["rolled_back"] = crowd.now()
        outcome.facts["all_processes_old_after_rollback_s"] = rounded(
            await all_show(cluster.backend_urls(), old, samples, within_s=20)
        )
        await asyncio.sleep(max(0.0, seconds - crowd.now()))

    try:
        await crowd_run(ctx, crowd, cluster, script)
        tally(outcome, crowd, cluster)
        answers = Counter[str]()
        for visitor in crowd.visitors:
            answers.update(visitor.answers)
        new_pages = sum(n for name, n in answers.items() if name == "new")
        outcome.facts |= {
            "marks_s": {k: round(v, 2) for k, v in marks.items()},
            "pages_by_answer": dict(answers),
            "import_rows": len(rows),
        }
        # Time to recovery: from the command's return until every process shows its figures.
        waits = [
            outcome.facts.get("all_processes_new_after_import_s"),
            outcome.facts.get("all_processes_old_after_rollback_s"),
        ]
        outcome.recovery_s = None if None in waits else max(waits)  # type: ignore[type-var]
        outcome.recovery = "command returned → every process shows the new (old) figures"
        outcome.expectations |= {
            "the import succeeded": outcome.commands[0]["status"] == 0,
            "the rollback succeeded": len(outcome.commands) > 1
            and outcome.commands[1]["status"] == 0,
            "no visitor saw an error": outcome.errors == 0,
            "visitors saw the new figures": new_pages > 0,
            "every process showed the new figures after the import": waits[0] is not None,
            "every process showed the old figures after the rollback": waits[1] is not None,
        }
    finally:
        await asyncio.to_thread(cluster.stop)
    return outcome


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def fault_damaged(ctx: Context) -> Outcome:
    seconds = ctx.seconds
    outcome, data, old = begin(ctx, "damaged", seconds)
    # The current version must hold its own files of the year (an import), the previous one
    # other files: a file hard-linked into both versions, damaged, would damage both.
    rows = await asyncio.to_thread(import_rows, data)
    files = await asyncio.to_thread(write_import, rows, ctx.workdir / "damaged" / "files")
    done = await command(ctx, ["lib.sources.ingest", *map(str, files), "--data-dir", str(data)])
    outcome.commands.append(done.to_json())
    current = figures_after_import(old, rows)
    manifest = store.read_manifest(data)
    assert manifest is not None
    victim_rel = manifest.files[IMPORT_YEAR].removesuffix(store.DATA_FILE) + DAMAGED_FILE
    cluster = await asyncio.to_thread(start_cluster, ctx, "damaged", data)
    rng = random.Random(ctx.seed)
    depts = sorted({d for d, _ in old})
    targets = [(d, IMPORT_YEAR) for d in depts] + [
        (d, IMPORT_YEAR - 1) for d in rng.sample(depts, 12)
    ]
    crowd = Crowd(cluster.url, targets, {"current": current, "previous": old}, (DAMAGED_NOTICE,))
    marks: dict[str, float] = {}

    async def script() -> None:
        await asyncio.sleep(seconds * 0.25)
        path = data / victim_rel
        marks["damaged"] = crowd.now()
        os.truncate(path, path.stat().st_size // 2)  # in place, as a disk fault or a bad copy
        await asyncio.sleep(seconds * 0.2)
        at = marks["damaged"]
        await until(lambda: any(p.kind == "notice" for p in pages_of(crowd)))
        await until(
            lambda: any(
                p.at > at and p.kind == "ok" and p.year != IMPORT_YEAR for p in pages_of(crowd)
            )
        )
        check = await command(ctx, ["lib.data.store", "check", "--data-dir", str(data)])
        outcome.commands.append(check.to_json())
        await asyncio.sleep(max(0.0, seconds * 0.6 - crowd.now()))
        marks["rollback"] = crowd.now()
        rollback = await command(ctx, ["lib.data.store", "rollback", "--data-dir", str(data)])
        outcome.commands.append(rollback.to_json())
        marks["rolled_back"] = crowd.now()
        samples = [(depts[0], IMPORT_YEAR), (depts[-1], IMPORT_YEAR)]
        outcome.facts["all_processes_whole_after_rollback_s"] = rounded(
            await all_show(cluster.backend_urls(), old, samples, within_s=20)
        )
        after = await command(ctx, ["lib.data.store", "check", "--data-dir", str(data)])
        outcome.commands.append(after.to_json())
        await asyncio.sleep(max(0.0, seconds - crowd.now()))

    try:
        await crowd_run(ctx, crowd, cluster, script)
        tally(outcome, crowd, cluster)
        damaged, rolled = marks.get("damaged", 0.0), marks.get("rolled_back", seconds)
        pages = [p for v in crowd.visitors for p in v.timeline]
        notice_texts = [p.detail for p in pages if p.kind == "notice"]
        during = [p for p in pages if damaged <= p.at < rolled]
        other_year_ok = sum(1 for p in during if p.year != IMPORT_YEAR and p.kind == "ok")
        outcome.facts |= {
            "damaged_file": victim_rel,
            "marks_s": {k: round(v, 2) for k, v in marks.items()},
            "pages_saying_damaged": len(notice_texts),
            "notice_example": notice_texts[0] if notice_texts else None,
        }
        outcome.recovery_s = outcome.facts.get("all_processes_whole_after_rollback_s")
        outcome.recovery = "rollback returned → every process shows the year again"
        check, rollback, after = [*outcome.commands, {}, {}, {}][1:4]
        outcome.expectations |= {
            "the import before the fault succeeded": outcome.commands[0]["status"] == 0,
            "no visitor saw an error (only the French notice)": outcome.errors == 0,
            "pages needing the file said « Données endommagées »": bool(notice_texts),
            "the notice names the file": any(
                victim_rel in text.replace("\\", "") for text in notice_texts
            ),
            "pages of another year kept working meanwhile": other_year_ok > 0 or not during,
            "lib.data.store check named the file, exit status 1": check.get("status") == 1
            and victim_rel in check.get("output", ""),
            "lib.data.store rollback succeeded": rollback.get("status") == 0,
            "lib.data.store check passes after the rollback": after.get("status") == 0,
            "every process shows the year after the rollback": outcome.recovery_s is not None,
            "both app processes still run": all(p.popen.poll() is None for p in cluster.backends),
        }
    finally:
        await asyncio.to_thread(cluster.stop)
    return outcome


async def fault_disk(ctx: Context) -> Outcome:
    seconds = ctx.seconds
    outcome, data, old = begin(ctx, "disk", seconds)
    rows = await asyncio.to_thread(import_rows, data)
    # Two imports under the limit. One flow, a few rows: the files extracted stay under the
    # limit, the year's new data file (the other flow kept in it) does not: the disk fills
    # while the version is written. The whole year: its extracted text is beyond the limit.
    small = rows[rows["flow"] == "E"].head(2000).reset_index(drop=True)
    attempts = {
        "write": await asyncio.to_thread(
            write_import, small, ctx.workdir / "disk" / "small", ("E",)
        ),
        "extraction": await asyncio.to_thread(write_import, rows, ctx.workdir / "disk" / "whole"),
    }
    before = store.read_manifest(data)
    assert before is not None
    cluster = await asyncio.to_thread(start_cluster, ctx, "disk", data)
    rng = random.Random(ctx.seed)
    depts = rng.sample(sorted({d for d, _ in old}), 12)
    targets = [(d, y) for d in depts for y in (IMPORT_YEAR, IMPORT_YEAR - 1)]
    crowd = Crowd(cluster.url, targets, {"old": old})
    marks: dict[str, float] = {}
    states: list[dict[str, Any]] = []

    def state() -> dict[str, Any]:
        manifest = store.read_manifest(data)
        return {
            "version_unchanged": manifest is not None and manifest.version == before.version,
            "leftovers": sorted(p.name for p in data.glob(".tmp-*")),
            "check_damaged": [d.path for d in store.check(data)],
        }

    async def script() -> None:
        await asyncio.sleep(seconds * 0.3)
        for stage, files in attempts.items():
            marks[f"import_failing_at_{stage}"] = crowd.now()
            args = ["lib.sources.ingest", *map(str, files), "--data-dir", str(data)]
            done = await command(ctx, args, file_size_limit(DISK_LIMIT_BYTES))
            outcome.commands.append(done.to_json())
            states.append(await asyncio.to_thread(state))
            await asyncio.sleep(seconds * 0.2)
        outcome.facts["old_figures_served_after_s"] = rounded(
            await all_show(cluster.backend_urls(), old, [(depts[0], IMPORT_YEAR)], within_s=20)
        )
        await asyncio.sleep(max(0.0, seconds - crowd.now()))

    try:
        await crowd_run(ctx, crowd, cluster, script)
        tally(outcome, crowd, cluster)
        outcome.facts |= {
            "file_size_limit_bytes": DISK_LIMIT_BYTES,
            "marks_s": {k: round(v, 2) for k, v in marks.items()},
            "after_each_import": dict(zip(attempts, states, strict=False)),
        }
        outcome.recovery_s = 0.0 if outcome.errors == 0 else None
        outcome.recovery = "nothing to recover: the previous version is served throughout"
        outcome.expectations |= {
            "both imports were refused (exit status ≠ 0)": len(outcome.commands) == 2
            and all(c["status"] != 0 for c in outcome.commands),
            "each refusal is in French and says nothing changed": all(
                "n'a été modifié" in c["output"] for c in outcome.commands
            ),
            "after each: same version, no partial version left, check passes": len(states) == 2
            and all(
                st["version_unchanged"] and not st["leftovers"] and not st["check_damaged"]
                for st in states
            ),
            "no visitor saw an error": outcome.errors == 0,
            "every process still shows the previous figures": outcome.facts[
                "old_figures_served_after_s"
            ]
            is not None,
        }
    finally:
        await asyncio.to_thread(cluster.stop)
    return outcome


def remote_phases(short: bool) -> dict[str, float]:
    """Seconds of each phase of the remote fault: the stall lasts twice the query time limit
    (a page must not wait for the server to answer)."""
    stall = db.QUERY_TIMEOUT_S * (2.0 if short else 3.0)
    if short:
        return {"ok": 6.0, "stall": stall, "error": 6.0, "recovered": 10.0}
    return {"ok": 15.0, "stall": stall, "error": 20.0, "recovered": 20.0}


async def fault_remote(ctx: Context) -> Outcome:
    phases = remote_phases(ctx.short)
    seconds = sum(phases.values())
    outcome, data, figures = begin(ctx, "remote", seconds)
    rng = random.Random(ctx.seed)
    depts = sorted({d for d, _ in figures})
    # Many fiches, so that most pages need the server (each process keeps what it computed).
    targets = [(d, y) for d in depts for y in (IMPORT_YEAR, IMPORT_YEAR - 1, IMPORT_YEAR - 2)]
    rng.shuffle(targets)
    marks: dict[str, float] = {}
    with httpserver.serve(data) as server:
        cluster = await asyncio.to_thread(start_cluster, ctx, "remote", server.url)
        crowd = Crowd(cluster.url, targets, {"dataset": figures}, (TIMEOUT_NOTICE, REMOTE_NOTICE))

        async def script() -> None:
            for phase in ("stall", "error", "ok"):
                await asyncio.sleep(
                    sum(phases[p] for p in phases_until(phase, phases)) - crowd.now()
                )
                marks[phase] = crowd.now()
                server.faults.set(phase)
            outcome.facts["all_processes_serve_after_recovery_s"] = rounded(
                await all_show(cluster.backend_urls(), figures, targets[-2:], within_s=30)
            )
            await asyncio.sleep(max(0.0, seconds - crowd.now()))

        try:
            await crowd_run(ctx, crowd, cluster, script)
            tally(outcome, crowd, cluster)
        finally:
            server.faults.set("ok")
            await asyncio.to_thread(cluster.stop)
        stalled, failed = server.faults.stalled, server.faults.failed
    stall_at, ok_at = marks.get("stall", 0.0), marks.get("ok", 0.0)
    limit = db.QUERY_TIMEOUT_S
    pages = [p for v in crowd.visitors for p in v.timeline]
    during = [p for p in pages if stall_at <= p.at < ok_at]
    slow = [p for p in pages if p.seconds > limit + PAGE_SLACK_S]
    outcome.facts |= {
        "phases_s": phases,
        "marks_s": {k: round(v, 2) for k, v in marks.items()},
        "requests_stalled": stalled,
        "requests_answered_500": failed,
        "pages_during_fault": dict(Counter(p.kind for p in during)),
        "slowest_page_during_fault_s": round(max((p.seconds for p in during), default=0.0), 2),
        "query_time_limit_s": limit,
        "notice_examples": sorted({p.detail for p in pages if p.kind == "notice"})[:3],
    }
    # From the server's recovery until every visitor's pages and every process work again.
    waits = [
        recovered_after(crowd.visitors, ok_at, {"notice", "error"}),
        outcome.facts["all_processes_serve_after_recovery_s"],
    ]
    outcome.recovery_s = None if None in waits else round(max(waits), 2)  # type: ignore[type-var]
    outcome.recovery = "server answers again → every visitor's pages and every process work"
    outcome.timing[
        f"every page answered within the query time limit (+{PAGE_SLACK_S:g} s)"
    ] = not slow
    outcome.expectations |= {
        "the server stalled or failed requests": stalled + failed > 0,
        "no visitor saw an error (only French notices)": outcome.errors == 0,
        "pages worked again after the server recovered": all(
            first_ok_after(v, ok_at) is not None for v in crowd.visitors
        ),
        "every process serves the dataset after the recovery": outcome.facts[
            "all_processes_serve_after_recovery_s"
        ]
        is not None,
    }
    return outcome


def phases_until(phase: str, phases: dict[str, float]) -> list[str]:
    """The phases before `phase` starts ("ok" here: the recovery, after "error")."""
    order = ["ok", "stall", "error", "recovered"]
    target = {"stall": "stall", "error": "error", "ok": "recovered"}[phase]
    return order[: order.index(target)]


RUNNERS: dict[str, Callable[[Context], Any]] = {
    "kill": fault_kill,
    "import": fault_import,
    "damaged": fault_damaged,
    "disk": fault_disk,
    "remote": fault_remote,
}


# --- The run and its report -----------------------------------------------------------------------


def markdown(outcomes: Sequence[Outcome], meta: dict[str, Any]) -> str:
    """The summary pasted into docs/RELIABILITY.md."""
    lines = [
        f"Run of {meta['started']} ({'short' if meta['short'] else 'full'}: "
        f"{meta['seconds_per_fault']:g} s per fault, {meta['visitors']} visitors through nginx "
        "in front of 2 app processes; the remote fault: its own phases).",
        "",
        "| Fault | Visitors | Pages served | French notices | Errors seen by visitors "
        "| Time to recovery | Figures lost | Expectations |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for o in outcomes:
        recovery = "—" if o.recovery_s is None else f"{o.recovery_s:.1f} s"
        checks = [*o.expectations.values(), *o.timing.values()]
        verdict = f"{sum(checks)}/{len(checks)} met" + ("" if o.ok else " ✗")
        lines.append(
            f"| {o.title} | {o.visitors} | {o.pages} | {o.notices} | {o.errors} "
            f"| {recovery} ({o.recovery}) | {o.figures_lost} | {verdict} |"
        )
    failed = [
        (o.fault, k) for o in outcomes for k, v in (o.expectations | o.timing).items() if not v
    ]
    if failed:
        lines += ["", "Not met: " + "; ".join(f"{f}: {k}" for f, k in failed) + "."]
    return "\n".join(lines)


def machine() -> str:
    return f"{procstat.cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}"


async def run_faults(ctx: Context, faults: Sequence[str]) -> list[Outcome]:
    outcomes = []
    for fault in faults:
        print(f"[chaos] {fault}: {TITLES[fault]}…", file=sys.stderr, flush=True)
        began = time.monotonic()
        outcome = await RUNNERS[fault](ctx)
        outcome.facts["wall_s"] = round(time.monotonic() - began, 1)
        outcome.recovery_s = rounded(outcome.recovery_s)
        print(
            f"[chaos] {fault}: pages {outcome.pages}, notices {outcome.notices}, errors "
            f"{outcome.errors}, figures lost {outcome.figures_lost}, recovery "
            f"{outcome.recovery_s} s, {'ok' if outcome.ok else 'NOT OK'}",
            file=sys.stderr,
            flush=True,
        )
        outcomes.append(outcome)
    return outcomes


def source_dataset(data_dir: str | None, workdir: Path) -> Path:
    """The dataset copied for each fault: --data-dir, the project's (data/parquet), or a
    demonstration dataset built for the run."""
    if data_dir:
        return Path(data_dir)
    default = Path(config.data_dir())
    if not config.is_remote(str(default)) and (default / store.MANIFEST).exists():
        return default
    from lib.sources import demo

    built = workdir / "source"
    demo.build_demo(built)
    return built


def run(
    faults: Sequence[str] = FAULTS,
    *,
    short: bool = False,
    seconds: float | None = None,
    visitors: int = VISITORS,
    data_dir: str | None = None,
    seed: int = 19,
    snapshot: bool = True,
) -> tuple[list[Outcome], dict[str, Any]]:
    """Run `faults` one after another; (outcomes, run metadata)."""
    if clusters.nginx_binary() is None:
        raise FileNotFoundError("nginx is not installed (make nginx)")
    workdir = Path(tempfile.mkdtemp(prefix="comext-chaos-"))
    try:
        app_dir = clusters.snapshot(workdir / "app") if snapshot else ROOT
        ctx = Context(
            source=source_dataset(data_dir, workdir),
            workdir=workdir,
            seconds=seconds or (SHORT_SECONDS if short else FULL_SECONDS),
            visitors=visitors,
            seed=seed,
            app_dir=app_dir,
            short=short,
        )
        meta = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "short": short,
            "seconds_per_fault": ctx.seconds,
            "visitors": visitors,
            "seed": seed,
            "dataset": "copy of " + (data_dir or "the project's dataset"),
        }
        # run_sync: the e2e tests' Playwright leaves an event loop running in the test process
        outcomes = run_sync(run_faults(ctx, faults))
        return outcomes, meta
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--short", action="store_true", help="seconds per fault (CI)")
    parser.add_argument("--faults", default=",".join(FAULTS), help="among " + ",".join(FAULTS))
    parser.add_argument("--seconds", type=float, help="per fault (default 60; --short: 14)")
    parser.add_argument("--visitors", type=int, default=VISITORS)
    parser.add_argument("--data-dir", help="dataset to copy (default: the project's)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON report ('' : none)")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    outcomes, meta = run(
        faults, short=args.short, seconds=args.seconds, visitors=args.visitors,
        data_dir=args.data_dir, seed=args.seed,
    )  # fmt: skip
    summary = markdown(outcomes, meta)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = {**meta, "faults": [o.to_json() for o in outcomes], "markdown": summary}
        out.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
