"""The dataset as open-data files over HTTP: `GET /telecharger/` lists them, `GET
/telecharger/<file>` serves one. serve.py mounts ROUTES beside lib/web/download.py's
`/telecharger/donnees.csv` (listed before these, so that it keeps its address).

The files are lib/data/datapackage.py's package (one Parquet and one CSV gzip file per year, the
reference tables, `datapackage.json`), built once per dataset version into a cache folder and
then served as files (FileResponse: streamed, Range requests answered):

- **where**: `DATA_DIR/.package/<version>-<fingerprint>/` for a local dataset (the store's
  garbage collection touches only `v-*` and `.tmp-*`); for a remote one (https://, s3://),
  `$TMPDIR/comext-package-<hash of the URL>/…`, built from the remote Parquet through DuckDB
  (so is a local dataset folder the server may not write).
  The fingerprint changes with the package's code and the committed reference tables, which
  the version alone does not identify.
- **once**: a build runs in a thread of its own; requests for the same version wait for it
  without holding a worker thread (they poll), for at most BUILD_WAIT_S (then 503 in French,
  Retry-After). Processes serving the same folder build one at a time (`flock` on the cache
  root's `.lock`), and a process finding the folder complete uses it.
- **atomically**: the package is written to `.tmp-<id>/`, then renamed; a folder without its
  `datapackage.json` is never served. A new version builds a new folder; the others are
  deleted but the one before, which a download may still be reading.
- **strictly**: a file name is served only if the package's descriptor lists it (or is
  `datapackage.json`): no path is built from the request. 404 in French otherwise.
- **caching**: `ETag` (the package folder and the file name: a folder's files never change)
  and `Cache-Control: no-cache`, so browsers revalidate and get 304 while the version stays.

Plain Starlette: no Streamlit import. Text from the manifest (a remote one is not ours) is
escaped in the page.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from lib.core import config, formatting
from lib.data import datapackage, db, store

log = logging.getLogger(__name__)

PREFIX = "/telecharger/"
CACHE_FOLDER = ".package"
BUILD_WAIT_S = 120.0  # a request waits this long for a build, then gets 503
POLL_S = 0.1
RETRY_AFTER_S = 10
# Bump when the package's content changes for the same dataset version (new columns, names…).
PACKAGE_FORMAT = "1"

EMPTY = "Le jeu de données est vide : importez des fichiers des Douanes."  # 404
NOT_FOUND = (
    "Fichier inconnu : les fichiers du jeu de données sont listés à l'adresse /telecharger/."  # 404
)
BUSY = (
    "Les fichiers du jeu de données sont en cours de préparation : réessayez dans quelques "
    "instants."
)  # 503
FAILED = "Les fichiers du jeu de données n'ont pas pu être préparés : réessayez plus tard."  # 503
CACHE_CONTROL = "no-cache"  # revalidate every time (ETag): the same address gets new versions

MEDIA_TYPES = {
    ".parquet": datapackage.PARQUET_MEDIATYPE,
    ".gz": "application/gzip",  # a file to save, not a Content-Encoding to undo
    ".csv": "text/csv",
    ".json": "application/json",
}
_SAFE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")

_mounted = False


# --- the package of a version, built once ----------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A complete package folder and what it describes."""

    folder: Path
    manifest: store.Manifest
    descriptor: dict[str, Any]

    @property
    def files(self) -> dict[str, Path]:
        """Every file a request may get, by name: the descriptor's resources and itself."""
        names = [str(r["path"]) for r in self.descriptor.get("resources", [])]
        return {name: self.folder / name for name in [datapackage.DESCRIPTOR, *names]}

    def etag(self, name: str) -> str:
        return f'"{self.folder.name}.{name}"'


def cache_root(location: str) -> Path:
    """Where the packages of the dataset at `location` are built: beside a local dataset; in
    the temporary directory for a remote one, or a local folder this process cannot write."""
    if not config.is_remote(location) and writable(location):
        return Path(location) / CACHE_FOLDER
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"comext-package-{digest}"


def writable(folder: str) -> bool:
    return os.access(folder, os.W_OK)


