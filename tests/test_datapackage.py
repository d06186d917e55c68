"""The dataset as open-data files (lib/data/datapackage.py, `python -m lib.fiche --package DIR`).

Frictionless itself validates the package (`frictionless.validate`: Table Schemas, types,
constraints, primary and foreign keys, sizes and hashes) of a demonstration dataset and of a
dataset imported from customs files in the published layout (tests/customs_files.py). The rows
read back from the package's files with pandas (CSV gzip) and pyarrow (Parquet) are compared
with the rows the files were made from, or with the store's own Parquet files read by pyarrow:
never with the code under test.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bench.httpserver import serve
from lib.core import config
from lib.data import datapackage, db
from lib.sources.ingest import ingest_files
from tests import customs_files as cf
from tests.conftest import write_dataset

ROOT = Path(__file__).resolve().parents[1]
CODE_COLUMNS = ["flow", "dept", "product", "cpf4", "country"]
NULLABLE = ["quarter", "month", "cpf4", "mass_kg"]
ROW_COLUMNS = ["year", "quarter", "month", *CODE_COLUMNS, "value_eur", "mass_kg"]
REFERENCE_FILES = [
    "departements.csv",
    "regions.csv",
    "produits-a129.csv",
    "produits-cpf4.csv",
    "pays.csv",
    "groupes-partenaires.csv",
    "libelles-douanes.csv",
]
# Text a label file may hold: markup, a formula, quotes, the CSV and label separators.
HOSTILE_NAME = '=HYPERLINK("http://x";"y") <script>alert(1)</script> & "Cie", fin'
DEMO_DEPTS = ["01", "2A", "53", "971"]


# --- helpers: the CLI, Frictionless, reading the files back -----------------------------------


def run_cli(out: Path, data_dir: Path | str) -> subprocess.CompletedProcess[str]:
    """`python -m lib.fiche --package OUT --data-dir DIR`, as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.fiche",
            "--package",
            str(out),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def assert_valid(report: frictionless.Report) -> None:
    problems = [e.message for e in report.errors]
    problems += [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors]
    assert report.valid, problems[:20]


def validate(folder: Path, **options: object) -> frictionless.Report:
    report = frictionless.validate(str(folder / "datapackage.json"), **options)
    assert_valid(report)
    return report


def descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text("utf-8"))


def resource(folder: Path, name: str) -> dict:
    return next(r for r in descriptor(folder)["resources"] if r["name"] == name)


def read_csv_gz(path: Path) -> pd.DataFrame:
    """A year's CSV as a careful reader reads it: codes as text, only empty fields missing
    (pandas' defaults would read Namibia's `NA` as missing and `01` as the number 1)."""
    frame = pd.read_csv(
        path,
        dtype=dict.fromkeys(CODE_COLUMNS, str),
        keep_default_na=False,
        na_values={column: [""] for column in NULLABLE},
    )
    return frame


