"""The fiche's PDF (lib/fiche/as_pdf.py), printed by headless Chromium and read back with pypdf:
the territory, the seed's section titles in order, the published totals and shares as the
fiche writes them, the source and the demonstration warning on every page, a page count in
the seed's range, and nothing requested while printing.

In CI (CI=true) a missing Chromium is an error, as in tests/e2e: `make test` installs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from lib.core import config, refs
from lib.core.territory import FRANCE, Territory
from lib.data import db
from lib.fiche import as_html, as_pdf, contents
from tests.test_fiche_document import SEED_TITLES_MAYENNE

MAYENNE = Territory("dept", "53")
# The seed publication has nine pages (cover and introduction, context, balance, activities,
# exports and their comparison, imports and theirs, practical information); one more or one
# less is still the seed's layout (a longer list of Territoires d'industrie, a taller chart).
SEED_PAGES = range(8, 11)
PUBLISHED = config.REF_DIR / "published_totals_2024.csv"


def _requires_chromium() -> None:
    if as_pdf.unavailable_reason() is None:
        return
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI: `make test` should have installed it.")
    pytest.skip(str(as_pdf.unavailable_reason()))


@pytest.fixture(scope="module")
def printer(demo_data_dir: Path) -> Iterator[as_pdf.Printer]:
    _requires_chromium()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
        db.reset()
        with as_pdf.Printer() as printer:
            yield printer
    db.reset()


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, no-break spaces read as spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub("[\u00a0\u202f]", " ", page.extract_text()) for page in reader.pages]


def _pdf(printer: as_pdf.Printer, territory: Territory) -> list[str]:
    html = as_html.render(contents.build(territory, 2024, 10))
    pdf = printer.pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert printer.refused == []  # the document asked for nothing outside itself
    return _pages(pdf)


@pytest.fixture(scope="module")
def mayenne(printer: as_pdf.Printer) -> list[str]:
    return _pdf(printer, MAYENNE)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_page_count_in_the_seed_range(mayenne: list[str]) -> None:
    assert len(mayenne) in SEED_PAGES


def test_the_territory_and_the_section_titles_in_order(mayenne: list[str]) -> None:
    assert "Mayenne (53)" in mayenne[0]
    text = _flat(" ".join(mayenne))
    position = 0
    for title in SEED_TITLES_MAYENNE:
        found = text.find(_flat(title), position)
        assert found >= 0, f"« {title} » missing or out of order"
        position = found + len(title)


def test_the_totals_and_shares_as_the_fiche_shows_them(mayenne: list[str]) -> None:
    text = _flat(" ".join(mayenne))
    for figure in ("1 773,5 M€", "6,6 %", "0,31 %", "2 212,3 M€", "6,5 %", "0,32 %"):
        assert figure in text


def test_source_page_number_and_warning_on_every_page(mayenne: list[str]) -> None:
    for number, page in enumerate(mayenne, start=1):
        flat = _flat(page)
        assert "Source : DGDDI" in flat
        assert "Données de démonstration synthétiques" in flat
        assert f"{number} / {len(mayenne)}" in flat


def _french(value: float, decimals: int) -> str:
    """Written independently of lib.core.formatting: thousands with a space, a decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


def _published_departements() -> list[dict[str, str]]:
    with open(PUBLISHED, encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["level"] == "dept"]


@pytest.mark.parametrize("row", _published_departements(), ids=lambda row: row["code"])
def test_every_seed_departement_carries_its_published_figures(
    printer: as_pdf.Printer, row: dict[str, str]
) -> None:
    pages = _pdf(printer, Territory("dept", row["code"]))
    text = _flat(" ".join(pages))
    assert refs.dept_name(row["code"]) in pages[0]
    assert len(pages) in SEED_PAGES
    region = refs.region_name(row["region_code"])
    for flow, noun, participle in (
        ("exports", "exportations", "exportée"),
        ("imports", "importations", "importée"),
    ):
        total = _french(float(row[f"{flow}_meur"]), 1)
        assert f"Total des {noun} : {total} M€" in text
        regional = float(row[f"{flow}_share_region_pct"])
        regional_text = _french(regional, 1 if regional >= 1 else 2)
        assert f"soit {regional_text} % de la valeur {participle} par la région {region}" in text
        national = _french(float(row[f"{flow}_share_national_pct"]), 2)
        assert f"soit {national} % de la valeur {participle} au niveau national" in text


