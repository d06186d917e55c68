"""The fiche's texts (lib/fiche/texts.py) and a département's Territoires d'industrie
(lib/data/industry_lists.py), rendered: `opening` under the title, `closing` at the end.

Every paragraph goes through lib.core.escaping.plain (names may come from an imported file); only
the project's own constants (titles, links, contact) are written as Markdown.
"""

from __future__ import annotations

import streamlit as st

from lib.core import config
from lib.core.escaping import plain
from lib.core.states import FicheState
from lib.core.territory import Territory
from lib.data import industry_lists, queries
from lib.fiche import texts


def _paragraphs(paragraphs: tuple[str, ...]) -> None:
    for paragraph in paragraphs:
        st.markdown(plain(paragraph))


def _bullets(items: list[str] | tuple[str, ...]) -> None:
    if items:
        st.markdown("\n".join(f"- {plain(item)}" for item in items))


def _section(section: texts.Section, titled: bool = True) -> None:
    if titled:  # not when the heading above already says it
        st.markdown(f"**{section.title}**")
    _paragraphs(section.paragraphs)
    _bullets(section.bullets)
    _paragraphs(section.closing)


def industry_territories_box(dept: str) -> None:
    """The département's list, its footnote and source; or why there is none."""
    names, source = industry_lists.for_dept(dept, config.data_dir())
    with st.container(border=True, key="fiche-industry-territories"):
        note = "\\*" if names else ""  # the footnote's call, when there is a list
        st.markdown(f"**{texts.TI_TITLE}{note}**")
        if names:
            _bullets(names)
            st.caption(plain(texts.TI_FOOTNOTE))
        else:
            st.markdown(plain(texts.TI_NONE if source else texts.TI_MISSING))
        if source:
            st.caption(plain(f"Source : {source}."))


def opening(state: FicheState) -> None:
    """The introduction; beside it, for a département, its Territoires d'industrie."""
    territory: Territory = state.territory
    if territory.level != "dept":
        _paragraphs(texts.introduction(territory))
        return
    text_col, list_col = st.columns([2, 1])
    with text_col:
        _paragraphs(texts.introduction(territory))
    with list_col:
        industry_territories_box(territory.code)


def closing(state: FicheState) -> None:
    """« Contexte et méthodologie » and « Informations pratiques », at the end of the fiche (in
    the section that pages/fiche.py opens on demand)."""
    territory, year = state.territory, state.year
    quarters = queries.year_quarters(year)
    st.subheader("Contexte et méthodologie")
    _section(texts.context(territory, year, quarters))
    _section(texts.methodology(territory, year, quarters))
    st.subheader("Informations pratiques")
    _section(texts.practical_information(territory, year, quarters), titled=False)
    contact = texts.CONTACT
    links = "\n".join(f"- [{label}]({url})" for label, url in texts.LINKS)
    st.markdown(f"[{contact}](mailto:{contact})\n\nPour aller plus loin :\n\n{links}")
