"""The fiche as a document (issue 12), as a person gets it: on the Mayenne's fiche, click
« Télécharger la fiche (HTML) » then « Télécharger la fiche (PDF) ». The PDF holds the
published figures on 8 to 10 pages; the HTML, opened from the disk with every other request
refused, draws all its charts by itself. Screenshots of the document's first two sheets and
of the page's buttons (desktop and phone) go to tests/e2e/screenshots/.

A second app, whose « Chromium » is /bin/false, shows what a person sees when printing fails at
the click: no file, Streamlit's message under the button.

Expected numbers are the published fiche's (as in tests/test_pages.py), written out here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_explorer import slide_top_down, wait_for_app
from tests.servers import streamlit_server

FICHE = "/fiche?niveau=departement&code=53&annee=2024&top=10"
PDF = "Télécharger la fiche (PDF)"
HTML = "Télécharger la fiche (HTML)"
PRINT_TIMEOUT_MS = 120_000
PUBLISHED = ["Mayenne", "1 773,5 M€", "6,6 %", "0,31 %"]
DEPARTEMENT_CHARTS = 8  # partners, treemap, then per flow the Sankey, the région's, France's
SPACES = re.compile("[\u00a0\u202f]")


def _button(page, label: str):
    return page.locator("[data-testid='stDownloadButton'] button", has_text=label)


def _open_fiche(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    _button(page, PDF).wait_for()
    page.get_by_text("Chiffres clés").first.wait_for()


@pytest.fixture(scope="module")
def documents(browser, app_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML and the PDF, downloaded from the page as a person would: file name → path."""
    folder = tmp_path_factory.mktemp("fiche-document")
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="fr-FR", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open_fiche(page, app_url + FICHE)
        saved = {}
        for label, timeout in ((HTML, 60_000), (PDF, PRINT_TIMEOUT_MS)):
            with page.expect_download(timeout=timeout) as info:
                _button(page, label).click()
            download = info.value
            path = folder / download.suggested_filename
            download.save_as(path)
            saved[download.suggested_filename] = path
        return saved
    finally:
        context.close()


def test_the_files_are_named_after_the_fiche(documents: dict[str, Path]) -> None:
    assert set(documents) == {"fiche_dept_53_2024.html", "fiche_dept_53_2024.pdf"}


def test_the_pdf_holds_the_published_figures(documents: dict[str, Path]) -> None:
    path = documents["fiche_dept_53_2024.pdf"]
    assert path.read_bytes().startswith(b"%PDF")
    reader = PdfReader(path)
    assert 8 <= len(reader.pages) <= 10, len(reader.pages)
    text = SPACES.sub(" ", "\n".join(page.extract_text() for page in reader.pages))
    for expected in PUBLISHED:
        assert expected in text, expected


