"""The Importer's upload of customs files, for the administrator: files sent, analysed in a
child process (lib.sources.ingest.prepare_in_child), previewed, then written on confirmation or
discarded."""

from __future__ import annotations

import shutil
import tempfile

import pandas as pd
import streamlit as st

from lib.core import config, flows, formatting
from lib.core.escaping import plain
from lib.data import db, industry_lists, store
from lib.sources import checks, industry_territories, ingest
from lib.web import admin
from pages.parts import access, components

ACCEPTED = ["csv", "txt", "xls", "xlsx", "zip", "parquet"]
UNIT_CHOICES = {
    None: "Détecter (euros, sauf en-tête en milliers ou classeur XLS du Kiosque)",
    "eur": "Euros",
    "keur": "Milliers d'euros",
}
PREPARED = "importer-prepared"  # the analysed files awaiting confirmation (ingest.Prepared)
ROUND = "importer-round"  # how many imports this session has made (renews the uploader)
ANCT_ROUND = "importer-anct-round"  # the same, for the ANCT file's uploader


def upload_form() -> None:
    """The administrator's uploads: customs files, then the ANCT's Territoires d'industrie
    (left out while analysed customs files await confirmation: their preview follows)."""
    customs_form()
    if PREPARED not in st.session_state:
        industry_territories_form()


def customs_form() -> None:
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
    _analyse(uploads, unit, limits)


def _analyse(uploads, unit: str | None, limits: config.UploadLimits) -> None:
    """Save the uploads, analyse them into PREPARED (or flash the error), then rerun."""
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
                paths, staging, unit=unit, on_progress=components.progress_reporter(bar),
                limits=limits,
            )  # fmt: skip
    except (ingest.IngestError, ingest.IngestFailed) as error:
        shutil.rmtree(staging, ignore_errors=True)
        components.flash([("error", str(error))])
    # Rerun on every path: only then does Streamlit drop the widget's cached copies of the
    # uploaded files, and the memory they held comes back.
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    st.rerun()


def industry_territories_form() -> None:
    """The ANCT's list of Territoires d'industrie: an uploader shown on demand (one uploader on
    the page otherwise), read and stored by the button's callback
    (lib.sources.industry_territories), reported by a one-shot message."""
    st.subheader("Territoires d'industrie (ANCT)")
    st.markdown(
        "La liste officielle des Territoires d'industrie est publiée par l'ANCT sous la forme "
        "d'un fichier CSV des communes (séparateur `;`, colonnes `insee_com`, `lib_com`, "
        "`id_ti`, `lib_ti`). Chaque fiche de département en retient les territoires qui y "
        f"comptent au moins {industry_lists.MIN_COMMUNES} communes ; le fichier importé "
        "remplace les listes des fiches publiées, pour tous les départements."
    )
    st.caption(plain(industry_lists.in_place(config.data_dir())))
    if not st.toggle("Importer le fichier de l'ANCT", key="importer-anct-open"):
        return
    limit = industry_territories.max_bytes(
        config.upload_limits(st.get_option("server.maxUploadSize"))
    )
    key = f"importer-anct-{st.session_state.get(ANCT_ROUND, 0)}"
    upload = st.file_uploader(
        "Fichier de l'ANCT (CSV)",
        type=["csv", "txt"],
        max_upload_size=max(limit // config.MB, 1),
        key=key,
    )
    st.button(
        "Importer la liste",
        disabled=upload is None,
        key="importer-anct-run",
        on_click=_import_anct,
        args=(key, limit),
    )


def _import_anct(key: str, limit: int) -> None:
    """Store the uploaded ANCT file's lists (a callback: before the page is drawn again)."""
    upload = st.session_state.get(key)
    if upload is None or admin.read_only() or not access.is_admin():
        return
    try:
        name = ingest.upload_name(upload.name)
        imported = industry_territories.import_file(upload, name, config.data_dir(), limit)
        components.flash([("success", imported.summary)])
    except (industry_territories.AnctFileError, store.ReadOnlyDataset) as error:
        components.flash([("error", str(error))])
    finally:
        _release([upload])
    st.session_state[ANCT_ROUND] = st.session_state.get(ANCT_ROUND, 0) + 1


def _release(uploads) -> None:
    """Drop the uploaded bytes from Streamlit's memory: nothing else ever frees them (neither a
    new widget key nor the end of the visit; see lib/sources/ingest/uploads.save_uploads)."""
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
        _commit(prepared)  # reruns once written; on an error, its message ends the preview
        return
    if cancel_col.button("Annuler", key="importer-cancel"):
        _discard_prepared()
        st.rerun()


def _commit(prepared: ingest.Prepared) -> None:
    """Write the analysed files (in a child process), then rerun with the report flashed."""
    bar = st.progress(0.9, text="Écriture…")
    try:
        report = ingest.commit_in_child(
            prepared,
            config.data_dir(),
            on_progress=components.progress_reporter(bar),
            by=access.WHO,
        )
    except ingest.IngestFailed as error:
        bar.empty()
        st.error(plain(error))
        return
    finally:
        _discard_prepared()
    # Rerun so that the status above, the banner and every page read the new dataset.
    components.flash(
        [("success", report.summary)] + [("warning", warning) for warning in report.warnings]
    )
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
