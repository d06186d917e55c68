"""lib/core/sections.py: the open sections of a page, in its order, toggled one at a time; and their
reading from the URL (lib/web/urlstate.parse_sections)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lib.core import sections
from lib.web import urlstate

SLUGS = list(sections.slugs(sections.FICHE))
opened_lists = st.lists(st.sampled_from([*SLUGS, "inconnue", ""]), max_size=10)


def test_the_fiche_sections_are_the_seeds_in_its_order() -> None:
    assert SLUGS == ["situer", "monde", "activites", "flux-export", "flux-import", "contexte"]
    assert len({s.title for s in sections.FICHE}) == len(SLUGS)


@given(opened_lists)
def test_in_page_order_keeps_known_slugs_once_in_the_pages_order(opened: list[str]) -> None:
    ordered = sections.in_page_order(opened, sections.FICHE)
    assert set(ordered) == set(opened) & set(SLUGS)
    assert list(ordered) == sorted(ordered, key=SLUGS.index)


@given(opened_lists, st.sampled_from(SLUGS))
def test_toggling_opens_then_closes(opened: list[str], slug: str) -> None:
    opened_now = sections.toggled(opened, slug, True, sections.FICHE)
    assert slug in opened_now
    closed = sections.toggled(opened_now, slug, False, sections.FICHE)
    assert slug not in closed
    assert set(closed) == set(sections.in_page_order(opened, sections.FICHE)) - {slug}


def test_the_url_lists_the_open_sections_in_the_pages_order() -> None:
    state, notices = urlstate.parse_fiche({"section": " Flux-Export , situer,,"}, [2024])
    assert state.sections == ("situer", "flux-export") and notices == []
    assert urlstate.params_of(state)["section"] == "situer,flux-export"
    assert "section" not in urlstate.params_of(urlstate.parse_fiche({}, [2024])[0])


def test_unknown_sections_are_named_in_a_notice() -> None:
    state, notices = urlstate.parse_fiche({"section": "monde,<script>,x"}, [2024])
    assert state.sections == ("monde",)
    assert notices == ["Sections inconnues ignorées : « <script> », « x »."]
    _, notices = urlstate.parse_fiche({"section": "nulle-part"}, [2024])
    assert notices == ["Section « nulle-part » inconnue : ignorée."]
