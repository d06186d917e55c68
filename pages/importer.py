"""Importer des données: upload customs files, run the same ingest as the CLI, see the status."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from lib import config, db, demo, formatting, ingest
from pages import components

SOURCE_LABELS = {
    "demo": "données de démonstration synthétiques",
    "import": "fichiers des Douanes importés",
    "mixed": "fichiers importés et années de démonstration",
    "empty": "aucune donnée",
}
ACCEPTED = ["csv", "txt", "xlsx", "zip", "parquet"]
FLASH = "importer-flash"  # messages of the last action, shown once after the rerun


def flash_messages() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        (st.success if kind == "success" else st.warning)(message.replace("\n", "  \n"))


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
        f"- **Mis à jour** : {_french_datetime(manifest.created)}"
    )
    demo_years = [y for y in years if manifest.sources[y] == "demo"]
    if manifest.source == "mixed":
        st.markdown(f"- **Années de démonstration** : {', '.join(map(str, demo_years))}")
    if manifest.inputs:
        st.markdown("- **Fichiers** : " + ", ".join(f"`{name}`" for name in manifest.inputs))


def _french_datetime(iso: str) -> str:
    """`2026-11-23T15:24:04+00:00` → `23/11/2026 à 15:24 (UTC)`."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%d/%m/%Y à %H:%M") + " (UTC)"


def _progress_callback(bar):
    def report(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=message)

    return report


def upload_form() -> None:
    st.subheader("Importer des fichiers des Douanes")
    st.markdown(
        "Fichiers départementaux du commerce extérieur téléchargés sur le portail open data des "
        "Douanes : CSV ou TXT (séparateur `;`, `,` ou tabulation), XLSX, ZIP ou Parquet. Les "
        "colonnes sont reconnues par leur en-tête (Flux, Année, Mois, Département, Code A129, "
        "Code pays, Valeur). Les années importées remplacent les mêmes années du jeu en place ; "
        "en cas d'erreur, rien n'est modifié."
    )
    uploads = st.file_uploader(
        "Fichiers", type=ACCEPTED, accept_multiple_files=True, key="importer-files"
    )
    if not st.button("Importer", type="primary", disabled=not uploads, key="importer-run"):
        return
    bar = st.progress(0.0, text="Lecture des fichiers…")
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        paths = []
        for upload in uploads:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getbuffer())
            paths.append(path)
        try:
            # In a child process: parsing a large file must not swell the app's memory.
            report = ingest.ingest_in_child(
                paths, config.data_dir(), on_progress=_progress_callback(bar)
            )
        except ingest.IngestFailed as error:
            bar.empty()
            st.error(str(error))
            return
    # Rerun so that the status above, the banner and every page read the new dataset.
    st.session_state[FLASH] = [("success", report.summary)] + [
        ("warning", warning) for warning in report.warnings
    ]
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
        demo.build_demo(config.data_dir(), on_progress=_progress_callback(bar))
        st.session_state[FLASH] = [("success", "Le jeu de démonstration est de nouveau en place.")]
        st.rerun()


def page() -> None:
    st.title("Importer des données")
    flash_messages()
    status()
    upload_form()
    back_to_demo()


components.ensure_navigation()
page()
