"""What reading one file carries along (the user's unit, the import's ZIP budget, the labels
found beside the data) and what it returns: the shared vocabulary of every format's reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from lib.sources.readers.zip_budget import ZipBudget

FileProgress = Callable[[float], None]  # fraction of the current file read, 0..1


@dataclass
class FileData:
    """A file's rows in canonical form, and the labels of the label files found with them."""

    name: str
    table: pa.Table
    labels: list[Label] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)


@dataclass(frozen=True)
class Label:
    """A row of a customs label file: a code's name over a validity period."""

    kind: str  # "product" (A129), "cpf4" or "country"
    code: str
    name: str
    start: str  # validity dates as `YYYY-MM-DD` (or as written when not a date; may be "")
    end: str


@dataclass
class ReadContext:
    """What reading a file needs beyond the file, and what it finds beside the data."""

    unit: str | None = None  # "eur" or "keur" chosen by the user, overriding the file's own
    labels: list[Label] = field(default_factory=list)
    budget: ZipBudget = field(default_factory=lambda: ZipBudget())  # the import's ZIP limits
