"""lib/data/rows_csv.py and db.arrow_batches: the Données CSV written batch by batch.

The lines are checked against plain Python (`",".join` of the fields, names from a dict), the
whole files against DuckDB's own CSV writer (COPY) of the same rows, and the failures as the
route sees them: a reader gone stops the reading, a query interrupted or a file damaged in the
middle of the rows is still db.QueryTimeout or db.DamagedData (Arrow's stream reports DuckDB's
errors as OSError).
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries, rows_csv
from tests.conftest import rows

NAMES = {"FR": "France", "US": '"États-Unis, les"', "DE": "'=Allemagne"}


def _lines() -> rows_csv.CsvLines:
    return rows_csv.CsvLines(
        ["pays", rows_csv.NameColumn.of("pays_nom", "pays", NAMES), "valeur\n"]
    )


def _batch(countries: list[str | None], values: list[str | None]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"pays": pa.array(countries, pa.string()), "valeur\n": pa.array(values, pa.string())}
    )


def _expected(countries: list[str | None], values: list[str | None]) -> bytes:
    """Plain Python: the code, its name (else the code), the value; None is an empty field."""
    lines = []
    for code, value in zip(countries, values, strict=True):
        name = NAMES.get(code, code) if code is not None else None
        lines.append(",".join("" if v is None else v for v in (code, name, value)))
    return "".join(lines).encode()


def test_a_batch_s_lines_name_each_code_or_repeat_it() -> None:
    countries = ["FR", "US", "XX", None, "DE", "FR"]
    values = ["1.0\n", "2.5\n", "3.0\n", "4.0\n", None, "6.0\n"]
    assert bytes(_lines().encode(_batch(countries, values))) == _expected(countries, values)


def test_an_empty_batch_writes_nothing() -> None:
    assert bytes(_lines().encode(_batch([], []))) == b""


def test_a_sliced_batch_writes_only_its_rows() -> None:
    """Arrow may hand a batch that is a slice of a larger buffer: its offsets start further."""
    countries, values = ["FR", "US", "DE", "XX"], ["1\n", "2\n", "3\n", "4\n"]
    sliced = _batch(countries, values).slice(1, 2)
    assert bytes(_lines().encode(sliced)) == _expected(countries[1:3], values[1:3])


def test_the_header_then_every_batch_in_order() -> None:
    batches = [_batch(["FR"], ["1\n"]), _batch(["US", "DE"], ["2\n", "3\n"]), _batch([], [])]
    out = io.BytesIO()
    assert rows_csv.write_batches(_lines(), iter(batches), out) == 3
    expected = _expected(["FR", "US", "DE"], ["1\n", "2\n", "3\n"])
    assert out.getvalue() == b"pays,pays_nom,valeur\n\n" + expected


class _GoneAfter(io.RawIOBase):
    """A reader that leaves after `lines` writes: the next write is a broken pipe."""

    def __init__(self, lines: int) -> None:
        self.left = lines

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        if self.left == 0:
            raise BrokenPipeError("the reader left")
        self.left -= 1
        return len(data)


def test_the_first_batch_goes_alone_then_the_next_ones_in_groups(monkeypatch) -> None:
    """The first rows are the first bytes; then fewer, larger writes: same bytes in the end."""
    monkeypatch.setattr(rows_csv, "GROUP_ROWS", 4)
    codes = ["FR", "US", "DE", "XX", None, "FR", "US"] * 3
    batches = [_batch([c], [f"{i}\n"]) for i, c in enumerate(codes)]
    out = _Writes()
    assert rows_csv.write_batches(_lines(), iter(batches), out) == len(codes)
    assert out.sizes[0] == len(b"pays,pays_nom,valeur\n\n")
    assert out.rows == [1, 4, 4, 4, 4, 4]  # the first batch, then groups of four, the rest
    assert b"".join(out.data[1:]) == _expected(codes, [f"{i}\n" for i in range(len(codes))])


class _Writes(io.RawIOBase):
    """Keeps each write apart."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.data.append(bytes(data))
        return len(data)

    @property
    def sizes(self) -> list[int]:
        return [len(d) for d in self.data]

    @property
    def rows(self) -> list[int]:
        return [d.count(b"\n") for d in self.data[1:]]


def test_a_reader_gone_stops_the_reading_of_the_rows(monkeypatch) -> None:
    monkeypatch.setattr(rows_csv, "GROUP_ROWS", 1)
    read = []

    def batches():
        for i in range(100):
            read.append(i)
            yield _batch(["FR"], [f"{i}\n"])

    with pytest.raises(BrokenPipeError):
        rows_csv.write_batches(_lines(), batches(), _GoneAfter(lines=3))  # header + 2 batches
    assert len(read) <= 5  # the batch written when it broke, and at most the next two read


def test_a_reading_error_is_raised_after_the_pending_write() -> None:
    out = io.BytesIO()

    def batches():
        yield _batch(["FR"], ["1\n"])
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    with pytest.raises(duckdb.InterruptException):
        rows_csv.write_batches(_lines(), batches(), out)
    assert out.getvalue().endswith(b"FR,France,1\n")