@cache
def fingerprint() -> str:
    """Changes with the package's format and the committed reference tables."""
    digest = hashlib.sha256(PACKAGE_FORMAT.encode())
    for path in sorted(config.REF_DIR.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def folder_name(manifest: store.Manifest) -> str:
    """`<version>-<fingerprint>`; a version that is not a safe file name (a remote manifest is
    not ours) is replaced by its hash."""
    version = manifest.version
    if not _SAFE.fullmatch(version):
        version = hashlib.sha256(version.encode("utf-8")).hexdigest()[:24]
    return f"{version}-{fingerprint()}"


def _complete(folder: Path, manifest: store.Manifest) -> Package | None:
    try:
        descriptor = datapackage.read_descriptor(folder)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return Package(folder, manifest, descriptor)


def build(location: str, manifest: store.Manifest) -> Package:
    """The package of `manifest`'s version: the complete folder if there is one, else built
    now (blocking; serialised with the other builders of the same cache root)."""
    root = cache_root(location)
    final = root / folder_name(manifest)
    ready = _complete(final, manifest)
    if ready is not None:
        return ready
    root.mkdir(parents=True, exist_ok=True)
    with store.writer_lock(root):  # one builder at a time per cache root, across processes
        ready = _complete(final, manifest)  # another process built it while we waited
        if ready is not None:
            return ready
        for leftover in root.glob(".tmp-*"):  # a builder killed mid-way (we hold the lock)
            shutil.rmtree(leftover, ignore_errors=True)
        staging = root / f".tmp-{uuid.uuid4().hex}"
        try:
            datapackage.write_files(staging, location, manifest)
            shutil.rmtree(final, ignore_errors=True)  # incomplete: no descriptor
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _prune(root, final)
    ready = _complete(final, manifest)
    assert ready is not None, "a renamed package folder holds its descriptor"
    return ready


def _prune(root: Path, current: Path) -> None:
    """Delete the package folders but `current` and the newest other one (a download of the
    previous version may still be reading it)."""
    others = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != current),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    for old in others[1:]:
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class _Build:
    """One build under way in this process, for the requests waiting on it."""

    done: threading.Event = field(default_factory=threading.Event)
    package: Package | None = None
    error: BaseException | None = None


_builds: dict[Path, _Build] = {}
_builds_lock = threading.Lock()


def _run_build(key: Path, job: _Build, location: str, manifest: store.Manifest) -> None:
    try:
        job.package = build(location, manifest)
    except BaseException as error:  # reported to the waiting requests, logged here
        job.error = error
        log.exception("open-data package of version %s not built", manifest.version)
    finally:
        with _builds_lock:
            _builds.pop(key, None)  # a failed build is tried again by the next request
        job.done.set()


def start_build(location: str, manifest: store.Manifest) -> _Build:
    """The build of `manifest`'s version in this process, started unless already under way."""
    key = cache_root(location) / folder_name(manifest)
    with _builds_lock:
        job = _builds.get(key)
        if job is None:
            job = _builds[key] = _Build()
            thread = threading.Thread(
                target=_run_build,
                args=(key, job, location, manifest),
                name="open-data-package",
                daemon=True,
            )
            thread.start()
    return job


def _current() -> tuple[str, store.Manifest | None, Package | None]:
    """In a worker thread: the dataset's location and manifest, and its package if built."""
    location = config.data_dir()
    manifest = db.manifest()
    if manifest is None:
        return location, None, None
    return location, manifest, _complete(cache_root(location) / folder_name(manifest), manifest)


async def current_package() -> Package | Response:
    """The current version's package, waiting for its build; or the French refusal."""
    location, manifest, package = await run_in_threadpool(_current)
    if manifest is None or not manifest.years:
        return PlainTextResponse(EMPTY, status_code=404)
    if package is not None:
        return package
    job = start_build(location, manifest)
    deadline = time.monotonic() + BUILD_WAIT_S
    while not job.done.is_set():
        if time.monotonic() > deadline:
            return _busy(BUSY)
        await anyio.sleep(POLL_S)
    if job.package is None:
        return _busy(FAILED)
    return job.package


def _busy(message: str) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    return PlainTextResponse(message, status_code=503, headers=headers)


# --- the page and the files -------------------------------------------------------------------


