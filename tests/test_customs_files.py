"""Tests of the customs-file builders of tests/customs_files.py, read back with plain tools."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlrd

from tests import customs_files as cf


def parse_data(raw: bytes, *, cpf4_first: bool = False) -> pd.DataFrame:
    """Read a headerless published data file back into a rows frame, with plain csv."""
    lines = list(csv.reader(io.StringIO(raw.decode("ascii"), newline=""), delimiter=";"))
    assert all(len(line) == 10 for line in lines)
    records = []
    for flow, quarter, year, dept, region, a, b, country, value, mass in lines:
        product, cpf4 = (b, a) if cpf4_first else (a, b)
        row = (int(year), int(quarter), flow, dept, region, product, cpf4, country)
        records.append((*row, int(value), int(mass)))
    return cf.rows_frame(records)


def parse_labels(raw: bytes, *, encoding: str, header: bool) -> list[tuple[str, ...]]:
    rows = [tuple(r) for r in csv.reader(io.StringIO(raw.decode(encoding)), delimiter=";")]
    if header:
        assert rows[0] == cf.LABEL_HEADER
        rows = rows[1:]
    assert all(len(r) == 4 for r in rows)
    return rows


def test_sample_rows_is_deterministic_with_unique_keys() -> None:
    frame = cf.sample_rows()
    pd.testing.assert_frame_equal(frame, cf.sample_rows())
    assert not frame.equals(cf.sample_rows(seed=1))
    assert len(frame) == 300 and not frame.duplicated(cf.KEYS).any()
    assert {"2A", "971"} <= set(frame["dept"]) and "NA" in set(frame["country"])
    assert set(frame["flow"]) == {"E", "I"} and set(frame["year"]) == {2023, 2024}
    assert (frame["region"] == frame["dept"].map(cf.region_of)).all()
    assert (frame["region"] != cf.UNKNOWN_REGION).all()
    # Every CPF4 code sits in its A129 code's division and belongs to a single A129 code.
    assert (frame["cpf4"].str[:2] == frame["product"].str[1:3]).all()
    assert frame.groupby("cpf4")["product"].nunique().max() == 1


@pytest.mark.parametrize("cpf4_first", [False, True])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_data_text_round_trips(cpf4_first: bool, line_end: str) -> None:
    frame = cf.sample_rows(n=50)
    raw = cf.data_text(frame, cpf4_first=cpf4_first, line_end=line_end)
    assert raw.count(line_end.encode()) == len(frame) and raw.endswith(line_end.encode())
    pd.testing.assert_frame_equal(parse_data(raw, cpf4_first=cpf4_first), frame)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize("header", [True, False])
def test_label_text_round_trips(encoding: str, header: bool) -> None:
    rows = [
        ("C10F", "Travail des grains ; fabrication de produits amylacés", *cf.VALIDITY),
        ("CI", "Côte d'Ivoire", "2008-01-01", "9999-12-31"),
        ("XK", 'Kosovo "au sens de la résolution 1244"', "2008-01-01", "9999-12-31"),
    ]
    raw = cf.label_text(rows, header=header, encoding=encoding)
    assert parse_labels(raw, encoding=encoding, header=header) == rows
    assert ("Côte".encode(encoding) in raw) and (raw.startswith(b"code;") == header)


def test_published_zip_layout_and_labels(tmp_path: Path) -> None:
    frame = cf.split_by_year_flow(cf.sample_rows())[(2024, "E")]
    extra = {
        "Libelle_PAYS.txt": [
            ("DE", "Allemagne (RFA)", "1950-01-01", "1990-10-02"),
            ("DE", "Allemagne", "1990-10-03", "9999-12-31"),
        ]
    }
    path = cf.write_published_zip(
        tmp_path / cf.published_zip_name(2024, "E"),
        frame,
        year=2024,
        flow="E",
        labels_encoding="cp1252",
        labels_header=False,
        extra_labels=extra,
    )
    assert path.name == "202502_regional_2024_export.zip"
    folder = "Regional-2024-export/"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert names == {folder} | {
            folder + n
            for n in [
                "Region_2024_Export.txt",
                "Libelle_A129.txt",
                "Libelle_CPF4.txt",
                "Libelle_PAYS.txt",
            ]
        }
        pd.testing.assert_frame_equal(parse_data(zf.read(folder + "Region_2024_Export.txt")), frame)
        labels = {
            n: parse_labels(zf.read(folder + n), encoding="cp1252", header=False)
            for n in ["Libelle_A129.txt", "Libelle_CPF4.txt", "Libelle_PAYS.txt"]
        }
    for name, column in [
        ("Libelle_A129.txt", "product"),
        ("Libelle_CPF4.txt", "cpf4"),
        ("Libelle_PAYS.txt", "country"),
    ]:
        assert set(frame[column]) <= {r[0] for r in labels[name]}
    assert ("NA", "Namibie", *cf.VALIDITY) in labels["Libelle_PAYS.txt"]
    assert [r for r in labels["Libelle_PAYS.txt"] if r[0] == "DE"] == extra["Libelle_PAYS.txt"]


def test_published_zip_variants(tmp_path: Path) -> None:
    frame = cf.split_by_year_flow(cf.sample_rows())[(2023, "I")]
    path = cf.write_published_zip(
        tmp_path / "f.zip",
        frame,
        year=2023,
        flow="import",
        cpf4_first=True,
        data_name="REGIONAL_CPF4PAYSE.txt",
        cpf4_labels_name="Libelle_CPF4_rev2.1.txt",
    )
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("Regional-2023-import/REGIONAL_CPF4PAYSE.txt")
        assert "Regional-2023-import/Libelle_CPF4_rev2.1.txt" in zf.namelist()
    pd.testing.assert_frame_equal(parse_data(raw, cpf4_first=True), frame)
    with pytest.raises(AssertionError):
        cf.write_published_zip(tmp_path / "g.zip", cf.sample_rows(), year=2023, flow="I")


@pytest.mark.parametrize("value_header", [cf.KIOSQUE_VALUE_HEADER, "Valeur"])
def test_kiosque_zip_round_trips(tmp_path: Path, value_header: str) -> None:
    frame = cf.sample_rows(n=120)
    path = cf.write_kiosque_zip(tmp_path / "k.zip", frame, value_header=value_header)
    parts = []
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == [f"Region_{r}.xls" for r in sorted(set(frame["region"]))]
        for name in zf.namelist():
            sheet = xlrd.open_workbook(file_contents=zf.read(name)).sheet_by_index(0)
            assert sheet.row_values(0) == cf.kiosque_header(value_header)
            for i in range(1, sheet.nrows):
                flow, year, quarter, dept, product, cpf4, country, k_eur, mass = sheet.row_values(i)
                assert k_eur == round(k_eur, 3)
                row = (int(year), int(quarter), flow, dept, name[7:-4], product, cpf4, country)
                parts.append((*row, round(k_eur * 1000), int(mass)))
    back = cf.rows_frame(parts).sort_values(cf.KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, frame)


def test_expected_canonical_sums_duplicate_keys() -> None:
    frame = cf.rows_frame(
        [
            (2024, 2, "I", "971", None, "C10A", "1001", "NA", 10, 1),
            (2024, 1, "E", "2A", None, "C10A", "1001", "NA", 5, 3),
            (2024, 2, "I", "971", None, "C10A", "1001", "NA", 7, 2),
        ]
    )
    assert list(frame["region"]) == ["01", "94", "01"]
    out = cf.expected_canonical(frame)
    assert list(out.columns) == [*cf.KEYS, "value_eur", "mass_kg"]
    assert out["value_eur"].dtype == "float64" and out["mass_kg"].dtype == "float64"
    summed = out[["dept", "value_eur", "mass_kg"]].to_numpy().tolist()
    assert summed == [["2A", 5.0, 3.0], ["971", 17.0, 3.0]]


def test_split_by_year_flow_partitions_the_frame() -> None:
    frame = cf.sample_rows()
    parts = cf.split_by_year_flow(frame)
    assert set(parts) == {(y, f) for y in (2023, 2024) for f in "EI"}
    for (year, flow), part in parts.items():
        assert set(part["year"]) == {year} and set(part["flow"]) == {flow}
    back = pd.concat(parts.values()).sort_values(cf.KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, frame)
