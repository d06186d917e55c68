"""Importer des données: the dataset's status and history for everyone; for the administrator
only (pages/parts/access.py, lib/web/admin.py), the import of customs files
(pages/parts/importing.py), the restoration of the previous version and the return to the
demonstration data (pages/parts/versions.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import flows, formatting
from lib.data import db
from lib.sources import checks
from lib.web import admin
from pages.parts import access, components, importing, versions

SOURCE_LABELS = {
    "demo": "données de démonstration synthétiques",
    "import": "fichiers des Douanes importés",
    "mixed": "fichiers importés et années de démonstration",
    "empty": "aucune donnée",
}
PART_SOURCES = {"demo": "démonstration", "import": "importé"}


def status() -> None:
    manifest = db.manifest()
    st.subheader("Jeu de données en place")
    if manifest is None:
        st.info("Aucun jeu de données.")
        return
    years = manifest.years
    period = f"{years[0]} à {years[-1]}" if years else "–"
    st.markdown(
        f"- **Source** : {SOURCE_LABELS.get(manifest.source, manifest.source)}\n"
        f"- **Années** : {period} ({len(years)} années)\n"
        f"- **Lignes** : {formatting.number(manifest.rows, 0)}\n"
        f"- **Mis à jour** : {versions.french_datetime(manifest.created)}"
    )
    with st.expander("Détail par année et par flux"):
        st.dataframe(
            _parts_table(manifest),
            hide_index=True,
            width="stretch",
            column_config={"Année": st.column_config.NumberColumn(format="plain")},
        )


def _parts_table(manifest) -> pd.DataFrame:
    """One row per (year, flow): its origin, the quarters it covers, its size and total."""
    rows = []
    for year, flow in manifest.pairs:
        part = manifest.part(year, flow)
        rows.append(
            {
                "Année": year,
                "Flux": flows.flow_of(flow).name,
                "Source": PART_SOURCES.get(part.source, part.source),
                "Trimestres": checks.coverage_text(part.quarters),
                "Lignes": "" if part.rows is None else formatting.number(part.rows, 0),
                "Valeur": "" if part.value_eur is None else formatting.meur(part.value_eur),
                "Fichiers": ", ".join(part.inputs),
            }
        )
    return pd.DataFrame(rows)


def page() -> None:
    st.title("Importer des données")
    components.flash_messages()
    status()
    versions.history()
    if admin.read_only():
        st.info("Ce site est en lecture seule : l'import de données y est désactivé.")
        return
    access.token_from_url()
    if not access.is_admin():
        access.login_form()
        return
    access.logout_button()
    weak = admin.weak_password_warning()
    if weak:
        st.warning(weak)
    importing.upload_form()
    importing.preview()
    versions.restore_previous()
    versions.back_to_demo()


components.ensure_navigation()
page()
