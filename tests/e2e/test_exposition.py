"""What a person does on the Exposition page: open it for a département, change the partner and
the tariff rate, click another département on the exposure map, download the dependency table.

Expected numbers come from lib.data.exposure run in this test process over the same dataset (its own
tests check it against pandas).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lib.core import config, csvfile, formatting, states
from lib.core.territory import Territory
from lib.data import db, exposure
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import MAP_FRAME, _text, click_departement, wait_for_app

DEPENDENCY_COLUMNS = [
    "product",
    "imports_eur",
    "first_supplier",
    "first_supplier_share_pct",
    "hhi",
    "outside_eu_share_pct",
]


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def open_section(page, title: str) -> None:
    """A click on a section's title (pages/parts/on_demand.py), as a person opens it."""
    page.locator("[data-testid='stExpander'] summary", has_text=title).click()


def _change(territory: Territory, partner: str, rate: int) -> str:
    """The scenario's range as the page writes it: « entre −70 et −210 M€ »."""
    summary = exposure.scenario_summary(territory, 2024, partner, rate, states.DEFAULT_ELASTICITY)
    low, high = (
        summary[states.at_bound("change_eur", bound)] / 1e6 for bound in states.ELASTICITY_RANGE
    )
    return formatting.estimate_range(low, high, "M€")


def test_exposition_partner_rate_map_click_and_dependency_csv(
    page, app_url: str, same_dataset
) -> None:
    loire = Territory("dept", "42")
    page.goto(
        f"{app_url}/exposition?niveau=departement&code=42&annee=2024&partenaire=US&section=scenario"
    )
    wait_for_app(page)
    page.get_by_text(_text(_change(loire, "US", 10))).first.wait_for()
    screenshot(page, "20-exposition-loire")

    # The partner: Chine, typed in the searchable list.
    page.get_by_role("combobox", name=re.compile("Partenaire")).click()
    page.keyboard.type("Chine")
    page.get_by_role("option", name="Chine", exact=True).click()
    page.wait_for_url(re.compile(r"partenaire=CN"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(_text(_change(loire, "CN", 10))).first.wait_for()

    # The tariff rate: five steps to the right with the keyboard, 10 % → 15 %.
    slider = page.get_by_role("slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"taux=15"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(_text(_change(loire, "CN", 15))).first.wait_for()

    # Another département on the exposure map (opened with a click on its title): the Rhône
    # keeps the partner, the rate and the open sections.
    open_section(page, "Carte des départements les plus exposés")
    page.wait_for_url(re.compile(r"section=carte"), timeout=30_000)
    wait_for_app(page)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    click_departement(page, "69")
    page.wait_for_url(re.compile(r"/exposition\?.*code=69"), timeout=30_000)
    assert "partenaire=CN" in page.url and "taux=15" in page.url
    wait_for_app(page)
    rhone = Territory("dept", "69")
    page.get_by_text("Rhône (69)").first.wait_for()
    page.get_by_text(_text(_change(rhone, "CN", 15))).first.wait_for()
    screenshot(page, "21-exposition-rhone-chine")

    # The dependency table: exactly the CLI's dependency.csv.
    open_section(page, "Dépendances à l'import")
    button = page.get_by_role("button", name="Télécharger le tableau des dépendances (CSV)")
    button.scroll_into_view_if_needed()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "dependances_dept_69_2024.csv"
    content = Path(download.path()).read_bytes()
    expected = exposure.dependency(rhone, 2024)
    assert content == csvfile.to_csv_bytes(expected)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert list(rows[0]) == DEPENDENCY_COLUMNS
    assert len(rows) == len(expected) > 0
    assert [row["product"] for row in rows] == list(expected["product"])
