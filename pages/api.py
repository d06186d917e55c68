"""API: how to read every table of the app from a script (lib/web/api.py): the tables, their
parameters, and examples in curl, Python (pandas) and R, with this server's address.

URL: /api (no parameter)
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from lib.web import api, api_doc, api_terms, download, open_data, registry
from pages.parts import components

LANGUAGES = {"bash": "curl", "python": "Python (pandas)", "r": "R"}
FALLBACK_BASE = "http://localhost:8501"


def base_url() -> str:
    """This server's address as the browser reaches it (`https://host`), for the examples."""
    url = st.context.url or ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else FALLBACK_BASE


def introduction() -> None:
    limits = api.limits()
    st.markdown(
        "Chaque tableau des pages est aussi servi par une **API en lecture seule**, avec les "
        "mêmes paramètres que l'adresse de sa page : copiez la fin de l'adresse d'une page "
        "(`?niveau=departement&code=53&annee=2024`) après celle de l'un de ses tableaux.\n\n"
        "- **JSON** par défaut : les lignes dans `records` (colonnes nommées comme dans le CSV), "
        "avec le territoire, la période et la version du jeu de données ;\n"
        "- **CSV** avec `format=csv` : exactement le fichier téléchargé depuis la page "
        "(UTF-8, virgule, point décimal, euros non arrondis) ; lisez les codes (`01`, `2A`) "
        "comme du texte ;\n"
        "- une valeur que la page corrigerait est refusée (erreur 400, message en français) ;\n"
        f"- au plus **{limits.per_minute:g} requêtes par minute** par client "
        f"({limits.burst} d'affilée), puis erreur 429 et `Retry-After` ; réponses à garder "
        f"{api.MAX_AGE_S // 60} minutes, `ETag` pour revalider (304)."
    )
    if not api.mounted():
        st.info(
            "Cette instance de l'application ne sert pas l'API : elle est servie quand "
            "l'application est lancée par `make run` (serve.py).",
            icon="ℹ️",
        )


def tables_list(base: str) -> None:
    st.subheader("Les tableaux")
    rows = pd.DataFrame([api.table_row(table) for table in registry.TABLES.values()])
    rows["exemple"] = base + rows["exemple"]
    st.dataframe(
        rows[["table", "titre", "page", "parametres", "exemple"]],
        hide_index=True,
        width="stretch",
        column_config={
            "table": "Tableau",
            "titre": "Titre",
            "page": "Page",
            "parametres": "Paramètres",
            "exemple": st.column_config.LinkColumn("Exemple", display_text="Ouvrir"),
        },
    )
    st.markdown(
        f"La liste est aussi à l'adresse `{api_terms.PREFIX}/` (en CSV : "
        f"`{api_terms.PREFIX}/?format=csv`), la description complète au format OpenAPI 3.1 à "
        f"`{api_terms.OPENAPI_PATH}`. Les lignes "
        f"détaillées de la page Données se téléchargent à `{download.PATH}` avec les "
        f"paramètres de cette page, et le jeu de données entier à `{open_data.PREFIX}`."
    )


def examples(base: str) -> None:
    st.subheader("Exemples")
    name = st.selectbox(
        "Tableau",
        list(registry.TABLES),
        format_func=lambda key: f"{key} — {registry.TABLES[key].title}",
        key="api-table",
    )
    table = registry.TABLES[name]
    st.dataframe(pd.DataFrame(api_doc.parameter_rows(table)), hide_index=True, width="stretch")
    code = api_doc.examples(base, table)
    for tab, language in zip(st.tabs(list(LANGUAGES.values())), LANGUAGES, strict=True):
        with tab:
            st.code(code[language], language=language)


def page() -> None:
    st.title("API")
    base = base_url()
    introduction()
    tables_list(base)
    examples(base)


components.ensure_navigation()
page()
