"""The fiche's « Exposition aux États-Unis » (issue 20): lib.data.exposure.partner_summary, its
words
(lib.fiche.texts.us_exposure), the Fiche page's block and the document's.

Expected figures come from plain pandas over the demonstration dataset's Parquet file (the
départements and régions of the reference tables, every row for France) or from hand-made
rows, never from lib.data.exposure; French numbers are written here without lib.core.formatting.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import FRANCE, Territory
from lib.data import exposure
from lib.fiche import as_html, contents, texts
from tests.apptables import number, open_tables, page_csvs, record_csvs
from tests.conftest import rows
from tests.test_pages import _demo_data, _texts, open_page  # noqa: F401  (autouse fixture)

NB = "\u00a0"
MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")


def _french(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", NB).replace(".", ",")


def _meur(value_eur: float) -> str:
    return f"{_french(value_eur / 1e6)}{NB}M€"


def _pct(value: float) -> str:
    return f"{_french(value)}{NB}%"


# --- Oracle --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exports_2024(demo_data_dir: Path) -> pd.DataFrame:
    """Every export row of 2024, with the row's value to the United States beside it."""
    (path,) = demo_data_dir.glob("v-*/year=2024/data.parquet")
    frame = pd.read_parquet(path, columns=["flow", "dept", "product", "country", "value_eur"])
    frame = frame[frame["flow"] == "E"]
    return frame.assign(to_us=frame["value_eur"].where(frame["country"] == "US", 0.0))


