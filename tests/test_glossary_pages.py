"""The jargon of the pages said in plain words where a reader first meets it (lib/core/glossary.py):
« postes (top N) » on the fiche's slider, HHI in « Situer le territoire » and in Exposition's
dependency table, A129 and CPF4 where products are chosen or detailed."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config, glossary
from lib.data import db

APP = str(config.ROOT / "streamlit_app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.query_params = dict(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join(element.value for element in [*at.markdown, *at.caption])


def test_the_glossary_says_what_each_term_is() -> None:
    assert "129" in glossary.A129 and "Insee" in glossary.A129
    assert "Classification des produits française" in glossary.CPF4
    assert "carrés des parts" in glossary.HHI and "1 quand un seul" in glossary.HHI
    assert "« Autres »" in glossary.TOP_N
    assert f"{glossary.A129} {glossary.CPF4}" == glossary.PRODUCT_CODES


def test_the_fiche_explains_postes_and_the_hhi() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="situer")
    (slider,) = [s for s in at.slider if s.label == "Nombre de postes (top N)"]
    assert slider.help.startswith(glossary.TOP_N)
    assert f"**Concentration des échanges.** {glossary.HHI}" in texts(at)


def test_exposition_explains_the_hhi_of_its_dependency_table() -> None:
    at = open_page(
        "exposition", niveau="departement", code="42", annee="2024", section="dependances"
    )
    assert "HHI" in at.dataframe[-1].value.columns
    assert glossary.HHI in texts(at)


def test_product_pickers_explain_a129_and_cpf4() -> None:
    at = open_page("produit", code="C21Z", annee="2024", flux="export")
    (picker,) = [s for s in at.selectbox if s.label == "Produit"]
    assert picker.help == glossary.PRODUCT_CODES
    at = open_page("donnees")
    helps = {m.label: m.help for m in at.multiselect}
    assert helps["Produits (A129)"] == glossary.A129
    assert helps["Produits (CPF4)"] == glossary.CPF4
    assert not helps["Pays partenaires"]  # a plain word needs no gloss
