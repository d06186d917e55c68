"""AppTest of the fiche's document buttons (pages/parts/fiche_downloads.py): « Télécharger la fiche
(PDF) » and « (HTML) », their file names, the PDF button disabled with its reason when this
machine cannot print, and what their functions (run by Streamlit at the click) return."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from lib.fiche import as_pdf, contents
from pages.parts import fiche_downloads
from tests.test_pages import _demo_data as _demo_data  # the demo dataset, for every test here
from tests.test_pages import open_page

PDF = "Télécharger la fiche (PDF)"
HTML = "Télécharger la fiche (HTML)"
REASON = "Chromium, qui imprime la fiche en PDF, n'est pas installé sur ce serveur."


@pytest.fixture(autouse=True)
def _fresh_check() -> Iterator[None]:
    """The PDF check is cached per process: each test sees its own."""
    fiche_downloads.pdf_unavailable.cache_clear()
    yield
    fiche_downloads.pdf_unavailable.cache_clear()


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """What each deferred download registers with Streamlit, by file name: its function (what
    a click runs) and its MIME type. The proto the page sends holds neither."""
    registered: dict[str, dict[str, Any]] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable: Callable[[], Any], mimetype, coordinates, file_name=None, **kw):
        registered[file_name] = {"callable": data_callable, "mimetype": mimetype}
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


def _buttons(at) -> dict[str, Any]:
    return {button.proto.label: button for button in at.download_button}


def test_both_buttons_with_their_file_names(deferred, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(as_pdf, "unavailable_reason", lambda: None)
    at = open_page("fiche", niveau="departement", code="53", annee="2024", top="10")
    buttons = _buttons(at)
    assert PDF in buttons and HTML in buttons
    assert not buttons[PDF].proto.disabled and not buttons[HTML].proto.disabled
    # Deferred: nothing is built before the click, the file comes from the function.
    assert buttons[PDF].proto.deferred_file_id and buttons[HTML].proto.deferred_file_id
    assert deferred["fiche_dept_53_2024.pdf"]["mimetype"] == "application/pdf"
    assert deferred["fiche_dept_53_2024.html"]["mimetype"] == "text/html"
    assert "PDF indisponible" not in "\n".join(c.value for c in at.caption)


def test_the_names_follow_the_territory_and_year(deferred) -> None:
    open_page("fiche", niveau="region", code="52", annee="2023", top="7")
    assert {"fiche_region_52_2023.pdf", "fiche_region_52_2023.html"} <= set(deferred)
    open_page("fiche", niveau="france", annee="2024", top="5")
    assert "fiche_france_FR_2024.html" in deferred


def test_a_document_follows_the_top_n_of_the_click(
    deferred, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step of top N does not draw the buttons again (pages/fiche.partners_part): the function
    the page registered before the step makes the document with the step's top N."""
    at = open_page("fiche", niveau="departement", code="53", annee="2024", top="10")
    drawn_before_the_step = deferred["fiche_dept_53_2024.html"]["callable"]
    built: list[int] = []
    build = contents.build
    monkeypatch.setattr(
        contents,
        "build",
        lambda territory, year, top: built.append(top) or build(territory, year, top),
    )
    at.slider(key="fiche-top").set_value(5).run()
    html = drawn_before_the_step().decode("utf-8")
    assert built == [5] and "Mayenne" in html
    at.slider(key="fiche-top").set_value(12).run()
    drawn_before_the_step()
    assert built == [5, 12]


def test_pdf_disabled_with_its_reason(deferred, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(as_pdf, "unavailable_reason", lambda: REASON)
    at = open_page("fiche", niveau="departement", code="53", annee="2024", top="10")
    buttons = _buttons(at)
    assert buttons[PDF].proto.disabled
    assert not buttons[HTML].proto.disabled  # the HTML needs no browser
    assert "fiche_dept_53_2024.pdf" not in deferred  # no function left to run
    assert "fiche_dept_53_2024.html" in deferred
    captions = "\n".join(c.value for c in at.caption).replace("\\", "")
    assert f"PDF indisponible : {REASON}" in captions


def test_the_html_function_returns_the_document(deferred) -> None:
    open_page("fiche", niveau="departement", code="53", annee="2024", top="10", flux="export")
    html = deferred["fiche_dept_53_2024.html"]["callable"]().decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Mayenne" in html and "window.ficheReady = true" in html
    # Both flows, whatever the flux shown on the page.
    assert "Exportations" in html and "Importations" in html


def test_a_failed_print_raises_instead_of_sending_a_file(
    deferred, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The function cannot write to the page: it raises, and Streamlit sends no file."""
    monkeypatch.setattr(as_pdf, "unavailable_reason", lambda: None)
    open_page("fiche", niveau="departement", code="53", annee="2024", top="10")
    printed: list[str] = []

    def failing(html: str) -> bytes:
        printed.append(html)
        raise as_pdf.PdfUnavailable("L'impression de la fiche a échoué : essai")

    monkeypatch.setattr(as_pdf, "pdf_bytes", failing)
    with pytest.raises(as_pdf.PdfUnavailable, match="a échoué"):
        deferred["fiche_dept_53_2024.pdf"]["callable"]()
    assert printed and "Mayenne" in printed[0]
