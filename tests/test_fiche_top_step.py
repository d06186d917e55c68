"""A step of the fiche's top N reruns only the partners part of the first screen (issue 18):
a served app driven by the protocol client, which reruns a widget's fragment alone as the
browser does (bench/streamlit_client.py). What the run did not send stays the same object;
what it sent is checked against plain pandas over the demonstration dataset's Parquet files.

With a section that follows top N open (pages/fiche.TOP_SECTIONS), the step reruns that section
too, by its fragment's key, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.load import run_sync
from bench.streamlit_client import Run, StreamlitSession
from tests import html_charts, oracle
from tests.servers import streamlit_server

QUERY = "niveau=departement&code=53&annee=2024&top=10&flux=tous"
DOCUMENT_BUTTONS = ("fiche-pdf", "fiche-html")  # pages/parts/fiche_downloads.document_buttons


@pytest.fixture(scope="module")
def served(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("fiche-top") / "serve.log"
    with streamlit_server(demo_data_dir, log) as url:
        yield url


@pytest.fixture(scope="module")
def mayenne_2024(demo_data_dir: Path) -> pd.DataFrame:
    (path,) = demo_data_dir.glob("v-*/year=2024/data.parquet")
    rows = pd.read_parquet(path, filters=[("dept", "==", "53")])
    return rows.assign(year=2024)


def _partners_charts(run: Run) -> list[html_charts.HtmlChartRead]:
    """The partners chart in each of its two looks (wide, narrow), among the HTML charts the
    run sent (tests/html_charts.py)."""
    charts = html_charts.charts_in(e.proto.body for e in run.of_kind("html"))
    return [chart for chart in charts if html_charts.is_partners(chart)]


def _partners_bars(run: Run) -> list[list[str]]:
    """The partners chart's countries, in each look."""
    return [[row.name for row in chart.rows] for chart in _partners_charts(run)]


def _partners_values(run: Run) -> list[list[tuple[float, float]]]:
    """Each look's (imports, exports) in euros, row by row, as its `data-signature` gives them."""
    return [
        [tuple(float(v) for v in row.rsplit(":", 2)[1:]) for row in chart.signature.split("|")]
        for chart in _partners_charts(run)
    ]


def _expected_names(frame: pd.DataFrame, top: int) -> int:
    return len(oracle.partners(frame, ["53"], 2024, top))


async def _file_names(session: StreamlitSession, run: Run) -> set[str]:
    """The names of the CSV files the run's download buttons serve, each made as a click
    makes it."""
    names = set()
    for key, url in run.downloads().items():
        if key.startswith("csv-"):
            names.add((await session.download(url)).filename)
    return names


def _title_element(run: Run):
    return next(e for e in run.of_kind("heading") if e.proto.tag == "h1")


def _document_buttons(run: Run) -> list:
    """The fiche's PDF and HTML buttons (their ids end with their keys)."""
    buttons = run.of_kind("download_button")
    return [b for b in buttons if b.proto.id.endswith(DOCUMENT_BUTTONS)]


def _partners_part(run: Run) -> str:
    """The fragment the slider belongs to (pages/fiche.partners_part)."""
    slider = run.widget("fiche-top")
    assert slider is not None and slider.fragment_id
    return slider.fragment_id


