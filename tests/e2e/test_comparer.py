"""What a person does on the Comparer page: open it, pick two départements in the list, read
their key figures (the same as on their fiches), download the key figures' CSV.

Expected numbers come from lib.data.comparison run in this test process over the same dataset (its
own tests check it against pandas); the fiche's figures are read from the fiche itself.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from lib.core import config, csvfile
from lib.core.territory import Territory
from lib.data import comparison, db
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import wait_for_app

LABELS = ("Exportations", "Importations", "Solde commercial", "Taux de couverture")


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def _read_metrics(scope) -> dict[str, str]:
    values: dict[str, str] = {}
    for metric in scope.locator("[data-testid='stMetric']").all():
        label = metric.locator("[data-testid='stMetricLabel']").inner_text().strip()
        values.setdefault(label, metric.locator("[data-testid='stMetricValue']").inner_text())
    return values


def _metrics(scope, timeout_s: float = 30.0) -> dict[str, str]:
    """{label: value} of the metrics inside `scope` (the first of each label).

    Read again until every label is there: Streamlit draws the metrics one after the other, and
    a rerun that follows the first (the address completed with its defaults) replaces them one
    at a time, so one reading may catch the page between two of them."""
    scope.locator("[data-testid='stMetric']").nth(len(LABELS) - 1).wait_for()
    deadline = time.monotonic() + timeout_s
    values = _read_metrics(scope)
    while not set(LABELS) <= set(values) and time.monotonic() < deadline:
        time.sleep(0.2)
        values = _read_metrics(scope)
    assert set(LABELS) <= set(values), values
    return {label: values[label] for label in LABELS}


def _pick(page, name: str, codes: str) -> None:
    page.get_by_role("combobox", name=re.compile("Territoires à comparer")).click()
    page.keyboard.type(name.split(" – ")[1])
    page.get_by_role("option", name=name, exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(rf"codes={re.escape(codes)}(&|$)"), timeout=30_000)
    wait_for_app(page)


def test_compare_two_departements(page, app_url: str, same_dataset) -> None:
    fiche_figures = {}
    for code in ("53", "61"):
        page.goto(f"{app_url}/fiche?niveau=departement&code={code}&annee=2024")
        wait_for_app(page)
        page.get_by_text("Chiffres clés").first.wait_for()
        fiche_figures[code] = _metrics(page)

    page.goto(f"{app_url}/comparer")
    wait_for_app(page)
    page.get_by_text("Choisissez au moins 2 territoires").wait_for()
    _pick(page, "53 – Mayenne", "53")
    _pick(page, "61 – Orne", "53%2C61")
    page.locator(".st-key-kpis-61").wait_for()
    screenshot(page, "30-comparer-mayenne-orne")

    for code in ("53", "61"):
        shown = _metrics(page.locator(f".st-key-kpis-{code}"))
        assert shown == fiche_figures[code], code

    button = page.locator(".st-key-csv-comparison-kpis").get_by_role("button")  # the visible one
    button.scroll_into_view_if_needed()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "comparaison_chiffres_cles_dept_53-61_2024.csv"
    expected = comparison.key_figures([Territory("dept", "53"), Territory("dept", "61")], 2024)
    assert Path(download.path()).read_bytes() == csvfile.to_csv_bytes(expected)
