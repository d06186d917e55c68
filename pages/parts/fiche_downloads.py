"""The fiche as a document to download (issue 12): « Télécharger la fiche (PDF) » and « … (HTML) »
for the territory, year and top N shown (the document holds both flows, whatever `flux`).

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
    """`fiche_dept_53_2024_top10.pdf`: the same pattern as the fiche's CSVs."""
    return filenames.file_name(
        "fiche",
        state.territory,
        queries.year_slug(state.year),
        f"top{state.top}",
        extension=extension,
    )


def html_document(territory: Territory, year: int, top: int) -> bytes:
    """The document's self-contained HTML (run at the click, in Streamlit's worker thread)."""
    return as_html.render(contents.build(territory, year, top)).encode("utf-8")


def pdf_document(territory: Territory, year: int, top: int) -> bytes:
    """The document printed to PDF; raises as_pdf.PdfUnavailable when printing fails."""
    html = as_html.render(contents.build(territory, year, top))
    return as_pdf.pdf_bytes(html)


def document_buttons(state: FicheState) -> None:
    """The two buttons side by side (one under the other when the row is too narrow)."""
    territory, year, top = state.territory, state.year, state.top
    reason = pdf_unavailable()
    documents = (
        (PDF_LABEL, pdf_document, "pdf", "application/pdf", ":material/picture_as_pdf:", reason),
        (HTML_LABEL, html_document, "html", "text/html", ":material/html:", None),
    )
    with st.container(horizontal=True, gap="small", key="fiche-document"):
        for label, make, extension, mime, icon, unavailable in documents:
            st.download_button(
                label,
                functools.partial(make, territory, year, top),
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
