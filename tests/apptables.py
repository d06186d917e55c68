"""The « Voir les données » tables in AppTest: their grids opened and read back, their CSVs.

A grid is drawn only while its expander is open (pages/parts/components.data_table); AppTest cannot
click an expander, but the expander is a widget keyed `table-<key>` (`key`: the data_table's),
whose state a test sets. The grid shows French text (`1 773,5`, euros in M€): `number` reads a
cell back as a float, for the test to compare with its own expected value. The table's machine
form is its CSV (button `csv-<key>`): `record_csvs` keeps what the page hands to Streamlit's
downloads (as tests/test_api.page_csv_files), `page_csvs` gives it back by key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from lib.core import gridtext

TABLE_KEY, CSV_KEY = "table-", "csv-"  # pages/parts/components.data_table's widget keys
SPACES = ("\u00a0", "\u202f", "\u2007", " ", gridtext.PAD)


def open_tables(at: AppTest, *keys: str) -> dict[str, pd.DataFrame]:
    """Open the tables of `keys` (none: every table the page shows), rerun, and return the
    grid each one draws, by key."""
    keys = keys or tuple(
        expander.key.removeprefix(TABLE_KEY)
        for expander in at.expander
        if expander.key and expander.key.startswith(TABLE_KEY)
    )
    assert keys, "no « Voir les données » table on the page"
    for key in keys:
        at.session_state[f"{TABLE_KEY}{key}"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    grids = {}
    for key in keys:
        (grid,) = at.expander(key=f"{TABLE_KEY}{key}").dataframe
        grids[key] = grid.value
    return grids


def record_csvs(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """From now on, every CSV handed to a download button, by its media URL."""
    files: dict[str, bytes] = {}
    original = MediaFileManager.add

    def record(self, data, mimetype, *args, **kwargs):  # type: ignore[no-untyped-def]
        url = original(self, data, mimetype, *args, **kwargs)
        if mimetype == "text/csv" and isinstance(data, bytes):
            files[url] = data
        return url

    monkeypatch.setattr(MediaFileManager, "add", record)
    return files


def page_csvs(at: AppTest, recorded: dict[str, bytes]) -> dict[str, bytes]:
    """The CSV of every table the page shows in its last run, by data_table key."""
    return {
        button.key.removeprefix(CSV_KEY): recorded[button.proto.url]
        for button in at.download_button
        if button.key and button.key.startswith(CSV_KEY)
    }


def number(cell: object) -> float:
    """A grid's French number (`−1 446,3`) as a float; NaN for an empty cell."""
    text = str(cell)
    for space in SPACES:
        text = text.replace(space, "")
    if not text:
        return math.nan
    return float(text.replace(",", ".").replace("\u2212", "-"))


def numbers(column: pd.Series) -> list[float]:
    return [number(cell) for cell in column]


def meur(euros: Iterable[float]) -> object:
    """What a grid's column in M€ reads back as for these `euros`: each within 0.05 M€ (one
    decimal), empty cells for missing amounts."""
    return pytest.approx([float(value) / 1e6 for value in euros], abs=0.05, nan_ok=True)
