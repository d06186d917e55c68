"""The export CLI: every CSV of the contract, against plain pandas, and its bad inputs."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.core import refs
from lib.fiche import cli
from tests import oracle
from tests.test_queries import HAND_MADE, random_trade

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    "kpis.csv", "partners.csv", "products.csv", "products_cpf4.csv", "sankey_export.csv",
    "sankey_import.csv", "us_exposure.csv",
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"country": str, "product": str, "source": str, "target": str},
                       keep_default_na=False, na_values=[""])  # fmt: skip


@pytest.mark.parametrize(
    ("level", "code", "depts", "region_depts"),
    [
        ("dept", "53", ["53"], refs.depts_of_region("52")),
        ("region", "52", refs.depts_of_region("52"), refs.depts_of_region("52")),
        ("france", None, None, None),
    ],
)
@pytest.mark.parametrize("top", [2, 10])
def test_export_files_match_pandas(
    use_dataset, tmp_path: Path, capsys, level, code, depts, region_depts, top
) -> None:
    frame = random_trade(7)
    data_dir = use_dataset(frame)
    args = ["--data-dir", str(data_dir), "--level", level, "--year", "2024", "--top", str(top)]
    args += ["--out", str(tmp_path / "out")] + (["--code", code] if code else [])
    status, _ = run(capsys, *args)
    assert status == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)

    kpis = read(out / "kpis.csv")
    expected = oracle.kpis(frame, depts, region_depts, 2024)
    assert list(kpis["indicator"]) == list(expected)
    for indicator, value in zip(kpis["indicator"], kpis["value"], strict=True):
        want = expected[indicator]
        assert (math.isnan(value) and math.isnan(want)) or value == pytest.approx(want, rel=1e-12)

    partners = read(out / "partners.csv")
    want = oracle.partners(frame, depts, 2024, top)
    assert list(partners["country"]) == list(want["country"])
    assert list(partners.columns) == [
        "country", "country_name", "imports_eur", "exports_eur", "balance_eur",
    ]  # fmt: skip
    pd.testing.assert_series_equal(partners["balance_eur"], want["balance_eur"], check_names=False)

    products = read(out / "products.csv")
    want = oracle.products(frame, depts, 2024)
    assert list(zip(products["flow"], products["product"], strict=True)) == list(
        zip(want["flow"], want["product"], strict=True)
    )
    assert products["share_pct"].to_numpy() == pytest.approx(want["share_pct"].to_numpy())

    for flow, name in (("E", "sankey_export.csv"), ("I", "sankey_import.csv")):
        links = read(out / name)
        want = oracle.sankey(frame, depts, 2024, flow, top)
        pd.testing.assert_frame_equal(links, want, check_dtype=False)

    # « Exposition aux États-Unis »: the territory's first row, from plain pandas.
    exported = oracle.select(frame, depts, 2024).query("flow == 'E'")
    to_us = exported.loc[exported["country"] == "US", "value_eur"].sum()
    first = read(out / "us_exposure.csv").iloc[0]
    assert first["scope"] == "territory"
    assert first["to_partner_eur"] == pytest.approx(to_us)
    assert first["share_pct"] == pytest.approx(100 * to_us / exported["value_eur"].sum())


def test_cpf4_detail_file_matches_pandas(use_dataset, tmp_path: Path, capsys) -> None:
    from tests.test_quarters import ROWS

    data_dir = use_dataset(ROWS)
    run(capsys, "--data-dir", str(data_dir), "--level", "dept", "--code", "53", "--year", "2024",
        "--out", str(tmp_path))  # fmt: skip
    got = pd.read_csv(tmp_path / "products_cpf4.csv", dtype={"cpf4": str})
    assert list(got.columns) == ["flow", "product", "cpf4", "cpf4_name", "value_eur"]
    rows = ROWS[(ROWS["year"] == 2024) & (ROWS["dept"] == "53")]
    want = rows.groupby(["flow", "product", "cpf4"], as_index=False)["value_eur"].sum()
    want["flow"] = want["flow"].map({"E": "export", "I": "import"})
    want = want.sort_values(["flow", "product", "value_eur", "cpf4"],
                            ascending=[True, True, False, True])  # fmt: skip
    assert list(zip(got["flow"], got["cpf4"], strict=True)) == list(
        zip(want["flow"], want["cpf4"], strict=True)
    )
    assert got["value_eur"].to_numpy() == pytest.approx(want["value_eur"].to_numpy())


def test_csv_dialect_is_plain_utf8_comma_and_point(use_dataset, tmp_path: Path, capsys) -> None:
    data_dir = use_dataset(HAND_MADE)
    run(capsys, "--data-dir", str(data_dir), "--level", "dept", "--code", "53", "--year", "2024",
        "--out", str(tmp_path))  # fmt: skip
    text = (tmp_path / "partners.csv").read_bytes().decode("utf-8")
    assert text.splitlines()[0] == "country,country_name,imports_eur,exports_eur,balance_eur"
    assert text.splitlines()[1] == "DE,Allemagne,25.0,170.0,145.0"
    assert "\r" not in text
    kpis = (tmp_path / "kpis.csv").read_text(encoding="utf-8")
    assert "coverage_pct,247.6190476190" in kpis  # 100 * 260 / 105, unrounded


def ref_codes(table: str) -> list[str]:
    """The codes of a reference table, read with pandas (not through lib.core.refs)."""
    return list(pd.read_csv(ROOT / "data" / "ref" / f"{table}.csv", dtype=str)["code"])


def test_all_writes_one_folder_per_territory(use_dataset, tmp_path: Path, capsys) -> None:
    data_dir = use_dataset(HAND_MADE)
    status, err = run(capsys, "--data-dir", str(data_dir), "--all", "--year", "2024",
                      "--out", str(tmp_path / "all"))  # fmt: skip
    assert status == 0
    expected = [
        "france",
        *(f"region_{code}" for code in ref_codes("regions")),
        *(f"dept_{code}" for code in ref_codes("departements")),
    ]
    assert len(expected) == 120
    folders = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert folders == sorted(expected)  # no index.html, no fiche without --fiche
    for folder in expected:
        assert sorted(p.name for p in (tmp_path / "all" / folder).iterdir()) == sorted(FILES)
    lines = err.splitlines()
    assert len(lines) == 121 and lines[0].startswith("[1/120] France entière — ")
    assert lines[-1].startswith(f"840 fichiers écrits dans {tmp_path / 'all'} (120 territoires)")
    for level, code, folder in [("dept", "53", "dept_53"), ("region", "52", "region_52"),
                                ("france", None, "france")]:  # fmt: skip
        single = tmp_path / f"single_{folder}"
        run(capsys, "--data-dir", str(data_dir), "--level", level, "--year", "2024",
            "--out", str(single), *(["--code", code] if code else []))  # fmt: skip
        for name in FILES:
            assert (tmp_path / "all" / folder / name).read_bytes() == (single / name).read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--level", "dept", "--code", "99", "--year", "2024"], "Département inconnu"),
        (["--level", "dept", "--year", "2024"], "--code est obligatoire"),
        (["--level", "region", "--code", "99", "--year", "2024"], "Région inconnue"),
        (["--level", "dept", "--code", "53", "--year", "1999"], "Année 1999 absente"),
        (["--level", "dept", "--code", "53", "--year", "2024", "--top", "0"], "--top"),
        (["--year", "2024"], "--level est obligatoire"),
        (["--all", "--year", "2024", "--workers", "0"], "--workers"),
        (["--all", "--year", "1999", "--fiche"], "Année 1999 absente"),
    ],
)
def test_bad_arguments_exit_2_with_a_french_message(
    use_dataset, tmp_path: Path, capsys, argv: list[str], message: str
) -> None:
    data_dir = use_dataset(HAND_MADE)
    status, err = run(capsys, "--data-dir", str(data_dir), *argv, "--out", str(tmp_path / "x"))
    assert status == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_empty_data_folder_fails_clearly_and_builds_nothing(tmp_path: Path) -> None:
    # Run as a user would: the exit code and the message of the command itself.
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "lib.fiche", "--data-dir", str(empty), "--level", "france",
         "--year", "2024", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode != 0
    assert "aucun jeu de données" in result.stderr and "Traceback" not in result.stderr
    assert f"python -m lib.sources.demo --data-dir {empty}" in result.stderr
    assert list(empty.iterdir()) == []
    assert not (tmp_path / "out").exists()


EXPOSURE_COLUMNS = ["product", "exports_eur", "to_partner_eur", "share_pct"]
DEPENDENCY_COLUMNS = [
    "product", "imports_eur", "first_supplier", "first_supplier_share_pct", "hhi",
    "outside_eu_share_pct",
]  # fmt: skip


def test_exposure_option_writes_the_two_tables(use_dataset, tmp_path: Path, capsys) -> None:
    data_dir = use_dataset(HAND_MADE)
    status, err = run(capsys, "--data-dir", str(data_dir), "--level", "dept", "--code", "53",
                      "--year", "2024", "--exposure", "us", "--out", str(tmp_path))  # fmt: skip
    assert status == 0 and "9 fichiers écrits" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*FILES, "exposure.csv", "dependency.csv"]
    )
    # Mayenne 2024 exports: C21Z 150 (30 to US), C10A 110 (none to US); hand-computed.
    got = read(tmp_path / "exposure.csv")
    assert list(got.columns) == EXPOSURE_COLUMNS
    assert list(got["product"]) == ["C21Z", "C10A"]
    assert list(got["exports_eur"]) == [150.0, 110.0]
    assert list(got["to_partner_eur"]) == [30.0, 0.0]
    assert got["share_pct"].tolist() == pytest.approx([20.0, 0.0])
    # Imports: C26A 80 from CN alone; C21Z 25 from DE alone.
    deps = read(tmp_path / "dependency.csv")
    assert list(deps.columns) == DEPENDENCY_COLUMNS
    assert deps.to_dict("list") == {
        "product": ["C26A", "C21Z"], "imports_eur": [80.0, 25.0], "first_supplier": ["CN", "DE"],
        "first_supplier_share_pct": [100.0, 100.0], "hhi": [1.0, 1.0],
        "outside_eu_share_pct": [100.0, 0.0],
    }  # fmt: skip
    text = (tmp_path / "exposure.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(EXPOSURE_COLUMNS)


def test_exposure_option_with_all_and_a_group(use_dataset, tmp_path: Path, capsys) -> None:
    data_dir = use_dataset(HAND_MADE)
    status, _ = run(capsys, "--data-dir", str(data_dir), "--all", "--year", "2024",
                    "--exposure", "UE27", "--out", str(tmp_path))  # fmt: skip
    assert status == 0
    got = read(tmp_path / "dept_72" / "exposure.csv")
    assert got.to_dict("list") == {
        "product": ["C29A"], "exports_eur": [400.0], "to_partner_eur": [400.0],
        "share_pct": [100.0],
    }  # fmt: skip
    assert read(tmp_path / "dept_01" / "dependency.csv").empty
    # Pays de la Loire = Mayenne and Sarthe: C29A 400 (all to DE), C21Z 150 (120 to DE, 30 to
    # US), C10A 110 (DE 50, BE 30, ES 30: all UE27); hand-computed.
    got = read(tmp_path / "region_52" / "exposure.csv")
    assert got[["product", "exports_eur", "to_partner_eur"]].to_dict("list") == {
        "product": ["C29A", "C21Z", "C10A"], "exports_eur": [400.0, 150.0, 110.0],
        "to_partner_eur": [400.0, 120.0, 110.0],
    }  # fmt: skip


@pytest.mark.parametrize("partner", ["XX", "FR", "UE", "=1+1"])
def test_unknown_exposure_partner_exits_2(use_dataset, tmp_path: Path, capsys, partner) -> None:
    data_dir = use_dataset(HAND_MADE)
    args = ["--level", "dept", "--code", "53", "--year", "2024", "--exposure", partner]
    status, err = run(capsys, "--data-dir", str(data_dir), *args, "--out", str(tmp_path / "x"))
    assert status == 2
    assert f"Partenaire inconnu : « {partner} »" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


# --- --format xlsx: one workbook, a sheet per table ------------------------------------------

SHEETS = [
    "Chiffres clés", "Pays partenaires", "Activités (A129)", "Produits (CPF4)",
    "Flux à l'export", "Flux à l'import", "Exposition aux États-Unis", "Exposition",
    "Dépendances",
]  # fmt: skip


def _sheet_columns(sheet) -> list[tuple[str, list[object]]]:
    """(header, values) per column of a sheet, below its header row (the first bold, filled)."""
    rows = [list(row) for row in sheet.iter_rows()]
    header = next(
        i
        for i, row in enumerate(rows)
        if row[0].font.bold and row[0].fill.fgColor.rgb not in (None, "00000000")
    )
    return [
        (str(rows[header][col].value), [row[col].value for row in rows[header + 1 :]])
        for col in range(len(rows[header]))
    ]


def _same(csv_values: pd.Series, sheet_values: list[object]) -> bool:
    if len(csv_values) != len(sheet_values):
        return False
    for expected, got in zip(csv_values.tolist(), sheet_values, strict=True):
        if isinstance(expected, float) and math.isnan(expected):
            if got is not None:
                return False
        elif isinstance(expected, float | int) and not isinstance(expected, bool):
            if not isinstance(got, float | int) or got != pytest.approx(expected, rel=1e-15):
                return False
        elif str(expected) != got:
            return False
    return True


def test_xlsx_holds_every_csv_table_in_one_workbook(use_dataset, tmp_path: Path, capsys) -> None:
    import openpyxl

    data_dir = use_dataset(HAND_MADE)
    common = ["--data-dir", str(data_dir), "--level", "dept", "--code", "53", "--year", "2024"]
    common += ["--top", "2", "--exposure", "US"]
    assert run(capsys, *common, "--out", str(tmp_path / "csv"))[0] == 0
    status, err = run(capsys, *common, "--out", str(tmp_path / "xlsx"), "--format", "xlsx")
    assert status == 0, err
    assert [p.name for p in (tmp_path / "xlsx").iterdir()] == ["fiche.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "xlsx" / "fiche.xlsx")
    assert book.sheetnames == SHEETS
    csv_names = [*FILES, "exposure.csv", "dependency.csv"]
    for sheet_name, csv_name in zip(SHEETS, csv_names, strict=True):
        table = read(tmp_path / "csv" / csv_name)
        columns = _sheet_columns(book[sheet_name])
        # Every CSV column, in order, is a column of the sheet (names may stand between them).
        position = 0
        for name in table.columns:
            while position < len(columns) and not _same(table[name], columns[position][1]):
                position += 1
            assert position < len(columns), f"{sheet_name}: {name} not found in the sheet"
            position += 1
        top, us = " — 2 premiers", " — États-Unis (US)"
        detail = {"Pays partenaires": top, "Flux à l'export": top, "Flux à l'import": top,
                  "Exposition": us}  # fmt: skip
        assert book[sheet_name]["A1"].value.endswith(
            "— Mayenne (53) — 2024" + detail.get(sheet_name, "")
        )
    partners = dict(_sheet_columns(book["Pays partenaires"]))
    assert partners["Nom du pays"][:1] == [refs.country_name(partners["Pays"][0])]
