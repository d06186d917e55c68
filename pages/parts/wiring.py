"""How a page's widgets drive its URL, which is the page's state (lib/web/urlstate.py).

A widget's callback reads the state the URL holds, changes what the widget changed and writes
the whole URL back; the page then reruns from the URL alone, so that a shared link always shows
what its author saw. Each page with URL state declares one `PageUrl` (the prefix of its widget
keys, its parser, and where the visitor's context goes in its address) and builds its callbacks
from it; a row of widgets written back through a `PageUrl` lives here too (`partner_controls`),
components.py (which this module uses) knowing nothing of PageUrl.

An address without any parameter (a page chosen in the menu: Streamlit sends it none) is read
as the address `start` makes of the visitor's context (urlstate.Context: the territory and the
year last shown in the session), so that her territory and year follow her from page to page;
any parameter in the address, shared or written by the app, means the address says the state
itself, and it wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import streamlit as st

from lib.core import partners
from lib.core.states import DataFilter, FicheState, MapState
from lib.core.territory import FRANCE, Territory
from lib.data import queries
from lib.web import urlstate
from pages.parts import components

S = TypeVar("S", FicheState, DataFilter, MapState)
Callback = Callable[[], None]


@dataclass(frozen=True)
class PageUrl(Generic[S]):
    """A page's URL state: `prefix` names its widgets (`fiche-year`), `parse` reads its URL."""

    prefix: str
    parse: Callable[[urlstate.Params], tuple[S, list[str]]]
    # The address of the page opened without parameters, from the visitor's context (usually
    # urlstate.context_params with the page's words); None: the page's defaults.
    start: Callable[[urlstate.Context], Mapping[str, str]] | None = None

    def key(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def widget(self, name: str) -> Any:
        """The value of the widget `<prefix>-<name>`."""
        return st.session_state[self.key(name)]

    def shown(self) -> S:
        """The state the page shows, with the notices of what its URL said wrong; an address
        without parameters is the one `start` makes of the visitor's context."""
        params: urlstate.Params = components.url_params()
        if not params and self.start is not None:
            params = self.start(components.context())
        state, messages = self.parse(params)
        components.notices(messages)
        return state

    def write(self, state: S) -> None:
        """The URL, made to say exactly `state` (a shared link then reproduces the view); its
        territory and year become the visitor's context."""
        components.write_url(urlstate.params_of(state))
        components.remember(state)

    def current(self) -> S:
        """The state shown, written back to the URL; a territory it shows becomes the one the
        Carte outlines when the user comes back to it."""
        state = self.shown()
        self.write(state)
        territory = getattr(state, "territory", None)
        if territory is not None:
            components.remember_selected(territory)
        return state

    def sync(self, values: Mapping[str, object]) -> None:
        """Align each widget `<prefix>-<name>` on the URL's value before it is drawn (the URL
        wins over what the session remembers)."""
        for name, value in values.items():
            if st.session_state.get(self.key(name)) != value:
                st.session_state[self.key(name)] = value

    def on(self, change: Callable[[S], S]) -> Callback:
        """A widget callback: the URL's state, changed by `change`, becomes the URL."""

        def callback() -> None:
            state, _ = self.parse(components.url_params())  # its notices were shown already
            st.query_params.from_dict(urlstate.params_of(change(state)))

        return callback

    def on_fields(self, *names: str) -> Callback:
        """A callback setting each field `name` of the state to its widget `<prefix>-<name>`."""
        return self.on(lambda state: replace(state, **{name: self.widget(name) for name in names}))

    def picked_territory(self) -> Territory:
        """The territory of the level and territory pickers (components.territory_pickers)."""
        return Territory(self.widget("level"), self.widget("code"))

    def on_territory(self) -> Callback:
        """The territory picker's callback: the territory picked, at the level shown."""
        return self.on(lambda state: replace(state, territory=self.picked_territory()))

    def on_level(self) -> Callback:
        """The level picker's callback: the territory moves to the chosen level."""
        return self.on(
            lambda state: replace(
                state, territory=moved_territory(state.territory, self.widget("level"))
            )
        )


def from_context(
    year_keys: Sequence[str] = ("annee",),
    territory_keys: tuple[str, str] | None = ("niveau", "code"),
) -> Callable[[urlstate.Context], Mapping[str, str]]:
    """A page's `start`: the visitor's territory and year under the page's words
    (urlstate.context_params), checked against the dataset's years of the moment."""

    def start(context: urlstate.Context) -> Mapping[str, str]:
        years = queries.available_years()
        return urlstate.context_params(context, years, year_keys, territory_keys)

    return start


def moved_territory(current: Territory, level: str) -> Territory:
    """Where a change of level leads: a département's région, a région's first département."""
    if level == "france":
        return FRANCE
    if level == "region":
        region = current.region
        return region if region is not None else Territory("region", "11")
    depts = current.depts
    if current.level == "region" and depts:
        return Territory("dept", depts[0])
    return Territory("dept", "75")


def partner_controls(
    territory: Territory, year: int, url: PageUrl[Any], partner_help: str | None = None
) -> None:
    """Niveau, Territoire, Année and Partenaire in one row (Exposition, Diversifier), keyed and
    written back through the page's `url`."""
    level_col, code_col, year_col, partner_col = st.columns([1.1, 2, 0.8, 2])
    components.territory_pickers(
        level_col, code_col, territory, url.prefix, url.on_level(), url.on_territory()
    )
    components.year_select(year_col, url.key("year"), url.on_fields("year"))
    partner_col.selectbox(
        "Partenaire",
        list(partners.partner_choices()),
        format_func=lambda code: partners.partner_label(code, year),
        key=url.key("partner"),
        on_change=url.on_fields("partner"),
        help=partner_help,
    )
