"""The open-data route (lib/web/open_data.py): `/telecharger/` lists the package,
`/telecharger/<file>`
serves it; built once per dataset version, rebuilt for a new one.

The routes run as serve.py mounts them (after lib/web/download.py's, with lib/web/webguard.py in
front) under uvicorn on a free 127.0.0.1 port, fetched over HTTP with urllib (no httpx here for
Starlette's TestClient); the last test starts `streamlit run serve.py` itself. What is served
is checked by Frictionless (the downloaded files form a valid package) and by pyarrow on the
rows of the fixture frame, never by the route's code.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bench.httpserver import serve
from lib.core import config
from lib.core.states import DataFilter
from lib.core.territory import Territory
from lib.data import datapackage, db
from lib.web import download, open_data
from tests.conftest import write_dataset
from tests.servers import Answer, asgi_server, http_request, streamlit_server
from tests.test_datapackage import REFERENCE_FILES, assert_valid
from tests.test_quarters import ROWS

YEARS = (2024, 2025)
DATA_FILES = [f"commerce-exterieur-{y}.{e}" for y in YEARS for e in ("parquet", "csv.gz")]
PACKAGE_FILES = ["datapackage.json", *DATA_FILES, *REFERENCE_FILES]
DEMO_WARNING = "Données de démonstration synthétiques."


class Client:
    """GET over HTTP with any headers; any status kept."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, target: str, headers: dict[str, str] | None = None) -> Answer:
        return http_request(self.base + target, headers=headers, timeout=120)


@pytest.fixture
def client() -> Iterator[Client]:
    """The routes as serve.py orders them, behind the security headers, in a uvicorn thread."""
    with asgi_server(download.routes() + open_data.routes()) as base:
        yield Client(base)


@pytest.fixture
def dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """Call with a frame (and a source): it becomes the dataset the routes serve."""
    data_dir = tmp_path / "data"

    def _use(frame: pd.DataFrame = ROWS, source: str = "import") -> Path:
        write_dataset(frame, data_dir, source=source)
        monkeypatch.setenv(config.ENV_DATA_DIR, str(data_dir))
        db.reset()
        return data_dir

    yield _use
    db.reset()


def version_of(data_dir: Path) -> str:
    return json.loads((data_dir / "dataset.json").read_text("utf-8"))["version"]


def download_all(client: Client, folder: Path, names: list[str]) -> None:
    folder.mkdir()
    for name in names:
        answer = client.get(open_data.PREFIX + name)
        assert answer.status == 200, (name, answer.text[:200])
        (folder / name).write_bytes(answer.content)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["year", "quarter", "flow", "dept", "product", "cpf4", "country", "value_eur"]
    out = frame[columns].astype({"year": "int64", "quarter": "int64", "value_eur": "float64"})
    for column in ("flow", "dept", "product", "cpf4", "country"):
        out[column] = out[column].astype(str)
    return out.sort_values(columns).reset_index(drop=True)


# --- the page and the files ---------------------------------------------------------------------


def test_the_page_lists_every_file_with_version_and_licence(client: Client, dataset) -> None:
    data_dir = dataset()
    answer = client.get("/telecharger/")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["x-content-type-options"] == "nosniff"  # the middleware's headers
    page = answer.text
    assert '<html lang="fr">' in page
    for name in PACKAGE_FILES:
        assert f'href="/telecharger/{name}"' in page, name
    assert version_of(data_dir) in page
    assert "Licence Ouverte 2.0" in page and "https://www.etalab.gouv.fr/licence-ouverte" in page
    assert DEMO_WARNING not in page
    assert "octets" in page or "ko" in page  # sizes
    # Without the slash, the address is redirected to the page.
    assert client.get("/telecharger").status == 200


