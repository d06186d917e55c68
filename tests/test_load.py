"""The load test's short version: a few protocol-level sessions at once against `streamlit run`
(one process; two behind nginx over one dataset folder; two reading it over HTTP), each visit
the mix of issue 18: the Carte, a fiche (its first screen, one section opened, one step of its
top-N slider, one of its CSVs), the Exposition.

Asserts that nothing failed and that every session only ever received its own state — never a
time (bench/load.py measures those; docs/RELIABILITY.md). Bounded by counts: sessions × visits.
nginx comes from Debian (`make nginx`, a prerequisite of `make test`): missing in CI it is an
error, elsewhere the tests that need it are skipped.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from bench import cluster as clusters
from bench import httpserver, load
from bench.load import run_sync
from bench.streamlit_client import DEFERRED, HttpResponse, Run, StreamlitSession, http_get
from lib.charts import kit
from lib.core.territory import FRANCE, Territory
from lib.web import urlstate
from pages.parts import components


def _need_nginx() -> str:
    binary = clusters.nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing in CI: `make test` should have installed it.")
        pytest.skip("nginx is not installed (run `make nginx`).")
    return binary


@pytest.fixture(scope="module")
def one_process(demo_data_dir: Path) -> Iterator[clusters.Cluster]:
    with clusters.running(demo_data_dir, 1, proxy=False) as running:
        yield running
        assert running.log_problems() == []


@pytest.fixture(scope="module")
def two_processes(demo_data_dir: Path) -> Iterator[clusters.Cluster]:
    _need_nginx()
    with clusters.running(demo_data_dir, 2) as running:
        yield running
        assert running.log_problems() == []


def _assert_clean(recorder: load.Recorder, sessions: int, visits: int) -> None:
    assert [e for _, e in recorder.errors] == []
    assert [v for _, v in recorder.violations] == []
    # every step of every visit happened (and was checked)
    assert recorder.visits == sessions * visits
    for action in load.VISIT:
        assert recorder.count(action) == sessions * visits, action


def _connects(running: clusters.Cluster) -> list[int]:
    return run_sync(load.session_counts(running.backend_urls()))


def test_sessions_on_one_process_see_only_their_own_state(one_process: clusters.Cluster) -> None:
    before = _connects(one_process)
    recorder = load.run_visits(one_process.url, sessions=3, visits=2, seed=11)
    _assert_clean(recorder, 3, 2)
    # a visit is one tab: the fiche's link opens it, the Exposition and the Carte are reached
    # by the fiche's link and the menu (+1: the years probe)
    assert _connects(one_process)[0] - before[0] == 3 * 2 + 1


def test_visits_in_a_new_tab_per_page(one_process: clusters.Cluster) -> None:
    before = _connects(one_process)
    recorder = load.run_visits(one_process.url, sessions=2, visits=2, seed=14, tabs=True)
    _assert_clean(recorder, 2, 2)
    # three tabs a visit (Carte, fiche, Exposition): a session each (+1: the years probe)
    assert _connects(one_process)[0] - before[0] == 3 * 2 * 2 + 1


def test_the_fiches_links_and_the_menu_keep_the_tab(one_process: clusters.Cluster) -> None:
    """What the in-tab visit relies on: the fiche's link opens the Exposition of its territory
    and year, the menu's Carte the fiche's year, without a new session."""

    async def _visit() -> tuple[Run, Run]:
        async with StreamlitSession(one_process.url) as session:
            await session.open("/fiche", "niveau=region&code=52&annee=2023")
            exposition = await session.follow_link(urlstate.EXPOSITION.url_path)
            carte = await session.navigate(urlstate.CARTE.url_path)
            return exposition, carte

    before = _connects(one_process)
    exposition, carte = run_sync(_visit())
    assert _connects(one_process)[0] - before[0] == 1
    assert exposition.problems() == [] and carte.problems() == []
    assert "Pays de la Loire" in (exposition.title() or "")
    written = dict(parse_qsl(exposition.query_string))
    assert {k: written.get(k) for k in ("niveau", "code", "annee")} == {
        "niveau": "region",
        "code": "52",
        "annee": "2023",
    }
    assert carte.title() == "Commerce extérieur des départements, 2023"


def test_sessions_behind_nginx_stick_to_one_process(two_processes: clusters.Cluster) -> None:
    before = _connects(two_processes)
    recorder = load.run_visits(two_processes.url, sessions=4, visits=4, seed=12)
    # every download succeeded: each reached the process holding its session (the files of a
    # session's download buttons live in that process only)
    _assert_clean(recorder, 4, 4)
    opened = [b - a for a, b in zip(before, _connects(two_processes), strict=True)]
    assert sum(opened) == 4 * 4 + 1  # a tab a visit, and the years probe
    # 17 tabs, each with a random route cookie hashed onto a process: both processes served
    # some (all on one process has a probability of 2 × 0.5^17, 1.5 in 100 000)
    assert min(opened) >= 1, opened


def test_the_proxy_sets_a_route_cookie_once(two_processes: clusters.Cluster) -> None:
    async def _visit() -> tuple[dict[str, str], dict[str, str]]:
        async with StreamlitSession(two_processes.url) as session:
            await session.open("/fiche", "niveau=france&annee=2024")
            first = dict(session.cookies)
            again = await session.download("/fiche")
            return first, again.set_cookies

    first, again = run_sync(_visit())
    assert set(first) == {clusters.ROUTE_COOKIE}
    assert len(first[clusters.ROUTE_COOKIE]) == 32  # nginx's $request_id
    assert again == {}  # a browser that has the cookie keeps it


def test_the_proxy_sends_each_security_header_once(two_processes: clusters.Cluster) -> None:
    async def _get() -> HttpResponse:
        return await http_get(f"{two_processes.url}/fiche")

    response = run_sync(_get())
    assert response.status == 200
    # repeated headers are joined with ", " by http_get: each must come once, from nginx or app
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_processes_share_a_dataset_served_over_http(demo_data_dir: Path) -> None:
    _need_nginx()
    with httpserver.serve(demo_data_dir) as served:
        with clusters.running(served.url, 2) as running:
            recorder = load.run_visits(running.url, sessions=2, visits=1, seed=13)
            assert running.log_problems() == []
        assert served.traffic.snapshot()[0] > 0  # the processes did read over HTTP
    _assert_clean(recorder, 2, 1)


def test_the_checks_catch_a_page_of_another_session(one_process: clusters.Cluster) -> None:
    """The isolation checks are not vacuous: a fiche, a CSV or key figures that belong to another
    state are reported."""
    mayenne = urlstate.FicheState(Territory("dept", "53"), 2024, 10, "tous")

    async def _open() -> tuple[Run, StreamlitSession, HttpResponse, HttpResponse]:
        session = StreamlitSession(one_process.url)
        run = await session.open("/fiche", "niveau=departement&code=53&annee=2024&top=10")
        response = await session.download(run.downloads()["csv-partners"])
        kpis = await session.download(run.downloads()["csv-kpis"])
        await session.close()
        return run, session, response, kpis

    run, session, response, kpis = run_sync(_open())
    # The tables' CSVs are made at the click: the client asks for them as the browser does.
    assert run.downloads()["csv-partners"].startswith(DEFERRED)
    assert response.status == 200 and response.filename == "pays_dept_53_2024_top10.csv"
    assert load.check_fiche(run, mayenne, session) == ([], [])
    assert load.check_csv(response, "csv-partners", mayenne) == ([], [])
    assert load.check_csv(kpis, "csv-kpis", mayenne) == ([], [])  # named without top N
    other_year = urlstate.FicheState(Territory("dept", "53"), 2023, 10, "tous")
    assert load.check_csv(kpis, "csv-kpis", other_year)[1] != []

    finistere = urlstate.FicheState(Territory("dept", "29"), 2024, 10, "tous")
    errors, violations = load.check_fiche(run, finistere, session)
    assert errors == []
    assert any("URL written back" in v for v in violations)
    assert any("title" in v for v in violations)
    assert any("heading" in v for v in violations)
    top_15 = urlstate.FicheState(Territory("dept", "53"), 2024, 15, "export")
    violations = load.check_fiche(run, top_15, session)[1]
    assert any("top-N slider at 10" in v for v in violations)
    assert any("flow choice" in v for v in violations)
    assert load.check_csv(response, "csv-partners", top_15)[1] != []
    france = urlstate.FicheState(FRANCE, 2024, 10, "tous")
    assert load.check_csv(response, "csv-partners", france)[1] != []

    fingerprints = load.Fingerprints()
    assert load.check_fiche(run, mayenne, session, fingerprints)[1] == []
    run.elements[next(p for p, e in run.elements.items() if e.kind == "metric")].proto.body = "1"
    assert any("key figures" in v for v in load.check_fiche(run, mayenne, session, fingerprints)[1])


def test_the_checks_catch_a_section_of_another_state(one_process: clusters.Cluster) -> None:
    """A section opened as a click does (the expander's state sent with its fragment's rerun):
    the page keeps its first screen, the section its charts, the URL names it; the checks
    catch a section missing, empty or of another territory, and another page's title or URL."""
    mayenne = urlstate.FicheState(Territory("dept", "53"), 2024, 10, "tous")
    flux = replace(mayenne, sections=("flux-export",))

    async def _open() -> tuple[Run, Run, Run, list[tuple[list[str], list[str]]]]:
        session = StreamlitSession(one_process.url)
        first = await session.open("/fiche", "niveau=departement&code=53&annee=2024&top=10")
        opened = await session.set_expander("fiche-section-flux-export")
        checked = [load.check_fiche(opened, flux, session)]  # the first screen kept
        moved = await session.set_widget("fiche-top", 9)
        checked.append(load.check_fiche(moved, replace(flux, top=9), session))
        await session.close()
        return first, opened, moved, checked

    first, opened, moved, checked = run_sync(_open())
    assert checked == [([], []), ([], [])]
    block = first.expander("fiche-section-flux-export")
    assert block is not None and block.fragment_id and not block.expanded
    assert first.inside(block.path) == []  # closed: computed only when opened
    assert load.check_section(opened, flux, "flux-export") == ([], [])
    inside = opened.inside(block.path)
    assert sum(e.kind == "html" and "cb-sankey" in e.proto.body for e in inside) == 3
    assert load.check_section(moved, replace(flux, top=9), "flux-export") == ([], [])
    assert "top=9" in moved.query_string and "section=flux-export" in moved.query_string

    # closed, or another section: an error; the section of another territory: a violation
    assert load.check_section(first, mayenne, "flux-export")[0] != []
    assert load.check_section(first, mayenne, "nowhere")[0] == [
        "the fiche has no section 'nowhere'"
    ]
    loire = replace(flux, territory=Territory("dept", "44"))
    assert any("no heading names" in v for v in load.check_section(opened, loire, "flux-export")[1])
    assert any("URL says" in v for v in load.check_section(opened, flux, "monde")[1])
    # another page: its title and the parameters written back
    params = {"niveau": "departement", "code": "53", "annee": "2024"}
    assert load.check_page(first, params, "Mayenne (53)") == ([], [])
    assert load.check_page(first, {**params, "code": "44"}, "Mayenne (53)")[1] != []
    assert load.check_page(first, params, "Loire-Atlantique (44)")[1] != []


