"""The app as served on a network: `streamlit run serve.py` (same options as streamlit_app.py).

`streamlit run` finds the `st.App` below and serves streamlit_app.py through it, with
lib/web/webguard.py in front of every request: security headers (no framing by another site, no
MIME sniffing) and a French page for the URLs refused as too long (414, or uvicorn's own 400).
It also serves the Données CSV from a route of its own (lib/web/download.py: streamed from a file
DuckDB writes, never held in memory); the Données page links to it. lib/web/open_data.py serves the
whole dataset as open-data files under /telecharger/, after it so that /telecharger/donnees.csv
stays lib/web/download.py's. The read-only API, `/api/v1/<table>` (lib/web/api.py), serves every
table of the pages in JSON or CSV, described at /api/v1/openapi.json.
Uploads are an administrator's act at the protocol too (lib/web/uploadgate.py): UploadGuard refuses
(403, French) an upload from any other session before its body is read, and
components.install_upload_gate gives such a session no upload URL. SessionLimits bounds the
sessions a process holds, in all and per client address, with a French page beyond
(lib/web/sessionlimits.py); components.install_session_bounds the reruns a session may ask for.
A file made at a download button's click stays downloadable while its session holds the button
(pages/parts/deferred_files.py: Streamlit would collect it at the end of any other session's run).
PageScript puts the app's history script (.streamlit/history.js: Back and Forward) first in the
page's HTML, before Streamlit's code writes the first address, with the scripts that must also
run before it: the window's width, the world map's base map, and where the server is for a
page's own address (.streamlit/connect.js: a shared /fiche link connects at once; see
lib/web/pagescript.py). CompressedAssets sends Streamlit's JavaScript and CSS gzip-compressed,
each file compressed once per process and kept (lib/web/compressed_assets.py): Streamlit sends
them uncompressed, about 8 MB for the fiche's first screen.
Every accepted connection has Nagle's algorithm off (lib/web/nodelay.py): Streamlit's listening
socket left it on, and each answer of a few messages waited up to 40 ms for an acknowledgement.
`uvicorn serve:app` works too.

Streamlit's query-string guard is also installed here, before the first request is served, so
that even the first visitor of an address too long for Streamlit gets a notice
(see pages/parts/components.install_query_string_guard).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from lib.web import api, download, nodelay, open_data
from lib.web.compressed_assets import CompressedAssets
from lib.web.pagescript import PageScript
from lib.web.sessionlimits import SessionLimits
from lib.web.uploadgate import UploadGuard
from lib.web.webguard import SecurityHeaders, install_french_refusals
from pages.parts import components, deferred_files

components.install_query_string_guard()
components.install_upload_gate()
components.install_session_bounds()
deferred_files.install()
install_french_refusals()
nodelay.install()  # each connection sends its messages at once (lib/web/nodelay.py)

app = st.App(
    Path(__file__).with_name("streamlit_app.py"),
    routes=download.routes() + open_data.routes() + api.routes(),
    middleware=[
        Middleware(SecurityHeaders),
        Middleware(SessionLimits),
        Middleware(UploadGuard),
        Middleware(PageScript),
        Middleware(CompressedAssets),
    ],
)
