"""Shared fixtures: write a small canonical frame as a dataset and point the app at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lib.core import config, schema
from lib.data import cache, db, store


@pytest.fixture(autouse=True)
def empty_result_cache() -> None:
    """Each test starts with an empty process cache (lib/data/cache.py): a result kept by an earlier
    test on the same dataset would otherwise answer for a query this test patches or times."""
    cache.reset()


CANONICAL = ["year", "month", "flow", "dept", "product", "country", "value_eur"]


def write_dataset(frame: pd.DataFrame, data_dir: Path, source: str = "import") -> store.Manifest:
    """Write `frame` (canonical columns; quarter, cpf4 and mass_kg optional) to `data_dir` with
    the project's writer."""
    con = duckdb.connect()
    con.register("fixture_rows", frame[[c for c in schema.COLUMNS if c in frame.columns]])
    try:
        return store.write_years(data_dir, con, "fixture_rows", source=source, replace_all=True)
    finally:
        con.close()


@pytest.fixture
def use_dataset(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[pd.DataFrame], Path]]:
    """Call with a frame: it becomes the dataset every query of this test reads."""

    def _use(frame: pd.DataFrame) -> Path:
        data_dir = tmp_path_factory.mktemp("dataset")
        write_dataset(frame, data_dir)
        monkeypatch.setenv(config.ENV_DATA_DIR, str(data_dir))
        db.reset()
        return data_dir

    yield _use
    db.reset()


@pytest.fixture
def counted_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every query run from now on."""
    seen: list[str] = []
    real = db.run

    def counting(
        sql: str, params: object, fetch: Callable[..., object], tables: object = None
    ) -> object:
        seen.append(sql)
        return real(sql, params, fetch, tables)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "run", counting)
    return seen


def rows(records: list[tuple]) -> pd.DataFrame:
    """A canonical frame from (year, flow, dept, product, country, value) tuples (annual)."""
    frame = pd.DataFrame(
        records, columns=["year", "flow", "dept", "product", "country", "value_eur"]
    )
    frame.insert(1, "month", pd.array([None] * len(frame), dtype="Int8"))
    frame["value_eur"] = frame["value_eur"].astype(float)
    return frame


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calibrated demonstration dataset, built once per test session."""
    from lib.sources import demo

    data_dir = tmp_path_factory.mktemp("demo-data")
    demo.build_demo(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def demo(demo_data_dir: Path) -> Iterator[Path]:
    """The demonstration dataset as the dataset every query of the module reads."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
        db.reset()
        yield demo_data_dir
    db.reset()


def downgrade_to_layout_1(data_dir: Path) -> store.Manifest:
    """Make a dataset look written before the derived aggregates existed (manifest layout 1)."""
    import dataclasses

    manifest = store.read_manifest(data_dir)
    for rel in manifest.files.values():
        for name in store.DERIVED:
            (data_dir / rel).parent.joinpath(name).unlink()
    old = dataclasses.replace(manifest, layout=1)
    (data_dir / store.MANIFEST).write_text(old.to_json(), encoding="utf-8")
    return old


def view_answers(territories: list, year: int = 2024) -> list[pd.DataFrame]:
    """Every view of the explorer for a few territories: to compare two ways of reading data."""
    from lib.data import queries

    frames = [queries.map_metrics(year)]
    for territory in territories:
        frames += [
            queries.kpis(territory, year),
            queries.partners(territory, year, 4),
            queries.products(territory, year),
            queries.sankey(territory, year, "E", 3),
            queries.sankey(territory, year, "I", 3),
        ]
    return frames