def test_the_mix_has_its_shares_and_its_popular_fiches() -> None:
    rng = random.Random(3)
    years = [2022, 2023, 2024]
    draws = [load.draw_visit_state(rng, years) for _ in range(2000)]
    popular = sum(load.is_popular(state, years) for state in draws) / len(draws)
    assert abs(popular - load.POPULAR_SHARE) < 0.05
    assert len(load.POPULAR) == 5 and FRANCE in load.POPULAR
    assert load.is_popular(urlstate.FicheState(Territory("dept", "53"), 2024), years)
    assert not load.is_popular(urlstate.FicheState(Territory("dept", "53"), 2023), years)
    assert not load.is_popular(urlstate.FicheState(Territory("dept", "53"), 2024, 15), years)
    counts = {"carte": 2, "open": 2, "section": 2, "top": 2, "csv": 1, "exposition": 1}
    shares = load.mix_shares(counts)
    assert list(shares) == list(load.VISIT)
    assert shares == {
        "carte": 0.2, "open": 0.2, "section": 0.2, "top": 0.2, "csv": 0.1, "exposition": 0.1
    }  # fmt: skip
    assert load.mix_shares({}) == dict.fromkeys(load.VISIT, 0.0)
    assert load.cpu_per_view(1.5, 10) == 150.0 and load.cpu_per_view(1.5, 0) is None

    recorder = load.Recorder()
    for action, count in counts.items():
        for _ in range(count):
            recorder.sample(action, 0.1, 10)
    recorder.visits, recorder.popular_visits = 2, 1
    mix = load.mix_summary(recorder)
    assert mix["counts"] == counts and mix["shares"] == shares and mix["popular_share"] == 0.5
    (line, _) = load._mix_lines(mix)
    assert "Carte 2 (20 %)" in line and "Visits on the 5 popular fiches: 50 %" in line
    assert load.mix_summary(recorder, floor=True) == {"counts": counts}
    assert load._mix_lines({"counts": counts}) == []


