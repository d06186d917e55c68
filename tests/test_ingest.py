"""`python -m lib.sources.ingest` and `ingest_files`: what is written, what is refused, what
survives.

Every input is generated in a temporary folder (helpers in tests/test_readers.py). Expected
values come from plain pandas or from hand computation, never from the code under test.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core import refs
from lib.data import store
from lib.sources import ingest
from lib.sources.ingest import IngestError, cli, ingest_files, steps
from tests.processes import sigkill_when, wait_for
from tests.test_readers import (
    HEADER,
    ROWS,
    write_lines,
    write_parquet,
    write_text,
    write_xlsx,
    write_zip,
)

ROOT = Path(__file__).resolve().parent.parent
GOOD = "E;2024;1;01;C10A;DE;12,5"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, with the SHA-256 of each file's bytes."""
    result = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        result[relative] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
        )
    return result


def read_back(data_dir: Path) -> pd.DataFrame:
    """The dataset as DuckDB reads it through the manifest (year from the hive path)."""
    manifest = store.read_manifest(data_dir)
    assert manifest is not None
    listing = ", ".join(f"'{data_dir / rel}'" for rel in manifest.files.values())
    return duckdb.sql(
        f"SELECT year, month, flow, dept, product, country, value_eur FROM read_parquet("
        f"[{listing}], hive_partitioning = true, hive_types = {{'year': SMALLINT}})"
    ).df()


def previous_dataset(data_dir: Path) -> store.Manifest:
    """A dataset of years 2022 and 2023, written by the store (not by the code under test)."""
    frame = pd.DataFrame(
        {
            "year": [2022, 2023, 2023],
            "month": pd.array([None, 1, 2], dtype="Int8"),
            "flow": ["E", "I", "E"],
            "dept": ["53", "2A", "971"],
            "product": ["C10A", "C21Z", "A01Z"],
            "country": ["DE", "US", "BE"],
            "value_eur": [10.0, 20.0, 30.0],
        }
    )
    con = duckdb.connect()
    con.register("previous", frame)
    return store.write_years(data_dir, con, "previous", source="demo", replace_all=True)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    previous_dataset(folder)
    return folder


