"""Faults of the data (issue 19): a damaged Parquet file, a full disk during a write, a remote
store that fails. `python -m lib.data.store check` names the damaged file; the pages say « Données
endommagées » in French instead of DuckDB's error; a write that fails leaves the published
version whole and no partial version behind; a failing remote store keeps the version read.

bench/chaos.py measures the same faults under load (tests/test_chaos.py runs it short)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from bench.httpserver import serve
from lib.core import config
from lib.data import db, queries, store
from lib.data.store import cli, writer
from tests.conftest import rows, write_dataset

APP = str(config.ROOT / "streamlit_app.py")
FIRST = rows(
    [
        (2023, "E", "53", "C10A", "DE", 1_000_000.0),
        (2023, "I", "53", "C10A", "BE", 500_000.0),
        (2024, "E", "53", "C10A", "DE", 2_000_000.0),
        (2024, "I", "53", "C10A", "BE", 700_000.0),
        (2024, "E", "35", "C10B", "US", 3_000_000.0),
    ]
)
SECOND = rows([(2024, "E", "53", "C10A", "DE", 2_500_000.0)])


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


@pytest.fixture
def two_versions(tmp_path: Path) -> Iterator[tuple[Path, store.Manifest]]:
    """A dataset of two versions: the second rewrote 2024 (its own files), kept 2023."""
    write_dataset(FIRST, tmp_path)
    con = duckdb.connect()
    con.register("incoming", SECOND)
    try:
        current = store.write_years(tmp_path, con, "incoming", source="import")
    finally:
        con.close()
    yield tmp_path, current


# --- python -m lib.data.store check ---------------------------------------------------------------


def test_an_intact_dataset_passes(
    two_versions: tuple[Path, store.Manifest], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, current = two_versions
    assert store.check(data_dir) == []
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert current.version in out and "aucun n'est endommagé" in out


def test_a_truncated_file_is_named_and_the_rollback_offered(
    two_versions: tuple[Path, store.Manifest], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, current = two_versions
    damaged = current.files[2024].removesuffix(store.DATA_FILE) + "annual.parquet"
    _truncate(data_dir / damaged)
    assert [d.path for d in store.check(data_dir)] == [damaged]
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{damaged} : illisible" in err
    assert "1 endommagé" in err
    assert "est intacte" in err and "python -m lib.data.store rollback" in err
    store.rollback(data_dir)
    assert store.check(data_dir) == []


def test_a_file_whose_rows_differ_from_the_manifest_is_named(
    two_versions: tuple[Path, store.Manifest],
) -> None:
    data_dir, current = two_versions
    target = data_dir / current.files[2023]
    con = duckdb.connect()
    try:  # a readable Parquet file, but not the one the manifest describes
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{target}') LIMIT 1) TO '{target}.new' "
            "(FORMAT parquet)"
        )
    finally:
        con.close()
    os.replace(f"{target}.new", target)
    found = store.check(data_dir)
    assert [d.path for d in found] == [current.files[2023]]
    assert "le manifeste en annonce" in found[0].problem


def test_a_missing_file_is_named(two_versions: tuple[Path, store.Manifest]) -> None:
    data_dir, current = two_versions
    missing = current.files[2024].removesuffix(store.DATA_FILE) + "totals.parquet"
    (data_dir / missing).unlink()
    assert [(d.path, d.problem) for d in store.check(data_dir)] == [(missing, "fichier absent")]


def test_without_a_previous_version_check_says_to_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write_dataset(FIRST, tmp_path)
    _truncate(tmp_path / manifest.files[2023])
    assert cli.main(["check", "--data-dir", str(tmp_path)]) == 1
    assert "réimportez" in capsys.readouterr().err


# --- A write that fails (a full disk) ------------------------------------------------------------


def test_a_write_that_fails_leaves_the_published_version_whole(
    two_versions: tuple[Path, store.Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, current = two_versions

    def full(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
        raise duckdb.IOException(f'IO Error: Could not write file "{folder}/x": No space left')

    monkeypatch.setattr(writer, "_derive", full)
    con = duckdb.connect()
    con.register("incoming", SECOND)
    try:
        with pytest.raises(store.WriteFailed) as caught:
            store.write_years(data_dir, con, "incoming", source="import")
    finally:
        con.close()
    assert "Rien n'a été modifié" in str(caught.value)
    assert isinstance(caught.value, OSError)  # callers that catch OSError still do
    assert store.read_manifest(data_dir) == current
    assert list(data_dir.glob(".tmp-*")) == []  # the partial version is gone at once
    monkeypatch.undo()
    assert store.check(data_dir) == []


# --- The pages: « Données endommagées » ----------------------------------------------------------


@pytest.fixture
def damaged(use_dataset) -> tuple[Path, str]:
    """The app's dataset with 2024's aggregate of products and partners truncated."""
    data_dir = use_dataset(FIRST)
    manifest = store.read_manifest(data_dir)
    assert manifest is not None
    rel = manifest.files[2024].removesuffix(store.DATA_FILE) + "annual.parquet"
    _truncate(data_dir / rel)
    return data_dir, rel


def test_a_query_on_a_damaged_file_raises_damaged_data_naming_it(damaged) -> None:
    _, rel = damaged
    with pytest.raises(db.DamagedData) as caught:
        db.run("SELECT sum(value_eur) FROM trade_annual", [], lambda cur: cur.fetchall())
    assert caught.value.path == rel  # relative to the dataset folder: no server path shown
    assert str(caught.value).startswith("Données endommagées : le fichier « v-")
    assert "python -m lib.data.store rollback" in str(caught.value)
    # a year whose files are whole still answers
    assert queries.available_years() == [2023, 2024]
    assert db.run(
        "SELECT sum(value_eur) FROM trade_annual WHERE year = 2023", [], lambda c: c.fetchall()
    ) == [(1_500_000.0,)]


def test_other_errors_are_not_damaged_data(use_dataset) -> None:
    use_dataset(FIRST)
    with pytest.raises(duckdb.Error) as caught:
        db.run("SELECT * FROM no_such_table", [], lambda cur: cur.fetchall())
    assert not isinstance(caught.value, db.DataUnavailable)


def test_a_remote_error_is_a_passing_failure_not_damage() -> None:
    error = duckdb.HTTPException(
        "HTTP Error: GET error on 'http://127.0.0.1:1/v-1/year=2024/annual.parquet' (HTTP 500)"
    )
    found = db.unreadable_data(error)
    assert isinstance(found, db.RemoteUnavailable)
    assert "Réessayez" in str(found)
    timeout = duckdb.IOException(
        "IO Error: Timeout was reached error for HTTP HEAD to 'http://x/a.parquet'"
    )
    assert "dans les délais" in str(db.unreadable_data(timeout))


def _page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.query_params = params
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _fiche_of_mayenne(year: int) -> AppTest:
    return _page("fiche", niveau="departement", code="53", annee=str(year))


def test_the_fiche_says_the_data_is_damaged_in_french(damaged) -> None:
    _, rel = damaged
    at = _fiche_of_mayenne(2024)
    messages = [error.value.replace("\\", "") for error in at.error]
    assert any(m.startswith("Données endommagées") and rel in m for m in messages), messages


def test_the_fiche_of_a_whole_year_still_works(damaged) -> None:
    at = _fiche_of_mayenne(2023)
    assert not [e.value for e in at.error]
    assert any(m.label == "Exportations" for m in at.metric)


def test_a_section_that_needs_the_damaged_file_says_so_and_the_page_goes_on(damaged) -> None:
    """Comparer of 2024: its key figures read the totals (whole); its « Principaux pays
    partenaires » section the damaged aggregate. The notice is the section's; the first
    screen and the other sections stay."""
    _, rel = damaged
    at = _page(
        "comparer",
        niveau="departement",
        codes="53,35",
        annee="2024",
        section="partenaires,evolution",
    )
    exports = [m.value for m in at.metric if m.label == "Exportations"]
    assert exports == ["2,0\u00a0M€", "3,0\u00a0M€"]  # 53 and 35 in 2024: FIRST
    partners, evolution = (
        next(e for e in at.expander if title in e.label)
        for title in ("Principaux pays partenaires", "Évolution")
    )
    messages = [error.value.replace("\\", "") for error in partners.error]
    assert any(m.startswith("Données endommagées") and rel in m for m in messages), messages
    assert not evolution.error  # the totals of every year are whole


# --- A remote store that fails --------------------------------------------------------------------


def test_a_failing_remote_store_keeps_the_version_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "SELECT count(*) FROM trade_annual WHERE year = 2024 AND dept = '35'"
    manifest = write_dataset(FIRST, tmp_path)
    with serve(tmp_path) as server:
        monkeypatch.setenv(config.ENV_DATA_DIR, server.url)
        monkeypatch.setattr(db, "REMOTE_REFRESH_S", 1e-9)  # re-read the manifest every time
        db.reset()
        try:
            assert db.manifest() == manifest
            server.faults.set("error")
            assert db.manifest() == manifest  # the refresh failed: the version read stays
            with pytest.raises(db.RemoteUnavailable):
                db.run(query, [], lambda cur: cur.fetchall())
            server.faults.set("ok")
            assert db.run(query, [], lambda cur: cur.fetchall()) == [(1,)]
        finally:
            db.reset()


def test_reset_waits_for_a_manifest_being_read_before_closing_the_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest's refresh reads through a cursor of the connection, in its own thread:
    closing the connection under it (bench.run's end, a test switching folders) could end the
    process. reset() closes it once the read is over."""
    write_dataset(FIRST, tmp_path)
    with serve(tmp_path) as server:
        monkeypatch.setenv(config.ENV_DATA_DIR, server.url)
        monkeypatch.setattr(db, "REMOTE_REFRESH_S", 1e-9)
        db.reset()
        try:
            db.manifest()
            server.faults.set("stall")
            db.manifest()  # starts a refresh, waits REMOTE_REFRESH_WAIT_S, goes on
            reader = db._process.reader if db._process else None
            assert reader is not None and reader.is_alive()  # still waiting for the store
            threading.Timer(0.5, server.faults.set, args=("ok",)).start()
        finally:
            db.reset()
        assert not reader.is_alive()


def test_the_api_answers_503_in_french_for_unreadable_data() -> None:
    from lib.web import api

    class Damaged:
        def build(self, state: object) -> None:
            raise db.DamagedData("v-1/year=2024/annual.parquet")

    with pytest.raises(api.ApiError) as caught:
        api._build(Damaged(), None)  # type: ignore[arg-type]
    assert caught.value.status == 503
    assert caught.value.message.startswith("Données endommagées")
