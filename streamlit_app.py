"""Commerce extérieur des territoires — the app's script (`streamlit run streamlit_app.py`, or
`streamlit run serve.py` for the same app behind the security headers of lib/web/webguard.py).

Pages live at stable paths: / (Carte), /fiche, /exposition, /diversifier, /donnees, /api,
/importer. Each page runs within components.query_time_limit: a query interrupted after 10 s
ends it with a French message.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.web import admin
from pages import access, components

st.set_page_config(
    page_title="Commerce extérieur des territoires",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),  # local: no icon CDN
    layout="wide",
)
components.install_query_string_guard()  # an address too long for Streamlit gets a notice
components.dataset_ready()
components.release_abandoned_uploads()
access.announce()  # the one-time administrator token, in the log, when no password is set

navigation = st.navigation(
    [
        st.Page("pages/carte.py", title="Carte", icon=":material/map:", url_path="", default=True),
        st.Page(
            "pages/fiche.py",
            title="Fiche territoire",
            icon=":material/description:",
            url_path="fiche",
        ),
        st.Page(
            "pages/exposition.py",
            title="Exposition",
            icon=":material/public:",
            url_path="exposition",
        ),
        st.Page(
            "pages/diversifier.py",
            title="Diversifier",
            icon=":material/alt_route:",
            url_path="diversifier",
        ),
        st.Page(
            "pages/evolution.py",
            title="Évolution",
            icon=":material/trending_up:",
            url_path="evolution",
        ),
        st.Page(
            "pages/produit.py", title="Produit", icon=":material/category:", url_path="produit"
        ),
        st.Page("pages/pays.py", title="Pays", icon=":material/flag:", url_path="pays"),
        st.Page(
            "pages/comparer.py",
            title="Comparer",
            icon=":material/compare_arrows:",
            url_path="comparer",
        ),
        st.Page("pages/donnees.py", title="Données", icon=":material/table:", url_path="donnees"),
        st.Page("pages/api.py", title="API", icon=":material/api:", url_path="api"),
        st.Page(
            "pages/importer.py",
            title="Importer des données",
            icon=":material/upload:",
            url_path="importer",
        ),
    ],
    position="top",
)
components.layout_css()
components.banner()
if navigation.url_path == "importer":  # a page without URL state reads only the token
    components.unexpected_url_params(allowed=(admin.TOKEN_PARAM,))
elif navigation.url_path == "api":  # the other page without URL state reads none
    components.unexpected_url_params()
with components.query_time_limit():
    navigation.run()