def test_the_html_draws_every_chart_offline(browser, documents: dict[str, Path]) -> None:
    path = documents["fiche_dept_53_2024.html"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    requested: list[str] = []
    refused: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        requested.append(url)
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    try:
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.route("**/*", only_local)
        page.goto(path.as_uri())
        page.wait_for_function("window.ficheReady === true", timeout=60_000)
        charts = page.locator(".chart").count()
        assert charts == DEPARTEMENT_CHARTS
        drawn = page.evaluate("document.documentElement.dataset.chartsDrawn")
        assert drawn == str(charts)
        assert page.evaluate(
            "[...document.querySelectorAll('.chart')].every(c => c.querySelector('svg.main-svg'))"
        )
        assert refused == []
        assert all(url.startswith(("file:", "data:")) for url in requested), requested
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        sheets = page.locator("section.page")
        assert sheets.count() >= 8
        for number in (1, 2):
            sheet = sheets.nth(number - 1)
            sheet.scroll_into_view_if_needed()
            sheet.screenshot(path=str(SCREENSHOTS / f"fiche_document_page{number}.png"))
    finally:
        context.close()


# The countries of the document's partners chart (its first bar trace's hover names), in order.
PARTNERS_JS = """(selector) => {
  const charts = Array.from(document.querySelectorAll(selector));
  const partners = charts.find(gd => (gd.data || []).some(
      t => t.type === 'bar' && String(t.hovertemplate).includes('Importations')));
  return partners ? partners.data[0].customdata.map(row => row[0]) : null;
}"""
# The same on the page, whose partners chart is HTML (lib/charts/fiche_figures.partners_html):
# each row's tooltip begins with the country's whole name.
ON_PAGE_JS = """() => {
  const chart = Array.from(document.querySelectorAll('.st-key-charts-partners .comext-chart'))
    .find(c => c.checkVisibility());
  return chart ? Array.from(chart.querySelectorAll('.cb-row'))
                      .map(row => row.title.split('\\n')[0]) : null;
}"""


def test_the_html_follows_the_top_n_of_the_click(browser, app_url: str, tmp_path: Path) -> None:
    """Three steps of the slider (10 → 7) redraw the partners part alone, not the buttons: the
    document made at the click ranks 7 countries, those the page shows."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="fr-FR", accept_downloads=True
    )
    try:
        page = context.new_page()
        _open_fiche(page, app_url + FICHE)
        slide_top_down(page, 3, 7)
        page.wait_for_function(f"(n) => ({ON_PAGE_JS})()?.length === n", arg=7)
        shown = page.evaluate(ON_PAGE_JS)
        with page.expect_download(timeout=60_000) as info:
            _button(page, HTML).click()
        assert info.value.suggested_filename == "fiche_dept_53_2024.html"
        path = tmp_path / "fiche.html"
        info.value.save_as(path)
        document = context.new_page()
        document.goto(path.as_uri())
        document.wait_for_function("window.ficheReady === true", timeout=60_000)
        assert document.evaluate(PARTNERS_JS, ".js-plotly-plot") == shown
        assert len(shown) == 7
    finally:
        context.close()


@pytest.mark.parametrize(
    ("name", "width", "height"), [("bureau", 1400, 1000), ("telephone", 375, 812)]
)
def test_the_buttons_fit_the_page(browser, app_url: str, name: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        _open_fiche(page, app_url + FICHE)
        buttons = page.locator("[data-testid='stDownloadButton'] button").filter(
            has_text=re.compile(r"Télécharger la fiche \((PDF|HTML)\)")
        )
        # The two buttons come in the same run, but the second may be drawn a moment after the
        # first (which _open_fiche waits for): wait for both rather than count at once.
        expect(buttons).to_have_count(2)
        buttons.first.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        for index in range(2):
            box = buttons.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"fiche_document_boutons_{name}.png"))
    finally:
        context.close()


@pytest.fixture(scope="module")
def failing_print_url(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """An app whose « Chromium » exits at once: the PDF button is enabled, printing fails at the
    click. Its log then holds the one error expected, Streamlit's for the raised PdfUnavailable
    (tests/servers.py refuses any traceback, hence the check here)."""
    log = tmp_path_factory.mktemp("failing-print") / "streamlit.log"
    try:
        with streamlit_server(demo_data_dir, log, {"COMEXT_CHROMIUM": "/bin/false"}) as url:
            yield url
    except AssertionError:
        text = log.read_text(errors="replace")
        before, record, after = text.partition("Error executing deferred callable")
        assert record and "Traceback" not in before, text[-4000:]
        assert "Error executing deferred callable" not in after, text[-4000:]
        assert "PdfUnavailable: L'impression de la fiche a échoué" in after, text[-4000:]


def test_a_failed_print_sends_no_file_and_says_so(browser, failing_print_url: str) -> None:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="fr-FR", accept_downloads=True
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        downloads: list[object] = []
        page.on("download", lambda download: downloads.append(download))
        _open_fiche(page, failing_print_url + FICHE)
        assert _button(page, PDF).is_enabled()
        _button(page, PDF).click()
        error = page.locator("[data-testid='stDownloadButtonError']")
        error.wait_for(timeout=PRINT_TIMEOUT_MS)
        message = error.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "fiche_document_echec_impression.png"))
        assert message.strip(), "a message under the button"
        page.wait_for_timeout(1000)
        assert downloads == []
        print(f"\nMessage shown when printing fails: {message!r}")
    finally:
        context.close()
