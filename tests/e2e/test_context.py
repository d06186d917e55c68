"""What a person does across pages (issue 20): the menu keeps the territory and year she chose;
Back and Forward after a click on the map and after the search box give back exactly the page
she left, without a notice about parameters the app wrote itself; « Comparer avec… » shows a
comparison at once; Back from her first page leaves the app; Back gives back her scroll.

The expected addresses follow from the page she came from (Orne, 2023); the pages' own numbers
are other tests' business.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import MAP_FRAME, click_departement, wait_for_app

ORNE_2023 = "/fiche?niveau=departement&code=61&annee=2023"


def shown(page) -> tuple[str, dict[str, str]]:
    """The page's path and its address's parameters (one value each)."""
    parts = urlsplit(page.url)
    return parts.path, {key: values[-1] for key, values in parse_qs(parts.query).items()}


def arrive(page, path: str) -> dict[str, str]:
    """Wait until the address is `path`'s with parameters and the run has ended: its parameters."""
    page.wait_for_url(re.compile(rf"^[^?]*{re.escape(path)}\?."))
    wait_for_app(page)
    return shown(page)[1]


def notices(page) -> list[str]:
    return page.locator("[data-testid='stAlertContentInfo']").all_inner_texts()


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def menu(page, label: str, path: str) -> dict[str, str]:
    page.locator("[data-testid='stTopNavLink']").filter(has_text=label).first.click()
    return arrive(page, path)


def test_the_menu_keeps_orne_2023_on_every_page(page, app_url: str) -> None:
    page.goto(app_url + ORNE_2023)
    wait_for_app(page)
    orne = {"niveau": "departement", "code": "61"}
    for label, path, expected in (
        ("Exposition", "/exposition", orne | {"annee": "2023"}),
        ("Évolution", "/evolution", orne | {"fin": "2023", "debut": "2022"}),
        ("Données", "/donnees", orne | {"debut": "2023", "fin": "2023"}),
        ("Produit", "/produit", {"niveau": "departement", "territoire": "61", "annee": "2023"}),
        ("Pays", "/pays", {"annee": "2023"}),
        ("Carte", "/", {"annee": "2023", "code": "61"}),
        ("Fiche territoire", "/fiche", orne | {"annee": "2023"}),
    ):
        params = menu(page, label, path)
        assert expected.items() <= params.items(), (label, params)
        if path not in ("/pays", "/"):  # no territory; the Carte outlines Orne in its map
            assert "Orne" in main_text(page), label
        assert "2023" in main_text(page), label
        assert not notices(page) or not any("Paramètre" in n for n in notices(page)), label
    params = menu(page, "Comparer", "/comparer")
    assert params["codes"].split(",")[0] == "61" and len(params["codes"].split(",")) >= 2
    assert params["annee"] == "2023"
    # Each page opened is one step back: Comparer → Fiche → Carte → Pays.
    for path in ("/fiche", "/", "/pays"):
        page.go_back()
        arrive(page, path)


def _carte_balance_2020(page, app_url: str) -> int:
    page.goto(f"{app_url}/?annee=2020&indicateur=balance")
    wait_for_app(page)
    page.wait_for_selector(MAP_FRAME)
    return page.evaluate("history.length")


def _back_to_the_carte_then_forward(page, entries: int, code: str) -> None:
    """Back: the Carte as she left it, no notice, no new entry; Forward: the fiche again."""
    page.go_back()
    params = arrive(page, "/")
    assert params["annee"] == "2020" and params["indicateur"] == "balance", params
    assert notices(page) == []
    indicator = page.locator("[data-testid='stSelectbox']").filter(has_text="Indicateur")
    assert indicator.locator("input").input_value() == "Solde commercial"
    assert page.get_by_role("heading", name=re.compile("départements, 2020")).is_visible()
    assert page.evaluate("history.length") == entries + 1  # the fiche's entry, nothing else
    page.go_forward()
    params = arrive(page, "/fiche")
    assert params["code"] == code and params["annee"] == "2020"
    assert notices(page) == []
    page.go_back()
    assert arrive(page, "/")["indicateur"] == "balance"


def test_back_and_forward_after_a_click_on_the_map(page, app_url: str) -> None:
    entries = _carte_balance_2020(page, app_url)
    page.wait_for_timeout(1500)  # the map's shapes
    click_departement(page, "61")
    params = arrive(page, "/fiche")
    assert params["code"] == "61" and params["annee"] == "2020"
    _back_to_the_carte_then_forward(page, entries, "61")
    screenshot(page, "context-back-to-the-carte")


def test_back_and_forward_after_the_search_box(page, app_url: str) -> None:
    entries = _carte_balance_2020(page, app_url)
    search = page.locator("[data-testid='stSelectbox']").filter(has_text="Rechercher")
    search.locator("input").fill("Orne")
    page.get_by_role("option", name="61 – Orne").click()
    params = arrive(page, "/fiche")
    assert params["code"] == "61" and params["annee"] == "2020"
    _back_to_the_carte_then_forward(page, entries, "61")


def test_compare_with_shows_the_region_at_once(page, app_url: str) -> None:
    page.goto(app_url + ORNE_2023)
    wait_for_app(page)
    page.get_by_role("link", name="Comparer avec…").click()
    params = arrive(page, "/comparer")
    codes = params["codes"].split(",")
    assert codes[0] == "61" and len(codes) >= 2
    assert set(codes) <= {"14", "27", "50", "61", "76"}  # Normandie's départements
    page.locator("[data-testid='stMetric']").nth(4 * len(codes) - 1).wait_for()
    assert "Choisissez au moins" not in main_text(page)
    assert "Orne (61)" in main_text(page)


def test_back_from_the_first_page_leaves_the_app(page, app_url: str) -> None:
    """The first page's address, completed by the app, is no entry of its own."""
    page.goto(app_url + "/")
    assert "indicateur" in arrive(page, "/")
    page.go_back()
    page.wait_for_url("about:blank")


def test_back_gives_back_the_scroll_position(page, app_url: str) -> None:
    page.goto(app_url + ORNE_2023)
    wait_for_app(page)
    page.mouse.move(700, 600)
    page.mouse.wheel(0, 5000)
    link = page.get_by_role("link", name=re.compile("Exposition à un partenaire"))
    link.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    scrolled = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")
    assert scrolled > 500
    link.click()
    arrive(page, "/exposition")
    page.go_back()
    arrive(page, "/fiche")
    page.wait_for_function(
        "top => Math.abs(document.querySelector('[data-testid=stMain]').scrollTop - top) < 5",
        arg=scrolled,
        timeout=10_000,
    )
