"""What a person does on the Évolution page: open it from the fiche, read the change between
the last two years, switch to imports, and follow a partner's link to its Pays page.

Expected numbers come from lib.data.evolution run in this test process over the same dataset (its
own tests check it against pandas).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.core import config, formatting
from lib.core.territory import Territory
from lib.data import db, evolution
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import _text, wait_for_app

MAYENNE = Territory("dept", "53")


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _change(flow: str) -> str:
    return formatting.meur(
        evolution.change_total(MAYENNE, flow, 2023, 2024).change_eur, signed=True
    )


def test_fiche_to_evolution_to_a_partner(page, app_url: str, same_dataset) -> None:
    page.goto(f"{app_url}/fiche?niveau=departement&code=53&annee=2024")
    wait_for_app(page)
    page.get_by_role("link", name=re.compile("Évolution de ce territoire")).click()
    page.wait_for_url(re.compile(r"/evolution\?.*code=53"), timeout=30_000)
    wait_for_app(page)
    # The change between two years: a section opened with a click on its title.
    page.locator("[data-testid='stExpander'] summary", has_text="Ce qui a porté").click()
    page.wait_for_url(re.compile(r"section=variation"), timeout=30_000)
    page.get_by_text(_text(_change("export"))).first.wait_for()
    screenshot(page, "30-evolution-mayenne")

    # Imports: the flow radio rewrites the URL and the breakdown.
    page.get_by_text("Importations", exact=True).first.click()
    page.wait_for_url(re.compile(r"flux=import"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(_text(_change("import"))).first.wait_for()

    # The largest rise among the partners links to its Pays page.
    partners = evolution.contributions(MAYENNE, "import", 2023, 2024, "country")
    first = partners.iloc[0]
    link = page.get_by_role("link", name=first["name"], exact=True).first
    href = link.get_attribute("href") or ""
    assert href.endswith(f"/pays?code={first['code']}&annee=2024&flux=import")
    if link.get_attribute("target") == "_blank":
        with page.context.expect_page() as opened:
            link.click()
        target = opened.value
    else:
        link.click()
        target = page
    target.wait_for_url(re.compile(rf"/pays\?code={first['code']}"), timeout=30_000)
    wait_for_app(target)