def test_each_visit_reports_a_window_that_takes_one_look() -> None:
    # What a browser's .streamlit/width.js writes: each chart comes in the one look that fits.
    assert load.WIDTH_COOKIE == components.WIDTH_COOKIE
    looks = {kit.look_for_window(width) for width in load.WINDOW_WIDTHS}
    assert looks == {"wide", "narrow"}


def test_nginx_configuration_is_valid(tmp_path: Path) -> None:
    rendered = clusters.render_nginx(tmp_path, "127.0.0.1:1", [2, 3, 4])
    assert re.search(r"@[A-Z_]+@", rendered) is None
    assert rendered.count("server 127.0.0.1:") == 3
    assert f"hash $cookie_{clusters.ROUTE_COOKIE}" not in rendered  # hashed through the map
    assert "hash $comext_route;" in rendered
    assert f"client_max_body_size {clusters.max_upload_mb()}m;" in rendered
    binary = _need_nginx()
    (tmp_path / "nginx.conf").write_text(rendered, encoding="utf-8")
    tmp_path.chmod(0o755)
    checked = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def test_api_clients_get_their_tables(one_process: clusters.Cluster) -> None:
    """The load test's API clients (bench.load.api_client) on serve.py: every call answered
    with the table asked for (or 304 when revalidated), none refused by the rate limit (each
    simulated script is its own client through X-Forwarded-For)."""
    recorder = load.run_api_calls(one_process.url, clients=3, calls=8, seed=5)
    assert [e for _, e in recorder.errors] == []
    assert recorder.count("api") == 3 * 8


