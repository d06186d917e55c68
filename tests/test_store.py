"""The on-disk dataset: manifest, year replacement, layout inside a partition."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lib.core import schema
from lib.data import store
from lib.data.store import cli
from tests.conftest import downgrade_to_layout_1, rows, write_dataset

BASE = rows(
    [
        (2023, "E", "53", "C21Z", "DE", 10),
        (2023, "I", "01", "C10A", "US", 5),
        (2024, "E", "53", "C21Z", "DE", 7),
        (2024, "E", "53", "C21Z", "DE", 3),
        (2024, "I", "972", "C10A", "FR", 1),
    ]
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _year_file(data_dir: Path, year: int) -> Path:
    manifest = store.read_manifest(data_dir)
    assert manifest is not None
    return data_dir / manifest.files[year]


def test_no_manifest_means_no_dataset(tmp_path: Path) -> None:
    assert store.read_manifest(tmp_path) is None
    assert store.manifest_stamp(tmp_path) is None


def test_manifest_round_trip(tmp_path: Path) -> None:
    manifest = write_dataset(BASE, tmp_path, source="demo")
    again = store.read_manifest(tmp_path)
    assert again == manifest
    assert again.years == [2023, 2024]
    assert again.rows == 4  # the two 2024 rows with the same key were summed
    assert again.source == "demo" and again.has_demo


def test_replacing_a_year_flow_keeps_the_other_flow_and_other_years_byte_identical(
    tmp_path: Path,
) -> None:
    write_dataset(BASE, tmp_path, source="demo")
    before_2023 = _digest(_year_file(tmp_path, 2023))
    con = duckdb.connect()
    con.register("new_rows", rows([(2024, "E", "61", "C10E", "GB", 99)]))
    manifest = store.write_years(tmp_path, con, "new_rows", source="import", inputs=["a.csv"])
    assert manifest.years == [2023, 2024]
    # 2024 exports replaced; 2024 imports (demo) kept beside them.
    assert manifest.sources == {2023: "demo", 2024: "mixed"}
    assert manifest.part(2024, "E").source == "import"
    assert manifest.part(2024, "I").source == "demo"
    assert manifest.part(2024, "E").rows == 1 and manifest.part(2024, "E").value_eur == 99.0
    assert manifest.part(2024, "E").inputs == ("a.csv",)
    assert manifest.source == "mixed" and manifest.has_demo
    assert manifest.inputs == ["a.csv"]
    assert _digest(_year_file(tmp_path, 2023)) == before_2023
    assert _stored_2024(con, tmp_path) == [("E", "61", 99.0), ("I", "972", 1.0)]


def test_replacing_both_flows_of_a_year_replaces_the_year(tmp_path: Path) -> None:
    write_dataset(BASE, tmp_path, source="demo")
    con = duckdb.connect()
    new = rows([(2024, "E", "61", "C10E", "GB", 99), (2024, "I", "61", "C10E", "GB", 3)])
    con.register("new_rows", new)
    manifest = store.write_years(tmp_path, con, "new_rows", source="import")
    assert manifest.sources == {2023: "demo", 2024: "import"}
    assert _stored_2024(con, tmp_path) == [("E", "61", 99.0), ("I", "61", 3.0)]


def _stored_2024(con: duckdb.DuckDBPyConnection, data_dir: Path) -> list[tuple[object, ...]]:
    """(flow, dept, value) of the stored 2024 file, by flow."""
    return con.execute(
        "SELECT flow, dept, value_eur FROM read_parquet(?) ORDER BY flow",
        [str(_year_file(data_dir, 2024))],
    ).fetchall()


def test_plan_lists_what_an_import_replaces_adds_and_keeps(tmp_path: Path) -> None:
    previous = write_dataset(BASE, tmp_path, source="demo")
    changes, kept = store.plan(previous, [(2024, "I"), (2025, "E"), (2024, "I")])
    assert [(c.year, c.flow) for c in changes] == [(2024, "I"), (2025, "E")]
    assert changes[0].before == previous.part(2024, "I") and changes[0].before.source == "demo"
    assert changes[1].before is None
    assert kept == [(2023, "E"), (2023, "I"), (2024, "E")]
    changes, kept = store.plan(None, [(2024, "E")])
    assert [(c.year, c.flow, c.before) for c in changes] == [(2024, "E", None)] and kept == []


def test_replace_all_drops_other_years(tmp_path: Path) -> None:
    write_dataset(BASE, tmp_path)
    manifest = write_dataset(rows([(2019, "E", "53", "C21Z", "DE", 1)]), tmp_path)
    assert manifest.years == [2019]


def test_previous_version_is_kept_one_generation_then_collected(tmp_path: Path) -> None:
    first = write_dataset(BASE, tmp_path)
    second = write_dataset(BASE, tmp_path)
    versions = {p.name for p in tmp_path.glob("v-*")}
    assert versions == {f"v-{first.version}", f"v-{second.version}"}
    third = write_dataset(BASE, tmp_path)
    versions = {p.name for p in tmp_path.glob("v-*")}
    assert versions == {f"v-{second.version}", f"v-{third.version}"}


def test_leftovers_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    write_dataset(BASE, tmp_path)
    (tmp_path / ".tmp-dead").mkdir()
    (tmp_path / ".tmp-dead" / "junk").write_text("x")
    (tmp_path / f"{store.MANIFEST}.tmp").write_text("{half")
    write_dataset(BASE, tmp_path)
    assert not list(tmp_path.glob(".tmp-*"))
    assert not (tmp_path / f"{store.MANIFEST}.tmp").exists()


def test_partition_is_sorted_and_split_in_row_groups(tmp_path: Path) -> None:
    n = schema.ROW_GROUP_SIZE * 3
    records = [
        (2024, "EI"[i % 2], ["01", "53", "75", "2A"][i % 4], f"P{i % 97:03d}", f"C{i % 89}", i)
        for i in range(n)
    ]
    write_dataset(rows(records), tmp_path)
    path = _year_file(tmp_path, 2024)
    table = pq.read_table(path).to_pandas()
    assert list(table.columns) == list(schema.FILE_COLUMNS)
    keys = list(zip(table["dept"], table["flow"], table["product"], table["country"], strict=True))
    assert keys == sorted(keys)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups >= 3
    # A département's rows sit in few row groups: their dept min/max ranges do not all overlap.
    ranges = [
        (meta.row_group(i).column(2).statistics.min, meta.row_group(i).column(2).statistics.max)
        for i in range(meta.num_row_groups)
    ]
    assert sum(1 for lo, hi in ranges if lo <= "53" <= hi) < meta.num_row_groups


def test_empty_manifest_source() -> None:
    empty = store.Manifest(version="x", created="now", files={}, parts={}, rows=0)
    assert empty.source == "empty" and not empty.has_demo


@pytest.mark.parametrize("kind", ["demo", "import"])
def test_single_source_kinds(tmp_path: Path, kind: str) -> None:
    assert write_dataset(BASE, tmp_path, source=kind).source == kind


MONTHLY = rows(
    [
        (2024, "E", "53", "C21Z", "DE", 10),
        (2024, "E", "53", "C21Z", "DE", 5),
        (2024, "I", "75", "C10A", "US", 7),
        (2024, "E", "75", "C21Z", "DE", 1),
        (2023, "E", "53", "C21Z", "DE", 2),
    ]
)
MONTHLY["month"] = pd.array([1, 2, 3, 12, 6], dtype="Int8")


def test_aggregates_are_derived_beside_each_year(tmp_path: Path) -> None:
    manifest = write_dataset(MONTHLY, tmp_path)
    assert manifest.layout == store.LAYOUT
    folder = _year_file(tmp_path, 2024).parent
    annual = pq.read_table(folder / "annual.parquet").to_pandas()
    expected = (
        MONTHLY[MONTHLY["year"] == 2024]
        .groupby(["flow", "dept", "product", "country"], as_index=False)["value_eur"]
        .sum()
    )
    merged = annual.merge(expected, on=["flow", "dept", "product", "country"])
    assert len(annual) == len(expected) == len(merged) == 3
    assert (merged["value_eur_x"] == merged["value_eur_y"]).all()
    national = pq.read_table(folder / "national.parquet").to_pandas()
    assert national.set_index(["flow", "product", "country"])["value_eur"].to_dict() == {
        ("E", "C21Z", "DE"): 16.0,
        ("I", "C10A", "US"): 7.0,
    }
    totals = pq.read_table(folder / "totals.parquet").to_pandas()
    assert totals.set_index(["dept", "flow"])["value_eur"].to_dict() == {
        ("53", "E"): 15.0,
        ("75", "E"): 1.0,
        ("75", "I"): 7.0,
    }


def test_kept_years_of_an_old_layout_get_their_aggregates(tmp_path: Path) -> None:
    write_dataset(MONTHLY, tmp_path)
    downgrade_to_layout_1(tmp_path)
    con = duckdb.connect()
    con.register("new_rows", rows([(2024, "E", "61", "C10E", "GB", 99)]))
    store.write_years(tmp_path, con, "new_rows", source="import")
    kept = _year_file(tmp_path, 2023).parent
    assert all((kept / name).exists() for name in store.DERIVED)
    # MONTHLY's 2023 row: month 6, i.e. the second quarter.
    assert pq.read_table(kept / "totals.parquet").to_pylist() == [
        {"flow": "E", "dept": "53", "quarter": 2, "value_eur": 2.0}
    ]


def test_upgrade_derives_aggregates_and_keeps_everything(tmp_path: Path) -> None:
    write_dataset(MONTHLY, tmp_path, source="demo")
    manifest = store.read_manifest(tmp_path)
    before = {y: _digest(tmp_path / rel) for y, rel in manifest.files.items()}
    downgrade_to_layout_1(tmp_path)
    upgraded = store.upgrade(tmp_path)
    assert upgraded.layout == store.LAYOUT
    assert upgraded.sources == manifest.sources and upgraded.rows == manifest.rows
    assert {y: _digest(tmp_path / rel) for y, rel in upgraded.files.items()} == before
    assert store.upgrade(tmp_path) == upgraded  # nothing left to do


def _monthly_records(n: int) -> pd.DataFrame:
    """`n` monthly rows with repeated keys (summed on write) and codes not in text order."""
    frame = pd.DataFrame(
        {
            "year": 2024,
            "month": pd.array([1 + i % 12 for i in range(n)], dtype="Int8"),
            "flow": ["IE"[i % 2] for i in range(n)],
            "dept": [["75", "2A", "01", "972", "53"][i % 5] for i in range(n)],
            "product": [f"P{(i * 7) % 53:03d}" for i in range(n)],
            "country": [f"C{(i * 5) % 41}" for i in range(n)],
            "value_eur": [float(i % 1000) for i in range(n)],
        }
    )
    return frame


def _grouped(frame: pd.DataFrame, keys: list[str], order: list[str]) -> pd.DataFrame:
    summed = frame.groupby(keys, as_index=False, dropna=False)["value_eur"].sum()
    return summed.sort_values(order, kind="stable").reset_index(drop=True)


def test_monthly_write_equals_a_pandas_groupby_in_stored_order(tmp_path: Path) -> None:
    source = _monthly_records(schema.ROW_GROUP_SIZE * 3)
    write_dataset(source, tmp_path)
    folder = _year_file(tmp_path, 2024).parent
    data = pq.read_table(folder / store.DATA_FILE).to_pandas()
    source = source.astype({"month": "int8"})
    source["quarter"] = (source["month"] - 1) // 3 + 1  # derived from the month
    source["cpf4"] = None  # absent from the source: stored as nulls
    keys = ["quarter", "month", "flow", "dept", "product", "cpf4", "country"]
    expected = _grouped(source, keys, list(schema.SORT_ORDER))
    assert list(data.columns) == list(schema.FILE_COLUMNS)
    assert data["cpf4"].isna().all() and data["mass_kg"].isna().all()
    pd.testing.assert_frame_equal(
        data.drop(columns=["cpf4", "mass_kg"]),
        expected[[*keys, "value_eur"]].drop(columns=["cpf4"]),
        check_dtype=False,
    )
    for name, (columns, origin, order) in store.DERIVED.items():
        read = pq.read_table(folder / origin).to_pandas()
        wanted = _grouped(read, columns.split(", "), order.split(", "))
        derived = pq.read_table(folder / name).to_pandas()
        pd.testing.assert_frame_equal(derived, wanted, check_dtype=False)


def test_write_leaves_no_temporary_table_or_type(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.register("fixture_rows", BASE)
    try:
        store.write_years(tmp_path, con, "fixture_rows", source="import")
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
        types = con.execute("SELECT count(*) FROM duckdb_types() WHERE NOT internal").fetchone()
    finally:
        con.close()
    assert tables == (0,)
    assert types == (0,)


# --- History, rollback, read-only remote datasets -----------------------------------------


def _import(data_dir: Path, frame: pd.DataFrame, by: str | None = None) -> store.Manifest:
    con = duckdb.connect()
    con.register("incoming", frame)
    try:
        return store.write_years(
            data_dir, con, "incoming", source="import", inputs=["f.csv"], by=by
        )
    finally:
        con.close()


def _stored(data_dir: Path) -> pd.DataFrame:
    manifest = store.read_manifest(data_dir)
    frames = [
        pd.read_parquet(data_dir / rel).assign(year=year) for year, rel in manifest.files.items()
    ]
    return pd.concat(frames).sort_values(["year", "flow", "dept", "product", "country"])


def test_every_write_is_recorded_in_the_history(tmp_path: Path) -> None:
    first = write_dataset(BASE, tmp_path, source="demo")
    second = _import(tmp_path, rows([(2024, "I", "53", "C10A", "BE", 40)]), by="alice")
    assert [e.action for e in second.history] == ["demo", "import"]
    event = second.history[-1]
    assert event.version == second.version and event.based_on == first.version
    assert event.pairs == ((2024, "I"),)
    assert event.files == ("f.csv",)
    assert (event.rows, event.value_eur, event.by) == (1, 40.0, "alice")
    assert second.based_on == first.version
    assert store.read_manifest(tmp_path).history == second.history


def test_rollback_restores_the_previous_version_and_can_be_undone(tmp_path: Path) -> None:
    write_dataset(BASE, tmp_path, source="demo")
    before = _stored(tmp_path)
    after_import = _import(tmp_path, rows([(2024, "I", "53", "C10A", "BE", 40)]))
    assert not _stored(tmp_path).equals(before)
    restored = store.rollback(tmp_path, by="bob")
    pd.testing.assert_frame_equal(_stored(tmp_path).reset_index(drop=True),
                                  before.reset_index(drop=True))  # fmt: skip
    assert restored.history[-1].action == "rollback"
    assert restored.history[-1].based_on == after_import.version
    assert restored.history[-1].by == "bob"
    assert [e.action for e in restored.history] == ["demo", "import", "rollback"]
    assert restored.source == "demo"
    # Undo: the version rolled back from is the previous one now.
    again = store.rollback(tmp_path)
    assert again.version == after_import.version
    assert _stored(tmp_path)["value_eur"].sum() == pytest.approx(
        BASE["value_eur"].sum() - 1 + 40  # 2024 imports of 1 replaced by 40
    )


def test_rollback_without_a_previous_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(store.NothingToRestore):
        store.rollback(tmp_path)
    write_dataset(BASE, tmp_path, source="demo")
    with pytest.raises(store.NothingToRestore):
        store.rollback(tmp_path)


def test_a_remote_dataset_is_read_only_in_the_store(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.register("incoming", BASE)
    for location in ("https://example.org/donnees/", "s3://bucket/donnees/"):
        with pytest.raises(store.ReadOnlyDataset):
            store.write_years(location, con, "incoming", source="import")
        with pytest.raises(store.ReadOnlyDataset):
            store.rollback(location)
    con.close()
    assert list(tmp_path.iterdir()) == []


def test_concurrent_writes_are_serialised_each_on_the_version_before_it(tmp_path: Path) -> None:
    import threading

    write_dataset(BASE, tmp_path, source="demo")
    frames = [rows([(2024, "I", "53", "C10A", code, 10 + i)]) for i, code in enumerate("ABCD")]
    done: list[store.Manifest] = []
    threads = [
        threading.Thread(target=lambda f=f: done.append(_import(tmp_path, f))) for f in frames
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = store.read_manifest(tmp_path).history
    assert len(history) == 5
    # A chain: each import is based on the version written just before it.
    for earlier, later in itertools.pairwise(history):
        assert later.based_on == earlier.version
    assert {m.version for m in done} == {e.version for e in history[1:]}


def test_the_store_cli_lists_the_history_and_rolls_back(tmp_path: Path, capsys) -> None:
    write_dataset(BASE, tmp_path, source="demo")
    _import(tmp_path, rows([(2024, "I", "53", "C10A", "BE", 40)]), by="alice")
    assert cli.main(["history", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "import 2024 I (f.csv) par alice" in out[1]
    assert cli.main(["rollback", "--data-dir", str(tmp_path)]) == 0
    assert "restaurée" in capsys.readouterr().out
    assert store.read_manifest(tmp_path).history[-1].action == "rollback"
