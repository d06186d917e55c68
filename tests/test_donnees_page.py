"""The Données page (AppTest): what it opens on without parameters, what an explicit URL keeps,
the CSV's row count said before the download and Excel's limit, quarter choices only where the
data has quarters.

Expected totals and counts come from plain pandas over the Parquet files of the fixture, never
from the page's queries.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config, workbook
from lib.web import download

APP = str(config.ROOT / "streamlit_app.py")
NB = "\u00a0"


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/donnees.py")
    at.query_params = dict(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    """The page's Markdown as read (plain()'s escapes removed)."""
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def _year_rows(data_dir: Path, year: int) -> pd.DataFrame:
    (path,) = data_dir.glob(f"v-*/year={year}/data.parquet")
    return pd.read_parquet(path, columns=["flow", "dept", "value_eur"])


def _meur(value_eur: float) -> str:
    """1 773 500 000 → « 1 773,5 M€ », written here rather than by lib.core.formatting."""
    return f"{value_eur / 1e6:,.1f}".replace(",", NB).replace(".", ",") + f"{NB}M€"


def _count(rows: int) -> str:
    return f"{rows:,}".replace(",", NB)


def _links(at: AppTest) -> dict[str, object]:
    return {link.proto.label: link.proto for link in at.get("link_button")}


@pytest.fixture
def served(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demonstration dataset, the downloads served as routes (serve.py)."""
    monkeypatch.setattr(download, "_mounted", True)
    return demo


def test_opens_on_frances_exports_of_the_latest_year(served: Path) -> None:
    years = sorted(int(p.name.removeprefix("year=")) for p in served.glob("v-*/year=*"))
    latest = years[-1]
    rows = _year_rows(served, latest)
    exports = rows[rows["flow"] == "E"]
    at = open_page()
    assert at.query_params == {
        "niveau": "france", "debut": str(latest), "fin": str(latest), "flux": "export"
    }  # fmt: skip
    assert at.radio(key="donnees-flux").value == "export"
    assert at.selectbox(key="donnees-from").value == at.selectbox(key="donnees-to").value
    text = _texts(at)
    assert (
        f"France entière, {latest} — exportations : **{_meur(exports['value_eur'].sum())}** "
        f"({_count(len(exports))} lignes)." in text
    )
    assert "importations" not in text
    assert f"Le fichier CSV aura {_count(len(exports))} lignes, plus celle des en-têtes." in text
    assert at.dataframe[0].value["flux"].eq("export").all()


def test_explicit_url_keeps_its_choices(served: Path) -> None:
    params = {"niveau": "departement", "code": "53", "debut": "2023", "fin": "2024", "flux": "tous"}
    at = open_page(**params)
    assert at.query_params == params
    assert (at.selectbox(key="donnees-from").value, at.selectbox(key="donnees-to").value) == (
        "2023",
        "2024",
    )
    rows = pd.concat([_year_rows(served, 2023), _year_rows(served, 2024)])
    mayenne = rows[rows["dept"] == "53"]
    exports, imports = mayenne[mayenne["flow"] == "E"], mayenne[mayenne["flow"] == "I"]
    text = _texts(at)
    assert (
        f"Mayenne (53), 2023–2024 — exportations : **{_meur(exports['value_eur'].sum())}** "
        f"({_count(len(exports))} lignes) ; importations : "
        f"**{_meur(imports['value_eur'].sum())}** ({_count(len(imports))} lignes)." in text
    )
    assert _meur(mayenne["value_eur"].sum()) not in text  # the two flows are never added
    assert f"Le fichier CSV aura {_count(len(mayenne))} lignes" in text


def test_a_changed_year_is_written_to_the_url(served: Path) -> None:
    at = open_page()
    at.selectbox(key="donnees-from").set_value("2020").run()
    assert at.query_params["debut"] == "2020" and "tdebut" not in at.query_params


def _latest_exports(data_dir: Path) -> int:
    rows = _year_rows(data_dir, 2024)
    return int((rows["flow"] == "E").sum())


def test_warns_when_the_csv_is_longer_than_excel_opens(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet of EXCEL_MAX_ROWS lines cannot hold the header and `count` rows: the page says
    so before the download, and the workbook is not offered; the CSV stays."""
    count = _latest_exports(served)
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", count)
    at = open_page()
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any(f"Excel s'arrête à {_count(count)} lignes" in w for w in warnings), warnings
    links = _links(at)
    assert links["Télécharger les lignes filtrées (Excel)"].disabled
    assert not links["Télécharger les lignes filtrées (CSV)"].disabled
    assert not any("se prépare" in caption.value for caption in at.caption)  # no workbook


def test_no_warning_when_the_csv_fits_in_a_sheet(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header and `count` rows fill the sheet exactly: no warning on the CSV; the workbook,
    whose heading lines take room too, is refused with its own reason."""
    count = _latest_exports(served)
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", count + 1)
    at = open_page()
    assert not any("Excel s'arrête" in w.value.replace("\\", "") for w in at.warning)
    captions = "\n".join(c.value for c in at.caption).replace("\\", "")
    assert "une feuille Excel en contient au plus" in captions
    assert _links(at)["Télécharger les lignes filtrées (Excel)"].disabled


def test_no_quarter_choices_on_annual_data(served: Path) -> None:
    years = sorted(int(p.name.removeprefix("year=")) for p in served.glob("v-*/year=*"))
    at = open_page()
    period = at.selectbox(key="donnees-from")
    assert period.options == [str(year) for year in years]
    assert period.label == "De l'année"


def test_a_quarter_on_annual_data_is_set_aside(served: Path) -> None:
    at = open_page(debut="2024", tdebut="2", fin="2024", flux="export")
    assert any(
        "Trimestre T2 ignoré : les données de 2024 sont annuelles." in m.value.replace("\\", "")
        for m in at.info
    )
    assert "tdebut" not in at.query_params


def test_quarter_choices_on_quarterly_data(use_dataset) -> None:
    from tests.test_quarters import ROWS

    use_dataset(ROWS)
    at = open_page(niveau="departement", code="53", debut="2024", tdebut="3", fin="2025", tfin="1")
    period = at.selectbox(key="donnees-from")
    assert period.options == [f"T{q} 2024" for q in (1, 2, 3, 4)] + ["T1 2025", "T2 2025"]
    assert period.label == "Du trimestre"
    assert (period.value, at.selectbox(key="donnees-to").value) == ("T3 2024", "T1 2025")
