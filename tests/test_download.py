"""The Données CSV route (lib/web/download.py) behind the middleware of serve.py, served by
uvicorn on a free 127.0.0.1 port (in a thread) and fetched over HTTP.

Expected rows and totals come from the fixture frame with plain pandas, and the bytes from
`queries.write_rows_csv`, never from the route's code.
"""

from __future__ import annotations

import csv
import http.client
import io
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from lib.core.states import DataFilter
from lib.core.territory import Territory
from lib.data import db, queries
from lib.web import download, webguard
from tests.servers import Answer, asgi_server, http_request
from tests.test_quarters import ROWS

MAYENNE = Territory("dept", "53")
ORIGINAL_WRITE = queries.write_rows_csv


class Client:
    """GET over HTTP, any status kept."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, target: str, chunks: list[bytes] | None = None) -> Answer:
        return http_request(self.base + target, timeout=30, chunks=chunks)


@pytest.fixture
def client(use_dataset) -> Iterator[Client]:
    """The route as serve.py mounts it, with lib/web/webguard.py in front, over the ROWS dataset."""
    use_dataset(ROWS)
    with asgi_server(download.routes()) as base:
        yield Client(base)


def _expected(data_filter: DataFilter, tmp_path: Path) -> bytes:
    path = tmp_path / "expected.csv"
    queries.write_rows_csv(data_filter, str(path))
    return path.read_bytes()


def test_the_route_sends_the_bytes_of_write_rows_csv(client: Client, tmp_path: Path) -> None:
    data_filter = DataFilter(MAYENNE, 2024, 2025, flux="export", first_quarter=2)
    response = client.get(download.url(data_filter))
    assert response.status_code == 200
    assert response.content == _expected(data_filter, tmp_path)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="donnees_dept_53_2024T2-2025T4_export.csv"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"  # the middleware's headers
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    # Independently: Mayenne's exports from 2024 T2 to 2025 T4 in the fixture frame.
    rows = ROWS[(ROWS["dept"] == "53") & (ROWS["flow"] == "E")]
    index = rows["year"] * 4 + rows["quarter"].astype(int)
    chosen = rows[index >= 2024 * 4 + 2]
    read = pd.read_csv(io.BytesIO(response.content), dtype={"departement": str})
    assert len(read) == len(chosen) > 0
    assert read["valeur_eur"].sum() == pytest.approx(chosen["value_eur"].sum())
    assert set(read["departement"]) == {"53"} and set(read["flux"]) == {"export"}


def test_france_over_every_year_arrives_whole(client: Client, tmp_path: Path) -> None:
    data_filter = DataFilter(Territory("france", "FR"), 2024, 2025)
    response = client.get(download.url(data_filter))
    assert response.content == _expected(data_filter, tmp_path)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(ROWS)
    assert sum(float(row["valeur_eur"]) for row in rows) == pytest.approx(ROWS["value_eur"].sum())


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("niveau=departement&code=999", "Département inconnu : « 999 »"),
        ("niveau=departement&code=53&produits=C10A,ZZZ", "Produits inconnus ignorés : « ZZZ »"),
        ("niveau=departement&code=53&pays=DE&pays=US", "Paramètre « pays » répété"),
        ("niveau=departement&code=53&debut=1990", "Année de début « 1990 » indisponible"),
        ("niveau=departement&code=53&flux=%3DCMD()", "Flux « =CMD() » inconnu"),
        ("niveau=departement&code=53&couleur=rouge", "Paramètre « couleur » inconnu"),
    ],
)
def test_bad_parameters_are_refused_in_french_before_any_row_query(
    client: Client, monkeypatch: pytest.MonkeyPatch, query: str, said: str
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("a refused address reached the rows query")

    monkeypatch.setattr(queries, "write_rows_csv", never)
    response = client.get(f"{download.PATH}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith(download.REFUSED)
    assert said in response.text


def test_an_over_long_address_is_refused_by_the_middleware(client: Client) -> None:
    long_list = ",".join(["C10A"] * 2000)
    response = client.get(f"{download.PATH}?niveau=france&produits={long_list}")
    assert response.status_code == 414
    assert "text/html" in response.headers["content-type"]
    assert response.content == webguard.REFUSED_PAGE.read_bytes()


def test_beyond_the_concurrency_limit_the_answer_is_503(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """MAX_CONCURRENT downloads being written hold every slot: the next one gets 503; once
    they are done, a download is served again (slots are released)."""
    writing, finish = threading.Barrier(download.MAX_CONCURRENT + 1), threading.Event()
    original = queries.write_rows_csv

    def slow(data_filter: DataFilter, path: str) -> None:
        writing.wait(timeout=20)
        finish.wait(timeout=20)
        original(data_filter, path)

    monkeypatch.setattr(queries, "write_rows_csv", slow)
    url = download.url(DataFilter(MAYENNE, 2024, 2024))
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(client.get(url).status_code))
        for _ in range(download.MAX_CONCURRENT)
    ]
    for thread in threads:
        thread.start()
    writing.wait(timeout=20)  # every slot is taken, the files are being written
    busy = client.get(url)
    assert busy.status_code == 503
    assert busy.text == download.BUSY
    assert busy.headers["x-content-type-options"] == "nosniff"
    finish.set()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [200] * download.MAX_CONCURRENT
    monkeypatch.setattr(queries, "write_rows_csv", original)
    assert client.get(url).status_code == 200


def test_no_temporary_file_is_left_behind(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(download.tempfile, "tempdir", str(tmp_path))
    for query in (download.url(DataFilter(MAYENNE, 2024, 2024)), f"{download.PATH}?code=999"):
        client.get(query)
    assert list(tmp_path.iterdir()) == []


def test_the_fallback_bytes_are_the_same(use_dataset, tmp_path: Path) -> None:
    use_dataset(ROWS)
    data_filter = DataFilter(MAYENNE, 2024, 2024)
    assert download.csv_bytes(data_filter) == _expected(data_filter, tmp_path)


def test_a_query_interrupted_by_the_time_limit_is_a_french_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def timeout(*args: object) -> None:
        raise db.QueryTimeout(db.QUERY_TIMEOUT_S)

    monkeypatch.setattr(queries, "write_rows_csv", timeout)
    response = client.get(download.url(DataFilter(MAYENNE, 2024, 2024)))
    assert response.status_code == 503
    assert response.text == str(db.QueryTimeout(db.QUERY_TIMEOUT_S))


# --- The same rows as an Excel workbook: GET /telecharger/donnees.xlsx ----------------------


def _workbook_rows(content: bytes) -> tuple[list[str], list[list[object]]]:
    """The header and data rows of the workbook's one sheet, read with openpyxl."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[0] == "Année")
    return [str(cell) for cell in rows[header]], rows[header + 1 :]


