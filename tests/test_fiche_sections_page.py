"""AppTest of the fiche's first screen and its sections on demand (issue 18,
pages/parts/on_demand.py).

Expected figures come from the published fiche (shared/reference) and from plain pandas over
the demonstration dataset's Parquet files, never from the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.charts import world
from lib.core import sections
from lib.data import cache, db, queries
from pages.parts.on_demand import RUNS_KEY
from tests import html_charts
from tests.test_pages import NB, _demo_data, open_page  # noqa: F401  (autouse fixture)

TITLES = [f"**{section.title}**" for section in sections.FICHE]  # as labelled: bold


def _runs(at: AppTest) -> dict[str, int]:
    return dict(at.session_state[RUNS_KEY]) if RUNS_KEY in at.session_state else {}


def _chart_types(at: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["data"][0]["type"] for chart in at.get("plotly_chart")]


def _partners_rows(at: AppTest) -> list[int]:
    """The partners chart's rows, in each look sent (HTML: tests/html_charts.py)."""
    return [len(c.rows) for c in html_charts.in_app(at) if html_charts.is_partners(c)]


def _sankeys(at: AppTest) -> list[html_charts.HtmlChartRead]:
    """The Sankeys drawn (HTML: tests/html_charts.py)."""
    return [chart for chart in html_charts.in_app(at) if html_charts.is_sankey(chart)]


def _treemaps(at: AppTest) -> list[html_charts.HtmlChartRead]:
    """The activities treemaps drawn (HTML: tests/html_charts.py)."""
    return [chart for chart in html_charts.in_app(at) if html_charts.is_treemap(chart)]


def _section_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label in TITLES]


def test_first_screen_is_key_figures_and_partners_with_every_section_closed() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations"] == f"1{NB}773,5{NB}M€"  # the published fiche's
    # The partners chart, wide and narrow looks, in HTML: no Plotly chart on the first screen.
    assert _partners_rows(at) == [10, 10]
    assert _chart_types(at) == []
    assert _section_labels(at) == TITLES  # named, in the seed's order, one click away
    assert _runs(at) == {}  # and none computed
    assert "section" not in at.query_params


def test_a_section_in_the_url_opens_it_alone(demo_data_dir: Path) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="monde")
    assert _runs(at) == {"fiche-section-monde": 1}
    assert _chart_types(at) == ["choropleth"]
    world = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    # Coloured countries: exactly those Mayenne exported to in 2024 (plain pandas).
    (path,) = demo_data_dir.glob("v-*/year=2024/data.parquet")
    rows = pd.read_parquet(path, filters=[("dept", "==", "53"), ("flow", "==", "E")])
    exported = set(rows.loc[rows["value_eur"] > 0, "country"])
    coloured = {code for code, z in zip(world["locations"], world["z"], strict=True) if z > 0}
    assert coloured == exported & set(world["locations"])
    assert at.query_params["section"] == "monde"


def test_the_activities_treemap_draws_every_product_of_the_parquet(demo_data_dir: Path) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="activites")
    assert _runs(at) == {"fiche-section-activites": 1}
    assert _chart_types(at) == []  # no Plotly chart: the treemap is HTML
    wide, narrow = _treemaps(at)
    assert wide.signature == narrow.signature
    drawn = {
        (node.split("/")[0], node.split("/")[2]): value
        for node, value in html_charts.treemap_values(wide).items()
        if node.count("/") == 2
    }
    # Every product with a positive value in 2024, by flow (plain pandas).
    (path,) = demo_data_dir.glob("v-*/year=2024/data.parquet")
    rows = pd.read_parquet(path, filters=[("dept", "==", "53")])
    sums = rows.groupby(["flow", "product"])["value_eur"].sum()
    names = {"E": "export", "I": "import"}
    expected = {(names[f], p): float(v) for (f, p), v in sums.items() if v > 0}
    assert drawn.keys() == expected.keys()
    for key, value in expected.items():
        assert drawn[key] == pytest.approx(value, rel=1e-12)
    # Each product's box links to its Produit page, showing Mayenne in 2024 (in the first view,
    # or, for the products of a group too small to hold them there, in the group's view).
    body = next(e.proto.body for e in at.get("html") if "cb-treemap" in e.proto.body)
    views = html_charts.treemap_views(body)
    links = {box.id: box.href for view in views for box in view.boxes if box.tag == "a"}
    assert {(i.split("/")[0], i.split("/")[2]) for i in links} == expected.keys()
    for node, link in links.items():
        flow, _, product = node.split("/")
        assert link == (
            f"/produit?code={product}&annee=2024&flux={flow}&niveau=departement&territoire=53"
        )


