"""The fiche as a document to download (issue 12): « Télécharger la fiche (PDF) » and « … (HTML) »
for the territory, year and top N shown (the document holds both flows, whatever `flux`): the top
N of the click, which a step of the slider gives without drawing the buttons again (follow_top).

Both files are made only when their button is clicked: the buttons are deferred
`st.download_button`s, whose function Streamlit runs in another thread at the click (Streamlit
commands in it are ignored). The HTML is lib/fiche/as_html.py's (~5 MB, plotly.js inside); the PDF
is its print by lib/fiche/as_pdf.py (a child process, a few seconds).

When this machine cannot print (no Chromium, no playwright: checked once per process), the PDF
button is disabled and a caption says why. When printing fails at the click, the function
raises lib.fiche.as_pdf.PdfUnavailable: the browser then receives no file, the button shows
Streamlit's own message under it for five seconds (« Failed to generate file for download »,
in English: the function cannot write to the page) and the server's log keeps the French
reason. A file named `.pdf` holding something else than the fiche is never sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from lib.core import filenames
from lib.core.escaping import plain
from lib.core.states import FicheState
from lib.core.territory import Territory
from lib.data import queries
from lib.fiche import as_html, as_pdf, contents

PDF_LABEL = "Télécharger la fiche (PDF)"
HTML_LABEL = "Télécharger la fiche (HTML)"


@functools.cache
def pdf_unavailable() -> str | None:
    """Why this process cannot print the PDF (lib.fiche.as_pdf's French reason), or None."""
    return as_pdf.unavailable_reason()


def document_name(state: FicheState, extension: str) -> str:
    """`fiche_dept_53_2024.pdf`: the same pattern as the fiche's CSVs. Without top N: the
    buttons are not drawn again at a step of top N (pages/fiche.partners_part), and the
    document's own charts show how many countries and products it ranks."""
    return filenames.file_name(
        "fiche", state.territory, queries.year_slug(state.year), extension=extension
    )


def year_file(table: str, state: FicheState) -> str:
    """`chiffres_cles_dept_53_2024.csv`: the CSV of a fiche's table that does not depend on top
    N (the key figures, the situation's tables, the world map's)."""
    return filenames.csv_name(table, state.territory, queries.year_slug(state.year))


# The top N the documents are made with, in the session: a dict that the buttons' functions
# read at the click (they run in Streamlit's worker thread, outside the session's script) and
# that every run of the partners part updates (follow_top), a step of top N included.
_TOP = "fiche-document-top"


def follow_top(top: int) -> dict[str, int]:
    """The documents made from now on rank `top` countries and products; the session's dict."""
    shown = st.session_state.setdefault(_TOP, {})
    shown["top"] = top
    return shown


def _at_click(
    make: Callable[[Territory, int, int], bytes],
    territory: Territory,
    year: int,
    shown: dict[str, int],
) -> bytes:
    return make(territory, year, shown["top"])


def html_document(territory: Territory, year: int, top: int) -> bytes:
    """The document's self-contained HTML (run at the click, in Streamlit's worker thread)."""
    return as_html.render(contents.build(territory, year, top)).encode("utf-8")


def pdf_document(territory: Territory, year: int, top: int) -> bytes:
    """The document printed to PDF; raises as_pdf.PdfUnavailable when printing fails."""
    html = as_html.render(contents.build(territory, year, top))
    return as_pdf.pdf_bytes(html)


def document_buttons(state: FicheState) -> None:
    """The two buttons side by side (one under the other when the row is too narrow)."""
    territory, year = state.territory, state.year
    shown = follow_top(state.top)
    reason = pdf_unavailable()
    documents = (
        (PDF_LABEL, pdf_document, "pdf", "application/pdf", ":material/picture_as_pdf:", reason),
        (HTML_LABEL, html_document, "html", "text/html", ":material/html:", None),
    )
    with st.container(horizontal=True, gap="small", key="fiche-document"):
        for label, make, extension, mime, icon, unavailable in documents:
            st.download_button(
                label,
                functools.partial(_at_click, make, territory, year, shown),
                file_name=document_name(state, extension),
                mime=mime,
                on_click="ignore",
                icon=icon,
                key=f"fiche-{extension}",
                disabled=unavailable is not None,
            )
    if reason is not None:
        st.caption(plain(f"PDF indisponible : {reason}"))
    else:
        st.caption(
            "La fiche complète en pages A4, exportations et importations ; le PDF est "
            "imprimé à la demande, en quelques secondes."
        )
