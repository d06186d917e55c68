"""lib/sources/readers/: every accepted format, encoding and header spelling gives the same rows.

Files are generated in temporary folders from one logical content (`HEADER`, `ROWS`); the
expected canonical rows (`EXPECTED`) are written out by hand. The helpers below are shared with
tests/test_ingest.py.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt

from lib.sources import readers
from lib.sources.readers import IngestError
from lib.sources.readers import text as text_reader

HEADER = ["Flux", "Année", "Mois", "Département", "Code A129", "Code Pays", "Valeur (euros)"]
# flow, year, month, département, product, country, value (as numbers: formatted per test)
ROWS: list[list[object]] = [
    ["E", 2024, 1, "1", "C10A", "DE", 1234.5],
    ["I", 2024, None, "2A", "C21Z", "US", 1_000_000.25],
    ["E", 2023, 12, "971", "A01Z", "BE", 0.0],
    ["I", 2023, 3, "75", "C10A", "ES", 987_654_321.0],
    ["E", 2024, 1, "1", "C10A", "DE", 65.5],  # same key as the first row
]
EXPECTED = pd.DataFrame(
    {
        "year": [2024, 2024, 2023, 2023, 2024],
        "quarter": [1, None, 4, 1, 1],  # derived from the month
        "month": [1, None, 12, 3, 1],
        "flow": ["E", "I", "E", "I", "E"],
        "dept": ["01", "2A", "971", "75", "01"],
        "product": ["C10A", "C21Z", "A01Z", "C10A", "C10A"],
        "cpf4": [None] * 5,  # these files carry no CPF4 column
        "country": ["DE", "US", "BE", "ES", "DE"],
        "value_eur": [1234.5, 1_000_000.25, 0.0, 987_654_321.0, 65.5],
        "mass_kg": [None] * 5,  # nor any mass
    }
)


def number_text(value: float, decimal: str = ",", thousands: str = "") -> str:
    """`1234567.5` -> `1 234 567,5` (or any other decimal mark and thousands separator)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def text_rows(
    rows: Sequence[Sequence[object]], decimal: str = ",", thousands: str = ""
) -> list[list[str]]:
    """Rows as a customs CSV spells them: empty month for annual rows, French numbers."""
    out = []
    for row in rows:
        *codes, value = row
        cells = ["" if c is None else str(c) for c in codes]
        out.append([*cells, number_text(float(value), decimal, thousands)])  # type: ignore[arg-type]
    return out


def write_text(
    path: Path,
    header: Sequence[str] = HEADER,
    rows: Sequence[Sequence[object]] = ROWS,
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    decimal: str = ",",
    thousands: str = "",
    newline: str = "\n",
) -> Path:
    cells = text_rows(rows, decimal, thousands)
    return write_cells(path, header, cells, sep=sep, encoding=encoding, newline=newline)


def write_cells(
    path: Path,
    header: Sequence[str],
    cells: Sequence[Sequence[str]],
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    """A CSV of text cells, quoted where the separator requires it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(cells)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_lines(path: Path, lines: Sequence[str], encoding: str = "utf-8") -> Path:
    """A text file from raw lines (for hand-made bad input)."""
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(
    path: Path,
    header: Sequence[str] = HEADER,
    rows: Sequence[Sequence[object]] = ROWS,
    *,
    title: str = "Données",
    first_row: int = 1,
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for offset, row in enumerate([list(header), *rows]):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=first_row + offset, column=column, value=value)
    book.save(path)
    return path


def write_parquet(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    frame = pd.DataFrame(
        rows, columns=["flow", "year", "month", "dept", "product", "country", "value_eur"]
    )
    frame["month"] = frame["month"].astype("Int8")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable dtypes: codes as objects (None when missing), numbers as nullable floats."""
    frame = frame.copy()
    for column in ("flow", "dept", "product", "cpf4", "country"):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), None)
    frame["year"] = frame["year"].astype(int)
    for column in ("quarter", "month", "mass_kg"):
        frame[column] = frame[column].astype("Float64")
    return frame