def _not_modified(request: Request, etag: str) -> Response | None:
    wanted = request.headers.get("if-none-match", "")
    tags = {tag.strip() for tag in wanted.split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    return None


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


async def package_file(request: Request) -> Response:
    """GET PREFIX<name>: one file of the package, if the package lists it."""
    name = request.path_params["name"]
    package = await current_package()
    if isinstance(package, Response):
        return package
    path = package.files.get(name)
    if path is None:
        return PlainTextResponse(NOT_FOUND, status_code=404)
    etag = package.etag(name)
    unchanged = _not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    return FileResponse(
        path,
        media_type=media_type(name),
        filename=name,
        content_disposition_type="inline" if name == datapackage.DESCRIPTOR else "attachment",
        headers={"ETag": etag, "Cache-Control": CACHE_CONTROL},
    )


async def index(request: Request) -> Response:
    """GET PREFIX: the page listing the package's files."""
    package = await current_package()
    if isinstance(package, Response):
        return package
    etag = package.etag("index")
    unchanged = _not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    page = await run_in_threadpool(index_html, package)
    return HTMLResponse(page, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


async def to_index(request: Request) -> Response:
    """GET /telecharger: the page's address ends with a slash."""
    return RedirectResponse(PREFIX, status_code=308)


def file_url(name: str) -> str:
    return PREFIX + quote(name)


def _date_text(created: str) -> str:
    try:
        return formatting.french_date(datetime.fromisoformat(created).date())
    except ValueError:
        return created


_STYLE = """
body { font-family: Marianne, Arial, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #161616; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; }
td.taille { text-align: right; white-space: nowrap; }
.avertissement { background: #fff4f3; border-left: 4px solid #ce0500; padding: .6rem 1rem; }
code { background: #f6f6f6; padding: 0 .2rem; }
"""


def _row(package: Package, name: str, content: str) -> str:
    path = package.files[name]
    size = config.size_text(path.stat().st_size)
    link = f'<a href="{html.escape(file_url(name))}">{html.escape(name)}</a>'
    return (
        f"<tr><td>{link}</td><td>{html.escape(content)}</td>"
        f'<td class="taille">{html.escape(size)}</td></tr>'
    )


def index_html(package: Package) -> str:
    """The French page listing the files, sizes, version, date and licence (all escaped)."""
    manifest, descriptor = package.manifest, package.descriptor
    esc = html.escape
    warning = ""
    if manifest.has_demo:
        warning = (
            '<p class="avertissement" role="alert"><strong>Données de démonstration '
            "synthétiques.</strong> Seuls les totaux 2024 de la France, de cinq régions et de "
            "cinq départements reproduisent les chiffres publiés ; le détail par produit et par "
            "pays, et les autres années, sont inventés : ne les citez jamais comme statistiques. "
            "Importez les fichiers des Douanes pour les chiffres réels.</p>"
        )
    licence = datapackage.LICENSE
    resources = descriptor.get("resources", [])
    data_rows = [
        _row(package, str(r["path"]), str(r.get("title", "")))
        for r in resources
        if str(r.get("name", "")).startswith("commerce-")
    ]
    reference_rows = [
        _row(package, str(r["path"]), str(r.get("title", "")))
        for r in resources
        if not str(r.get("name", "")).startswith("commerce-")
    ]
    descriptor_row = _row(
        package,
        datapackage.DESCRIPTOR,
        "Description du paquet (Frictionless Data Package) : schéma de chaque table, clés, "
        "licence, sources",
    )
    header = "<tr><th>Fichier</th><th>Contenu</th><th>Taille</th></tr>"
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Télécharger le jeu de données — Commerce extérieur des territoires</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Télécharger le jeu de données</h1>
{warning}
<p>{esc(str(descriptor.get("title", datapackage.TITLE)))}.</p>
<p>Version <code>{esc(manifest.version)}</code> du {esc(_date_text(manifest.created))}.
Licence : <a href="{esc(licence["path"])}">{esc(licence["title"])}</a>.
Un fichier par année, en Parquet et en CSV compressé (gzip), de même schéma, et les tables de
référence. La description complète est dans
<a href="{esc(file_url(datapackage.DESCRIPTOR))}">{esc(datapackage.DESCRIPTOR)}</a>, que l'outil
<code>frictionless</code> et data.gouv.fr savent lire.</p>
<table>
{header}
{descriptor_row}
</table>
<h2>Les données, année par année</h2>
<table>
{header}
{"".join(data_rows)}
</table>
<h2>Les tables de référence</h2>
<table>
{header}
{"".join(reference_rows)}
</table>
<p>Les CSV sont en UTF-8, séparés par des virgules, avec une ligne d'en-tête et le point comme
séparateur décimal ; les codes (<code>01</code>, <code>2A</code>, <code>NA</code> pour la Namibie)
sont du texte : lisez-les comme tels. Valeurs en euros, masses en kilogrammes.</p>
<p><a href="/">Retour à l'application</a></p>
</main>
</body>
</html>
"""


def routes() -> list[Route]:
    """The routes serve.py mounts (after lib/web/download.py's); the Données page then links to
    the page (`mounted()`)."""
    global _mounted
    _mounted = True
    return [
        Route(PREFIX.rstrip("/"), to_index, methods=["GET"]),
        Route(PREFIX, index, methods=["GET"]),
        Route(PREFIX + "{name}", package_file, methods=["GET"]),
    ]


def mounted() -> bool:
    """Whether this process serves PREFIX (serve.py)."""
    return _mounted