def test_the_files_served_form_a_valid_package_of_the_rows(
    client: Client, dataset, tmp_path: Path
) -> None:
    dataset()
    listed = json.loads(client.get("/telecharger/datapackage.json").content)
    names = ["datapackage.json", *(r["path"] for r in listed["resources"])]
    assert sorted(names) == sorted(PACKAGE_FILES)
    folder = tmp_path / "downloaded"
    download_all(client, folder, names)
    assert_valid(frictionless.validate(str(folder / "datapackage.json")))
    for year in YEARS:
        expected = comparable(ROWS[ROWS["year"] == year])
        parquet = pq.read_table(folder / f"commerce-exterieur-{year}.parquet").to_pandas()
        pd.testing.assert_frame_equal(comparable(parquet), expected)
        text = gzip.decompress((folder / f"commerce-exterieur-{year}.csv.gz").read_bytes())
        from_csv = pd.read_csv(io.BytesIO(text), dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(comparable(from_csv), expected)
    # 2025 holds T1–T2 only: its resources say so.
    described = {r["name"]: r["description"] for r in listed["resources"]}
    assert "Année incomplète : trimestres T1–T2 seulement" in described["commerce-2025-csv"]


def test_files_have_their_types_and_are_revalidated(client: Client, dataset) -> None:
    dataset()
    kinds = {
        "commerce-exterieur-2024.parquet": "application/vnd.apache.parquet",
        "commerce-exterieur-2024.csv.gz": "application/gzip",
        "pays.csv": "text/csv; charset=utf-8",
        "datapackage.json": "application/json",
    }
    for name, kind in kinds.items():
        answer = client.get(f"/telecharger/{name}")
        assert answer.status == 200
        assert answer.headers["content-type"] == kind
        assert answer.headers.get("content-encoding") is None  # a .gz to save, not to unzip
        assert answer.headers["cache-control"] == "no-cache"
        etag = answer.headers["etag"]
        again = client.get(f"/telecharger/{name}", {"If-None-Match": etag})
        assert again.status == 304 and again.content == b""
    assert (
        'filename="pays.csv"' in client.get("/telecharger/pays.csv").headers["content-disposition"]
    )
    page = client.get("/telecharger/")
    assert client.get("/telecharger/", {"If-None-Match": page.headers["etag"]}).status == 304
    # Byte ranges: a Parquet file read in place, as DuckDB's httpfs reads one.
    part = client.get("/telecharger/commerce-exterieur-2024.parquet", {"Range": "bytes=0-3"})
    assert part.status == 206 and part.content == b"PAR1"


@pytest.mark.parametrize(
    "target",
    [
        "/telecharger/dataset.json",
        "/telecharger/.lock",
        "/telecharger/.datapackage.json.tmp",
        "/telecharger/commerce-exterieur-1999.parquet",
        "/telecharger/COMMERCE-EXTERIEUR-2024.PARQUET",
        "/telecharger/..",
        "/telecharger/%2E%2E",
        "/telecharger/..%2Fdataset.json",
        "/telecharger/%2E%2E%2F%2E%2E%2Fdataset.json",
        "/telecharger/../dataset.json",
        "/telecharger/pays.csv%00",
    ],
)
def test_only_the_package_files_are_served(client: Client, dataset, target: str) -> None:
    data_dir = dataset()
    (data_dir / ".package").mkdir(exist_ok=True)
    answer = client.get(target)
    assert answer.status == 404, answer.text
    assert b'"version"' not in answer.content  # never the manifest


def test_an_unknown_name_is_refused_in_french(client: Client, dataset) -> None:
    dataset()
    answer = client.get("/telecharger/fichier-inconnu.csv")
    assert answer.status == 404
    assert answer.text == open_data.NOT_FOUND


def test_the_donnees_csv_keeps_its_route(client: Client, dataset) -> None:
    dataset()
    answer = client.get(download.url(DataFilter(Territory("dept", "53"), 2024, 2024)))
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.text.splitlines()[0].startswith("annee,")


def test_no_dataset_is_a_french_404(client: Client, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "vide"))
    db.reset()
    try:
        for target in ("/telecharger/", "/telecharger/datapackage.json"):
            answer = client.get(target)
            assert answer.status == 404 and answer.text == open_data.EMPTY
    finally:
        db.reset()