def canonical(table: pa.Table) -> pd.DataFrame:
    """A canonical table as plain pandas, sorted, for comparison with expected rows."""
    frame = _plain(table.to_pandas())
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def assert_rows(table: pa.Table, expected: pd.DataFrame = EXPECTED) -> None:
    expected = _plain(expected)[list(readers.CANONICAL.names)]
    expected = expected.sort_values(list(expected.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(canonical(table), expected, check_dtype=False)


def read_error(path: Path) -> IngestError:
    with pytest.raises(IngestError) as caught:
        readers.read_file(path)
    return caught.value


# --- formats and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "sep", "encoding", "decimal", "thousands", "newline"),
    [
        (".csv", ";", "utf-8", ",", "", "\n"),
        (".csv", ";", "utf-8-sig", ",", "\u202f", "\r\n"),
        (".csv", ",", "utf-8", ".", "", "\n"),
        (".csv", ",", "utf-8", ",", " ", "\n"),  # decimal comma, quoted by the writer
        (".txt", "\t", "utf-8", ",", "\u00a0", "\n"),
        (".txt", ";", "latin-1", ",", " ", "\r\n"),
        (".csv", ";", "cp1252", ",", "\u00a0", "\n"),
        (".txt", "\t", "utf-16", ",", "\u202f", "\r\n"),
        (".csv", ";", "utf-8", ".", ",", "\n"),  # 1,000,000.25
        (".csv", ";", "utf-8", ",", ".", "\n"),  # 1.000.000,25
    ],
)
def test_text_formats_give_the_same_rows(
    tmp_path: Path,
    suffix: str,
    sep: str,
    encoding: str,
    decimal: str,
    thousands: str,
    newline: str,
) -> None:
    path = write_text(
        tmp_path / f"export{suffix}",
        sep=sep,
        encoding=encoding,
        decimal=decimal,
        thousands=thousands,
        newline=newline,
    )
    assert_rows(readers.read_file(path).table)


def test_cp1252_euro_sign_in_header_and_latin1_only_bytes_in_a_label_column(
    tmp_path: Path,
) -> None:
    header = ["Flux", "Année", "Mois", "Dép.", "Libellé", "CPF4", "Pays", "Valeur (€)"]
    rows = [[*r[:4], "Œuvres d’art", *r[4:]] for r in ROWS]
    text = "\n".join(";".join(cells) for cells in [header, *text_rows(rows)])
    raw = text.encode("cp1252").replace(b"d\x92art", b"d\x92\x81art")  # 0x81: not CP1252
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    assert readers.detect_encoding(raw) == readers.CP1252_LATIN1
    # The CPF4 column stands for the product (no A129 column) and is kept as the CPF4 too.
    assert_rows(readers.read_file(path).table, EXPECTED.assign(cpf4=EXPECTED["product"]))


def test_latin1_bytes_after_the_sniffed_sample_are_reread_as_windows_1252(tmp_path: Path) -> None:
    """The first 64 KiB are plain ASCII; a Latin-1 no-break space comes later."""
    filler = [["E", 2024, 1, "1", "C10A", "DE", 1.0]] * 5000
    rows = [*filler, ["I", 2023, 3, "75", "C10A", "ES", 1234.0]]
    path = write_text(tmp_path / "late.csv", rows=rows, encoding="latin-1", thousands="\u00a0")
    assert path.stat().st_size > readers.SAMPLE_BYTES
    table = readers.read_file(path).table
    assert table.num_rows == 5001
    assert table.column("value_eur").to_pylist()[-1] == 1234.0


def test_xlsx_with_numbers_text_and_a_title_row(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][3] = 1  # département typed as a number: 1 -> "01"
    rows[1][6] = "1 000 000,25"  # a value typed as text, French style
    path = write_xlsx(tmp_path / "export.xlsx", rows=rows, first_row=3)
    assert_rows(readers.read_file(path).table)


def test_parquet(tmp_path: Path) -> None:
    assert_rows(readers.read_file(write_parquet(tmp_path / "export.parquet")).table)


def test_zip_with_subfolders_several_files_and_non_data_members(tmp_path: Path) -> None:
    first = write_text(tmp_path / "a.csv", rows=ROWS[:2]).read_bytes()
    second = write_xlsx(tmp_path / "b.xlsx", rows=ROWS[2:]).read_bytes()
    path = write_zip(
        tmp_path / "douanes.zip",
        {
            "2024/export.csv": first,
            "annexes/2023/export.xlsx": second,
            "LISEZMOI.txt": "Données des douanes, voir le site.\n".encode(),
            "notice.pdf": b"%PDF-1.4",
            "__MACOSX/2024/._export.csv": b"\x00\x05\x16\x07",
        },
    )
    assert_rows(readers.read_file(path).table)


def test_nested_zip(tmp_path: Path) -> None:
    inner = write_zip(
        tmp_path / "inner.zip", {"d/export.csv": write_text(tmp_path / "x.csv").read_bytes()}
    )
    outer = write_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    assert_rows(readers.read_file(outer).table)


# --- headers ------------------------------------------------------------------------------------

HEADER_VARIANTS = {
    0: ["Flux", "flow", "FLUX", " flux "],
    1: ["Année", "Annee", "year", "ANNÉE", "annee"],
    2: ["Mois", "month", "MOIS"],
    3: ["Département", "Code département", "Dept", "dep", "CODE_DEPARTEMENT", "code-dept"],
    4: ["Code A129", "A129", "CPF4", "Code CPF4", "Produit", "product", "code_a129"],
    5: ["Code Pays", "Pays", "country", "CODE PAYS"],
    6: ["Valeur", "Valeur (euros)", "value_eur", "VALEUR", "Valeur (€)", "valeur_eur"],
}


@pytest.mark.parametrize(
    ("position", "spelling"),
    [(p, s) for p, spellings in HEADER_VARIANTS.items() for s in spellings],
)
def test_header_spellings(tmp_path: Path, position: int, spelling: str) -> None:
    header = list(HEADER)
    header[position] = spelling
    # A CPF4 column stands for the product when there is no A129 column, and is kept as such.
    is_cpf4 = "cpf4" in spelling.lower().replace(" ", "")
    expected = EXPECTED.assign(cpf4=EXPECTED["product"]) if is_cpf4 else EXPECTED
    assert_rows(readers.read_file(write_text(tmp_path / "h.csv", header)).table, expected)


def test_columns_in_any_order_with_extra_columns(tmp_path: Path) -> None:
    order = [6, 5, 4, 3, 2, 1, 0]
    header = ["Libellé", *[HEADER[i] for i in order], "Poids (kg)", "Commentaire"]
    cells = [["libellé", *[row[i] for i in order], "12,5", "x"] for row in text_rows(ROWS)]
    table = readers.read_file(write_cells(tmp_path / "order.csv", header, cells)).table
    assert_rows(table, EXPECTED.assign(mass_kg=[12.5] * len(EXPECTED)))  # `Poids (kg)`: the mass


def test_an_empty_mass_is_null_and_a_bad_mass_is_refused(tmp_path: Path) -> None:
    header = [*HEADER, "Masse (kg)"]
    masses = ["3", "", "0", "1 000,5", "2"]
    cells = [[*row, mass] for row, mass in zip(text_rows(ROWS), masses, strict=True)]
    table = readers.read_file(write_cells(tmp_path / "m.csv", header, cells)).table
    assert_rows(table, EXPECTED.assign(mass_kg=[3.0, None, 0.0, 1000.5, 2.0]))
    cells[3][-1] = "lourd"
    error = read_error(write_cells(tmp_path / "bad.csv", header, cells))
    assert (error.line, error.message) == (
        5,
        "valeur « lourd » non numérique dans la colonne « Masse (kg) »",
    )


def test_month_column_is_optional(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Mois"]
    rows = [[*r[:2], *r[3:]] for r in ROWS]
    table = readers.read_file(write_text(tmp_path / "annual.csv", header, rows)).table
    expected = EXPECTED.assign(month=[None] * len(EXPECTED), quarter=[None] * len(EXPECTED))
    assert_rows(table, expected)


def test_a_quarter_column_is_kept_without_a_month(tmp_path: Path) -> None:
    quarters = [1, 2, 4, 1, 3]
    header = ["Trimestre" if h == "Mois" else h for h in HEADER]
    rows = [[*r[:2], q, *r[3:]] for r, q in zip(ROWS, quarters, strict=True)]
    table = readers.read_file(write_text(tmp_path / "quarterly.csv", header, rows)).table
    assert_rows(table, EXPECTED.assign(month=[None] * len(EXPECTED), quarter=quarters))
    rows[2][2] = 5
    error = read_error(write_text(tmp_path / "bad.csv", header, rows))
    assert (error.line, error.message) == (4, "trimestre « 5 » hors de la plage 1–4")


@pytest.mark.parametrize(
    "header",
    [
        "Valeur (milliers d'euros)",
        "Valeur en milliers d’euros",
        "Valeur (k€)",
        "valeur_keur",
        "Valeur KEUR",
    ],
)
def test_thousands_of_euros(tmp_path: Path, header: str) -> None:
    path = write_text(tmp_path / "k.csv", [*HEADER[:-1], header])
    expected = EXPECTED.assign(value_eur=EXPECTED["value_eur"] * 1000)
    assert_rows(readers.read_file(path).table, expected)


@pytest.mark.parametrize(
    ("export", "import_"),
    [
        ("E", "I"),
        ("e", "i"),
        ("X", "M"),
        ("x", "m"),
        ("Export", "Import"),
        ("EXPORT", "IMPORT"),
        ("Exportations", "Importations"),
        ("exportation", "importation"),
        (" Exportation ", " Importation "),
    ],
)
def test_flow_spellings(tmp_path: Path, export: str, import_: str) -> None:
    rows = [[export if r[0] == "E" else import_, *r[1:]] for r in ROWS]
    assert_rows(readers.read_file(write_text(tmp_path / "f.csv", rows=rows)).table)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1", "01"), ("01", "01"), ("2a", "2A"), ("2B", "2B"), ("971", "971"), ("976", "976")],
)
def test_departement_codes_are_normalised(tmp_path: Path, raw: str, code: str) -> None:
    rows = [["E", 2024, 1, raw, "C10A", "DE", 5.0]]
    table = readers.read_file(write_text(tmp_path / "d.csv", rows=rows)).table
    assert table.column("dept").to_pylist() == [code]


@pytest.mark.parametrize(("raw", "code"), [("96", "96"), ("99", "99"), ("0", "00"), ("978", "978")])
def test_departement_codes_outside_the_reference_are_kept(
    tmp_path: Path, raw: str, code: str
) -> None:
    """Goods the customs assign to no département: kept (France's totals), not refused."""
    rows = [["E", 2024, 1, raw, "C10A", "DE", 5.0], ["E", 2024, 1, "53", "C10A", "DE", 1.0]]
    table = readers.read_file(write_text(tmp_path / "d.csv", rows=rows)).table
    assert table.column("dept").to_pylist() == [code, "53"]


@pytest.mark.parametrize(
    ("column", "raw", "message"),
    [
        (3, "9-6", "département « 9-6 » invalide dans la colonne « Département »"),
        (3, "Mayenne", "département « Mayenne » invalide dans la colonne « Département »"),
        (4, "C10 A", "code « C10 A » invalide dans la colonne « Code A129 »"),
        (5, "N/A", "code « N/A » invalide dans la colonne « Code Pays »"),
    ],
)
def test_malformed_codes_are_refused_with_their_line(
    tmp_path: Path, column: int, raw: str, message: str
) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][column] = raw
    error = read_error(write_text(tmp_path / "bad.csv", rows=rows))
    assert (error.file, error.line, error.message) == ("bad.csv", 4, message)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234.0),
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("1 234 567,89", 1234567.89),
        ("1\u00a0234\u00a0567,89", 1234567.89),
        ("1\u202f234\u202f567,89", 1234567.89),
        ("1.234.567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("1,234,567", 1234567.0),
        ("1.234.567", 1234567.0),
        ("1,5", 1.5),
        ("0,001", 0.001),
        ("1e3", 1000.0),
        ("+12", 12.0),
        (" 12 ", 12.0),
    ],
)
def test_number_spellings(tmp_path: Path, text: str, value: float) -> None:
    lines = [";".join(HEADER), f"E;2024;1;01;C10A;DE;{text}", "I;2024;1;01;C10A;DE;2,5"]
    table = readers.read_file(write_lines(tmp_path / "n.csv", lines)).table
    assert table.column("value_eur").to_pylist() == [value, 2.5]


