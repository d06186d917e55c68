"""A dataset served over HTTP (as from object storage), read through DuckDB's httpfs extension
loaded from its PyPI package: same answers as the local folder, partial reads, manifest refresh."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bench.httpserver import Traffic, serve
from lib.core import config
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries, remote
from tests.conftest import view_answers, write_dataset
from tests.test_queries import random_trade


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Traffic]]:
    """A folder served on 127.0.0.1 by a server that stops with the test."""
    with serve(tmp_path) as server:
        try:
            yield tmp_path, server.url, server.traffic
        finally:
            db.reset()


TERRITORIES = [Territory("dept", "53"), Territory("region", "28"), FRANCE]


def test_the_httpfs_extension_loads_from_its_package() -> None:
    assert remote.httpfs_extension_path().is_file()


def test_remote_dataset_gives_the_same_answers_as_the_local_folder(
    served: tuple[Path, str, Traffic], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, url, traffic = served
    write_dataset(random_trade(3, n=3000), folder)
    monkeypatch.setenv(config.ENV_DATA_DIR, str(folder))
    db.reset()
    local = view_answers(TERRITORIES)
    monkeypatch.setenv(config.ENV_DATA_DIR, url)
    db.reset()
    assert queries.available_years() == [2023, 2024]
    over_http = view_answers(TERRITORIES)
    for mine, theirs in zip(over_http, local, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    parquet_reads = [r for r in traffic.requests if r[1].endswith(".parquet")]
    assert parquet_reads, "the Parquet files were read over HTTP"
    assert any(r[2] for r in parquet_reads), "with range requests"


def test_a_server_without_dataset_gives_an_empty_view(
    served: tuple[Path, str, Traffic], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url, _ = served
    monkeypatch.setenv(config.ENV_DATA_DIR, url)
    db.reset()
    assert db.manifest() is None
    assert queries.available_years() == []
    assert queries.products(FRANCE, 2024).empty


def test_a_new_remote_manifest_is_picked_up(
    served: tuple[Path, str, Traffic], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, url, _ = served
    write_dataset(random_trade(4, n=200), folder)
    monkeypatch.setenv(config.ENV_DATA_DIR, url)
    monkeypatch.setattr(db, "REMOTE_REFRESH_S", 1e-9)  # re-read the manifest at every access
    db.reset()
    first = db.manifest()
    write_dataset(random_trade(5, n=200).assign(year=2019), folder)
    assert db.manifest() != first
    assert queries.available_years() == [2019]


@pytest.mark.parametrize("fault", ["error", "stall"])
def test_a_failing_store_keeps_the_dataset_already_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A 500 or a timeout is no « dataset gone », even when the URL holds "404" (as a port
    such as :40412 may: the chaos run once showed « Le jeu de données est vide » so)."""
    folder = tmp_path / "store-404"
    write_dataset(random_trade(6, n=200), folder)
    monkeypatch.setattr(db, "REMOTE_REFRESH_S", 1e-9)  # re-read the manifest at every access
    monkeypatch.setattr(db, "REMOTE_HTTP_TIMEOUT_S", 1)
    monkeypatch.setattr(db, "REMOTE_HTTP_RETRIES", 0)
    with serve(tmp_path) as server:
        monkeypatch.setenv(config.ENV_DATA_DIR, f"{server.url}/store-404")
        try:
            db.reset()
            read = db.manifest()
            assert read is not None and read.years == [2023, 2024]
            server.faults.set(fault)
            with pytest.raises(remote.RemoteError):
                remote.read_manifest(db.cursor(), f"{server.url}/store-404")
            for _ in range(3):  # each access starts a refresh, which fails
                assert db.manifest() == read
            assert queries.available_years() == [2023, 2024]
            server.faults.set("ok")
            assert remote.read_manifest(db.cursor(), f"{server.url}/store-404/absent") is None
        finally:
            server.faults.set("ok")
            db.reset()


def test_s3_settings_come_from_the_environment() -> None:
    assert remote.s3_secret_sql({}) is None
    sql = remote.s3_secret_sql(
        {
            "AWS_ACCESS_KEY_ID": "AKIA",
            "AWS_SECRET_ACCESS_KEY": "it's secret",
            "AWS_REGION": "eu-west-3",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        }
    )
    assert sql == (
        "CREATE OR REPLACE SECRET comext_s3 (TYPE s3, KEY_ID 'AKIA', SECRET 'it''s secret', "
        "REGION 'eu-west-3', ENDPOINT '127.0.0.1:9000', URL_STYLE 'path', USE_SSL false)"
    )


def test_writing_to_a_remote_location_is_refused(tmp_path: Path) -> None:
    from lib.sources import demo

    assert demo.ensure_dataset("https://example.invalid/data") is False
    assert not os.listdir(tmp_path)
