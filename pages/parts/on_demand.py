"""Sections computed only when opened (lib/core/sections.py): what a page draws below its first
screen.

Each section is an expander, closed unless the URL names it (`&section=situer,flux-export`).
Its content runs only while it is open: the expander's `on_change` makes Streamlit rerun when
it is toggled, and its callback writes the new list of open sections to the URL. Each section
is also a fragment (`st.fragment`): opening or closing it, or a widget inside it (the world
map's flow), reruns that section alone, not the page above it. A change of the page's own
controls (year, territory, flow) reruns the page, and with it only the sections open. Each
section's fragment has a key (`fragment_key`): a control that changes only some sections (the
fiche's top N) reruns them by name, `st.rerun([...])` from its callback, and nothing else.

Why expanders and not `st.tabs(on_change="rerun")` (docs/ARCHITECTURE.md, « Sections on
demand »): several sections may be open at once and read in the seed's order, one under the
other, as in the printed fiche; six long tab names do not fit a phone's width.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

import streamlit as st

from lib.core import sections
from lib.core.sections import Section
from pages.parts import components
from pages.parts.wiring import PageUrl

# The sections run in this session: a count per `<prefix>-<slug>`, read by the tests that
# check that a control reruns only what depends on it.
RUNS_KEY = "on-demand-runs"


def _key(url: PageUrl[Any], section: Section) -> str:
    return url.key(f"section-{section.slug}")


def _on_toggle(url: PageUrl[Any], section: Section, page_sections: Sequence[Section]):
    """The expander's callback: the URL's open sections, with this one opened or closed."""
    key = _key(url, section)
    return url.on(
        lambda state: replace(
            state,
            sections=sections.toggled(
                state.sections, section.slug, bool(st.session_state[key]), page_sections
            ),
        )
    )


def _count_run(key: str) -> None:
    runs = st.session_state.setdefault(RUNS_KEY, {})
    runs[key] = runs.get(key, 0) + 1


def fragment_key(url: PageUrl[Any], slug: str) -> str:
    """The key of the fragment of section `slug`, for `st.rerun([...])` from a callback."""
    return url.key(f"section-{slug}-part")


def _section_body(
    url: PageUrl[Any],
    section: Section,
    page_sections: Sequence[Section],
    render: Callable[[Any], None],
) -> None:
    key = _key(url, section)
    box = st.expander(
        f"**{section.title}**",  # bold: a section, not a « Voir les données »
        key=key,
        icon=section.icon,
        on_change=_on_toggle(url, section, page_sections),
    )
    if st.session_state.get(key):  # open: read from the session, right in a fragment's rerun
        with box:
            _count_run(key)
            # The state from the URL, read again: in a rerun of this fragment alone (its own
            # widgets: the scenario's tariff, the world map's flow), the page's is older.
            state, _ = url.parse(components.url_params())
            # Here too, not only around the page: a rerun of this fragment alone runs outside
            # the page's own guard; a damaged file or a slow query ends this section only.
            with components.query_time_limit():
                render(state)


CAPTION = (
    "La suite de la page, partie par partie : cliquez sur un titre pour l'afficher. L'adresse "
    "de la page garde les parties ouvertes, pour vous et pour qui la reçoit."
)


def caption() -> None:
    """The line that tells a visitor the sections below open on a click."""
    st.caption(CAPTION)


def sections_below(
    url: PageUrl[Any],
    state: Any,
    page_sections: Sequence[Section],
    renders: Mapping[str, Callable[[Any], None]],
) -> None:
    """The caption, then each section of `renders` (slug → what draws it), in their order."""
    caption()
    for slug, render in renders.items():
        section(url, state, page_sections, slug, render)


def section(
    url: PageUrl[Any],
    state: Any,
    page_sections: Sequence[Section],
    slug: str,
    render: Callable[[Any], None],
) -> None:
    """The section `slug` of `page_sections`, open as the URL (`state.sections`) says, whose
    content `render(state)` draws only while it is open (with the URL's state of the run)."""
    chosen = next(item for item in page_sections if item.slug == slug)
    is_open = slug in state.sections
    key = _key(url, chosen)
    if st.session_state.get(key) != is_open:  # the URL wins over what the session remembers
        st.session_state[key] = is_open
    _keyed_fragment(fragment_key(url, slug))(url, chosen, tuple(page_sections), render)


@cache
def _keyed_fragment(key: str) -> Callable[..., None]:
    """The section's body as a fragment named `key`. One wrapper per key (the pages' sections,
    a fixed set), made once: Streamlit ties a fragment's key to its definition (`_section_body`
    for every section), and each call site has its own fragment id (its place in the page)."""
    return st.fragment(key=key)(_section_body)