def test_demonstration_data_is_announced(client: Client, dataset) -> None:
    dataset(source="demo")
    page = client.get("/telecharger/").text
    assert DEMO_WARNING in page
    listed = json.loads(client.get("/telecharger/datapackage.json").content)
    assert "données de démonstration synthétiques" in listed["title"]


def test_text_from_the_manifest_is_escaped(client: Client, dataset) -> None:
    # A remote manifest is not ours: its version is shown, and names the cache folder.
    data_dir = dataset()
    manifest = json.loads((data_dir / "dataset.json").read_text("utf-8"))
    manifest["version"] = '<script>alert("x")</script>/../../x'
    (data_dir / "dataset.json").write_text(json.dumps(manifest), "utf-8")
    db.reset()
    page = client.get("/telecharger/").text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;/../../x" in page
    folders = [p.name for p in (data_dir / ".package").iterdir() if not p.name.startswith(".")]
    assert len(folders) == 1 and all(c.isalnum() or c == "-" for c in folders[0])


# --- built once per version ---------------------------------------------------------------------


def count_builds(monkeypatch: pytest.MonkeyPatch, gate: threading.Event | None = None) -> list:
    """Record each package written (and hold it until `gate` is set, when given)."""
    calls: list[str] = []
    write = datapackage.write_files

    def counted(out: Path, location: str, manifest) -> list[Path]:
        calls.append(manifest.version)
        if gate is not None:
            assert gate.wait(60)
        return write(out, location, manifest)

    monkeypatch.setattr(datapackage, "write_files", counted)
    return calls