def test_quoted_fields_and_trailing_separator(tmp_path: Path) -> None:
    lines = [
        "Flux,Année,Mois,Département,Code A129,Code Pays,Valeur,",
        '"E","2024","1","01","C10A","DE","1 234,5",',
    ]
    table = readers.read_file(write_lines(tmp_path / "q.csv", lines)).table
    assert table.column("value_eur").to_pylist() == [1234.5]


def test_several_batches_keep_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_reader, "BLOCK_BYTES", 1 << 10)
    path = write_text(tmp_path / "many.csv", rows=ROWS * 200)
    seen: list[float] = []
    table = readers.read_file(path, seen.append).table
    assert table.num_rows == len(ROWS) * 200
    assert table.column("value_eur").num_chunks > 1
    assert sum(table.column("value_eur").to_pylist()) == pytest.approx(
        200 * float(EXPECTED["value_eur"].sum())
    )
    assert seen == sorted(seen) and seen[-1] == 1.0


# --- errors: the message and where -------------------------------------------------------------


def bad_value_lines(bad_row: int, value: str, blank_before: bool = False) -> list[str]:
    """A header then good rows, with `value` on file line `bad_row` (header = line 1)."""
    good = "E;2024;1;01;C10A;DE;12,5"
    lines = [";".join(HEADER)] + [good] * 30
    lines[bad_row - 1] = f"E;2024;1;01;C10A;DE;{value}"
    if blank_before:
        lines.insert(3, "")
    return lines