def test_the_api_check_catches_another_table() -> None:
    body = b'{"table": "partners", "records": []}'
    answer = HttpResponse(200, {"content-type": "application/json"}, {}, body)
    assert load.check_api(answer, "/api/v1/partners?code=53", "partners", False) == []
    assert load.check_api(answer, "/api/v1/kpis?code=53", "kpis", False)
    assert load.check_api(HttpResponse(304, {}, {}, b""), "/api/v1/kpis", "kpis", True) == []
    assert load.check_api(HttpResponse(304, {}, {}, b""), "/api/v1/kpis", "kpis", False)
    assert load.check_api(HttpResponse(429, {}, {}, b"{}"), "/api/v1/kpis", "kpis", False)


def test_floor_sessions_see_only_their_own_state(tmp_path: Path) -> None:
    """`bench.load --floor`: the same clients on the floor app (bench/floor/), served from a
    snapshot as the load test serves it; every page checked, and the checks catch a page of
    another state."""
    app_dir = clusters.snapshot(tmp_path / "app")
    with clusters.running(
        tmp_path / "no-data", 1, proxy=False, app_dir=app_dir, script=clusters.FLOOR_SCRIPT
    ) as running:
        recorder = load.run_visits(running.url, sessions=2, visits=2, seed=14, floor=True)
        assert recorder.errors == [] and recorder.violations == []
        assert recorder.count("open") == 4
        assert recorder.count("section") == recorder.count("top") == 4

        async def _open() -> tuple[Run, StreamlitSession]:
            session = StreamlitSession(running.url)
            run = await session.open("/")
            await session.close()
            return run, session

        run, session = run_sync(_open())
        assert running.log_problems() == []
    assert load.check_floor(run, load.FLOOR_DEFAULT, session) == ([], [])
    assert any("slider at 10" in v for v in load.check_floor(run, 9, session)[1])
    fingerprints = load.Fingerprints()
    assert load.check_floor(run, 10, session, fingerprints)[1] == []
    run.elements[next(p for p, e in run.elements.items() if e.kind == "metric")].proto.body = "1"
    assert any("metrics differ" in v for v in load.check_floor(run, 10, session, fingerprints)[1])


def test_floor_option_keeps_the_apps_results() -> None:
    floor = load.parse_args(["--floor"])
    assert floor.floor and floor.out == load.FLOOR_OUT and floor.doc == ""
    app = load.parse_args([])
    assert not app.floor and app.out == load.DEFAULT_OUT and app.doc == str(load.DEFAULT_DOC)


def test_the_report_says_how_a_visit_goes_from_page_to_page() -> None:
    in_tab, tabs = load._visit_text(False), load._visit_text(True)
    assert in_tab.startswith("a fiche by its link (new tab; 80 % of visits on 5 fiches")
    assert in_tab.endswith("→ Exposition of the same territory (the fiche's link, same tab) → "
                           "Carte (the menu, same tab)")  # fmt: skip
    assert tabs.startswith("Carte (new tab) → a fiche (new tab; 80 %")
    assert tabs.endswith("→ Exposition of the same territory (new tab)")
    assert load.parse_args([]).tabs is False and load.parse_args(["--tabs"]).tabs is True


def test_the_report_names_the_mix_each_run_used() -> None:
    # bench/results/load.json was written before --tabs existed: its visits opened new tabs
    committed = json.loads(load.DEFAULT_OUT.read_text(encoding="utf-8"))
    assert "tabs" not in committed["settings"]
    assert "a visit = Carte (new tab) → a fiche (new tab;" in load.render_markdown(committed)
    committed["settings"]["tabs"] = False
    assert "a visit = a fiche by its link (new tab;" in load.render_markdown(committed)
