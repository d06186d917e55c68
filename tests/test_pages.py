"""Streamlit AppTest for every page: runs without exception, controls change what is shown,
URL parameters are parsed, validated and written back.

Expected figures come from the published fiche (shared/reference) or from plain pandas over
the Parquet files, never from the page code.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config, csvfile
from lib.core.territory import Territory
from lib.data import db
from lib.fiche import files
from tests import html_charts
from tests.apptables import meur, number, numbers, open_tables, page_csvs, record_csvs

APP = str(config.ROOT / "streamlit_app.py")
NB = "\u00a0"
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _demo_data(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page != "carte":
        at.switch_page(f"pages/{page}.py")
    at.query_params = dict(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _sankey_node_counts(at: AppTest) -> list[int]:
    """The nodes of each Sankey drawn (HTML charts: tests/html_charts.py)."""
    return [len(c.nodes) for c in html_charts.in_app(at) if html_charts.is_sankey(c)]


def test_every_page_shows_the_demo_banner() -> None:
    for page in ("carte", "fiche", "donnees", "importer"):
        at = open_page(page)
        assert any("Données de démonstration synthétiques" in w.value for w in at.warning), page


def test_fiche_of_mayenne_shows_published_figures() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations"] == f"1{NB}773,5{NB}M€"
    assert metrics["Importations"] == f"2{NB}212,3{NB}M€"
    text = _texts(at)
    assert f"soit 6,6{NB}% de la valeur exportée par la région Pays de la Loire" in text
    assert f"soit 0,31{NB}% de la valeur exportée au niveau national" in text
    assert at.query_params == {
        "niveau": "departement",
        "code": "53",
        "annee": "2024",
        "top": "10",
        "flux": "tous",
    }


def test_top_slider_changes_sankey_nodes_and_url() -> None:
    at = open_page(
        "fiche", niveau="departement", code="53", annee="2024", section="flux-export,flux-import"
    )
    before = _sankey_node_counts(at)
    at.slider(key="fiche-top").set_value(5).run()
    assert not at.exception
    after = _sankey_node_counts(at)
    assert at.query_params["top"] == "5"
    assert len(before) == len(after) == 6  # export and import: territory, région, France
    assert all(a < b for a, b in zip(after, before, strict=True))


def test_flux_toggle_hides_the_other_flow() -> None:
    at = open_page(
        "fiche", niveau="departement", code="53", annee="2024", section="flux-export,flux-import"
    )
    at.radio(key="fiche-flux").set_value("import").run()
    assert at.query_params["flux"] == "import"
    assert at.query_params["section"] == "flux-export,flux-import"  # kept for a way back
    assert [e.label for e in at.expander if "Flux" in e.label] == ["**Flux à l'import**"]
    headers = [s.value for s in at.subheader]
    assert any("Flux à l'import" in h for h in headers)
    assert not any("Flux à l'export" in h for h in headers)


def test_level_change_moves_to_the_region_and_url_follows() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    at.selectbox(key="fiche-level").set_value("region").run()
    assert at.query_params["niveau"] == "region" and at.query_params["code"] == "52"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations"] == f"27{NB}075,2{NB}M€"
    at.selectbox(key="fiche-code").set_value("84").run()
    assert at.query_params["code"] == "84"
    assert {m.label: m.value for m in at.metric}["Exportations"] == f"71{NB}307,5{NB}M€"


def test_france_fiche() -> None:
    at = open_page("fiche", niveau="france", annee="2024", flux="export")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations"] == f"580{NB}354,5{NB}M€"
    assert metrics["Importations"] == f"684{NB}776,3{NB}M€"


def test_year_selector_changes_the_figures() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    at.selectbox(key="fiche-year").set_value(2019).run()
    assert at.query_params["annee"] == "2019"
    assert {m.label: m.value for m in at.metric}["Exportations"] != f"1{NB}773,5{NB}M€"


@pytest.mark.parametrize(
    "params",
    [
        {"niveau": "departement", "code": "99"},
        {"niveau": "nowhere"},
        {"annee": "1850"},
        {"top": "1000"},
        {"flux": "sideways"},
        {"niveau": "region", "code": "'; DROP TABLE trade; --"},
    ],
)
def test_malformed_url_falls_back_with_a_notice(params: dict[str, str]) -> None:
    at = open_page("fiche", **params)
    assert at.info, "a visible notice"
    assert not at.exception


def test_fiche_downloads_are_the_export_tables(
    demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page(
        "fiche",
        niveau="departement",
        code="53",
        annee="2024",
        top="7",
        section="situer,monde,activites,flux-export,flux-import,contexte",
    )
    expected = files.tables(Territory("dept", "53"), 2024, 7)
    downloads = {button.proto.label: button for button in at.download_button}
    assert downloads, "download buttons are shown"
    # Every table the page offers is lib.fiche.files's for the same territory, year and N, byte for
    # byte (the link columns to other pages are shown beside the grid, never in its CSV).
    csvs = page_csvs(at, recorded)
    for key, name in KEYS.items():
        assert csvs[key] == csvfile.to_csv_bytes(expected[name]), name
    # Its grid shows the same rows, in M€ to one decimal.
    grid = open_tables(at, "products")["products"]
    products = expected["products.csv"]
    assert list(grid["Produit (A129)"]) == list(products["product"])
    assert numbers(grid["Valeur (M€)"]) == meur(products["value_eur"])


# The fiche's data_table keys → lib.fiche.files's file names.
KEYS = {
    "kpis": "kpis.csv",
    "partners": "partners.csv",
    "products": "products.csv",
    "sankey-E": "sankey_export.csv",
    "sankey-I": "sankey_import.csv",
}


def test_carte_page_parses_and_writes_its_url() -> None:
    at = open_page("carte", annee="2023", indicateur="balance")
    assert at.query_params == {"annee": "2023", "indicateur": "balance"}
    assert at.selectbox(key="carte-metric").value == "balance"
    at.selectbox(key="carte-year").set_value(2020).run()
    assert at.query_params["annee"] == "2020"
    at = open_page("carte", indicateur="nonsense")
    assert at.info and at.query_params["indicateur"] == "exports"


def test_carte_table_lists_every_departement() -> None:
    at = open_page("carte", annee="2024")
    assert not at.dataframe  # drawn only once « Voir les données » is opened
    table = open_tables(at, "map")["map"]
    assert len(table) == 101
    mayenne = table.set_index("Département").loc["53"]
    assert mayenne["Nom"] == "Mayenne"
    assert number(mayenne["Exportations (M€)"]) == pytest.approx(1_773.5, abs=0.05)


def test_donnees_page_filters_rows(demo_data_dir: Path) -> None:
    at = open_page(
        "donnees", niveau="departement", code="53", debut="2024", fin="2024", flux="export"
    )
    assert at.query_params["code"] == "53"
    text = _texts(at)
    assert f"1{NB}773,5{NB}M€" in text
    at.multiselect(key="donnees-countries").set_value(["DE"]).run()
    assert at.query_params["pays"] == "DE"
    preview = at.dataframe[0].value
    assert set(preview["pays"]) == {"DE"}
    assert set(preview["departement"]) == {"53"}


def test_importer_page_shows_the_status() -> None:
    at = open_page("importer")
    text = _texts(at)
    assert "données de démonstration synthétiques" in text
    assert "2015 à 2024" in text


@pytest.fixture
def partial_year(use_dataset) -> pd.DataFrame:
    """2024 whole and 2025 T1–T2, quarter by quarter, with CPF4 detail."""
    from tests.test_quarters import ROWS

    use_dataset(ROWS)
    return ROWS


def test_partial_year_is_labelled_on_every_page(partial_year: pd.DataFrame) -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2025")
    assert at.selectbox(key="fiche-year").format_func(2025) == "2025 (T1–T2)"
    assert any("2025 (T1–T2) incomplète" in m.value for m in at.info)
    assert any("(2025, T1–T2)" in h.value for h in at.subheader)
    carte = open_page("carte", annee="2025", indicateur="exports_change")
    assert "2025 (T1–T2)" in carte.title[0].value


def test_fiche_shows_the_cpf4_detail_table(
    partial_year: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = record_csvs(monkeypatch)
    at = open_page("fiche", niveau="departement", code="53", annee="2024", section="activites")
    rows = partial_year[(partial_year["year"] == 2024) & (partial_year["dept"] == "53")]
    # A few hundred euros, 0,0 M€ on the grid: the sum is read in the table's CSV.
    details = pd.read_csv(io.BytesIO(page_csvs(at, recorded)["products-cpf4"]), dtype=str)
    assert details["value_eur"].astype(float).sum() == pytest.approx(rows["value_eur"].sum())
    grid = open_tables(at, "products-cpf4")["products-cpf4"]
    assert list(grid["Produit (CPF4)"]) == list(details["cpf4"])


def test_donnees_period_comes_from_the_url(partial_year: pd.DataFrame) -> None:
    at = open_page(
        "donnees", niveau="departement", code="53", debut="2024", tdebut="3", fin="2025",
        tfin="1", flux="export",
    )  # fmt: skip
    assert at.selectbox(key="donnees-from").value == "T3 2024"
    assert at.selectbox(key="donnees-to").value == "T1 2025"
    rows = partial_year[(partial_year["dept"] == "53") & (partial_year["flow"] == "E")]
    index = rows["year"] * 4 + rows["quarter"].astype(int)
    chosen = rows[(index >= 2024 * 4 + 3) & (index <= 2025 * 4 + 1)]
    assert f"({len(chosen)} lignes)" in _texts(at)
    at.selectbox(key="donnees-to").set_value("T2 2025").run()
    assert at.query_params["tfin"] == "2" and at.query_params["fin"] == "2025"


@pytest.mark.parametrize("quarter", ["5", "0", "²", "x"])
def test_donnees_bad_quarter_falls_back_with_a_notice(
    partial_year: pd.DataFrame, quarter: str
) -> None:
    at = open_page("donnees", niveau="departement", code="53", tdebut=quarter)
    assert any("Trimestre" in m.value for m in at.info)


def _link_buttons(at: AppTest) -> list:
    return [element.proto for element in at.get("link_button")]


def test_donnees_links_to_the_csv_route_when_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under serve.py the downloads are links to the routes, built from the validated state."""
    from lib.web import download

    monkeypatch.setattr(download, "_mounted", True)
    at = open_page(
        "donnees", niveau="departement", code="53", debut="2024", fin="2024", flux="export",
        pays="de,ZZ",
    )  # fmt: skip
    links = {link.label: link for link in _link_buttons(at)}
    query = "niveau=departement&code=53&debut=2024&fin=2024&flux=export&pays=DE"
    assert links["Télécharger les lignes filtrées (CSV)"].url == f"/telecharger/donnees.csv?{query}"
    excel = links["Télécharger les lignes filtrées (Excel)"]
    assert excel.url == f"/telecharger/donnees.xlsx?{query}" and not excel.disabled
    assert not at.download_button