def _units(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Exports, to the US, share and rank by share (1 = highest, ties the lower) of every
    département or région of the reference."""
    depts = refs.departements()[["code", "region_code"]]
    merged = frame.merge(depts, left_on="dept", right_on="code")
    key = "dept" if level == "dept" else "region_code"
    sums = merged.groupby(key)[["value_eur", "to_us"]].sum()
    sums["share"] = 100 * sums["to_us"] / sums["value_eur"]
    sums["rank"] = sums["share"].rank(ascending=False, method="min")
    return sums


def _oracle(frame: pd.DataFrame, territory: Territory) -> dict:
    depts = territory.depts
    own = frame if depts is None else frame[frame["dept"].isin(depts)]
    exports, to_us = own["value_eur"].sum(), own["to_us"].sum()
    by_product = own.groupby("product")[["value_eur", "to_us"]].sum()
    by_product = by_product[by_product["to_us"] > 0].reset_index()
    by_product = by_product.sort_values(["to_us", "product"], ascending=[False, True]).head(3)
    expected = {
        "exports": exports,
        "to_us": to_us,
        "share": 100 * to_us / exports,
        "products": [
            (row.product, row.to_us, 100 * row.to_us / row.value_eur)
            for row in by_product.itertuples()
        ],
        "rank": None,
        "of": None,
    }
    if territory.level != "france":
        units = _units(frame, territory.level)
        expected |= {"rank": int(units.at[territory.code, "rank"]), "of": len(units)}
    return expected


# --- The numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("territory", [MAYENNE, PAYS_DE_LA_LOIRE, FRANCE], ids=lambda t: t.code)
def test_the_summary_matches_pandas(exports_2024: pd.DataFrame, territory: Territory) -> None:
    expected = _oracle(exports_2024, territory)
    table = exposure.partner_summary(territory, 2024, "US")
    assert list(table.columns) == exposure.SUMMARY_COLUMNS
    assert list(table["scope"]) == ["territory", "product", "product", "product"]
    first = table.iloc[0]
    assert (first["code"], first["name"]) == (territory.code, territory.name)
    assert first["exports_eur"] == pytest.approx(expected["exports"], rel=1e-9)
    assert first["to_partner_eur"] == pytest.approx(expected["to_us"], rel=1e-9)
    assert first["share_pct"] == pytest.approx(expected["share"], rel=1e-9)
    if expected["rank"] is None:
        assert pd.isna(first["rank_share"]) and pd.isna(first["of"])
    else:
        assert (first["rank_share"], first["of"]) == (expected["rank"], expected["of"])
    products = table.iloc[1:]
    assert list(products["code"]) == [code for code, _, _ in expected["products"]]
    assert list(products["name"]) == [refs.product_name(c) for c, _, _ in expected["products"]]
    for (_, row), (_, to_us, share) in zip(products.iterrows(), expected["products"], strict=True):
        assert row["to_partner_eur"] == pytest.approx(to_us, rel=1e-9)
        assert row["share_pct"] == pytest.approx(share, rel=1e-9)
        assert pd.isna(row["rank_share"])


def test_regions_are_the_sums_of_their_departements(exports_2024: pd.DataFrame) -> None:
    units = _units(exports_2024, "region")
    table = exposure.exposure_by_region(2024, "US").set_index("region")
    assert list(table.index) == list(refs.regions()["code"])
    assert table["exports_eur"].to_dict() == pytest.approx(units["value_eur"].to_dict())
    assert table["rank_share"].astype(int).to_dict() == units["rank"].astype(int).to_dict()


def test_a_territory_without_exports_to_the_us_or_at_all(use_dataset) -> None:
    """Hand-made: Mayenne exports 100 € to Germany, the Orne nothing in 2024 (only in 2023)."""
    use_dataset(
        rows(
            [
                (2024, "E", "53", "C10A", "DE", 100.0),
                (2024, "E", "72", "C10A", "US", 40.0),
                (2024, "E", "72", "C10A", "DE", 60.0),
                (2023, "E", "61", "C10A", "US", 10.0),
            ]
        )
    )
    mayenne = exposure.partner_summary(MAYENNE, 2024, "US")
    assert list(mayenne["scope"]) == ["territory"]  # no product sent there
    assert (mayenne.at[0, "to_partner_eur"], mayenne.at[0, "share_pct"]) == (0.0, 0.0)
    block = texts.us_exposure(mayenne, "dept", "2024")
    assert block.note == "Aucune exportation de ce territoire vers les États-Unis en 2024."
    assert block.figures == () and block.products == ()
    orne = exposure.partner_summary(Territory("dept", "61"), 2024, "US")
    assert orne.at[0, "exports_eur"] == 0.0 and pd.isna(orne.at[0, "rank_share"])
    assert orne.at[0, "of"] == 2  # Mayenne and the Sarthe have a share, the Orne none
    note = texts.us_exposure(orne, "dept", "2024").note
    assert note.startswith("Aucune exportation de ce territoire en 2024")
    sarthe = texts.us_exposure(
        exposure.partner_summary(Territory("dept", "72"), 2024, "US"), "dept", "2024"
    )
    assert sarthe.figures == (
        ("Exportations vers les États-Unis", f"0,0{NB}M€", sarthe.figures[0][2]),
        ("Part des exportations du territoire", f"40,0{NB}%", sarthe.figures[1][2]),
        ("Rang de cette part, sur 2 départements", "1er", sarthe.figures[2][2]),
    )
    assert sarthe.products_heading == "Le produit le plus exporté vers les États-Unis :"
    region = texts.us_exposure(
        exposure.partner_summary(PAYS_DE_LA_LOIRE, 2024, "US"), "region", "2024"
    )
    # 40 of 200 € from the région's départements; its rank feminine, the one région with a share.
    assert region.figures[1][1] == f"20,0{NB}%"
    assert region.figures[2][:2] == ("Rang de cette part, sur 1 région", "1re")


def test_an_unknown_partner_is_refused(demo: Path) -> None:
    with pytest.raises(exposure.InvalidPartner):
        exposure.partner_summary(MAYENNE, 2024, "'; DROP TABLE trade; --")


# --- The Fiche page ------------------------------------------------------------------------


def test_the_fiche_shows_the_block_after_the_key_figures(
    exports_2024: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _oracle(exports_2024, MAYENNE)
    recorded = record_csvs(monkeypatch)
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    headers = [h.value for h in at.subheader]
    position = headers.index("Exposition aux États-Unis (2024)")
    assert headers[position - 1] == "Chiffres clés"
    assert headers[position + 1].startswith("Principaux pays")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations vers les États-Unis"] == _meur(expected["to_us"])
    assert metrics["Part des exportations du territoire"] == _pct(expected["share"])
    assert metrics["Rang de cette part, sur 101 départements"] == f"{expected['rank']}e"
    text = _texts(at).replace("\\", "")  # the names and numbers as read, once unescaped
    assert "Les trois produits les plus exportés vers les États-Unis :" in text
    for code, to_us, share in expected["products"]:
        line = f"{refs.product_name(code)} : {_meur(to_us)}, soit {_pct(share)} des exportations"
        assert line in text
    (link,) = [
        link for link in at.get("page_link") if "exposition aux États-Unis" in link.proto.label
    ]
    assert link.proto.page == "exposition"
    query = dict(part.split("=") for part in link.proto.query_string.split("&"))
    assert {key: query[key] for key in ("niveau", "code", "annee", "partenaire")} == {
        "niveau": "departement",
        "code": "53",
        "annee": "2024",
        "partenaire": "US",
    }
    # The block's table: in its CSV, unrounded; on its grid, in M€ to one decimal.
    table = pd.read_csv(io.BytesIO(page_csvs(at, recorded)["us-exposure"]), dtype={"code": str})
    assert table.at[0, "code"] == "53"
    assert table.at[0, "to_partner_eur"] == pytest.approx(expected["to_us"], rel=1e-9)
    grid = open_tables(at, "us-exposure")["us-exposure"]
    to_us = number(grid.at[0, "Vers le partenaire (M€)"])
    assert to_us == pytest.approx(expected["to_us"] / 1e6, abs=0.05)
    assert number(grid.at[0, "Rang (part)"]) == expected["rank"]


def test_france_has_no_rank(exports_2024: pd.DataFrame) -> None:
    at = open_page("fiche", niveau="france", annee="2024")
    metrics = {m.label: m.value for m in at.metric}
    expected = _oracle(exports_2024, FRANCE)
    assert metrics["Part des exportations du territoire"] == _pct(expected["share"])
    assert not any(label.startswith("Rang") for label in metrics)


def test_the_fiche_says_when_nothing_goes_to_the_us(use_dataset) -> None:
    use_dataset(rows([(2024, "E", "53", "C10A", "DE", 5e6), (2024, "I", "53", "C10A", "BE", 2e6)]))
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    assert "Aucune exportation de ce territoire vers les États-Unis en 2024." in _texts(at)
    assert "Exportations vers les États-Unis" not in {m.label for m in at.metric}
    assert not at.error


# --- The document --------------------------------------------------------------------------


def test_the_document_has_the_block_after_the_key_figures(
    demo: Path, exports_2024: pd.DataFrame
) -> None:
    expected = _oracle(exports_2024, MAYENNE)
    doc = contents.build(MAYENNE, 2024, 10)
    cover = html.unescape(as_html.pages(doc)[0])
    key_figures = cover.index("Chiffres clés, 2024")
    block = cover.index("Exposition aux États-Unis, 2024")
    assert key_figures < block
    after = cover[block:]
    for value in (_meur(expected["to_us"]), _pct(expected["share"]), f"{expected['rank']}e"):
        assert value in after
    assert "Rang de cette part, sur 101 départements" in after
    for code, to_us, share in expected["products"]:
        assert f"{refs.product_name(code)} : {_meur(to_us)}, soit {_pct(share)}" in after
    assert "/exposition?niveau=departement&code=53&annee=2024&partenaire=US" in after


def test_the_document_says_when_nothing_goes_to_the_us(use_dataset) -> None:
    use_dataset(rows([(2024, "E", "53", "C10A", "DE", 5e6), (2024, "I", "53", "C10A", "BE", 2e6)]))
    cover = html.unescape(as_html.pages(contents.build(MAYENNE, 2024, 10))[0])
    assert "Aucune exportation de ce territoire vers les États-Unis en 2024." in cover
    assert "Rang de cette part" not in cover
