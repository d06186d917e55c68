"""The floor: what Streamlit itself costs on this machine (issue 18), `bench/floor/serve.py`.

One page as small as a page of the app can be: a title, four `st.metric`, one Plotly bar chart of
BARS bars and a slider that changes them. No dataset, no query, no import of the app's own code:
its numbers are synthetic, computed from the slider's value. bench/browser.py measures it beside
the fiche in the same run, bench/load.py (`--floor`) loads it with the same protocol-level
clients; the fiche's figures divided by the floor's are the ones that travel between machines.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

TITLE = "Plancher de mesure"
BARS = 10
SLIDER_KEY = "floor-step"
SLIDER_MIN, SLIDER_MAX, SLIDER_DEFAULT = 1, 20, 10


def values(step: int) -> list[float]:
    """BARS synthetic values, all different from one step to the next (a redraw every move)."""
    return [float((step * 7 + bar * 13) % 50 + 10 + bar) for bar in range(BARS)]


st.set_page_config(page_title=TITLE, layout="wide")  # the app's layout
st.title(TITLE)
step = st.slider("Pas", SLIDER_MIN, SLIDER_MAX, SLIDER_DEFAULT, key=SLIDER_KEY)
bars = values(step)
columns = st.columns(4)
columns[0].metric("Total", f"{sum(bars):.0f}")
columns[1].metric("Maximum", f"{max(bars):.0f}")
columns[2].metric("Minimum", f"{min(bars):.0f}")
columns[3].metric("Moyenne", f"{sum(bars) / BARS:.1f}")
figure = go.Figure(go.Bar(x=[f"P{bar + 1}" for bar in range(BARS)], y=bars))
figure.update_layout(height=400, margin={"l": 10, "r": 10, "t": 10, "b": 10})
st.plotly_chart(figure, width="stretch", key="floor-chart")
