"""The Importer's versions of the dataset: the history of its changes for everyone; for the
administrator, the restoration of the previous version and the return to the demonstration
data."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from lib.core import config, formatting
from lib.core.escaping import plain
from lib.data import db, store
from lib.sources import demo, ingest
from pages.parts import access, components


def french_datetime(iso: str) -> str:
    """`2026-11-23T15:24:04+00:00` → `23/11/2026 à 15:24 (UTC)`."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%d/%m/%Y à %H:%M") + " (UTC)"


def history() -> None:
    """Every change of the dataset, the latest first."""
    manifest = db.manifest()
    if manifest is None or not manifest.history:
        return
    with st.expander(f"Historique des changements ({len(manifest.history)})"):
        st.dataframe(_history_table(manifest), hide_index=True, width="stretch")


def _history_table(manifest: store.Manifest) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Date": french_datetime(event.created),
                "Action": store.ACTIONS.get(event.action, event.action),
                "Années et flux": ingest.pairs_text(event.pairs),
                "Fichiers": ", ".join(event.files),
                "Lignes": formatting.number(event.rows, 0),
                "Valeur": formatting.meur(event.value_eur),
                "Par": event.by or "",
                "Version": event.version,
                "Remplace": event.based_on or "",
            }
            for event in reversed(manifest.history)
        ]
    )


def restore_previous() -> None:
    """Go back to the version the last change replaced (its files are kept one generation)."""
    previous = store.read_previous(config.data_dir())
    if previous is None:
        return
    st.subheader("Restaurer la version précédente")
    st.markdown(
        f"Version du {french_datetime(previous.created)} : "
        f"{formatting.number(previous.rows, 0)} lignes, années "
        f"{previous.years[0]} à {previous.years[-1]}."
        if previous.years
        else "Version précédente : aucune donnée."
    )
    confirm = st.checkbox("Je confirme la restauration", key="importer-restore-confirm")
    if st.button("Restaurer", disabled=not confirm, key="importer-restore"):
        try:
            restored = store.rollback(config.data_dir(), by=access.WHO)
        except (store.NothingToRestore, store.ReadOnlyDataset) as error:
            st.error(plain(str(error).capitalize()))
            return
        components.flash([
            ("success", f"Version {restored.version} restaurée : "
                        f"{formatting.number(restored.rows, 0)} lignes.")
        ])  # fmt: skip
        st.rerun()


def back_to_demo() -> None:
    st.subheader("Revenir aux données de démonstration")
    st.markdown(
        "Remplace tout le jeu en place par le jeu de démonstration synthétique (2015–2024)."
    )
    confirm = st.checkbox(
        "Je confirme le remplacement des données importées", key="importer-confirm"
    )
    if st.button("Revenir aux données de démonstration", disabled=not confirm, key="importer-demo"):
        bar = st.progress(0.0, text="Construction du jeu de démonstration…")
        demo.build_demo(config.data_dir(), on_progress=components.progress_reporter(bar))
        components.flash([("success", "Le jeu de démonstration est de nouveau en place.")])
        st.rerun()