def test_concurrent_requests_wait_for_one_build(
    client: Client, dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset()
    gate = threading.Event()
    calls = count_builds(monkeypatch, gate)
    answers: list[Answer] = []

    def fetch(name: str) -> None:
        answers.append(client.get(f"/telecharger/{name}"))

    threads = [threading.Thread(target=fetch, args=(n,)) for n in PACKAGE_FILES[:6]]
    for thread in threads:
        thread.start()
    while not calls:  # the first request has started the build, which waits at the gate
        time.sleep(0.01)
    gate.set()
    for thread in threads:
        thread.join(60)
    assert [a.status for a in answers] == [200] * 6
    assert len(calls) == 1
    assert client.get("/telecharger/").status == 200 and len(calls) == 1  # built: reused


def test_a_build_longer_than_the_wait_is_a_french_503(
    client: Client, dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset()
    gate = threading.Event()
    calls = count_builds(monkeypatch, gate)
    monkeypatch.setattr(open_data, "BUILD_WAIT_S", 0.0)
    answer = client.get("/telecharger/")
    assert answer.status == 503 and answer.text == open_data.BUSY
    assert answer.headers["retry-after"] == str(open_data.RETRY_AFTER_S)
    gate.set()
    monkeypatch.setattr(open_data, "BUILD_WAIT_S", 60.0)
    assert client.get("/telecharger/").status == 200
    assert len(calls) == 1  # the same build, waited for


def test_a_failed_build_is_a_french_503_then_tried_again(
    client: Client, dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset()
    write = datapackage.write_files
    failures = [OSError("disque plein")]

    def failing_once(out: Path, location: str, manifest) -> list[Path]:
        if failures:
            raise failures.pop()
        return write(out, location, manifest)

    monkeypatch.setattr(datapackage, "write_files", failing_once)
    answer = client.get("/telecharger/")
    assert answer.status == 503 and answer.text == open_data.FAILED
    root = Path(config.data_dir()) / ".package"
    assert [p.name for p in root.iterdir() if p.name != ".lock"] == []  # nothing half-written
    assert client.get("/telecharger/").status == 200


def test_a_new_version_is_built_and_old_ones_deleted(
    client: Client, dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_builds(monkeypatch)
    versions = []
    etags = []
    for years in ((2024,), (2024, 2025), (2025,)):
        data_dir = dataset(ROWS[ROWS["year"].isin(years)])
        versions.append(version_of(data_dir))
        page = client.get("/telecharger/")
        assert page.status == 200 and versions[-1] in page.text
        for year in (2024, 2025):
            assert (f"commerce-exterieur-{year}.parquet" in page.text) == (year in years)
        answer = client.get("/telecharger/commerce-exterieur-2025.csv.gz")
        assert answer.status == (200 if 2025 in years else 404)
        etags.append(client.get("/telecharger/pays.csv").headers["etag"])
    assert calls == versions  # one build per version
    assert len(set(etags)) == 3  # a new version, a new ETag
    folders = sorted(p.name for p in (data_dir / ".package").iterdir() if p.is_dir())
    # The current version and the one before (a download may still read it); not the first.
    assert folders == sorted(f"{v}-{open_data.fingerprint()}" for v in versions[1:])


# --- a remote dataset ---------------------------------------------------------------------------


def test_a_remote_dataset_is_packaged_locally(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "served"
    write_dataset(ROWS, folder)
    with serve(folder) as server:
        monkeypatch.setenv(config.ENV_DATA_DIR, server.url)
        db.reset()
        root = open_data.cache_root(server.url)
        try:
            page = client.get("/telecharger/")
            assert page.status == 200 and version_of(folder) in page.text
            downloaded = tmp_path / "downloaded"
            download_all(client, downloaded, PACKAGE_FILES)
            assert root.is_dir() and not (folder / ".package").exists()
        finally:
            shutil.rmtree(root, ignore_errors=True)
            db.reset()
    assert_valid(frictionless.validate(str(downloaded / "datapackage.json")))
    parquet = pq.read_table(downloaded / "commerce-exterieur-2024.parquet").to_pandas()
    pd.testing.assert_frame_equal(comparable(parquet), comparable(ROWS[ROWS["year"] == 2024]))


def test_a_dataset_folder_the_server_cannot_write_is_packaged_elsewhere(
    client: Client, dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = dataset()
    monkeypatch.setattr(open_data, "writable", lambda folder: False)  # a read-only mount
    root = open_data.cache_root(str(data_dir))
    try:
        assert client.get("/telecharger/pays.csv").status == 200
        assert root.is_dir() and not (data_dir / ".package").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the Données page and serve.py ----------------------------------------------------------


@pytest.mark.parametrize("mounted", [True, False])
def test_the_donnees_page_links_to_the_files_when_served(
    dataset, monkeypatch: pytest.MonkeyPatch, mounted: bool
) -> None:
    from streamlit.testing.v1 import AppTest

    dataset()
    monkeypatch.setattr(open_data, "_mounted", mounted)
    at = AppTest.from_file(str(config.ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/donnees.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = "\n".join(caption.value for caption in at.caption)
    assert ("[Télécharger le jeu de données](/telecharger/)" in captions) == mounted


def test_the_served_app_mounts_both_routes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_dataset(ROWS, data_dir)
    with streamlit_server(data_dir, tmp_path / "serve.log") as url:
        real = Client(url)
        page = real.get("/telecharger/")
        assert page.status == 200 and 'href="/telecharger/datapackage.json"' in page.text
        assert page.headers["x-frame-options"] == "SAMEORIGIN"
        parquet = real.get("/telecharger/commerce-exterieur-2024.parquet")
        assert parquet.status == 200 and parquet.content[:4] == b"PAR1"
        rows = real.get(download.url(DataFilter(Territory("dept", "53"), 2024, 2024)))
        assert rows.status == 200 and rows.text.startswith("annee,")