def test_a_step_reruns_the_partners_part_alone(served: str, mayenne_2024: pd.DataFrame) -> None:
    async def scenario() -> None:
        async with StreamlitSession(served) as session:
            page = await session.open("/fiche", QUERY)
            title, metrics = _title_element(page), page.of_kind("metric")
            documents = _document_buttons(page)
            assert [len(bars) for bars in _partners_bars(page)] == [
                _expected_names(mayenne_2024, 10)
            ] * 2
            step = await session.set_widget("fiche-top", 5)
            # Not sent again: the title, the controls, and the first screen above the partners:
            # the key figures (their files named without top N) and the document buttons (the
            # same objects as before)...
            assert _title_element(step) is title
            assert step.widget("fiche-year") is page.widget("fiche-year")
            assert all(a is b for a, b in zip(step.of_kind("metric"), metrics, strict=True))
            assert len(documents) == len(DOCUMENT_BUTTONS)
            assert all(a is b for a, b in zip(_document_buttons(step), documents, strict=True))
            # ...sent again: the partners part, with 5 partners and its file saying top 5.
            assert _partners_part(step) == _partners_part(page)
            assert [len(bars) for bars in _partners_bars(step)] == [
                _expected_names(mayenne_2024, 5)
            ] * 2
            top5 = oracle.partners(mayenne_2024, ["53"], 2024, 5)
            expected = [
                (round(i), round(e))
                for i, e in zip(top5["imports_eur"], top5["exports_eur"], strict=True)
            ]
            assert _partners_values(step) == [expected] * 2
            names = await _file_names(session, step)
            assert {"pays_dept_53_2024_top5.csv", "chiffres_cles_dept_53_2024.csv"} <= names
            assert "top=5" in step.query_string
            assert step.messages < page.messages / 3

    run_sync(scenario())


def _sankey_values(run: Run, section: tuple[int, ...]) -> list[float]:
    """The link values (euros) of the first Sankey of the section at `section` (the fiche's
    territory's; the région's and France's follow), sorted."""
    bodies = (e.proto.body for e in run.inside(section) if e.kind == "html")
    sankeys = html_charts.sankeys_in(bodies)
    return sorted(value for _, _, value in html_charts.sankey_links(sankeys[0])[1])


def test_with_a_section_following_top_n_open_the_step_reruns_it_with_the_partners_part(
    served: str, mayenne_2024: pd.DataFrame
) -> None:
    async def scenario() -> None:
        async with StreamlitSession(served) as session:
            page = await session.open("/fiche", QUERY + "&section=situer,flux-export")
            situer = page.expander("fiche-section-situer")
            assert situer is not None and situer.expanded
            situation = page.inside(situer.path)
            assert situation  # drawn, open
            flux = page.expander("fiche-section-flux-export")
            assert flux is not None and len(page.inside(flux.path)) > 3
            step = await session.set_widget("fiche-top", 6)
            assert not step.problems()
            # Not run again: the title, the key figures, the section that does not follow top N.
            assert _title_element(step) is _title_element(page)
            assert all(
                a is b for a, b in zip(step.of_kind("metric"), page.of_kind("metric"), strict=True)
            )
            assert all(a is b for a, b in zip(step.inside(situer.path), situation, strict=True))
            # Run again: the partners part and « Flux à l'export », both at top 6.
            assert [len(bars) for bars in _partners_bars(step)] == [
                _expected_names(mayenne_2024, 6)
            ] * 2
            sankey = step.inside(flux.path)
            assert not any(a is b for a, b in zip(sankey, page.inside(flux.path), strict=True))
            names = await _file_names(session, step)
            assert "sankey_export_dept_53_2024_top6.csv" in names  # the Sankey followed
            assert "pays_dept_53_2024_top6.csv" in names
            links = oracle.sankey(mayenne_2024, ["53"], 2024, "E", 6)
            expected = sorted(links.loc[links["value_eur"] > 0, "value_eur"].astype(float))
            assert _sankey_values(step, flux.path) == expected
            assert _sankey_values(page, flux.path) != expected  # it was top 10
            assert step.messages < page.messages / 2
            assert "top=6" in step.query_string
            assert "section=situer%2Cflux-export" in step.query_string

    run_sync(scenario())


def test_with_a_section_not_following_top_n_open_the_step_stays_in_the_fragment(
    served: str,
) -> None:
    async def scenario() -> None:
        async with StreamlitSession(served) as session:
            page = await session.open("/fiche", QUERY + "&section=situer")
            step = await session.set_widget("fiche-top", 7)
            assert _title_element(step) is _title_element(page)
            assert "section=situer" in step.query_string  # still open

    run_sync(scenario())
