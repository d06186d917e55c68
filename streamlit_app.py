"""Commerce extérieur des territoires — the app's script (`streamlit run streamlit_app.py`, or
`streamlit run serve.py` for the same app behind the security headers of lib/web/webguard.py).

The pages and their stable addresses are lib/web/urlstate.py's ROUTES, the menu in its order:
/ (Carte), /fiche, /exposition, /diversifier, /evolution, /produit, /pays, /comparer, /donnees,
/api, /importer; each is the script `pages/<name>.py`, and what they share is in pages/parts/.
Each page runs within components.query_time_limit: a query interrupted after 10 s ends it with
a French message.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.web import admin, urlstate
from pages.parts import access, components, deferred_files

st.set_page_config(
    page_title="Commerce extérieur des territoires",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),  # local: no icon CDN
    layout="wide",
)
components.install_query_string_guard()  # an address too long for Streamlit gets a notice
deferred_files.install()  # a file made at a click stays until its session lets it go
components.dataset_ready()
components.release_abandoned_uploads()
access.announce()  # the one-time administrator token, in the log, when no password is set

navigation = st.navigation(
    [
        st.Page(
            route.file,
            title=route.title,
            icon=route.icon,
            url_path=route.url_path,
            default=route.path == "/",  # the home page (Carte)
        )
        for route in urlstate.ROUTES
    ],
    position="top",
)
components.layout_css()
components.banner()
# The two pages without URL state: the Importer reads only the token, the API page none.
if navigation.url_path == urlstate.IMPORTER.url_path:
    components.unexpected_url_params(allowed=(admin.TOKEN_PARAM,))
elif navigation.url_path == urlstate.API.url_path:
    components.unexpected_url_params()
with components.query_time_limit():
    navigation.run()
