"""Commerce extérieur des territoires — entry point (`streamlit run streamlit_app.py`).

Pages live at stable paths: / (Carte), /fiche, /donnees, /importer.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import access, components

st.set_page_config(
    page_title="Commerce extérieur des territoires",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),  # local: no icon CDN
    layout="wide",
)
components.dataset_ready()
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
        st.Page("pages/donnees.py", title="Données", icon=":material/table:", url_path="donnees"),
        st.Page(
            "pages/importer.py",
            title="Importer des données",
            icon=":material/upload:",
            url_path="importer",
        ),
    ],
    position="top",
)
components.banner()
navigation.run()
