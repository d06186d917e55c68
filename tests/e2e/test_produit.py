"""Fiche → product → département, by clicking: a box of the fiche's treemap opens the Produit
page of that product (showing the fiche's département), a click on the product's map picks
another département, and its link opens that département's fiche.

Expected numbers come from lib.data.product_view run in this test process over the same dataset
(its own tests check it against pandas).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.core import config, formatting
from lib.core.territory import Territory
from lib.data import db, product_view, queries
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import MAP_FRAME, _text, click_departement, wait_for_app

MAYENNE = Territory("dept", "53")
SARTHE = Territory("dept", "72")


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _share(product: str, territory: Territory, flow: str) -> str:
    evolution = product_view.evolution(product, territory).set_index(["year", "flow"])
    return formatting.pct(evolution.loc[(2024, flow), "share_pct"])


def test_fiche_to_product_to_departement(page, app_url: str, same_dataset) -> None:
    # Mayenne's first export product: the largest box of the treemap's exports.
    products = queries.products(MAYENNE, 2024)
    first = products[products["flow"] == "export"].iloc[0]
    page.goto(
        f"{app_url}/fiche?niveau=departement&code=53&annee=2024&flux=export&section=activites"
    )
    wait_for_app(page)
    box = page.locator(".cb-tm-view:visible a.cb-tm-box").filter(
        has_text=_text(formatting.meur(first["value_eur"]))
    )
    box.first.scroll_into_view_if_needed()
    box.first.click()

    # The Produit page of that product, with Mayenne's share of France.
    page.wait_for_url(re.compile(rf"/produit\?code={first['product']}&"), timeout=30_000)
    assert "niveau=departement" in page.url and "territoire=53" in page.url
    wait_for_app(page)
    page.get_by_text(f"Produit — {product_view.product_label(first['product'])}").wait_for()
    page.get_by_text(_text(_share(first["product"], MAYENNE, "export"))).first.wait_for()
    screenshot(page, "30-produit-mayenne")

    # A click on the product's map (opened with a click on its title): the Sarthe.
    page.locator("[data-testid='stExpander'] summary", has_text="Carte des départements").click()
    page.wait_for_url(re.compile(r"section=carte"), timeout=30_000)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    click_departement(page, "72")
    page.wait_for_url(re.compile(r"/produit\?.*territoire=72"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(_text(_share(first["product"], SARTHE, "export"))).first.wait_for()

    # Its link: the Sarthe's fiche.
    page.get_by_role("link", name="Fiche territoire : Sarthe (72)").click()
    page.wait_for_url(re.compile(r"/fiche\?niveau=departement&code=72&annee=2024"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text("commerce extérieur — Sarthe (72)").first.wait_for()
