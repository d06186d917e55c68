"""The read-only API: `GET /api/v1/<table>?<the page's parameters>[&format=csv]`.

serve.py mounts `routes()` beside the app (`st.App(routes=…)`), with no Streamlit session.
Every table of lib/web/registry.py has its address, named as the CLI's file or the page's download;
it reads the parameters of its page's URL through the page's own parser (lib.web.urlstate), so a
page's query string works on its tables' addresses. `/api/v1/` lists the tables,
`/api/v1/openapi.json` describes them (OpenAPI 3.1, lib/web/api_doc.py).

Answers:
- JSON by default: `{"records": [...]}`, one object per row with the CSV's column names (NaN
  as null), beside `table`, `parametres` (the validated parameters), `territoire`, `periode`,
  `page` (the page showing it), `version` and `date_version` of the dataset, and
  `donnees_demonstration`;
- `format=csv`: the very bytes of the page's download and of the CLI (`csvfile.to_csv_bytes`).

Like the Données download (lib/web/download.py), parameters follow the pages' rules, but where a
page would fall back to a default with a notice, the API refuses: 400 with the notices.
Errors are JSON, in French, `{"erreur": "...", "details": [...]}`: 400 (parameters), 404
(unknown table, empty dataset, a table the page does not show for these parameters), 405
(anything but GET, HEAD, OPTIONS), 429 (rate limit, with `Retry-After`), 503 (no dataset, busy,
query interrupted after db.QUERY_TIMEOUT_S), 500 (a bug: logged, never a traceback).

Caching: `ETag` is a hash of the dataset version, the path and the validated parameters (so two
spellings of one request share it), `Cache-Control: public, max-age=MAX_AGE_S`; a request whose
`If-None-Match` matches gets 304 before any query. CORS is open (`Access-Control-Allow-Origin:
*`: the data is public; preflight answered for GET). A client (its IP address) may make
COMEXT_API_RATE requests a minute, COMEXT_API_BURST at once (lib/web/ratelimit.py); at most
COMEXT_API_CONCURRENCY tables are built at once, a request waiting QUEUE_WAIT_S for its turn
before a 503, so that the pages keep their share of the machine.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import math
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.core import columns, csvfile, filenames
from lib.core.territory import Territory
from lib.data import db, evolution, store
from lib.web import api_doc, ratelimit, registry, urlstate
from lib.web.api_terms import FORMAT_KEY, FORMATS, OPENAPI_PATH, PREFIX

MAX_AGE_S = 300  # answers stay fresh 5 minutes; the ETag revalidates them after that
QUEUE_WAIT_S = 10.0
ENV_CONCURRENCY = "COMEXT_API_CONCURRENCY"
DEFAULT_CONCURRENCY = 2  # of 2 cores: the pages keep theirs
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
ALLOWED = "GET, HEAD, OPTIONS"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After, Content-Disposition",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": ALLOWED,
    "Access-Control-Allow-Headers": "If-None-Match, Cache-Control",
    "Access-Control-Max-Age": "86400",
}
SOURCE = (
    "Direction générale des Douanes et Droits indirects (DGDDI), statistiques régionales et "
    "départementales du commerce extérieur"
)

REFUSED = (
    "Paramètres invalides : la requête n'a pas été servie (la page, elle, les aurait remplacés "
    "par leur valeur par défaut, comme le disent les détails)."
)
EMPTY = "Le jeu de données est vide : importez des fichiers des Douanes."
NO_DATASET = "Aucun jeu de données n'est chargé : l'API est indisponible pour l'instant."
BUSY = "Le serveur est occupé : réessayez dans quelques instants."
INTERNAL = (
    "Erreur interne : la requête n'a pas pu être servie. Elle est consignée dans le journal du "
    "serveur ; réessayez, ou signalez-la avec son adresse."
)

log = logging.getLogger(__name__)
_mounted = False


def _concurrency() -> int:
    raw = os.environ.get(ENV_CONCURRENCY, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else DEFAULT_CONCURRENCY


_slots = threading.BoundedSemaphore(_concurrency())
_limits = ratelimit.from_env()  # replaced by routes()
_described: tuple[str, dict[str, Any]] | None = None  # the description and its ETag


class ApiError(Exception):
    """An answer other than 200: its status, French message, details and extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = dict(headers or {})


