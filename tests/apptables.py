"""The « Voir les données » grids in AppTest: opened, and their French cells read back.

A grid is drawn only while its expander is open (pages/components.data_table); AppTest cannot
click an expander, but the expander is a widget keyed `table-<key>`, whose state a test sets.
The grid shows lib/display.py's French text (`1 773,5`): `number` reads a cell back as a float
so that a test compares it with its own expected value (euros are in M€ on the grids).
"""

from __future__ import annotations

import math

import pandas as pd
from streamlit.testing.v1 import AppTest

from lib import gridtext

SPACES = ("\u00a0", "\u202f", "\u2007", " ", gridtext.PAD)


TABLE_KEY = "table-"  # pages/components.data_table's expander keys


def open_tables(at: AppTest, *keys: str) -> list[pd.DataFrame]:
    """Open the tables of `keys` (their data_table keys; none: every table the page shows),
    rerun, and return every grid drawn."""
    opened = [f"{TABLE_KEY}{key}" for key in keys] or [
        expander.key
        for expander in at.expander
        if expander.key and expander.key.startswith(TABLE_KEY)
    ]
    assert opened, "no « Voir les données » table on the page"
    for key in opened:
        at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [frame.value for frame in at.dataframe]


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
