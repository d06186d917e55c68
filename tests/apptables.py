"""The « Voir les données » tables in AppTest: their grids opened and read back, their CSVs.

A grid is drawn only while its expander is open (pages/parts/components.data_table); AppTest cannot
click an expander, but the expander is a widget keyed `table-<key>` (`key`: the data_table's),
whose state a test sets. The grid shows French text (`1 773,5`, euros in M€): `number` reads a
cell back as a float, for the test to compare with its own expected value. The table's machine
form is its CSV (button `csv-<key>`), made at the click: `record_csvs` keeps what the page hands
to Streamlit's downloads (the function a click would run), `page_csvs` gives the files back by
key, `RecordedFiles.named` by file name (`record_files`: any other media type).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pandas as pd
import pytest
from streamlit.proto.DownloadButton_pb2 import DownloadButton
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


class RecordedFiles:
    """Every file of one media type handed to a download button since `record_files`: its bytes
    (Streamlit's `MediaFileManager.add`) or, for a file made at the click (a function given to
    the button), that function (`add_deferred`), called when a test reads the file."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Callable[[], bytes]] = {}  # media URL or deferred file id
        self.by_name: dict[str, Callable[[], bytes]] = {}  # the download's file name

    def keep(self, ref: str, file_name: str | None, make: Callable[[], bytes]) -> None:
        self.by_ref[ref] = make
        if file_name is not None:
            self.by_name[file_name] = make

    def of_button(self, proto: DownloadButton) -> bytes:
        """The file a click on the button downloads."""
        return _made(self.by_ref[proto.deferred_file_id or proto.url])

    def named(self) -> dict[str, bytes]:
        """Every file recorded, by file name."""
        return {name: _made(make) for name, make in self.by_name.items()}


def _made(make: Callable[[], bytes]) -> bytes:
    data = make()
    assert isinstance(data, bytes), type(data)
    return data


def record_files(monkeypatch: pytest.MonkeyPatch, media_type: str) -> RecordedFiles:
    """From now on, every file of `media_type` handed to a download button."""
    recorded = RecordedFiles()
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        url = add(self, data, mimetype, coordinates, file_name, *args, **kwargs)
        if mimetype == media_type and isinstance(data, bytes):
            recorded.keep(url, file_name, lambda: data)
        return url

    def record_deferred(self, make, mimetype, coordinates, file_name=None, **kwargs):  # type: ignore[no-untyped-def]
        file_id = add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)
        if mimetype == media_type:
            recorded.keep(file_id, file_name, make)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return recorded


def record_csvs(monkeypatch: pytest.MonkeyPatch) -> RecordedFiles:
    """From now on, every CSV handed to a download button."""
    return record_files(monkeypatch, "text/csv")


def page_csvs(at: AppTest, recorded: RecordedFiles) -> dict[str, bytes]:
    """The CSV of every table the page shows in its last run, by data_table key."""
    return {
        button.key.removeprefix(CSV_KEY): recorded.of_button(button.proto)
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