def test_the_workbook_holds_the_csv_rows_with_french_headers(client: Client) -> None:
    data_filter = DataFilter(MAYENNE, 2024, 2025, flux="export", first_quarter=2)
    csv_answer = client.get(download.url(data_filter))
    answer = client.get(download.url(data_filter, download.XLSX_PATH))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert answer.headers["content-disposition"] == (
        'attachment; filename="donnees_dept_53_2024T2-2025T4_export.xlsx"'
    )
    header, rows = _workbook_rows(answer.content)
    assert header[:4] == ["Année", "Trimestre", "Mois", "Flux"]
    assert header[-2:] == ["Valeur (€)", "Masse (kg)"]
    expected = pd.read_csv(io.BytesIO(csv_answer.content), dtype=str, keep_default_na=False)
    assert len(rows) == len(expected) > 0
    for row, (_, line) in zip(rows, expected.iterrows(), strict=True):
        assert row[0] == int(line["annee"]) and row[1] == int(line["trimestre"])
        assert row[4] == line["departement"] == "53"  # text, as in the CSV
        assert row[12] == pytest.approx(float(line["valeur_eur"]))
    # Independently of both files: the total of the fixture frame.
    rows_53 = ROWS[(ROWS["dept"] == "53") & (ROWS["flow"] == "E")]
    chosen = rows_53[rows_53["year"] * 4 + rows_53["quarter"].astype(int) >= 2024 * 4 + 2]
    assert sum(row[12] for row in rows) == pytest.approx(chosen["value_eur"].sum())


