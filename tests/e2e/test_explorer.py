"""What a person does: click the map, read the fiche, move the slider, switch flows, share a URL,
download CSVs. Playwright drives Debian's Chromium against `streamlit run` on localhost.

Expected numbers come from the published fiche (shared/reference/published_totals_2024.csv) and
from lib.fiche.files run in this test process over the same dataset (its own oracle tests check it
against pandas).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import duckdb
import pytest
import shapely.geometry
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib.core import config, csvfile
from lib.core.territory import Territory
from lib.data import db, store
from lib.fiche import files
from tests.e2e.conftest import download_from_link, screenshot

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
NB = "\u00a0"


def _text(value: str) -> re.Pattern[str]:
    """Match a French figure whatever the kind of space between its groups."""
    return re.compile(re.escape(value).replace(re.escape(NB), r"\s").replace(r"\ ", r"\s"))


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(500)


def slide_top_down(page, presses: int, top: int) -> None:
    """The fiche's top-N slider moved down by `presses` key presses, as a person does, until
    the URL says `top=<top>`."""
    page.get_by_role("slider").focus()
    for _ in range(presses):
        page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"top={top}\b"), timeout=30_000)


def sankey_node_counts(page) -> list[int]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.cb-sankey'))
             .map(s => s.querySelectorAll('.cb-sk-node').length)"""
    )


def interior_point(code: str) -> tuple[float, float]:
    features = json.loads((config.GEO_DIR / "departements.geojson").read_text())["features"]
    feature = next(f for f in features if f["properties"]["code"] == code)
    point = shapely.geometry.shape(feature["geometry"]).representative_point()
    return point.y, point.x


def click_departement(page, code: str) -> None:
    """A real mouse click on the département's shape in the Leaflet map."""
    frame_element = page.wait_for_selector(MAP_FRAME)
    frame = frame_element.content_frame()
    frame.wait_for_function(
        "() => window.map && document.querySelectorAll('path.leaflet-interactive').length > 100"
    )
    lat, lon = interior_point(code)
    point = frame.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = frame_element.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def click_departement_until(page, code: str, arrived: re.Pattern[str]) -> None:
    """click_departement, until the page's address matches `arrived`. A click landing while
    the Carte still reruns for its map component's first report can be lost (see
    test_overseas_departements_are_one_click_away; seen here once in four runs of this file,
    after Leaflet came compressed, perhaps ready sooner): a person clicks again, and so does
    this, once."""
    click_departement(page, code)
    try:
        page.wait_for_url(arrived, timeout=15_000)
    except PlaywrightTimeout:
        click_departement(page, code)
        page.wait_for_url(arrived, timeout=30_000)