def test_spec_example_message(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "export_2024.csv", bad_value_lines(17, "12a"))
    header = ["Flux", "Année", "Mois", "Département", "Code A129", "Code Pays", "Valeur"]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = ";".join(header)
    write_lines(path, lines)
    assert str(read_error(path)) == (
        "export_2024.csv, ligne 17 : valeur « 12a » non numérique dans la colonne « Valeur »."
    )


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    lines = bad_value_lines(17, "12a", blank_before=True)  # the bad row moves to line 18
    error = read_error(write_lines(tmp_path / "blank.csv", lines))
    assert error.line == 18


def test_line_numbers_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_reader, "BLOCK_BYTES", 1 << 10)
    lines = [";".join(HEADER)] + ["E;2024;1;01;C10A;DE;12,5"] * 2000
    lines[1500 - 1] = "E;2024;1;01;C10A;DE;-3"
    error = read_error(write_lines(tmp_path / "long.csv", lines))
    assert (error.line, error.message) == (
        1500,
        "valeur négative « -3 » dans la colonne « Valeur (euros) »",
    )


def test_first_error_in_the_file_wins_whatever_the_column(tmp_path: Path) -> None:
    lines = [";".join(HEADER)] + ["E;2024;1;01;C10A;DE;12,5"] * 10
    lines[8] = "E;2024;1;01;C10A;DE;abc"
    lines[5] = "E;1985;1;01;C10A;DE;1"
    error = read_error(write_lines(tmp_path / "two.csv", lines))
    assert error.line == 6 and "1985" in error.message