def run(
    capsys: pytest.CaptureFixture[str], *args: str | Path, data_dir: Path
) -> tuple[int, str, str]:
    code = cli.main([*map(str, args), "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- bad input: exit 2, one French line naming the file and the line, nothing written ------------


def bad_lines(line: int, row: str) -> list[str]:
    """Header, 20 good rows, and `row` on file line `line` (the header is line 1)."""
    lines = [";".join(HEADER)] + [GOOD] * 20
    lines[line - 1] = row
    return lines


def text_case(line: int, row: str) -> Callable[[Path], Path]:
    return lambda path: write_lines(path, bad_lines(line, row))


def raw_case(content: bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        path.write_bytes(content)
        return path

    return build


def corrupt_xlsx(path: Path) -> Path:
    return write_zip(path, {"[Content_Types].xml": b"<oops", "xl/workbook.xml": b"<<<"})


def zip_without_data(path: Path) -> Path:
    notes = "Notes sur les données\nvoir le site des douanes\n".encode()
    return write_zip(path, {"docs/LISEZMOI.txt": notes, "docs/notice.pdf": b"%PDF-1.4"})


def zip_with_bad_member(path: Path) -> Path:
    good = write_text(path.with_suffix(".good.csv")).read_bytes()
    bad = "\n".join(bad_lines(6, "E;2024;1;01;C10A;DE;7x")).encode()
    return write_zip(path, {"a/good.csv": good, "a/b/bad.csv": bad})


def xlsx_with_bad_row(path: Path) -> Path:
    rows = [list(r) for r in ROWS]
    rows[3][0] = "Transit"
    return write_xlsx(path, rows=rows)


def ragged_with_blank_lines(path: Path) -> Path:
    lines = bad_lines(9, "E;2024;1;01;C10A;DE")
    lines[3:3] = ["", ""]  # the short row moves to line 11
    return write_lines(path, lines)


def text_cases(table: str) -> list[tuple[str, str, Callable[[Path], Path], int, str]]:
    """BAD_INPUTS entries from a table of `id | file name | line | row | expected message part`:
    the file holds good rows and `row` on file line `line`."""
    cases = []
    for text in table.strip().splitlines():
        case, name, line, row, expected = (cell.strip() for cell in text.split("|"))
        cases.append((case, name, text_case(int(line), row), int(line), expected))
    return cases


# Malformed codes are refused (a département code outside the 101 is kept: see below).
BAD_ROWS = text_cases("""
    short line        | court.csv       |  4 | E;2024;1;01;C10A;DE        | 6 champs au lieu de 7
    long line         | long.csv        |  7 | E;2024;1;01;C10A;DE;12,5;x | 8 champs au lieu de 7
    not a number      | export_2024.csv | 17 | E;2024;1;01;C10A;DE;12a    | « 12a »
    negative          | neg.csv         |  5 | E;2024;1;01;C10A;DE;-5     | valeur négative « -5 »
    empty value       | vide2.csv       |  3 | E;2024;1;01;C10A;DE;       | valeur manquante
    nan               | nan.csv         |  8 | E;2024;1;01;C10A;DE;NaN    | « NaN » non numérique
    unknown flow      | flux.csv        |  9 | Z;2024;1;01;C10A;DE;1      | flux « Z » inconnu
    year too old      | an.csv          |  2 | E;1989;1;01;C10A;DE;1      | 1990–2100
    year too far      | an2.csv         | 21 | E;2101;1;01;C10A;DE;1      | « 2101 » hors
    year not a year   | an3.csv         | 12 | E;20x4;1;01;C10A;DE;1      | « 20x4 »
    month 13          | mois.csv        |  6 | E;2024;13;01;C10A;DE;1     | « 13 » hors de la plage
    month 0           | mois0.csv       |  6 | E;2024;0;01;C10A;DE;1      | mois « 0 »
    malformed dept    | dep.csv         | 10 | E;2024;1;9-9;C10A;DE;1     | « 9-9 » invalide
    malformed product | pro.csv         | 11 | E;2024;1;01;C1 0A;DE;1     | « C1 0A »
    malformed country | pays.csv        | 12 | E;2024;1;01;C10A;N/A;1     | « N/A »
""")

BAD_INPUTS: list[tuple[str, str, Callable[[Path], Path] | None, int | None, str]] = [
    # id, file name, builder (None: the file does not exist), line, expected message part
    ("absent", "absent.csv", None, None, "fichier introuvable"),
    ("empty", "vide.csv", raw_case(b""), None, "le fichier est vide"),
    ("blank", "blanc.csv", raw_case(b"\n \n"), None, "le fichier est vide"),
    ("header only", "entete.csv", raw_case(";".join(HEADER).encode()), None, "aucune ligne"),
    ("binary", "image.csv", raw_case(b"\x89PNG\r\n\x1a\n\x00\x00" * 50), None, "format non"),
    ("corrupt xlsx", "casse.xlsx", corrupt_xlsx, None, "classeur XLSX illisible"),
    ("corrupt parquet", "casse.parquet", raw_case(b"PAR1garbage"), None, "Parquet illisible"),
    ("corrupt zip", "casse.zip", raw_case(b"PK\x03\x04garbage"), None, "archive ZIP illisible"),
    (
        "missing column",
        "sans_valeur.csv",
        raw_case("Flux;Année;Département;Code A129;Code Pays\nE;2024;01;C10A;DE\n".encode()),
        1,
        "colonne « Valeur » introuvable",
    ),
    ("ragged after blank lines", "trous.csv", ragged_with_blank_lines, 11, "6 champs"),
    *BAD_ROWS,
    ("zip without data", "vide.zip", zip_without_data, None, "aucun fichier de données"),
    ("zip bad member", "lot.zip", zip_with_bad_member, 6, "lot.zip/a/b/bad.csv, ligne 6 :"),
    ("xlsx bad row", "classeur.xlsx", xlsx_with_bad_row, 5, "feuille « Données », ligne 5"),
]


@pytest.mark.parametrize(
    ("name", "build", "line", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_bad_input_exits_2_with_one_french_line_and_writes_nothing(
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    build: Callable[[Path], Path] | None,
    line: int | None,
    expected: str,
) -> None:
    path = tmp_path / name
    if build is not None:
        build(path)
    before = snapshot(data_dir)
    code, out, err = run(capsys, path, data_dir=data_dir)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and len(err.splitlines()) == 1, err
    assert err.startswith(f"Erreur : {name}")
    if line is not None:
        assert f"ligne {line} :" in err
    else:
        assert re.search(r"ligne \d", err) is None
    assert expected in err
    assert err.rstrip().endswith(".")
    assert "Traceback" not in err
    assert snapshot(data_dir) == before


def test_a_directory_is_refused(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dossier.csv").mkdir()
    code, _, err = run(capsys, tmp_path / "dossier.csv", data_dir=data_dir)
    assert code == 2 and err == "Erreur : dossier.csv : c'est un dossier, pas un fichier.\n"


def test_spec_example_line(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "Flux;Année;Mois;Département;Code A129;Code Pays;Valeur"
    lines = [header] + [GOOD] * 20
    lines[16] = "E;2024;1;01;C10A;DE;12a"
    path = write_lines(tmp_path / "export_2024.csv", lines)
    code, _, err = run(capsys, path, data_dir=data_dir)
    assert code == 2
    assert err == (
        "Erreur : export_2024.csv, ligne 17 : valeur « 12a » non numérique "
        "dans la colonne « Valeur ».\n"
    )


def test_one_bad_file_in_a_batch_writes_nothing(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_text(tmp_path / "bon.csv")
    bad = write_lines(tmp_path / "mauvais.csv", bad_lines(3, "E;2024;1;01;C10A;DE;x"))
    before = snapshot(data_dir)
    code, _, err = run(capsys, good, bad, data_dir=data_dir)
    assert code == 2 and err.startswith("Erreur : mauvais.csv, ligne 3 :")
    assert snapshot(data_dir) == before


def test_a_missing_file_fails_before_any_reading(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Path] = []
    monkeypatch.setattr(steps, "read_file", lambda path, progress: read.append(path))
    with pytest.raises(IngestError, match=r"absent\.csv : fichier introuvable"):
        ingest_files([write_text(tmp_path / "bon.csv"), tmp_path / "absent.csv"], data_dir)
    assert read == []


def test_api_raises_ingest_error_and_writes_nothing(tmp_path: Path, data_dir: Path) -> None:
    bad = write_lines(tmp_path / "m.csv", bad_lines(4, "E;2024;1;01;C10A;DE;-1"))
    before = snapshot(data_dir)
    with pytest.raises(IngestError) as caught:
        ingest_files([bad], data_dir)
    assert (caught.value.file, caught.value.line) == ("m.csv", 4)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["export_2024.csv"], id="bad value"),
        pytest.param(["absent.csv"], id="absent"),
    ],
)
def test_cli_process_exit_status_and_no_traceback(
    tmp_path: Path, data_dir: Path, args: list[str]
) -> None:
    write_lines(tmp_path / "export_2024.csv", bad_lines(17, "E;2024;1;01;C10A;DE;12a"))
    before = snapshot(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "lib.sources.ingest", *args, "--data-dir", str(data_dir)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(f"Erreur : {args[0]}")
    assert snapshot(data_dir) == before


# --- good input ---------------------------------------------------------------------------------


def test_success_prints_a_french_summary(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, write_text(tmp_path / "export.csv"), data_dir=data_dir)
    assert (code, err) == (0, "")
    assert out.startswith("Import terminé.")
    assert "Fichiers lus : 1 (export.csv)" in out
    assert "Lignes lues : 5" in out
    assert "Années importées : 2023, 2024" in out
    # 2022 kept (1 row) + 2023 (2 rows) + 2024 (2 distinct keys out of 3 rows)
    assert "Jeu de données : 5 lignes, années 2022–2024" in out


def test_every_format_in_one_batch(tmp_path: Path) -> None:
    data_dir = tmp_path / "dataset"
    files = [
        write_text(tmp_path / "a.csv", rows=ROWS[:1], sep=",", decimal="."),
        write_text(tmp_path / "b.txt", rows=ROWS[1:2], sep="\t", encoding="latin-1"),
        write_xlsx(tmp_path / "c.xlsx", rows=ROWS[2:3]),
        write_parquet(tmp_path / "d.parquet", rows=ROWS[3:4]),
        write_zip(
            tmp_path / "e.zip",
            {"x/y.csv": write_text(tmp_path / "y.csv", rows=ROWS[4:]).read_bytes()},
        ),
    ]
    report = ingest_files(files, data_dir)
    assert report.rows_read == 5
    assert report.files == ["a.csv", "b.txt", "c.xlsx", "d.parquet", "e.zip"]
    assert report.summary.startswith("Import terminé.\n  Fichiers lus : 5 (a.csv, b.txt")
    got = read_back(data_dir).sort_values(["year", "flow", "dept"]).reset_index(drop=True)
    assert got["dept"].tolist() == ["971", "75", "01", "2A"]
    assert got["value_eur"].tolist() == [0.0, 987_654_321.0, 1234.5 + 65.5, 1_000_000.25]
    manifest = store.read_manifest(data_dir)
    assert manifest is not None and manifest.source == "import"
    assert manifest.inputs == report.files


def test_duplicate_keys_are_summed_within_and_across_files(tmp_path: Path) -> None:
    row = ["E", 2024, 5, "53", "C21Z", "DE", 100.0]
    first = write_text(tmp_path / "a.csv", rows=[row, row, [*row[:6], 0.5]])
    second = write_text(tmp_path / "b.csv", rows=[[*row[:6], 1000.0]])
    report = ingest_files([first, second], tmp_path / "dataset")
    got = read_back(tmp_path / "dataset")
    assert len(got) == 1 and report.total_rows == 1 and report.rows_read == 4
    assert got["value_eur"].iloc[0] == 100.0 + 100.0 + 0.5 + 1000.0


def test_replacing_2024_imports_keeps_2024_exports_and_2023_byte_for_byte(tmp_path: Path) -> None:
    """An import replaces the (year, flow) pairs it brings: here 2024 imports only."""
    data_dir = tmp_path / "dataset"
    ingest_files([write_text(tmp_path / "both.csv")], data_dir)
    first = store.read_manifest(data_dir)
    assert first is not None and first.years == [2023, 2024]
    bytes_2023 = (data_dir / first.files[2023]).read_bytes()

    new_2024 = [["I", 2024, 7, "13", "C30A", "CN", 42.0]]
    report = ingest_files([write_text(tmp_path / "new2024.csv", rows=new_2024)], data_dir)
    second = store.read_manifest(data_dir)
    assert second is not None and second.years == [2023, 2024]
    assert (data_dir / second.files[2023]).read_bytes() == bytes_2023
    got = read_back(data_dir)
    in_2024 = got[got["year"] == 2024].sort_values("flow")
    # 2024 exports of both.csv (01 C10A DE: 1234.5 + 65.5) kept, 2024 imports replaced.
    assert in_2024[["flow", "dept", "value_eur"]].values.tolist() == [
        ["E", "01", 1300.0],
        ["I", "13", 42.0],
    ]
    assert len(got[got["year"] == 2023]) == 2
    assert second.inputs == ["both.csv", "new2024.csv"]
    assert [(c.year, c.flow, c.before is not None) for c in report.changes] == [(2024, "I", True)]
    assert report.kept == [(2023, "E"), (2023, "I"), (2024, "E")]

    both_2024 = [["E", 2024, 2, "53", "C21Z", "BE", 7.0], ["I", 2024, 2, "53", "C21Z", "BE", 8.0]]
    ingest_files([write_text(tmp_path / "both2024.csv", rows=both_2024)], data_dir)
    got = read_back(data_dir)
    in_2024 = got[got["year"] == 2024].sort_values("flow")
    assert in_2024[["flow", "dept", "value_eur"]].values.tolist() == [
        ["E", "53", 7.0],
        ["I", "53", 8.0],
    ]
    third = store.read_manifest(data_dir)
    assert third is not None and (data_dir / third.files[2023]).read_bytes() == bytes_2023


def test_departement_codes_outside_the_reference_are_kept_and_reported(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["E", 2024, 1, "99", "C10A", "DE", 1_500_000.0],
        ["E", 2024, 2, "99", "C10A", "BE", 500_000.0],
        ["I", 2024, 1, "20", "C10A", "DE", 300_000.0],
        ["E", 2024, 1, "53", "C10A", "DE", 7.0],
    ]
    code, out, err = run(capsys, write_text(tmp_path / "hors.csv", rows=rows), data_dir=data_dir)
    assert code == 0 and out.startswith("Import terminé.")
    (warning,) = err.splitlines()
    # 3 rows, 2.3 M€, codes 20 and 99: figures computed by hand from `rows`.
    assert warning.replace("\u00a0", " ").startswith("Attention : 3 lignes (2,3 M€)"), warning
    assert "20, 99" in warning and "hors des 101 départements" in warning
    got = read_back(data_dir)
    got = got[got["year"] == 2024]
    assert sorted(got["dept"]) == ["20", "53", "99", "99"]
    assert got["value_eur"].sum() == 2_300_007.0


def test_previous_demo_years_are_kept_and_marked(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, write_text(tmp_path / "e.csv", rows=ROWS[:1]), data_dir=data_dir)
    manifest = store.read_manifest(data_dir)
    assert code == 0 and manifest is not None
    assert manifest.sources == {2022: "demo", 2023: "demo", 2024: "import"}


def test_unknown_products_and_countries_are_accepted_with_a_warning(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["E", 2024, 1, "01", "ZZ9Z", "XY", 1.0], ["I", 2024, 1, "01", "C10A", "WW", 2.0]]
    code, out, err = run(capsys, write_text(tmp_path / "u.csv", rows=rows), data_dir=data_dir)
    assert code == 0 and out.startswith("Import terminé.")
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("Attention : ") for line in lines)
    assert "1 code produit inconnu" in lines[0] and lines[0].endswith(": ZZ9Z.")
    assert "2 codes pays inconnus" in lines[1] and lines[1].endswith(": WW, XY.")
    assert sorted(read_back(data_dir)["product"]) == ["A01Z", "C10A", "C10A", "C21Z", "ZZ9Z"]


def test_a_long_list_of_unknown_codes_is_shortened(tmp_path: Path) -> None:
    products = [f"P{i:03d}" for i in range(25)]
    assert not any(refs.is_product(p) for p in products)
    rows = [["E", 2024, 1, "01", p, "DE", 1.0] for p in products]
    report = ingest_files([write_text(tmp_path / "p.csv", rows=rows)], tmp_path / "d")
    (warning,) = report.warnings
    assert warning.startswith("25 codes produit inconnus")
    assert ", ".join(products[:20]) + "… et 5 autres." in warning
    assert "P020" not in warning


def test_progress_reports_advance_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []

    def on_progress(done: int, total: int, message: str) -> None:
        calls.append((done, total, message))

    files = [write_text(tmp_path / "a.csv"), write_xlsx(tmp_path / "b.xlsx")]
    ingest_files(files, tmp_path / "d", on_progress)
    dones = [done for done, _, _ in calls]
    assert dones == sorted(dones)
    assert calls[-1][:2] == (ingest.PROGRESS_TOTAL, ingest.PROGRESS_TOTAL)
    messages = {message for _, _, message in calls}
    assert {"lecture de a.csv", "lecture de b.xlsx", "écriture de l'année 2024"} <= messages


def test_cli_progress_shows_percentages(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, write_text(tmp_path / "a.csv"), "--progress", data_dir=data_dir)
    assert code == 0
    assert "Import : 100 %" in err


# --- property: the stored sums are the input's sums --------------------------------------------

DEPTS = sorted(refs.departements()["code"])
PRODUCTS = [*sorted(refs.products()["code"])[:10], "X99Y"]
COUNTRIES = ["DE", "US", "BE", "CN", "QU"]
ROW = st.tuples(
    st.sampled_from(["E", "I"]),
    st.integers(2019, 2022),
    st.one_of(st.none(), st.integers(1, 12)),
    st.sampled_from(DEPTS),
    st.sampled_from(PRODUCTS),
    st.sampled_from(COUNTRIES),
    st.integers(0, 10**11).map(lambda cents: cents / 100),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(ROW, min_size=1, max_size=60),
    style=st.sampled_from(
        [(";", ",", "\u202f"), (",", ".", ""), ("\t", ",", " "), (";", ".", ",")]
    ),
    fmt=st.sampled_from(["csv", "xlsx", "parquet"]),
)
def test_sums_per_year_flow_dept_match_pandas(
    rows: list[tuple[object, ...]], style: tuple[str, str, str], fmt: str
) -> None:
    sep, decimal, thousands = style
    expected = (
        pd.DataFrame(rows, columns=["flow", "year", "month", "dept", "product", "country", "v"])
        .groupby(["year", "flow", "dept"])["v"]
        .sum()
    )
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        if fmt == "csv":
            path = write_text(
                base / "r.csv", rows=rows, sep=sep, decimal=decimal, thousands=thousands
            )
        elif fmt == "xlsx":
            path = write_xlsx(base / "r.xlsx", rows=rows)
        else:
            path = write_parquet(base / "r.parquet", rows=rows)
        ingest_files([path], base / "dataset")
        got = read_back(base / "dataset").groupby(["year", "flow", "dept"])["value_eur"].sum()
    assert sorted(got.index) == sorted(expected.index)
    for key, value in expected.items():
        assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-6), key


# --- crash: SIGKILL at any moment leaves the previous dataset intact -----------------------------


def big_csv(path: Path, rows: int, distinct: int = 100_000) -> Path:
    """A large valid file, quickly: a block of distinct lines repeated."""
    block = [
        f"{'EI'[i % 2]};{2015 + i % 10};{1 + i % 12};{DEPTS[i % 97]};{PRODUCTS[i % 11]};"
        f"{COUNTRIES[i // 97 % 5]};{i % 9973},{i % 100:02d}\n"
        for i in range(distinct)
    ]
    chunk = "".join(block)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(";".join(HEADER) + "\n")
        for _ in range(rows // len(block)):
            handle.write(chunk)
    return path


def committed_state(data_dir: Path) -> dict[str, str]:
    """The manifest and the files it names (what readers see), hashed."""
    manifest = store.read_manifest(data_dir)
    assert manifest is not None
    names = [store.MANIFEST, *manifest.files.values()]
    return {name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest() for name in names}


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_csv(tmp_path_factory.mktemp("big") / "gros.csv", 4_000_000)


@pytest.mark.parametrize("moment", ["reading", "staging appears", "a year written"])
def test_sigkill_leaves_the_previous_dataset_intact(
    tmp_path: Path, data_dir: Path, big_file: Path, moment: str
) -> None:
    before = committed_state(data_dir)
    previous = store.read_manifest(data_dir)
    assert previous is not None
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.sources.ingest", str(big_file), "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def moment_reached() -> None:
        if moment == "reading":
            time.sleep(1.0)
        else:
            pattern = ".tmp-*" if moment == "staging appears" else ".tmp-*/year=*/data.parquet"
            started = wait_for(lambda: any(data_dir.glob(pattern)), process, timeout=120)
            assert started, "the writer never started"

    sigkill_when(process, moment_reached)
    assert committed_state(data_dir) == before
    assert len(read_back(data_dir)) == previous.rows

    ingest_files([write_text(tmp_path / "after.csv", rows=ROWS[:1])], data_dir)
    assert not list(data_dir.glob(".tmp-*"))
    after = store.read_manifest(data_dir)
    assert after is not None and after.years == [2022, 2023, 2024]
    assert len(read_back(data_dir)) == previous.rows + 1


def test_big_file_ingest_completes(tmp_path: Path, big_file: Path) -> None:
    """The file the crash test kills is valid: left alone, its ingest succeeds."""
    calls: list[int] = []
    report = ingest_files([big_file], tmp_path / "d", lambda done, total, _: calls.append(done))
    assert report.rows_read == 4_000_000
    reading = [done for done in calls if done < ingest.READ_STEPS]
    assert len(set(reading)) > 2, "a long file reports its progress while it is read"
    assert report.years == list(range(2015, 2025))
    lines = big_file.read_text().splitlines()[1:100_001]
    keys = {tuple(line.split(";")[:6]) for line in lines}
    assert report.total_rows == len(keys)


# --- the command line itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "Erreur : indiquez au moins un fichier à importer"),
        (["a.csv", "--bogus"], "Erreur : option inconnue : --bogus"),
        (["a.csv", "--data-dir"], "Erreur : valeur attendue après --data-dir"),
    ],
)
def test_usage_errors_are_one_french_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert len(err.splitlines()) == 1 and err.startswith(expected)


def test_a_remote_dataset_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_text(tmp_path / "a.csv")
    code = cli.main([str(path), "--data-dir", "https://example.org/data"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Erreur : le jeu de données « https://example.org/data »")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_rewritten_then_erased() -> None:
    stream = _Terminal()
    progress = cli.StderrProgress(stream)
    progress(250, 1000, "lecture de a.csv")
    progress(1000, 1000, "terminé")
    progress.clear()
    assert stream.getvalue() == (
        "\r\x1b[KImport : 25 % (lecture de a.csv)\r\x1b[KImport : 100 % (terminé)\r\x1b[K"
    )


def test_progress_in_a_pipe_is_quiet_for_a_short_import() -> None:
    stream = io.StringIO()
    progress = cli.StderrProgress(stream)
    for done in range(0, 1001, 50):
        progress(done, 1000, "lecture")
    assert stream.getvalue() == ""


def test_forced_progress_in_a_pipe_prints_a_line_per_ten_percent() -> None:
    stream = io.StringIO()
    progress = cli.StderrProgress(stream, enabled=True)
    for done in range(0, 1001, 25):
        progress(done, 1000, "lecture")
    lines = stream.getvalue().splitlines()
    assert [line.split(" %")[0] for line in lines] == [f"Import : {p}" for p in range(0, 101, 10)]


def test_ingest_in_a_child_process_relays_progress_and_outcome(tmp_path: Path) -> None:
    source = tmp_path / "douanes.csv"
    source.write_text(
        "Flux;Année;Département;Code A129;Code pays;Valeur\nE;2024;53;C21Z;DE;12,5\n"
        "I;2024;1;C10A;ZZ;7\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "data"
    steps: list[tuple[int, int]] = []
    outcome = ingest.ingest_in_child([source], data_dir, lambda d, t, m: steps.append((d, t)))
    assert "Import terminé" in outcome.summary
    assert any("ZZ" in warning for warning in outcome.warnings)
    assert steps and steps[-1][0] == steps[-1][1]
    assert read_back(data_dir)["value_eur"].sum() == 19.5


def test_ingest_in_a_child_process_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "mauvais.csv"
    source.write_text(
        "Flux;Année;Département;Code A129;Code pays;Valeur\nE;2024;53;C21Z;DE;douze\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "data"
    with pytest.raises(ingest.IngestFailed, match=r"mauvais\.csv, ligne 2 .*douze"):
        ingest.ingest_in_child([source], data_dir)
    assert not (data_dir / store.MANIFEST).exists()