def test_click_mayenne_on_the_map_opens_its_fiche(page, app_url: str) -> None:
    """…and neither page asks the server for a file it does not have (the map's frame
    included: Leaflet's default marker images were two 404s per map)."""
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector(MAP_FRAME)
    page.wait_for_timeout(1500)
    screenshot(page, "01-carte")
    click_departement(page, "53")
    page.wait_for_url(re.compile(r"/fiche\?.*code=53"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(_text(f"1{NB}773,5{NB}M€")).first.wait_for()
    assert "niveau=departement" in page.url and "annee=2024" in page.url
    assert page.get_by_text("Mayenne (53)").first.is_visible()
    screenshot(page, "02-fiche-mayenne")
    assert failed == []


def test_back_on_the_map_the_departement_is_outlined_and_clickable_again(
    page, app_url: str
) -> None:
    page.goto(f"{app_url}/fiche?niveau=departement&code=61&annee=2024")
    wait_for_app(page)
    page.get_by_role("link", name="Carte").first.click()
    wait_for_app(page)
    page.wait_for_url(re.compile(r"code=61"), timeout=30_000)
    frame = page.wait_for_selector(MAP_FRAME).content_frame()
    frame.wait_for_function("() => window.map")
    screenshot(page, "08-carte-orne-selectionnee")
    click_departement_until(page, "61", re.compile(r"/fiche\?.*code=61"))
    wait_for_app(page)
    page.get_by_text(_text(f"1{NB}446,3{NB}M€")).first.wait_for()


def test_overseas_departements_are_one_click_away(page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    link = page.get_by_role("link", name="La Réunion (974)")
    link.click()
    try:
        page.wait_for_url(re.compile(r"/fiche\?.*code=974"), timeout=15_000)
    except PlaywrightTimeout:
        # A click landing while the Carte still reruns for its map component's first report can
        # be lost (seen once in a full clean-clone run, never alone; noted for issue 20's
        # navigation work): a person clicks again, and so does this test — once.
        link.click()
        page.wait_for_url(re.compile(r"/fiche\?.*code=974"), timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("La Réunion (974)").first.is_visible()


def test_top_slider_changes_the_sankey_node_count(page, app_url: str) -> None:
    page.goto(
        f"{app_url}/fiche?niveau=departement&code=53&annee=2024&top=10&flux=export"
        "&section=flux-export"
    )
    wait_for_app(page)
    page.wait_for_selector(".cb-sk-node")
    before = sankey_node_counts(page)
    slide_top_down(page, 5, 5)
    wait_for_app(page)
    page.wait_for_function(
        "(n) => document.querySelectorAll('.cb-sankey')[0]"
        "?.querySelectorAll('.cb-sk-node').length < n",
        arg=before[0],
    )
    after = sankey_node_counts(page)
    assert after[0] < before[0]
    assert after[0] <= 5 + 1 + 5 + 1  # N products, N countries and the two « Autres »
    screenshot(page, "03-fiche-top5")


def test_switching_to_imports_shows_the_import_sections_only(page, app_url: str) -> None:
    page.goto(
        f"{app_url}/fiche?niveau=departement&code=53&annee=2024&section=flux-export,flux-import"
    )
    wait_for_app(page)
    # The whole fiche drawn (its last open section) before the choice: a choice made while the
    # first visit's run still writes the URL back is overwritten by it.
    page.get_by_text("Flux à l'import par pays et par produit", exact=False).first.wait_for()
    # The fiche's « Flux » choice: the first radio of the page (the world map has its own).
    # check() waits until the radio is actually checked (a click during a rerun can be lost).
    page.get_by_role("radio", name="Importations").first.check(force=True)
    page.wait_for_url(re.compile(r"flux=import"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text("Flux à l'import par pays et par produit", exact=False).first.wait_for()
    assert page.get_by_text("Flux à l'export par produit et par pays").count() == 0
    page.get_by_text(_text(f"2{NB}212,3{NB}M€")).first.wait_for()
    screenshot(page, "04-fiche-imports")


def test_a_shared_url_opens_the_same_view(page, app_url: str) -> None:
    page.goto(f"{app_url}/fiche?niveau=region&code=28&annee=2024&top=7&flux=export")
    wait_for_app(page)
    page.get_by_text(_text(f"38{NB}690,2{NB}M€")).first.wait_for()
    assert page.get_by_text("Normandie").first.is_visible()
    assert "top=7" in page.url and "flux=export" in page.url
    screenshot(page, "05-fiche-normandie")


def test_a_malformed_url_shows_a_notice_not_a_traceback(page, app_url: str) -> None:
    page.goto(f"{app_url}/fiche?niveau=departement&code=99&annee=abc")
    wait_for_app(page)
    page.get_by_text("Département inconnu", exact=False).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "06-url-invalide")


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def test_partner_csv_download_matches_lib_export(page, app_url: str, same_dataset) -> None:
    page.goto(f"{app_url}/fiche?niveau=departement&code=53&annee=2024&top=8")
    wait_for_app(page)
    page.locator(".st-key-csv-partners").wait_for()  # the first screen's last chart
    # The partners chart's download button (components.data_table: key `csv-partners`).
    button = page.locator(".st-key-csv-partners").get_by_role(
        "button", name=re.compile("Télécharger les données")
    )
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    expected = csvfile.to_csv_bytes(files.tables(Territory("dept", "53"), 2024, 8)["partners.csv"])
    assert content == expected
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert len(rows) == 8


def test_donnees_csv_download_has_every_filtered_row(
    page, app_url: str, demo_data_dir: Path
) -> None:
    page.goto(f"{app_url}/donnees?niveau=departement&code=53&debut=2023&fin=2024&flux=export")
    wait_for_app(page)
    page.get_by_text("lignes", exact=False).first.wait_for()
    screenshot(page, "07-donnees")
    # Under serve.py the download is a link to the CSV route (lib/web/download.py), opened in a
    # new tab that the browser turns into a download.
    link = page.get_by_role("link", name=re.compile(r"Télécharger les lignes filtrées \(CSV\)"))
    assert link.get_attribute("href") == (
        "/telecharger/donnees.csv?niveau=departement&code=53&debut=2023&fin=2024&flux=export"
    )
    download = download_from_link(page, link)
    assert download.suggested_filename == "donnees_dept_53_2023-2024_export.csv"
    content = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content)))
    manifest = store.read_manifest(demo_data_dir)
    files = [str(demo_data_dir / manifest.files[y]) for y in (2023, 2024)]
    count, total = duckdb.sql(
        f"SELECT count(*), sum(value_eur) FROM read_parquet({files!r}) "
        "WHERE dept = '53' AND flow = 'E'"
    ).fetchall()[0]
    assert len(rows) == count
    assert sum(float(r["valeur_eur"]) for r in rows) == pytest.approx(total)
    assert {r["departement"] for r in rows} == {"53"}
    assert {r["annee"] for r in rows} == {"2023", "2024"}