def test_xlsx_errors_give_the_sheet_row(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][6] = "douze"
    path = write_xlsx(tmp_path / "export.xlsx", rows=rows, first_row=2)
    error = read_error(path)
    assert (error.sheet, error.line) == ("Données", 5)
    assert str(error).startswith("export.xlsx, feuille « Données », ligne 5 : valeur « douze »")


def test_parquet_errors_give_the_record_number(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[3][1] = 1989
    error = read_error(write_parquet(tmp_path / "p.parquet", rows))
    assert str(error) == "p.parquet, enregistrement 4 : année « 1989 » hors de la plage 1990–2100."


def test_zip_member_errors_name_the_member(tmp_path: Path) -> None:
    bad = "\n".join(bad_value_lines(5, "7x")).encode()
    path = write_zip(tmp_path / "a.zip", {"sub/bad.csv": bad})
    assert str(read_error(path)).startswith("a.zip/sub/bad.csv, ligne 5 : valeur « 7x »")


def write_xls(
    path: Path, header: Sequence[str] = HEADER, rows: Sequence[Sequence[object]] = ROWS
) -> Path:
    """An Excel 97-2003 workbook (what Le Kiosque distributes), one sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Données")
    for r, row in enumerate([list(header), *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_an_xls_workbook_is_read_in_the_unit_its_header_states(tmp_path: Path) -> None:
    """Excel 97-2003 is read (it used to be refused); `Valeur (euros)` says euros."""
    assert_rows(readers.read_file(write_xls(tmp_path / "kiosque.xls")).table)


def test_an_xls_workbook_with_a_bare_value_header_is_in_thousands(tmp_path: Path) -> None:
    """Le Kiosque's XLS hold k€: a header silent about the unit means thousands, unless the
    user says otherwise."""
    path = write_xls(tmp_path / "kiosque.xls", [*HEADER[:-1], "Valeur"])
    thousands = EXPECTED.assign(value_eur=EXPECTED["value_eur"] * 1000)
    assert_rows(readers.read_file(path).table, thousands)
    assert_rows(readers.read_file(path, unit="eur").table)


def test_a_damaged_xls_file_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "vieux.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    error = read_error(path)
    assert (error.file, error.line) == ("vieux.xls", None)
    assert error.message.startswith("classeur XLS illisible")


# --- large text files are cut into parts parsed in parallel -------------------------------------


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even small files into 4 parts, with small Arrow blocks."""
    monkeypatch.setattr(text_reader, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(text_reader, "BLOCK_BYTES", 1 << 12)
    monkeypatch.setattr(text_reader.os, "cpu_count", lambda: 4)


def numbered_lines(count: int) -> list[str]:
    """Header then `count` valid rows whose value is the file line number."""
    return [";".join(HEADER)] + [f"E;2024;1;01;C10A;DE;{n}" for n in range(2, count + 2)]


@pytest.mark.usefixtures("parallel")
def test_parts_keep_every_row_in_order(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "big.csv", numbered_lines(5000))
    assert len(text_reader._parts(path, readers.sniff_text(path, "big.csv"))) == 4
    values = readers.read_file(path).table.column("value_eur").to_pylist()
    assert values == [float(n) for n in range(2, 5002)]


@pytest.mark.usefixtures("parallel")
@pytest.mark.parametrize(
    ("bad_rows", "blank_lines", "line", "message"),
    [
        pytest.param(
            {4700: "E;2024;1;01;C10A;DE;oops"},
            3,  # blank lines in the first part: the bad row is now line 4703
            4703,
            "valeur « oops » non numérique dans la colonne « Valeur (euros) »",
            id="an error in a late part",
        ),
        pytest.param(
            {4900: "E;2024;1;01;C10A;DE;-1", 300: "E;2024;1;9-6;C10A;DE;1"},
            0,
            300,
            "département « 9-6 » invalide dans la colonne « Département »",
            id="the first error of the file",
        ),
        pytest.param(
            {3999: "E;2024;1;01;C10A"},
            0,
            3999,
            "5 champs au lieu de 7 (séparateur « ; »)",
            id="a ragged line",
        ),
    ],
)
def test_parts_report_the_line_of_the_first_error(
    tmp_path: Path, bad_rows: dict[int, str], blank_lines: int, line: int, message: str
) -> None:
    """`bad_rows` replace the rows on those file lines; then `blank_lines` go after line 100."""
    lines = numbered_lines(5000)
    for number, row in bad_rows.items():
        lines[number - 1] = row
    lines[100:100] = [""] * blank_lines
    error = read_error(write_lines(tmp_path / "big.csv", lines))
    assert (error.line, error.message) == (line, message)


# --- more XLSX and Parquet cases ------------------------------------------------------------------


def test_xlsx_reads_every_data_sheet_and_skips_notes(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Source : DGDDI"
    for title, rows in (("2024", ROWS[:2]), ("2023", ROWS[2:])):
        sheet = book.create_sheet(title)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.create_sheet("Vide")
    path = tmp_path / "classeur.xlsx"
    book.save(path)
    assert_rows(readers.read_file(path).table)


def test_xlsx_with_a_damaged_sheet_is_refused_cleanly(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx")
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(info, data)
    assert read_error(path).message.startswith("classeur XLSX illisible")


def test_xlsx_without_any_data_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", header=["Commentaire"], rows=[["rien"]])
    assert "aucune feuille" in read_error(path).message


def test_parquet_with_categorical_and_integer_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Flux": pd.Categorical(["E", "I", "E", "I", "E", "X"]).remove_categories("X"),
            "Année": [2024, 2024, 2023, 2023, 2024, 2024],
            "Mois": pd.array([1, None, 12, 3, 1, 1], dtype="Int64"),
            "Département": [1, "2A", 971, 75, 1, 1],
            "Code A129": pd.Categorical(["C10A", "C21Z", "A01Z", "C10A", "C10A", "C10A"]),
            "Code Pays": ["DE", "US", "BE", "ES", "DE", "DE"],
            "Valeur": [1234.5, 1_000_000.25, 0.0, 987_654_321.0, 65.5, 1.0],
        }
    )
    frame["Département"] = frame["Département"].astype(str)
    path = tmp_path / "cat.parquet"
    frame.iloc[:5].to_parquet(path)
    assert_rows(readers.read_file(path).table)
    frame.to_parquet(path)  # the last row's flow is missing (a category removed)
    error = read_error(path)
    assert (error.line, error.unit) == (6, "enregistrement")
    assert error.message == "valeur manquante dans la colonne « Flux »"


def test_parquet_with_a_nested_column_is_refused_cleanly(tmp_path: Path) -> None:
    table = write_parquet(tmp_path / "p.parquet")
    frame = pq.read_table(table).to_pandas()
    frame["product"] = [["C10A"]] * len(frame)
    frame.to_parquet(tmp_path / "nested.parquet")
    assert read_error(tmp_path / "nested.parquet").message.startswith("fichier Parquet illisible")


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"\xef\xbb\xbfFlux;Ann\xc3\xa9e", "utf-8-sig"),
        (b"\xff\xfeF\x00", "utf-16"),
        (b"Flux;Ann\xc3\xa9e", "utf-8"),
        (b"Flux;Ann\xc3", "utf-8"),  # cut in the middle of a character: still UTF-8
        (b"Flux;Ann\xe9e", readers.CP1252_LATIN1),
        (b"Valeur (\x80)", readers.CP1252_LATIN1),
    ],
)
def test_detect_encoding(raw: bytes, encoding: str) -> None:
    assert readers.detect_encoding(raw) == encoding