def read_reference(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one shape whatever read them: float numbers, None for missing codes, sorted."""
    out = frame[ROW_COLUMNS].copy()
    for column in ("year", "quarter", "month", "value_eur", "mass_kg"):
        out[column] = pd.to_numeric(out[column]).astype("float64")
    for column in CODE_COLUMNS:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    keys = ["year", "flow", "dept", "product", "cpf4", "country", "quarter", "month"]
    return out.sort_values(keys, na_position="first").reset_index(drop=True)


def stored_rows(data_dir: Path) -> pd.DataFrame:
    """The store's own files read by pyarrow (the year from the manifest)."""
    manifest = json.loads((data_dir / "dataset.json").read_text("utf-8"))
    frames = []
    for year, rel in manifest["files"].items():
        frame = pq.read_table(data_dir / rel).to_pandas()
        frame.insert(0, "year", int(year))
        frames.append(frame)
    return comparable(pd.concat(frames, ignore_index=True))


def package_rows(folder: Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(CSV gzip read by pandas, Parquet read by pyarrow) of one year, comparable."""
    csv_rows = read_csv_gz(folder / f"commerce-exterieur-{year}.csv.gz")
    parquet_rows = pq.read_table(folder / f"commerce-exterieur-{year}.parquet").to_pandas()
    return comparable(csv_rows), comparable(parquet_rows)


@pytest.fixture
def use_data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def _use(location: Path | str) -> None:
        monkeypatch.setenv(config.ENV_DATA_DIR, str(location))
        db.reset()

    yield _use
    db.reset()


# --- a demonstration dataset ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_demo(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two years and four départements of the demonstration dataset, still marked as
    demonstration data: small enough for Frictionless to read every row."""
    manifest = json.loads((demo_data_dir / "dataset.json").read_text("utf-8"))
    frames = []
    for year in ("2023", "2024"):
        frame = pq.read_table(demo_data_dir / manifest["files"][year]).to_pandas()
        frame = frame[frame["dept"].isin(DEMO_DEPTS)].copy()
        frame.insert(0, "year", int(year))
        frames.append(frame)
    data_dir = tmp_path_factory.mktemp("small-demo")
    write_dataset(pd.concat(frames, ignore_index=True), data_dir, source="demo")
    return data_dir


def test_the_cli_writes_a_valid_package_of_demonstration_data(
    small_demo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "paquet"
    result = run_cli(out, small_demo)
    assert result.returncode == 0, result.stderr
    assert "fichiers écrits" in result.stderr and "Traceback" not in result.stderr
    names = sorted(p.name for p in out.iterdir())
    data_files = [
        f"commerce-exterieur-{y}.{e}" for y in (2023, 2024) for e in ("csv.gz", "parquet")
    ]
    assert names == sorted([*data_files, *REFERENCE_FILES, "datapackage.json"])

    report = validate(out)  # every row of every resource
    rows = stored_rows(small_demo)
    counts = {task.name: task.stats.get("rows") for task in report.tasks}
    for year in (2023, 2024):
        expected = int((rows["year"] == year).sum())
        assert counts[f"commerce-{year}-csv"] == counts[f"commerce-{year}-parquet"] == expected

    body = descriptor(out)
    manifest = json.loads((small_demo / "dataset.json").read_text("utf-8"))
    assert body["profile"] == "tabular-data-package"
    assert body["version"] == manifest["version"] and body["created"] == manifest["created"]
    assert "données de démonstration synthétiques" in body["title"]
    assert body["description"].startswith("ATTENTION : données de démonstration synthétiques")
    assert body["licenses"] == [
        {
            "name": "etalab-2.0",
            "title": "Licence Ouverte 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        }
    ]
    titles = " ".join(s["title"] for s in body["sources"])
    assert "démonstration" in titles and "DGDDI" not in titles and "INSEE" in titles
    # Annual rows: quarter, month and cpf4 are empty, so they cannot be in the key.
    schema = resource(out, "commerce-2024-parquet")["schema"]
    assert schema["primaryKey"] == ["year", "flow", "dept", "product", "country"]
    assert schema == resource(out, "commerce-2024-csv")["schema"]
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["value_eur"]["unit"] == "EUR" and fields["mass_kg"]["unit"] == "kg"
    assert fields["flow"]["constraints"]["enum"] == ["E", "I"]
    assert all(f["title"] and f["description"] for f in schema["fields"])

    for year in (2023, 2024):
        from_csv, from_parquet = package_rows(out, year)
        expected = rows[rows["year"] == year].reset_index(drop=True)
        pd.testing.assert_frame_equal(from_csv, expected, check_exact=True)
        pd.testing.assert_frame_equal(from_parquet, expected, check_exact=True)
    assert {"01", "2A", "971"} <= set(from_csv["dept"])  # leading zeros and letters kept


def test_the_whole_demonstration_dataset(demo_data_dir: Path, tmp_path: Path, use_data_dir) -> None:
    use_data_dir(demo_data_dir)
    out = tmp_path / "paquet"
    written = datapackage.write_package(out)
    years = list(range(2015, 2025))
    assert len(written) == 2 * len(years) + len(REFERENCE_FILES) + 1
    assert written[-1] == out / "datapackage.json"
    # Every resource's first rows, the descriptor, the reference tables, the keys between
    # them; then every row of the calibrated year's CSV (Frictionless reads Parquet through
    # pandas row by row: all ten years would take many minutes).
    validate(out, limit_rows=300)
    report = frictionless.validate(str(out / "datapackage.json"), resource_name="commerce-2024-csv")
    assert_valid(report)

    manifest = json.loads((demo_data_dir / "dataset.json").read_text("utf-8"))
    for year in years:
        stored = pq.read_table(demo_data_dir / manifest["files"][str(year)]).to_pandas()
        from_csv = read_csv_gz(out / f"commerce-exterieur-{year}.csv.gz")
        from_parquet = pq.read_table(out / f"commerce-exterieur-{year}.parquet").to_pandas()
        assert len(from_csv) == len(from_parquet) == len(stored)
        for flow in ("E", "I"):
            want = stored.loc[stored["flow"] == flow, "value_eur"].sum()
            assert from_csv.loc[from_csv["flow"] == flow, "value_eur"].sum() == pytest.approx(
                want, rel=1e-12
            )
            assert from_parquet.loc[from_parquet["flow"] == flow, "value_eur"].sum() == (
                pytest.approx(want, rel=1e-12)
            )
    # The calibrated year gives the published totals of France (data/ref, from the fiches).
    published = pd.read_csv(ROOT / "data" / "ref" / "published_totals_2024.csv", dtype=str)
    france = published[published["level"] == "france"].iloc[0]
    from_csv = read_csv_gz(out / "commerce-exterieur-2024.csv.gz")
    for flow, column in (("E", "exports_meur"), ("I", "imports_meur")):
        total = from_csv.loc[from_csv["flow"] == flow, "value_eur"].sum() / 1e6
        assert abs(total - float(france[column])) < 0.05


# --- a dataset imported from files in the published layout ------------------------------------

# One département outside the 101 and a partner code outside the reference, beside the sample.
EXTRA_ROWS = [
    (2024, 1, "E", "99", None, "C21Z", "2110", "ZZ", 1000, 5),
    (2024, 2, "I", "99", None, "C10A", "1001", "NA", 2000, 7),
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """Published ZIPs (headerless data, label files) imported by lib.sources.ingest; the label of
    the
    unknown partner `ZZ` is hostile text."""
    folder = tmp_path_factory.mktemp("published")
    frame = pd.concat([cf.sample_rows(seed=11, n=240), cf.rows_frame(EXTRA_ROWS)])
    frame = frame.drop_duplicates(cf.KEYS).reset_index(drop=True)
    labels = {"Libelle_PAYS.txt": [("ZZ", HOSTILE_NAME, "2008-01-01", "")]}
    zips = [
        cf.write_published_zip(
            folder / cf.published_zip_name(year, flow),
            part,
            year=year,
            flow=flow,
            extra_labels=labels,
        )
        for (year, flow), part in cf.split_by_year_flow(frame).items()
    ]
    ingest_files(zips, folder / "data")
    return folder / "data", frame


def test_a_dataset_imported_from_published_files_gives_a_valid_package(
    published: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    data_dir, frame = published
    out = tmp_path / "paquet"
    result = run_cli(out, data_dir)
    assert result.returncode == 0, result.stderr
    validate(out)
    # The command the open-data people run, as they run it.
    command = [str(Path(sys.executable).with_name("frictionless")), "validate", "datapackage.json"]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=out)
    assert checked.returncode == 0 and "INVALID" not in checked.stdout, checked.stdout[-3000:]

    body = descriptor(out)
    assert body["title"] == datapackage.TITLE and "ATTENTION" not in body["description"]
    assert any("DGDDI" in s["title"] for s in body["sources"])
    assert not any("démonstration" in s["title"] for s in body["sources"])
    schema = resource(out, "commerce-2024-csv")["schema"]
    assert schema["primaryKey"] == ["year", "quarter", "flow", "dept", "product", "cpf4", "country"]
    targets = {k["fields"]: k["reference"]["resource"] for k in schema["foreignKeys"]}
    assert targets == {
        "dept": "departements",
        "product": "produits-a129",
        "cpf4": "produits-cpf4",
        "country": "pays",
    }

    expected = cf.expected_canonical(frame)
    expected.insert(2, "month", float("nan"))
    expected = comparable(expected)
    got_csv, got_parquet = [], []
    for year in (2023, 2024):
        from_csv, from_parquet = package_rows(out, year)
        got_csv.append(from_csv)
        got_parquet.append(from_parquet)
    for got in (got_csv, got_parquet):
        rows = comparable(pd.concat(got, ignore_index=True))
        pd.testing.assert_frame_equal(rows, expected, check_exact=True)
        assert rows.groupby("flow")["value_eur"].sum().to_dict() == (
            expected.groupby("flow")["value_eur"].sum().to_dict()
        )
    every = pd.concat(got_csv)
    assert {"01", "2A", "99"} <= set(every["dept"]) and "NA" in set(every["country"])


def test_codes_outside_the_reference_tables_get_their_row(
    published: tuple[Path, pd.DataFrame], tmp_path: Path, use_data_dir
) -> None:
    data_dir, _ = published
    use_data_dir(data_dir)
    out = tmp_path / "paquet"
    datapackage.write_package(out)
    departements = {row["code"]: row for row in read_reference(out / "departements.csv")}
    assert departements["53"] == {
        "code": "53",
        "name": "Mayenne",
        "region_code": "52",
        "in_reference": "true",
    }
    assert departements["99"] == {
        "code": "99",
        "name": "",
        "region_code": "",
        "in_reference": "false",
    }
    assert len(departements) == 102
    countries = {row["code"]: row for row in read_reference(out / "pays.csv")}
    # Hostile text stays text: in a CSV, behind the leading quote every CSV of the explorer
    # gives a cell a spreadsheet would evaluate.
    assert countries["ZZ"]["name"] == "'" + HOSTILE_NAME
    assert countries["ZZ"]["in_reference"] == "false"
    assert countries["NA"]["name"] == "Namibie" and countries["NA"]["in_reference"] == "true"
    labels = {(r["kind"], r["code"]): r for r in read_reference(out / "libelles-douanes.csv")}
    assert labels[("country", "ZZ")]["name"] == "'" + HOSTILE_NAME
    assert labels[("country", "ZZ")]["valid_to"] == ""  # no end date: still valid
    cpf4 = {row["code"] for row in read_reference(out / "produits-cpf4.csv")}
    assert {"2110", "1001"} <= cpf4


def test_a_year_mixing_annual_and_quarterly_rows_has_no_primary_key(
    small_demo: Path, tmp_path: Path, use_data_dir
) -> None:
    # The 2024 exports imported quarter by quarter over annual demonstration imports: one
    # (département, product, country) has several rows once the quarter is left out.
    data_dir = tmp_path / "data"
    shutil.copytree(small_demo, data_dir)
    part = cf.sample_rows(seed=5, years=(2024,), n=120)
    exports = part[part["flow"] == "E"]
    again = exports.assign(quarter=exports["quarter"] % 4 + 1, value_eur=exports["value_eur"] + 1)
    exports = pd.concat([exports, again]).drop_duplicates(cf.KEYS)
    path = cf.write_published_zip(tmp_path / "e.zip", exports, year=2024, flow="E")
    ingest_files([path], data_dir)
    use_data_dir(data_dir)
    out = tmp_path / "paquet"
    datapackage.write_package(out)
    validate(out)
    year_2024 = resource(out, "commerce-2024-csv")
    assert "primaryKey" not in year_2024["schema"]
    assert "exportations : fichiers des Douanes" in year_2024["description"]
    assert "importations : données de démonstration synthétiques" in year_2024["description"]
    assert resource(out, "commerce-2023-csv")["schema"]["primaryKey"] == [
        "year",
        "flow",
        "dept",
        "product",
        "country",
    ]
    body = descriptor(out)
    assert "données de démonstration synthétiques" in body["title"]
    assert "2023 (exportations, importations), 2024 (importations)" in body["description"]


# --- a remote dataset ----------------------------------------------------------------------------


def test_a_remote_dataset_is_described_the_same_way(
    published: tuple[Path, pd.DataFrame], tmp_path: Path, use_data_dir
) -> None:
    data_dir, _ = published
    use_data_dir(data_dir)
    local = tmp_path / "local"
    datapackage.write_package(local)
    with serve(data_dir) as server:
        use_data_dir(server.url)
        remote = tmp_path / "remote"
        datapackage.write_package(remote)
        parquet_reads = [r for r in server.traffic.requests if r[1].endswith(".parquet")]
    assert parquet_reads, "the rows were read over HTTP"
    validate(remote)
    assert descriptor(remote) == descriptor(local)  # same sizes and hashes of every CSV
    for year in (2023, 2024):
        for name in (f"commerce-exterieur-{year}.csv.gz",):
            assert gzip.decompress((remote / name).read_bytes()) == gzip.decompress(
                (local / name).read_bytes()
            )
        name = f"commerce-exterieur-{year}.parquet"
        assert pq.read_table(remote / name).equals(pq.read_table(local / name))


def test_the_cli_without_a_dataset_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "vide"
    empty.mkdir()
    result = run_cli(tmp_path / "paquet", empty)
    assert result.returncode == 2
    assert "aucun jeu de données" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "paquet").exists()
