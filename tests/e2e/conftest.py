"""End-to-end fixtures: `streamlit run` on localhost and Debian's Chromium driven by Playwright.

The app serves a small calibrated dataset built once per session (the demonstration generator,
so the published 2024 totals hold). In CI (CI=true) a missing Chromium is an error, not a skip:
`make test` installs it first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.core import config
from tests.servers import streamlit_server

ROOT = config.ROOT
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_url(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(demo_data_dir, tmp_path_factory)


@pytest.fixture(scope="module")
def own_data_dir(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo dataset, for tests that change the data (imports)."""
    target = tmp_path_factory.mktemp("own-data") / "data"
    shutil.copytree(demo_data_dir, target)
    return target


ADMIN_PASSWORD = "mot-de-passe-des-tests-e2e"


@pytest.fixture(scope="module")
def own_app_url(own_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app of its own over `own_data_dir`, so that imports do not disturb other tests; its
    administrator password is ADMIN_PASSWORD."""
    yield from _serve(own_data_dir, tmp_path_factory, {"COMEXT_ADMIN_PASSWORD": ADMIN_PASSWORD})


def _serve(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory, extra_env: dict | None = None
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit-log") / "streamlit.log"
    with streamlit_server(data_dir, log, extra_env) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` should have installed it.")
        pytest.skip("Chromium is not installed (run `make chromium`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="fr-FR", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save what the person sees (after the widgets and charts have finished drawing)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def download_from_link(page, link, timeout_s: float = 60):
    """Click a link that the browser turns into a download (the routes of lib/web/download.py open
    in a new tab, whose download Chromium reports on the opener or on the tab): the download."""
    import time

    downloads: list = []
    page.on("download", lambda d: downloads.append(d))  # Playwright wants a Python function
    page.context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    link.click()
    deadline = time.monotonic() + timeout_s
    while not downloads and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    (download,) = downloads
    return download