def test_windows_1252_with_latin1_fallback_decodes_every_byte() -> None:
    readers.ensure_codec()
    decoded = bytes(range(256)).decode(readers.CP1252_LATIN1)
    assert decoded[0x80] == "€" and decoded[0x81] == "\x81" and decoded[0xE9] == "é"


CODEC_PROBE = """
import codecs, json


def known(lookup, name):
    try:
        lookup(name)
    except LookupError:
        return False
    return True


name = "cp1252_latin1"
before = [known(codecs.lookup, name), known(codecs.lookup_error, name)]
import lib.sources.readers as readers
after_import = [known(codecs.lookup, name), known(codecs.lookup_error, name)]
readers.ensure_codec()
readers.ensure_codec()
decoded = bytes(range(256)).decode(name)
print(json.dumps([before, after_import, known(codecs.lookup, name), decoded]))
"""


def test_importing_the_readers_registers_no_codec() -> None:
    """The codec is registered when a file is decoded (`ensure_codec`), not by an import: a
    fresh interpreter, so that no other test has registered it already."""
    root = Path(__file__).resolve().parent.parent
    probe = subprocess.run(
        [sys.executable, "-c", CODEC_PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    before, after_import, registered, decoded = json.loads(probe.stdout)
    assert before == after_import == [False, False]
    assert readers.CP1252_LATIN1 == "cp1252_latin1" and registered
    # Windows-1252 where it defines the byte, Latin-1 for its five holes (0x81, 0x8D…).
    cp1252 = [bytes([b]).decode("cp1252", "replace") for b in range(256)]
    assert list(decoded) == [chr(b) if c == "\ufffd" else c for b, c in enumerate(cp1252)]
    assert sum(c == "\ufffd" for c in cp1252) == 5


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_namibia_na_is_a_country_not_a_missing_value(tmp_path: Path, suffix: str) -> None:
    rows = [["E", 2024, 1, "01", "C10A", "NA", 5.0]]
    write = write_text if suffix == ".csv" else write_xlsx
    path = write(tmp_path / f"na{suffix}", rows=rows)
    assert readers.read_file(path).table.column("country").to_pylist() == ["NA"]


@pytest.mark.usefixtures("parallel")
def test_a_cpf4_only_file_read_in_parallel_parts_keeps_its_cpf4(tmp_path: Path) -> None:
    """The CPF4 column stands for the product in every part and batch, and stays the CPF4."""
    lines = [f"E;2024;53;{1000 + i % 90};DE;{i + 1}" for i in range(3000)]
    path = tmp_path / "cpf4.csv"
    path.write_text("Flux;Année;Département;Code CPF4;Code pays;Valeur\n" + "\n".join(lines) + "\n")
    frame = readers.read_file(path).table.to_pandas()
    assert len(frame) == 3000
    assert frame["cpf4"].notna().all()
    assert (frame["product"].astype(str) == frame["cpf4"].astype(str)).all()
    assert frame["value_eur"].sum() == sum(range(1, 3001))