def test_a_top_25_keeps_each_chart_with_its_sentences(printer: as_pdf.Printer) -> None:
    # Nord, the longest lists: every chart still shares its page with what the seed puts
    # beside it (the axis title and « Clé de lecture »; the totals and the reading sentence).
    html = as_html.render(contents.build(Territory("dept", "59"), 2024, 25))
    pages = [_flat(page) for page in _pages(printer.pdf(html))]
    together = [
        ("Principaux pays à l'import et à l'export, Nord", "Clé de lecture"),
        ("Principaux pays à l'import et à l'export, Nord", "millions d'euros"),
        ("Flux à l'export par produit et par pays, Nord", "Total des exportations"),
        ("Total des exportations", "Figurent à gauche les principaux biens exportés"),
        ("Flux à l'import par pays et par produit, Nord", "Total des importations"),
        ("Total des importations", "Figurent à gauche les principaux pays d'origine"),
    ]
    for first, second in together:
        holding = [i for i, page in enumerate(pages) if first in page]
        assert holding and second in pages[holding[0]], f"« {second} » apart from « {first} »"


def test_france_has_no_comparison_pages(printer: as_pdf.Printer) -> None:
    pages = _pdf(printer, FRANCE)
    assert len(pages) == 7  # the seed's nine less the two comparison pages
    assert "comparée" not in " ".join(pages)


def test_the_app_prints_in_a_child_process(demo_data_dir: Path, monkeypatch) -> None:
    _requires_chromium()
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()
    html = as_html.render(contents.build(Territory("region", "52"), 2024, 5))
    pages = _pages(as_pdf.pdf_bytes(html))
    assert "Pays de la Loire" in pages[0]
    assert "les cinq premiers biens" in _flat(" ".join(pages))


def test_without_chromium_the_reason_is_given(monkeypatch) -> None:
    monkeypatch.setattr(as_pdf, "chromium_path", lambda: None)
    reason = as_pdf.unavailable_reason()
    assert reason is not None and "Chromium" in reason and "make chromium" in reason
    with pytest.raises(as_pdf.PdfUnavailable, match="PDF indisponible"):
        as_pdf.pdf_bytes("<html></html>")
    with pytest.raises(as_pdf.PdfUnavailable, match="Chromium"):
        as_pdf.Printer()


def test_a_printing_failure_is_reported_in_french(monkeypatch) -> None:
    _requires_chromium()
    # A page whose charts never finish: the child gives up and says so.
    with pytest.raises(as_pdf.PdfUnavailable, match="L'impression de la fiche a échoué"):
        as_pdf.pdf_bytes("<html><body>jamais prête</body></html>", draw_timeout_ms=1500)


def test_printing_works_beside_another_playwright_in_this_thread() -> None:
    # The e2e tests keep a Playwright running in the main thread for the whole session, as a
    # notebook or a server thread would keep an asyncio loop: the printer has its own thread.
    _requires_chromium()
    from playwright.sync_api import sync_playwright

    try:  # in the whole suite the e2e tests' Playwright already runs a loop here
        asyncio.get_running_loop()
        outer: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    except RuntimeError:
        outer = sync_playwright()
    with outer, as_pdf.Printer() as printer:
        asyncio.get_running_loop()  # the condition under test: a loop runs in this thread
        pdf = printer.pdf("<html><body>x<script>window.ficheReady = true</script></body></html>")
    assert pdf.startswith(b"%PDF-")
