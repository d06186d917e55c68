"""AppTest of the API page (pages/api.py): it lists every table of the API, gives the examples
of the chosen table in curl, Python and R, says when this process does not serve the API, and
reads no URL parameter."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config
from lib.data import db
from lib.web import api, registry
from tests.test_pages import APP, TIMEOUT


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def open_api_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/api.py")
    at.query_params = dict(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_lists_the_tables_and_gives_examples(monkeypatch) -> None:
    monkeypatch.setattr(api, "_mounted", True)
    at = open_api_page()
    assert at.title[0].value == "API"
    listed = at.dataframe[0].value
    assert list(listed["table"]) == list(registry.TABLES)
    assert all(url.startswith("http://localhost:8501/api/v1/") for url in listed["exemple"])
    assert not at.info  # the API is served: no notice
    curl, python, r = (block.value for block in at.code)
    assert "curl 'http://localhost:8501/api/v1/kpis?" in curl
    assert "pd.read_csv(" in python and "pd.json_normalize(" in python
    assert "read.csv(" in r and "fromJSON(url)" in r
    at.selectbox(key="api-table").set_value("pays_departements").run()
    curl, python, r = (block.value for block in at.code)
    assert "/api/v1/pays_departements?code=US" in curl
    assert 'colClasses = c(dept = "character")' in r
    parameters = at.dataframe[1].value
    assert list(parameters["Paramètre"]) == ["code", "annee", "flux", "format"]


def test_the_page_says_when_the_api_is_not_served(monkeypatch) -> None:
    monkeypatch.setattr(api, "_mounted", False)
    at = open_api_page()
    assert any("ne sert pas l'API" in box.value for box in at.info)


def test_an_unexpected_parameter_gets_a_notice() -> None:
    at = open_api_page(x="[a](http://x)")
    assert any("Paramètre" in box.value and "inconnu" in box.value for box in at.info)
    assert "x" not in at.query_params