def test_the_workbook_is_refused_beyond_excels_rows(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lib.core import workbook

    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 12)  # ten rows less the heading
    monkeypatch.setattr(download, "write_xlsx_file", lambda f: pytest.fail("no file expected"))
    data_filter = DataFilter(Territory("france", "FR"), 2024, 2025)
    answer = client.get(download.url(data_filter, download.XLSX_PATH))
    assert answer.status_code == 422
    assert "une feuille Excel en contient au plus" in answer.text
    assert "téléchargez le CSV" in answer.text
    assert client.get(download.url(data_filter)).status_code == 200  # the CSV still is


def test_the_workbook_refuses_bad_parameters_in_french(client: Client) -> None:
    answer = client.get(f"{download.XLSX_PATH}?niveau=departement&code=999")
    assert answer.status_code == 400
    assert "Département inconnu : « 999 »" in answer.text


def _written_in_two_parts(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    then: threading.Event,
    fail: bool = False,
    repeat: int = 1,
) -> bytes:
    """write_rows_csv replaced by a writer of the real file's bytes (returned) in two parts: its
    first line, then, once `then` is set, the rest (or, with `fail`, the time limit's error)."""
    original = queries.write_rows_csv
    data_filter = DataFilter(MAYENNE, 2024, 2025)
    whole = _expected(data_filter, tmp_path)
    head, rest = whole.split(b"\n", 1)

    def in_two_parts(data_filter: DataFilter, path: str) -> None:
        with open(path, "wb", buffering=0) as pipe:
            pipe.write(head + b"\n")
            then.wait(timeout=20)
            if fail:
                raise db.QueryTimeout(db.QUERY_TIMEOUT_S)
            for _ in range(repeat):
                pipe.write(rest)

    monkeypatch.setattr(queries, "write_rows_csv", in_two_parts)
    assert original is not in_two_parts
    return whole


def _open(client: Client) -> http.client.HTTPResponse:
    url = client.base + download.url(DataFilter(MAYENNE, 2024, 2025))
    return urllib.request.urlopen(url, timeout=30)


def test_the_first_bytes_are_sent_while_duckdb_still_writes(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    then = threading.Event()
    whole = _written_in_two_parts(monkeypatch, tmp_path, then)
    with _open(client) as response:
        assert response.status == 200
        first_line = response.readline()  # arrives before the rest is even written
        assert first_line == whole.split(b"\n", 1)[0] + b"\n"
        then.set()
        assert first_line + response.read() == whole


def test_a_query_interrupted_mid_file_never_leaves_a_shorter_file(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    then = threading.Event()
    _written_in_two_parts(monkeypatch, tmp_path, then, fail=True)
    with _open(client) as response:
        response.readline()
        then.set()
        with pytest.raises(http.client.IncompleteRead):  # the browser: « download failed »
            response.read()
    monkeypatch.setattr(queries, "write_rows_csv", ORIGINAL_WRITE)  # the dataset stays
    assert client.get(download.url(DataFilter(MAYENNE, 2024, 2024))).status_code == 200


def test_a_reader_gone_early_ends_the_copy_and_frees_its_slot(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(download.tempfile, "tempdir", str(tmp_path))
    then = threading.Event()
    # Files of several megabytes: the pipe fills, and DuckDB's writes meet a reader gone.
    _written_in_two_parts(monkeypatch, tmp_path, then, repeat=2000)
    for _ in range(download.MAX_CONCURRENT):  # every slot taken, each reader leaves early
        with _open(client) as response:
            response.readline()
    then.set()
    monkeypatch.setattr(queries, "write_rows_csv", ORIGINAL_WRITE)  # the dataset stays
    deadline = time.monotonic() + 20  # the server notices a reader gone at its next send
    while client.get(download.url(DataFilter(MAYENNE, 2024, 2024))).status_code != 200:
        assert time.monotonic() < deadline, "a slot is still held"
        time.sleep(0.05)
    while [p for p in tmp_path.iterdir() if p.name.startswith("donnees-")]:
        assert time.monotonic() < deadline, list(tmp_path.iterdir())
        time.sleep(0.05)
