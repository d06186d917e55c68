"""Figures safe to quote (issue 20), read in the browser as a person sees them: every bar of
the Évolution and Exposition pages is measured from zero, the waterfall's value axis starts at
0 and shows its ticks, the tariff scenario reads as a range.

Axis ranges are read from the drawn charts (plotly.js's `_fullLayout` on each chart's div), not
from the Python figures. Expected numbers come from lib run in this test process over the same
dataset (its own tests check it against plain formulas).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core import config, formatting, states
from lib.core.territory import Territory
from lib.data import db, exposure
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import _text, wait_for_app

# Every chart shown (the wide or the narrow look, whichever the width shows): its traces'
# types and orientations, its axes' drawn ranges, visibility and tick labels.
CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(div => div.offsetParent !== null && div._fullLayout)
    .map(div => ({
        types: div._fullData.map(t => t.type),
        orientations: div._fullData.map(t => t.orientation || 'v'),
        x: div._fullLayout.xaxis.range,
        y: div._fullLayout.yaxis.range,
        xVisible: div._fullLayout.xaxis.visible,
        xTicks: Array.from(div.querySelectorAll('.xtick text')).map(t => t.textContent),
    }))"""
BARS = {"bar", "waterfall"}
# Both waterfalls (by partner, by product) drawn: they arrive one after the other.
WATERFALLS_DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(div => div.offsetParent !== null && div._fullData
                   && div._fullData.some(t => t.type === 'waterfall')).length >= 2"""


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def charts(page) -> list[dict]:
    return page.evaluate(CHARTS)


def value_range(chart: dict) -> list[float]:
    """The axis bars are measured along: x for horizontal bars, y for vertical ones."""
    horizontal = any(
        kind in BARS and orientation == "h"
        for kind, orientation in zip(chart["types"], chart["orientations"], strict=True)
    )
    return chart["x"] if horizontal else chart["y"]


def assert_bars_from_zero(page, expected_charts: int) -> None:
    """Each chart with bars draws 0 on its value axis: no bar is cut short."""
    page.wait_for_function(  # the page's charts all drawn
        f"() => ({CHARTS})().filter(c => c.types.some(t => {sorted(BARS)}.includes(t))).length"
        f" >= {expected_charts}",
        timeout=60_000,
    )
    with_bars = [chart for chart in charts(page) if BARS & set(chart["types"])]
    assert len(with_bars) >= expected_charts
    for chart in with_bars:
        low, high = sorted(value_range(chart))
        assert low <= 0 <= high, chart


def open_evolution_drivers(page, app_url: str) -> None:
    page.goto(f"{app_url}/evolution?niveau=departement&code=53&section=variation")
    wait_for_app(page)
    page.wait_for_function(WATERFALLS_DRAWN, timeout=60_000)


def waterfalls(page) -> list[dict]:
    return [chart for chart in charts(page) if "waterfall" in chart["types"]]


def test_the_evolution_waterfalls_start_at_zero_with_their_axis_shown(
    page, app_url: str, same_dataset
) -> None:
    open_evolution_drivers(page, app_url)
    drawn = waterfalls(page)
    assert len(drawn) == 2  # by partner, by product
    for chart in drawn:
        assert chart["x"][0] == 0
        assert chart["xVisible"] is True
        assert chart["xTicks"][0].replace("\u00a0", " ") == "0 M€" and len(chart["xTicks"]) >= 3
    # The page's other bars (the balance, the growth rates) too.
    assert_bars_from_zero(page, expected_charts=4)
    screenshot(page, "40-safe-figures-evolution-waterfall")


def test_on_a_phone_too(browser, app_url: str, same_dataset) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR")
    phone = context.new_page()
    phone.set_default_timeout(30_000)
    try:
        open_evolution_drivers(phone, app_url)
        drawn = waterfalls(phone)
        assert drawn and all(c["x"][0] == 0 and c["xVisible"] is True for c in drawn)
        assert_bars_from_zero(phone, expected_charts=4)
    finally:
        context.close()


def test_the_tariff_scenario_reads_as_a_range(page, app_url: str, same_dataset) -> None:
    loire = Territory("dept", "42")
    page.goto(
        f"{app_url}/exposition?niveau=departement&code=42&annee=2024&partenaire=US&section=scenario"
    )
    wait_for_app(page)
    summary = exposure.scenario_summary(loire, 2024, "US", 10, states.DEFAULT_ELASTICITY)
    low, high = (
        summary[states.at_bound("change_eur", bound)] / 1e6 for bound in states.ELASTICITY_RANGE
    )
    sentence = formatting.estimate_range(low, high, "M€")
    assert sentence.startswith("entre ")
    page.get_by_text(_text(sentence)).first.wait_for()
    page.get_by_text("Le chiffre serait faux si", exact=False).first.wait_for()
    page.locator(".js-plotly-plot .scatterlayer .point").first.wait_for(state="attached")
    page.wait_for_timeout(1000)  # every chart of the section drawn
    # The shares, the two rankings of exposed products and the scenario: bars from zero.
    assert_bars_from_zero(page, expected_charts=4)
    screenshot(page, "41-safe-figures-exposition-scenario")