# ---------------------------------------------------------------------------------------------
# Responses


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(
        {"erreur": error.message, "details": error.details},
        status_code=error.status,
        headers={**CORS_HEADERS, "Cache-Control": "no-store", **error.headers},
    )


def _cached_headers(etag: str) -> dict[str, str]:
    return {**CORS_HEADERS, "ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE_S}"}


def etag_of(version: str, path: str, params: Mapping[str, str]) -> str:
    """A strong ETag: the dataset version, the path and the parameters in a canonical order."""
    canonical = urlencode(sorted(params.items()))
    digest = hashlib.sha256(f"{version}\n{path}\n{canonical}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weak or strong, or `*`)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _json_value(value: object, integer: bool) -> object:
    """A cell as JSON: NaN, NA and None as null; numpy scalars as Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if integer and value.is_integer() else value
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows as JSON objects, columns in the CSV's order (whole numbers stay whole)."""
    cells = {}
    for name in frame.columns:
        integer = columns.column(str(name)).kind in ("integer", "flag")
        cells[str(name)] = [_json_value(value, integer) for value in frame[name].tolist()]
    names = list(cells)
    return [dict(zip(names, row, strict=True)) for row in zip(*cells.values(), strict=True)]


def territory_json(territory: Territory | None) -> dict[str, str] | None:
    if territory is None:
        return None
    return {
        "niveau": urlstate.WORD_OF_LEVEL[territory.level],
        "code": territory.code,
        "nom": territory.name,
    }


# ---------------------------------------------------------------------------------------------
# A table's answer, in a worker thread


def query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def answer_format(params: dict[str, list[str]]) -> str:
    """`format` taken out of `params`: json (default) or csv; anything else is refused."""
    values = params.pop(FORMAT_KEY, [])
    if len(values) > 1:
        raise ApiError(400, REFUSED, [f"Paramètre « {FORMAT_KEY} » répété."])
    raw = values[0].strip().lower() if values else ""
    if raw in ("", *FORMATS):
        return raw or "json"
    shown = urlstate.quote(values[0])
    raise ApiError(400, REFUSED, [f"Format {shown} inconnu : json (défaut) ou csv."])


def _dataset() -> store.Manifest:
    """The manifest in place; 503 without a dataset, 404 when it holds no year."""
    manifest = db.manifest()
    if manifest is None:
        raise ApiError(503, NO_DATASET, headers={"Retry-After": "60"})
    if not manifest.years:
        raise ApiError(404, EMPTY)
    return manifest


def lookup(name: str) -> registry.Table:
    table = registry.TABLES.get(name)
    if table is not None:
        return table
    close = difflib.get_close_matches(name, list(registry.TABLES), n=3)
    details = [f"Voulez-vous dire : {', '.join(close)} ?"] if close else []
    details.append(f"La liste des tables est à l'adresse {PREFIX}/.")
    raise ApiError(404, f"Table {urlstate.quote(name)} inconnue.", details)


def _validated(table: registry.Table, params: dict[str, list[str]]) -> Any:
    """The page's state for `params`: 400 with the page's notices, 400 or 404 when the page
    shows nothing for it."""
    state, notices = table.page.parse(params)
    if notices:
        raise ApiError(400, REFUSED, notices)
    try:
        table.check(state)
    except registry.Refused as refused:
        raise ApiError(400, str(refused)) from None
    except registry.Unavailable as unavailable:
        raise ApiError(404, str(unavailable)) from None
    return state


def _build(table: registry.Table, state: Any) -> pd.DataFrame:
    """The frame, built while holding one of the slots (503 when none frees in time)."""
    if not _slots.acquire(timeout=QUEUE_WAIT_S):
        raise ApiError(503, BUSY, headers={"Retry-After": "5"})
    try:
        return table.build(state)
    except db.QueryTimeout as timeout:
        raise ApiError(503, str(timeout), headers={"Retry-After": "5"}) from None
    except db.DataUnavailable as unavailable:  # a damaged file, a failing remote store
        raise ApiError(503, str(unavailable), headers={"Retry-After": "30"}) from None
    except (evolution.NotComparable, registry.Unavailable) as unavailable:
        raise ApiError(404, str(unavailable)) from None
    finally:
        _slots.release()


def _table_body(
    table: registry.Table, state: Any, frame: pd.DataFrame, manifest: store.Manifest
) -> dict[str, object]:
    return {
        "table": table.name,
        "titre": table.title,
        "parametres": registry.params_of(state),
        "territoire": territory_json(table.territory(state)),
        "periode": registry.period(table, state).label,
        "page": registry.page_url(table, state),
        "version": manifest.version,
        "date_version": manifest.created,
        "donnees_demonstration": bool(manifest.has_demo),
        "source": SOURCE,
        "records": records(frame),
    }


def table_answer(name: str, params: dict[str, list[str]], if_none_match: str | None) -> Response:
    """GET /api/v1/<name>: validated, then 304, or the table as JSON or CSV."""
    table = lookup(name)
    manifest = _dataset()
    form = answer_format(params)
    state = _validated(table, params)
    canonical = registry.params_of(state) | {FORMAT_KEY: form}
    etag = etag_of(manifest.version, f"{PREFIX}/{name}", canonical)
    headers = _cached_headers(etag)
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    frame = _build(table, state)
    if form == "csv":
        scope = registry.period(table, state)
        file_name = filenames.csv_name(name, table.territory(state), scope.slug)
        headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return Response(csvfile.to_csv_bytes(frame), media_type="text/csv", headers=headers)
    return JSONResponse(_table_body(table, state, frame, manifest), headers=headers)


def table_row(table: registry.Table) -> dict[str, object]:
    return {
        "table": table.name,
        "titre": table.title,
        "page": table.page.title,
        "adresse": f"{PREFIX}/{table.name}",
        "parametres": ",".join(table.page.keys),
        "colonnes": ",".join(table.columns),
        "exemple": f"{PREFIX}/{table.name}?{urlencode(registry.example(table.page))}",
    }


def index_answer(params: dict[str, list[str]], if_none_match: str | None) -> Response:
    """GET /api/v1/: the tables, their page, parameters, columns and an example each."""
    manifest = _dataset()
    form = answer_format(params)
    notices = urlstate.unexpected_params(params)
    if notices:
        raise ApiError(400, REFUSED, notices)
    etag = etag_of(manifest.version, f"{PREFIX}/", {FORMAT_KEY: form})
    headers = _cached_headers(etag)
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    rows = [table_row(table) for table in registry.TABLES.values()]
    if form == "csv":
        frame = pd.DataFrame(rows)
        return Response(csvfile.to_csv_bytes(frame), media_type="text/csv", headers=headers)
    body = {
        "api": "Commerce extérieur des territoires, API en lecture seule",
        "openapi": OPENAPI_PATH,
        "version": manifest.version,
        "date_version": manifest.created,
        "donnees_demonstration": bool(manifest.has_demo),
        "tables": rows,
    }
    return JSONResponse(body, headers=headers)


def openapi_answer(params: dict[str, list[str]], if_none_match: str | None) -> Response:
    """GET /api/v1/openapi.json: the description, generated from the registry and dataset."""
    manifest = _dataset()
    notices = urlstate.unexpected_params(params)
    if notices:
        raise ApiError(400, REFUSED, notices)
    # The description states the limits: they are part of what it is.
    key = {"rate": f"{_limits.per_minute:g}", "burst": str(_limits.burst)}
    etag = etag_of(manifest.version, OPENAPI_PATH, key)
    headers = _cached_headers(etag)
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    global _described
    described = _described  # one read, one assignment: threads never see half of it
    if described is None or described[0] != etag:  # built once per dataset version (~0.1 s)
        described = (etag, api_doc.openapi(_limits))
        _described = described
    return JSONResponse(described[1], headers=headers)


# ---------------------------------------------------------------------------------------------
# Routes


def client_of(request: Request) -> str:
    """The client the rate limit counts: its address (behind nginx, the one nginx forwards,
    which uvicorn reads from X-Forwarded-For for its trusted proxies)."""
    return request.client.host if request.client else "inconnu"


Handler = Callable[[dict[str, list[str]], str | None], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def _too_many(limiter: ratelimit.RateLimiter, wait_s: float) -> ApiError:
    seconds = limiter.retry_after(wait_s)
    return ApiError(
        429,
        f"Trop de requêtes : réessayez dans {seconds} s.",
        [
            f"Limite : {limiter.per_minute:g} requêtes par minute et par client, "
            f"{limiter.burst} d'affilée."
        ],
        {"Retry-After": str(seconds)},
    )


def _endpoint(handler: Callable[[Request], Handler], limiter: ratelimit.RateLimiter) -> Endpoint:
    """What every API address does around its answer: methods, CORS preflight, rate limit,
    the work in a thread, and a French error for anything that goes wrong."""

    async def endpoint(request: Request) -> Response:
        try:
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=PREFLIGHT_HEADERS)
            if request.method not in ("GET", "HEAD"):
                raise ApiError(
                    405,
                    f"Méthode {request.method} non autorisée : l'API est en lecture seule.",
                    [f"Méthodes acceptées : {ALLOWED}."],
                    {"Allow": ALLOWED},
                )
            wait_s = limiter.take(client_of(request))
            if wait_s > 0:
                raise _too_many(limiter, wait_s)
            answer = handler(request)
            params = query_params(request)
            return await run_in_threadpool(answer, params, request.headers.get("if-none-match"))
        except ApiError as error:
            return error_response(error)
        except Exception:
            log.exception("API: %s %s", request.method, request.url.path)
            return error_response(ApiError(500, INTERNAL))

    return endpoint


def _table_handler(request: Request) -> Handler:
    name = str(request.path_params["table"])
    return lambda params, etag: table_answer(name, params, etag)


def _not_found_handler(request: Request) -> Handler:
    def answer(params: dict[str, list[str]], etag: str | None) -> Response:
        shown = urlstate.quote(request.url.path)
        raise ApiError(404, f"Adresse {shown} inconnue.", [f"Les tables sont à {PREFIX}/."])

    return answer


def routes(limiter: ratelimit.RateLimiter | None = None) -> list[Route]:
    """The routes serve.py mounts, each client limited by `limiter` (default: the limits of
    COMEXT_API_RATE and COMEXT_API_BURST); after this call the API page says the API is
    served here, with these limits."""
    global _mounted, _limits
    _mounted = True
    _limits = limiter or ratelimit.from_env()

    def endpoint(handler: Callable[[Request], Handler]) -> Endpoint:
        return _endpoint(handler, _limits)

    index = endpoint(lambda request: index_answer)
    return [
        Route(PREFIX, index, methods=METHODS),
        Route(f"{PREFIX}/", index, methods=METHODS),
        Route(OPENAPI_PATH, endpoint(lambda request: openapi_answer), methods=METHODS),
        Route(PREFIX + "/{table}", endpoint(_table_handler), methods=METHODS),
        Route(PREFIX + "/{rest:path}", endpoint(_not_found_handler), methods=METHODS),
    ]


def mounted() -> bool:
    """Whether this process serves the API (serve.py), for the API page."""
    return _mounted


def limits() -> ratelimit.RateLimiter:
    """The rate limit in force (the API page and the description state it)."""
    return _limits
