"""The Données CSV written batch by batch as DuckDB reads the rows: the first lines leave at once.

lib.data.queries selects the rows in the files' order (no join, no ORDER BY: see ROWS_ORDER
there), each column already as its CSV text except the names. This module adds the names and
writes the lines: `CsvLines.encode` turns an Arrow batch into the bytes of its lines, with each
name looked up in an Arrow array of the names' CSV fields (a hash lookup per batch, in Arrow's
C++), and `write_batches` writes them while DuckDB computes the next batch.

Why not DuckDB's own COPY … TO csv, which wrote this file before: with the names in the query
(a map of a few hundred names per lookup, bound as a parameter) planning alone took about 7 ms,
and COPY's first buffer left 20 ms after the call (30 ms p95) for a département-year of the
benchmark dataset; here the first 2 048 rows leave after 11 ms (16 ms p95), and France × one
year takes 2.6 s against COPY's 2.2–2.4 s (docs/PERFORMANCE.md). The bytes are the same:
tested against COPY's own on the same rows (tests/test_rows_csv.py). Plain Python and Arrow:
no SQL here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Rows per batch asked of DuckDB: the first batch's lines are the first bytes sent, so it is
# small; the next ones are put together into batches of GROUP_ROWS before they are written
# (each batch costs a few Python calls: 2048-row batches made France × one year 50 % slower).
BATCH_ROWS = 2_048
GROUP_ROWS = 32_768


@dataclass(frozen=True)
class NameColumn:
    """A column of names written beside a code column: `codes[i]` is named `fields[i]` (its CSV
    field); a code without a name is written as its own field."""

    name: str
    code_column: str
    codes: pa.Array
    fields: pa.Array

    @classmethod
    def of(cls, name: str, code_column: str, fields: Mapping[str, str]) -> NameColumn:
        return cls(
            name,
            code_column,
            pa.array(list(fields), pa.string()),
            pa.array(list(fields.values()), pa.string()),
        )

    def looked_up(self, batch: pa.RecordBatch) -> pa.Array:
        code = batch.column(self.code_column)
        found = pc.take(self.fields, pc.index_in(code, value_set=self.codes))
        return pc.coalesce(found, code)


@dataclass(frozen=True)
class CsvLines:
    """The file's columns in order: each a column of the batches (text, already a CSV field, the
    last ending with a line break) or a NameColumn."""

    columns: Sequence[str | NameColumn]

    def header(self) -> bytes:
        names = (c if isinstance(c, str) else c.name for c in self.columns)
        return (",".join(names) + "\n").encode()

    def encode(self, batch: pa.RecordBatch) -> memoryview:
        """The batch's lines, as one buffer (a view of Arrow's, not a copy). A missing value is
        an empty field, as COPY writes it."""
        fields = [
            batch.column(c) if isinstance(c, str) else c.looked_up(batch) for c in self.columns
        ]
        lines = pc.binary_join_element_wise(
            *fields, ",", null_handling="replace", null_replacement=""
        )
        _, offsets, data = lines.buffers()
        if data is None or len(lines) == 0:
            return memoryview(b"")
        width = 8 if pa.types.is_large_string(lines.type) else 4  # offsets of int64 or int32
        bounds = np.frombuffer(
            offsets, dtype=f"<i{width}", count=len(lines) + 1, offset=lines.offset * width
        )
        return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def write_batches(lines: CsvLines, batches: Iterable[pa.RecordBatch], out: BinaryIO) -> int:
    """Write the header, then each batch's lines to `out` while the next batch is read (a worker
    thread encodes and writes; reading `batches` is DuckDB's work, without the GIL). Returns the
    rows written. An error of either side stops both and is raised here: a reader gone (broken
    pipe) stops the reading of the rows, an interrupted query stops the writing."""
    out.write(lines.header())
    rows = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rows-csv") as worker:
        pending: Future[None] | None = None
        for batch in _grouped(batches):
            if pending is not None:
                pending.result()
            pending = worker.submit(_write, lines, batch, out)
            rows += batch.num_rows
        if pending is not None:
            pending.result()
    return rows


def _write(lines: CsvLines, batch: pa.RecordBatch, out: BinaryIO) -> None:
    out.write(lines.encode(batch))


def _grouped(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The first batch as it comes (the first bytes), then the next ones put together into
    batches of at least GROUP_ROWS rows."""
    group: list[pa.RecordBatch] = []
    count = 0
    first = True
    for batch in batches:
        if first:
            first = False
            yield batch
            continue
        group.append(batch)
        count += batch.num_rows
        if count >= GROUP_ROWS:
            yield pa.concat_batches(group)
            group, count = [], 0
    if group:
        yield pa.concat_batches(group)