class _Stream:
    """A DuckDB result whose Arrow stream fails with `message` after one batch."""

    def __init__(self, message: str) -> None:
        self.message = message

    def to_arrow_reader(self, rows: int):
        message = self.message

        class Reader:
            sent = False

            def read_next_batch(self) -> pa.RecordBatch:
                if not self.sent:
                    self.sent = True
                    return _batch(["FR"], ["1\n"])
                raise OSError(message)

        return Reader()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("INTERRUPT Error: Interrupted!", duckdb.InterruptException),
        ('IO Error: Could not read "x.parquet"', duckdb.IOException),
        (
            'Invalid Input Error: Failed to read file "x.parquet": ZSTD',
            duckdb.InvalidInputException,
        ),
        ("HTTP Error: 503 Service Unavailable", duckdb.IOException),
    ],
)
def test_duckdb_s_errors_in_the_stream_are_duckdb_s_again(message: str, kind: type) -> None:
    batches = db.arrow_batches(_Stream(message), 10)  # type: ignore[arg-type]
    assert next(batches).num_rows == 1
    with pytest.raises(kind, match="Error:"):
        next(batches)


def test_another_os_error_of_the_stream_stays_what_it_is() -> None:
    batches = db.arrow_batches(_Stream("No space left on device"), 10)  # type: ignore[arg-type]
    next(batches)
    with pytest.raises(OSError, match="No space"):
        next(batches)


# --- Whole files -----------------------------------------------------------------------------

HOSTILE = rows(
    [
        (2024, "E", "53", "C10A", "US", 1_234.5),
        (2024, "E", "53", "=1+1", "DE", -2.0),
        (2024, "I", "53", "C10A", "a,b", 3.0),
        (2024, "I", "53", "Z99Z", '"q"', 4.0),
        (2024, "E", "35", "C10B", "FR", 5.0),
        (2023, "E", "53", "C10A", "US", 6.0),
    ]
)


def test_the_file_is_the_one_duckdb_s_copy_writes(use_dataset, tmp_path: Path) -> None:
    """The same rows, names joined and sorted in SQL, written by DuckDB's COPY (the writer
    before this one), each text through the CSV field rules of queries.csv_field_sql."""
    use_dataset(HOSTILE)
    path = tmp_path / "rows.csv"
    queries.write_rows_csv(DataFilter(Territory("dept", "53"), 2024, 2024), str(path))
    f = queries.csv_field_sql
    named = {"departement": "ref_departements", "produit": "names_product"}
    named |= {"cpf4": "names_cpf4", "pays": "names_country"}
    codes = {"departement": "t.dept", "produit": "t.product", "cpf4": "t.cpf4"}
    codes |= {"pays": "t.country"}
    columns = ", ".join(
        f"{f(codes[c])} AS {c}, coalesce({c}_names.csv, {f(codes[c])}) AS {c}_nom" for c in named
    )
    joins = " ".join(
        f"LEFT JOIN (SELECT code, {f('name')} AS csv FROM {table}) {c}_names "
        f"ON {c}_names.code = {codes[c]}"
        for c, table in named.items()
    )
    copy = tmp_path / "copy.csv"
    db.run(
        "COPY (SELECT t.year AS annee, t.quarter AS trimestre, t.month AS mois, "
        f"CASE t.flow WHEN 'E' THEN 'export' WHEN 'I' THEN 'import' END AS flux, {columns}, "
        f"t.value_eur AS valeur_eur, t.mass_kg AS masse_kg FROM trade t {joins} "
        "WHERE t.dept = '53' AND t.year = 2024 "
        "ORDER BY t.year, t.dept, t.flow, t.product, t.cpf4, t.country, t.quarter, t.month) "
        f"TO '{copy}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '')",
        [],
        lambda result: None,
    )
    assert path.read_bytes() == copy.read_bytes()
    assert b"'=1+1" in path.read_bytes()  # the formula-like code is neutralised


def _many_rows(count: int):
    return rows(
        [
            (2024, "EI"[i % 2], f"{1 + i % 95:02d}", f"C{10 + i % 20}Z", f"P{i:06d}", float(i))
            for i in range(count)
        ]
    )


def test_a_file_damaged_in_its_middle_is_said_damaged(use_dataset, tmp_path: Path) -> None:
    """The footer is whole, so the query starts and the damage is met while the rows stream."""
    from lib.data import store

    data_dir = use_dataset(_many_rows(200_000))
    manifest = store.read_manifest(data_dir)
    assert manifest is not None
    path = data_dir / manifest.files[2024]
    size = path.stat().st_size
    with path.open("r+b") as damaged:
        damaged.seek(size // 2)
        damaged.write(b"\xff" * (size // 10))
    db.reset()
    with pytest.raises(db.DamagedData):
        queries.write_rows_csv(DataFilter(FRANCE, 2024, 2024), str(tmp_path / "rows.csv"))


def test_a_query_interrupted_in_the_middle_of_the_rows_is_a_timeout(
    use_dataset, monkeypatch, tmp_path: Path
) -> None:
    """The time limit falls while the first batch is being written: the rows still to read
    are interrupted, and the caller gets the French QueryTimeout, not Arrow's OSError."""
    use_dataset(_many_rows(200_000))
    monkeypatch.setattr(db, "QUERY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(rows_csv, "BATCH_ROWS", 100)
    written = []
    write = rows_csv._write

    def slow_first(lines, batch, out) -> None:
        if not written:
            time.sleep(2.5)  # the limit passes meanwhile
        written.append(batch.num_rows)
        write(lines, batch, out)

    monkeypatch.setattr(rows_csv, "_write", slow_first)
    path = tmp_path / "rows.csv"
    with pytest.raises(db.QueryTimeout):
        queries.write_rows_csv(DataFilter(FRANCE, 2024, 2024), str(path))
    assert written  # it was in the middle of the rows
    assert sum(written) < 200_000
    assert os.path.getsize(path) > 0