def test_every_section_opens_with_its_charts() -> None:
    every = ",".join(sections.slugs(sections.FICHE))
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section=every)
    assert set(_runs(at)) == {f"fiche-section-{slug}" for slug in sections.slugs(sections.FICHE)}
    types = _chart_types(at)
    # Plotly: the world map; HTML: the specialisations, partners ×2, treemap ×2 (both looks),
    # 3 export and 3 import Sankeys.
    assert types == ["choropleth"]
    assert len(_treemaps(at)) == 2
    assert len(_sankeys(at)) == 6
    headers = [h.value for h in at.subheader]
    assert "Contexte et méthodologie" in headers and "Informations pratiques" in headers


def test_unknown_section_gets_a_notice_not_a_crash() -> None:
    at = open_page("fiche", niveau="departement", code="53", section="flux-export,<b>x</b>")
    assert not at.exception
    assert any("inconnue" in info.value for info in at.info)
    assert at.query_params["section"] == "flux-export"  # the unknown value is dropped
    assert _runs(at) == {"fiche-section-flux-export": 1}


@pytest.mark.parametrize(
    ("widget", "value"),
    [("fiche-year", 2019), ("fiche-code", "61"), ("fiche-level", "region")],
)
def test_open_sections_survive_a_change_of_year_or_territory(widget: str, value: object) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="situer,monde")
    at.selectbox(key=widget).set_value(value).run()
    assert not at.exception
    assert at.query_params["section"] == "situer,monde"
    assert _runs(at) == {"fiche-section-situer": 2, "fiche-section-monde": 2}
    assert "choropleth" in _chart_types(at)


def test_a_slider_step_reruns_only_what_depends_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[str] = []
    world_figure = world.partners_figure

    def counted(*args, **kwargs):
        builds.append("world")
        return world_figure(*args, **kwargs)

    monkeypatch.setattr(world, "partners_figure", counted)
    cache.shared().clear()
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="monde")
    assert builds == ["world"]
    partners_before = _partners_rows(at)
    at.slider(key="fiche-top").set_value(5).run()
    # The partners chart follows top N; the world map (which does not depend on it) is not
    # built again, and the closed sections never run.
    assert _partners_rows(at) == [5, 5] and partners_before == [10, 10]
    assert builds == ["world"]
    assert _runs(at) == {"fiche-section-monde": 2}


def test_a_slider_step_reruns_the_open_sections_following_top_n_alone() -> None:
    at = open_page(
        "fiche",
        niveau="departement",
        code="53",
        annee="2024",
        section="situer,activites,flux-export",
    )
    first = {"fiche-section-situer": 1, "fiche-section-activites": 1}
    assert _runs(at) == {**first, "fiche-section-flux-export": 1}
    at.slider(key="fiche-top").set_value(5).run()
    assert not at.exception
    # « Flux à l'export » follows top N: it runs again (by its fragment's key, with the
    # partners part); « Situer » and « Principales activités », which do not, are left as drawn.
    assert _runs(at) == {**first, "fiche-section-flux-export": 2}
    assert _partners_rows(at) == [5, 5]
    assert at.query_params["top"] == "5"
    assert at.query_params["section"] == "situer,activites,flux-export"


def test_a_step_with_a_flow_section_in_the_url_but_not_drawn_is_a_step() -> None:
    at = open_page(
        "fiche",
        niveau="departement",
        code="53",
        annee="2024",
        flux="export",
        section="flux-export,flux-import",
    )
    at.slider(key="fiche-top").set_value(4).run()
    assert not at.exception
    # « Flux à l'import » is not drawn (exports only): not named in the step's rerun.
    assert _runs(at) == {"fiche-section-flux-export": 2}
    assert at.query_params["section"] == "flux-export,flux-import"


def test_a_step_after_a_page_stopped_before_its_sections_is_still_a_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The URL names « Flux à l'export », but the page stopped before drawing its sections (a
    slow query, with its French notice): the slider below the first screen still steps, by a
    rerun of the page, without an error of Streamlit's (no fragment of that section to name)."""

    def too_slow(*args, **kwargs):
        raise db.QueryTimeout(db.QUERY_TIMEOUT_S)

    monkeypatch.setattr(queries, "kpis", too_slow)
    cache.shared().clear()
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="flux-export")
    assert _runs(at) == {}  # the sections were not drawn
    at.slider(key="fiche-top").set_value(5).run()
    assert not at.exception
    assert at.query_params["top"] == "5"
    assert _partners_rows(at) == [5, 5]
    assert any(str(db.QueryTimeout(db.QUERY_TIMEOUT_S)) in e.value for e in at.error)


def test_a_closed_flow_section_is_not_drawn_with_one_flow() -> None:
    at = open_page(
        "fiche", niveau="departement", code="53", annee="2024", flux="export", section="flux-import"
    )
    assert "**Flux à l'import**" not in _section_labels(at)
    assert _runs(at) == {}
    assert at.query_params["section"] == "flux-import"  # kept: it reopens with both flows
    at.radio(key="fiche-flux").set_value("tous").run()
    assert _runs(at) == {"fiche-section-flux-import": 1}
