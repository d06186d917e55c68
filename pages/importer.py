"""Importer des données: the dataset's status and history for everyone; for the administrator
only (pages/access.py, lib/admin.py), the import of customs files, the restoration of the
previous version and the return to the demonstration data."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime

import pandas as pd
import streamlit as st

from lib import admin, checks, config, db, demo, flows, formatting, ingest, store
from lib.text import plain
from pages import access, components

SOURCE_LABELS = {
    "demo": "données de démonstration synthétiques",
    "import": "fichiers des Douanes importés",
    "mixed": "fichiers importés et années de démonstration",
    "empty": "aucune donnée",
}
ACCEPTED = ["csv", "txt", "xls", "xlsx", "zip", "parquet"]
FLASH = "importer-flash"  # messages of the last action, shown once after the rerun


FLASH_KINDS = {"success": st.success, "warning": st.warning, "error": st.error}


def flash_messages() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        # File names and codes come from the uploads: escaped before the line breaks are added.
        FLASH_KINDS[kind](plain(message).replace("\n", "  \n"))


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
    with st.expander("Détail par année et par flux"):
        st.dataframe(
            _parts_table(manifest),
            hide_index=True,
            width="stretch",
            column_config={"Année": st.column_config.NumberColumn(format="plain")},
        )


PART_SOURCES = {"demo": "démonstration", "import": "importé"}


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


def _french_datetime(iso: str) -> str:
    """`2026-11-23T15:24:04+00:00` → `23/11/2026 à 15:24 (UTC)`."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%d/%m/%Y à %H:%M") + " (UTC)"


def _progress_callback(bar):
    def report(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=plain(message))

    return report


UNIT_CHOICES = {
    None: "Détecter (euros, sauf en-tête en milliers ou classeur XLS du Kiosque)",
    "eur": "Euros",
    "keur": "Milliers d'euros",
}
PREPARED = "importer-prepared"  # the analysed files awaiting confirmation (ingest.Prepared)
ROUND = "importer-round"  # how many imports this session has made (renews the uploader)


def upload_form() -> None:
    st.subheader("Importer des fichiers des Douanes")
    st.markdown(
        "Fichiers « Statistiques régionales et départementales du commerce extérieur » tels "
        "que les Douanes les publient : un ZIP par année et par flux (fichier texte sans "
        "en-tête et fichiers de libellés), ou les classeurs XLS du Kiosque ; aussi des fichiers "
        "CSV, TXT, XLSX ou Parquet avec en-tête (Flux, Année, Trimestre ou Mois, Département, "
        "Code A129, Code CPF4, Code pays, Valeur, Masse). Déposez plusieurs fichiers à la fois "
        "(les deux flux d'une année, plusieurs années). Chaque couple (année, flux) importé "
        "remplace le même couple du jeu en place ; les autres sont conservés. Un aperçu est "
        "présenté avant toute écriture ; en cas d'erreur, rien n'est modifié."
    )
    limits = config.upload_limits(st.get_option("server.maxUploadSize"))
    st.caption(limits.text())
    # A new key after each analysis empties the uploader: the files are on disk by then, and
    # are not offered a second time.
    uploads = st.file_uploader(
        "Fichiers",
        type=ACCEPTED,
        accept_multiple_files=True,
        max_upload_size=limits.max_file_mb,
        key=f"importer-files-{st.session_state.get(ROUND, 0)}",
    )
    unit = st.radio(
        "Unité des valeurs",
        list(UNIT_CHOICES),
        format_func=UNIT_CHOICES.get,
        key="importer-unit",
        horizontal=True,
    )
    if not st.button(
        "Analyser les fichiers", type="primary", disabled=not uploads, key="importer-run"
    ):
        return
    _discard_prepared()
    ingest.remove_stale_staging()
    bar = st.progress(0.0, text="Lecture des fichiers…")
    staging = tempfile.mkdtemp(prefix=ingest.STAGING_PREFIX)
    try:
        with tempfile.TemporaryDirectory(prefix=ingest.STAGING_PREFIX) as tmp:
            try:
                paths = ingest.save_uploads(uploads, tmp, limits)  # by chunks, bounded
            finally:
                _release(uploads)
            # In a child process: parsing a large file must not swell the app's memory.
            st.session_state[PREPARED] = ingest.prepare_in_child(
                paths, staging, unit=unit, on_progress=_progress_callback(bar), limits=limits
            )
    except (ingest.IngestError, ingest.IngestFailed) as error:
        shutil.rmtree(staging, ignore_errors=True)
        st.session_state[FLASH] = [("error", str(error))]
    # Rerun on every path: only then does Streamlit drop the widget's cached copies of the
    # uploaded files, and the memory they held comes back.
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    st.rerun()


def _release(uploads) -> None:
    """Drop the uploaded bytes from Streamlit's memory: nothing else ever frees them (neither a
    new widget key nor the end of the visit; see lib/ingest.save_uploads)."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for upload in uploads:
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=upload.file_id)


def _discard_prepared() -> None:
    prepared = st.session_state.pop(PREPARED, None)
    if prepared is not None:
        ingest.discard(prepared)


def preview() -> None:
    """What the analysed files hold and what importing them will replace; confirm or cancel."""
    prepared = st.session_state.get(PREPARED)
    if prepared is None:
        return
    st.subheader("Aperçu avant import")
    st.dataframe(
        _summary_table(prepared),
        hide_index=True,
        width="stretch",
        column_config={"Année": st.column_config.NumberColumn(format="plain")},
    )
    st.markdown("**Ce que l'import va faire**")
    for line in prepared.plan_lines(db.manifest()):
        st.text(line)
    for warning in prepared.warnings:
        st.warning(plain(warning))
    confirm_col, cancel_col = st.columns(2)
    if confirm_col.button("Confirmer l'import", type="primary", key="importer-confirm-import"):
        bar = st.progress(0.9, text="Écriture…")
        try:
            report = ingest.commit_in_child(
                prepared, config.data_dir(), on_progress=_progress_callback(bar), by=access.WHO
            )
        except ingest.IngestFailed as error:
            bar.empty()
            st.error(plain(error))
            return
        finally:
            _discard_prepared()
        # Rerun so that the status above, the banner and every page read the new dataset.
        st.session_state[FLASH] = [("success", report.summary)] + [
            ("warning", warning) for warning in report.warnings
        ]
        st.rerun()
    if cancel_col.button("Annuler", key="importer-cancel"):
        _discard_prepared()
        st.rerun()


def _summary_table(prepared: ingest.Prepared) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Fichier": s.file,
                "Année": s.year,
                "Flux": flows.flow_of(s.flow).name,
                "Trimestres": checks.coverage_text(s.quarters),
                "Lignes": formatting.number(s.rows, 0),
                "Valeur": formatting.meur(s.value_eur),
            }
            for s in prepared.summaries
        ]
    )


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
                "Date": _french_datetime(event.created),
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
        f"Version du {_french_datetime(previous.created)} : "
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
        st.session_state[FLASH] = [
            ("success", f"Version {restored.version} restaurée : "
                        f"{formatting.number(restored.rows, 0)} lignes.")
        ]  # fmt: skip
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
    history()
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
    upload_form()
    preview()
    restore_previous()
    back_to_demo()


components.ensure_navigation()
page()
