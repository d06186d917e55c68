"""Parquet files: their columns found by name like a text file's header, read by batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lib.sources.readers.context import FileProgress, ReadContext
from lib.sources.readers.errors import NO_DATA, IngestError
from lib.sources.readers.headers import match_header, missing_columns
from lib.sources.readers.validation import Locate, RawBatch, canonical_batch

PARQUET_BATCH_ROWS = 1 << 20


def parquet_batches(
    path: Path, name: str, progress: FileProgress, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
        header = parquet.schema_arrow.names
        layout = match_header(header)
        problem = missing_columns(layout, header)
        if problem:
            raise IngestError(name, None, problem)
        total = parquet.metadata.num_rows
        if total == 0:
            raise IngestError(name, None, NO_DATA)
        by_column = {header[position]: field for field, position in layout.positions.items()}
        scale = layout.value_scale(context.unit)
        done = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=list(by_column)):
            columns = {by_column[c]: _decoded(batch.column(c)) for c in batch.schema.names}
            locate = _record_locator(name, done)
            yield canonical_batch(RawBatch(columns, layout, locate, scale))
            done += batch.num_rows
            progress(done / total)
    except (pa.ArrowException, OSError) as error:
        raise IngestError(name, None, f"fichier Parquet illisible ({error})") from None


def _record_locator(name: str, first: int) -> Locate:
    def locate(row: int, message: str) -> IngestError:
        return IngestError(name, first + row + 1, message, unit="enregistrement")

    return locate


def _decoded(column: pa.Array) -> pa.Array:
    """A Parquet dictionary column as plain values (its dictionary may hold unused values)."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
