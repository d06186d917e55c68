"""The fiche's activities treemap (lib/charts/treemap_html.py) as a person uses it, on a desktop
and on a phone: a click on a group's band zooms to it, the path above goes back up, and nothing
is wider than the screen.

Expected numbers come from lib.data.queries run in this test process over the same dataset (its
own tests check it against pandas), grouped here by the reference's A17 groups.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.core import config, formatting, refs
from lib.core.territory import Territory
from lib.data import db, queries
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_explorer import _text, wait_for_app

MAYENNE = Territory("dept", "53")
FICHE = "/fiche?niveau=departement&code=53&annee=2024&flux=tous&section=activites"
SHOWN = ".cb-tm-view:visible"


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _largest_import_group() -> tuple[str, pd.DataFrame]:
    """Mayenne's largest A17 group of imports in 2024: its box's id, and its products with
    their values, largest first."""
    products = queries.products(MAYENNE, 2024)
    imports = products[(products["flow"] == "import") & (products["value_eur"] > 0)]
    a17 = refs.products().set_index("code")["a17_code"]
    by_group = imports.assign(group=imports["product"].map(a17))
    group = by_group.groupby("group")["value_eur"].sum().idxmax()
    members = by_group[by_group["group"] == group].sort_values("value_eur", ascending=False)
    return f"import/{group}", members[["product", "value_eur"]]


@pytest.mark.parametrize(
    ("name", "width", "height"), [("bureau", 1400, 1000), ("telephone", 375, 812)]
)
def test_a_group_zooms_and_the_path_goes_back(
    browser, app_url: str, same_dataset, name: str, width: int, height: int
) -> None:
    group, products = _largest_import_group()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app_url + FICHE)
        wait_for_app(page)
        page.locator(".cb-treemap").first.wait_for()
        treemap = page.locator(".cb-treemap:visible")  # the look that fits, if both were sent
        treemap.scroll_into_view_if_needed()
        # The first view: both flows, and the group's band, a label of its own view.
        assert treemap.locator(f"{SHOWN} .cb-tm-box[data-id='import']").count() == 1
        band = treemap.locator(f"{SHOWN} label.cb-tm-box[data-id='{group}']")
        band.click(position={"x": 6, "y": 5})  # its header: its products cover the rest

        zoomed = treemap.locator(f".cb-tm-view[data-top='{group}']")
        zoomed.wait_for(state="visible")
        assert treemap.locator(SHOWN).count() == 1
        ids = zoomed.locator("a.cb-tm-box").evaluate_all("boxes => boxes.map(b => b.dataset.id)")
        assert sorted(ids) == sorted(f"{group}/{code}" for code in products["product"])
        largest = products.iloc[0]
        box = zoomed.locator(f"a.cb-tm-box[data-id='{group}/{largest['product']}']")
        assert _text(formatting.meur(largest["value_eur"])).search(box.inner_text())
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        treemap.screenshot(path=str(SCREENSHOTS / f"fiche_treemap_zoom_{name}.png"))

        zoomed.locator(".cb-tm-path label", has_text="Importations").click()
        treemap.locator(".cb-tm-view[data-top='import']").wait_for(state="visible")
        treemap.locator(f"{SHOWN} .cb-tm-path label", has_text="Toutes les activités").click()
        treemap.locator(".cb-tm-view[data-top='']").wait_for(state="visible")
        assert treemap.locator(SHOWN).count() == 1
    finally:
        context.close()
