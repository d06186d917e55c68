"""The fiche's « Exposition aux États-Unis », on its first screen after the key figures: the share
of the territory's exports going to the United States, its rank among the départements or the
régions, its three products exported most there, a link to the Exposition page, and the table.

Numbers from lib.data.exposure.partner_summary (two cached queries), words from lib.fiche.texts, as
the fiche's document (lib/fiche/contents.py) writes them.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib.core import filenames, partners
from lib.core.escaping import plain
from lib.core.states import FicheState
from lib.data import exposure, queries
from lib.fiche import texts
from lib.web import urlstate
from pages.parts import components

LINK_LABEL = "Détail de l'exposition aux États-Unis : produits, départements, droits de douane"


def us_exposure(state: FicheState) -> None:
    territory, year = state.territory, state.year
    summary = exposure.partner_summary(territory, year, partners.US)
    block = texts.us_exposure(summary, territory.level, queries.year_label(year))
    st.subheader(f"{texts.US_TITLE} ({queries.year_inline(year)})")
    if block.note:
        st.markdown(block.note)  # our own sentence, no name in it
    else:
        for column, (label, value, how) in zip(st.columns(4), block.figures, strict=False):
            column.metric(label, value, help=how)
        lines = "\n".join(f"- {plain(line)}" for line in block.products)
        st.markdown(f"{block.products_heading}\n\n{lines}")
    target = replace(urlstate.default_exposition(territory, year), partner=partners.US)
    st.page_link(
        "pages/exposition.py",
        label=LINK_LABEL,
        icon=":material/public:",
        query_params=urlstate.params_of(target),
    )
    name = filenames.csv_name("exposition_etats_unis", territory, queries.year_slug(year))
    components.data_table(summary, name, "us-exposure")
