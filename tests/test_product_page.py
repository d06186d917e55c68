"""AppTest of the Produit page and of the fiche's links to it, on the demonstration dataset
(lib.data.product_view itself is checked against pandas in tests/test_product_view.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core import csvfile, formatting, sections
from lib.core.states import ProductState
from lib.core.territory import Territory
from lib.data import product_view
from lib.web import urlstate
from pages.parts.on_demand import RUNS_KEY
from tests.apptables import meur, numbers, open_tables, page_csvs, record_csvs
from tests.test_exposure_page import _demo_data  # noqa: F401 (an autouse fixture)
from tests.test_pages import open_page

MAYENNE = Territory("dept", "53")
# The fiche's Sankeys' tables: exports and imports of Mayenne, Pays de la Loire, France.
SANKEYS = [f"sankey-{flow}{other}" for flow in "EI" for other in ("", "-region", "-france")]


def test_a_product_with_a_departement_shows_its_share_of_france(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("produit", code="C21Z", annee="2024", niveau="departement", territoire="53")
    assert at.query_params == {
        "code": "C21Z",
        "annee": "2024",
        "flux": "export",
        "niveau": "departement",
        "territoire": "53",
    }
    assert (
        at.title[0].value == r"Produit — Industrie pharmaceutique \(C21Z\)"
    )  # lib.core.escaping.plain
    # The first screen: key figures and the first départements; the rest one click away.
    titles = [f"**{section.title}**" for section in sections.PRODUIT]
    assert [e.label for e in at.expander if e.label in titles] == titles
    assert RUNS_KEY not in at.session_state
    at.query_params["section"] = ",".join(sections.slugs(sections.PRODUIT))
    at.run()
    assert len(at.session_state[RUNS_KEY]) == len(sections.PRODUIT)
    evolution = product_view.evolution("C21Z", MAYENNE).set_index(["year", "flow"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations de la France"] == formatting.meur(
        evolution.loc[(2024, "export"), "france_eur"]
    )
    assert metrics["Part de Mayenne (53) (importations)"] == formatting.pct(
        evolution.loc[(2024, "import"), "share_pct"]
    )
    # The tables are lib.data.product_view's (their CSVs, byte for byte, without the links)…
    csvs = page_csvs(at, recorded)
    by_dept = product_view.by_dept("C21Z", 2024, "export")
    assert csvs["product-depts-all"] == csvfile.to_csv_bytes(by_dept)
    partners = product_view.partners("C21Z", 2024, "export", MAYENNE)
    assert csvs["product-partners"] == csvfile.to_csv_bytes(partners)
    # …and the grid shows every département, in M€ to one decimal, each linked to its fiche.
    shown = open_tables(at, "product-depts-all")["product-depts-all"]
    assert list(shown["Département"]) == list(by_dept["dept"])
    assert numbers(shown["Valeur (M€)"]) == meur(by_dept["value_eur"])
    links = dict(zip(shown["Département"], shown["Fiche"], strict=True))
    assert links["53"] == "/fiche?niveau=departement&code=53&annee=2024&top=10&flux=tous"


def test_imports_of_france_and_a_bad_code() -> None:
    at = open_page("produit", code="ZZZZ", flux="import")
    assert at.query_params["code"] == "C21Z" and at.query_params["flux"] == "import"
    assert any("Produit « ZZZZ » inconnu" in info.value for info in at.info)
    assert "niveau" not in at.query_params
    assert not any("Part de" in m.label for m in at.metric)


def test_the_product_widget_writes_the_url() -> None:
    at = open_page("produit", code="C21Z", annee="2024", section="carte,ailleurs")
    assert any("Section « ailleurs » inconnue" in info.value for info in at.info)
    at.selectbox(key="produit-product").set_value("C10A").run()
    assert at.query_params["code"] == "C10A"
    at.radio(key="produit-flux").set_value("import").run()
    assert at.query_params["flux"] == "import"
    assert at.query_params["section"] == "carte"  # kept open across the changes
    assert dict(at.session_state[RUNS_KEY]) == {"produit-section-carte": 3}
    assert not at.exception


def test_the_fiche_links_its_products_to_their_page() -> None:
    at = open_page(
        "fiche",
        niveau="departement",
        code="53",
        annee="2024",
        section="activites,flux-export,flux-import",
    )
    grids = open_tables(at, "products", *SANKEYS)
    first = grids["products"].iloc[0]
    flow = {"Exportations": "export", "Importations": "import"}[first["Flux"]]
    state = ProductState(first["Produit (A129)"], 2024, flow, MAYENNE)
    assert first["Page du produit"] == urlstate.product_url(state)
    # The Sankeys' tables: the products' end links, « Autres » does not.
    exports = grids["sankey-E"]
    for code, link in zip(exports["Origine du flux"], exports["Page du produit"], strict=True):
        if code == "AUTRES":
            assert link is None or pd.isna(link)
        else:
            assert link.startswith(f"/produit?code={code}&annee=2024&flux=export&niveau=")
    france = grids["sankey-I-france"]
    assert all("niveau" not in link for link in france["Page du produit"].dropna())