def test_donnees_excel_is_refused_beyond_excels_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """France over every year is more rows than a sheet holds: the page says so, the Excel
    link is disabled, the CSV stays."""
    from lib.core import workbook
    from lib.web import download

    monkeypatch.setattr(download, "_mounted", True)
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 1000)
    at = open_page("donnees", niveau="france", debut="2015", fin="2024", flux="tous")
    links = {link.label: link for link in _link_buttons(at)}
    assert links["Télécharger les lignes filtrées (Excel)"].disabled
    assert not links["Télécharger les lignes filtrées (CSV)"].disabled
    warnings = "\n".join(warning.value for warning in at.warning).replace("\\", "")
    assert f"Excel s'arrête à 1{NB}000 lignes" in warnings
    assert "le classeur Excel n'est pas proposé" in warnings


def test_donnees_falls_back_to_download_buttons(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under plain `streamlit run streamlit_app.py` (no route), the buttons hold the files."""
    from lib.web import download

    monkeypatch.setattr(download, "_mounted", False)
    at = open_page("donnees", niveau="departement", code="53", debut="2024", fin="2024")
    assert not [link for link in _link_buttons(at) if "donnees." in link.url]
    assert [button.proto.label for button in at.download_button] == [
        "Télécharger les lignes filtrées (CSV)",
        "Télécharger les lignes filtrées (Excel)",
    ]


def test_donnees_preview_is_french_text(demo_data_dir: Path) -> None:
    at = open_page(
        "donnees", niveau="departement", code="53", debut="2024", fin="2024", flux="export"
    )
    preview = at.dataframe[0].value
    (path,) = demo_data_dir.glob("v-*/year=2024/data.parquet")
    rows = pd.read_parquet(path, filters=[("dept", "==", "53"), ("flow", "==", "E")])
    largest = round(rows["value_eur"].max())
    assert preview["valeur_eur"].iloc[0].strip() == f"{largest:,}".replace(",", NB)
    assert set(preview["annee"]) == {"2024"}
    assert all(isinstance(cell, str) for column in preview for cell in preview[column])
    assert "None" not in set(preview["mois"]) | set(preview["cpf4"])
