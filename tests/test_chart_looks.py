"""pages/parts/components.chart_with_data: a chart's two looks are given as their builder, and
only the look sent is built (what is sent in a real browser: tests/e2e/test_layout.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pages.parts import components


def _page() -> None:
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    from pages.parts import components

    built = st.session_state.setdefault("built", [])

    def looks(narrow: bool) -> go.Figure:
        built.append("narrow" if narrow else "wide")
        return go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"))

    components.chart_with_data(looks, pd.DataFrame({"x": [1, 2]}), "essai.csv", "essai")


@pytest.mark.parametrize(
    ("look", "built"), [("wide", ["wide"]), ("narrow", ["narrow"]), (None, ["wide", "narrow"])]
)
def test_only_the_look_sent_is_built(
    monkeypatch: pytest.MonkeyPatch, look: str | None, built: list[str]
) -> None:
    monkeypatch.setattr(components, "page_look", lambda: look)
    at = AppTest.from_function(_page).run()
    assert not at.exception
    assert at.session_state["built"] == built
    sent = [chart.proto.id for chart in at.get("plotly_chart")]
    assert len(sent) == len(built)


def _html_page() -> None:
    import pandas as pd

    from lib.charts.kit import HtmlChart
    from pages.parts import components

    def looks(narrow: bool) -> HtmlChart:
        look = "narrow" if narrow else "wide"
        return HtmlChart(f'<figure class="comext-chart" data-bars="2">{look}</figure>')

    components.chart_with_data(looks, pd.DataFrame({"x": [1, 2]}), "essai.csv", "essai")


@pytest.mark.parametrize(
    ("look", "sent"), [("wide", ["wide"]), ("narrow", ["narrow"]), (None, ["wide", "narrow"])]
)
def test_an_html_chart_is_drawn_by_st_html_in_the_look_s_keyed_container(
    monkeypatch: pytest.MonkeyPatch, look: str | None, sent: list[str]
) -> None:
    """The fiche's partners chart (lib/charts/kit.HtmlChart) takes the same road as a Plotly
    one: the look that fits, or both (each in a container keyed `chart-<look>-<key>`, which the
    CSS and the bench find: tests/e2e/test_layout.py), drawn by st.html, no Plotly chart sent."""
    monkeypatch.setattr(components, "page_look", lambda: look)
    at = AppTest.from_function(_html_page).run()
    assert not at.exception
    bodies = [e.proto.body for e in at.get("html") if "comext-chart" in e.proto.body]
    assert bodies == [f'<figure class="comext-chart" data-bars="2">{s}</figure>' for s in sent]
    assert at.get("plotly_chart") == []


def _shared_page() -> None:
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    from pages.parts import components

    built = st.session_state["built"]  # a list the test hands every session

    def looks(narrow: bool) -> go.Figure:
        built.append("narrow" if narrow else "wide")
        return go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"))

    identity = st.session_state["identity"]
    components.chart_with_data(
        looks, pd.DataFrame({"x": [1]}), "essai.csv", "essai", shared=identity
    )


def _shared_run(built: list[str], identity: object) -> AppTest:
    at = AppTest.from_function(_shared_page)
    at.session_state["built"] = built
    at.session_state["identity"] = identity
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_shared_chart_is_built_once_per_look_identity_and_dataset_version(
    use_dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`shared=`: three sessions of the same page build each look once; another identity (what
    the chart is drawn from) builds its own; a new dataset version builds again. Each session
    is sent the chart all the same."""
    from lib.data import cache
    from tests.conftest import rows

    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    cache.reset()
    monkeypatch.setattr(components, "page_look", lambda: None)  # both looks, each session
    built: list[str] = []
    for _ in range(3):
        at = _shared_run(built, ("53", 2024))
        assert len(at.get("plotly_chart")) == 2
    assert built == ["wide", "narrow"]
    _shared_run(built, ("53", 2023))  # another territory or year: its own figures
    assert built == ["wide", "narrow"] * 2
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 2.0)]))  # an import: a new version
    _shared_run(built, ("53", 2024))
    assert built == ["wide", "narrow"] * 3


def test_without_shared_a_chart_is_built_at_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "page_look", lambda: "wide")
    built: list[str] = []
    for _ in range(2):
        _shared_run(built, None)
    assert built == ["wide", "wide"]
