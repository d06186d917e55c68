"""Administrator sessions on the Importer page (the rules live in lib/web/admin.py).

A session becomes administrator with the configured password, or with the process's one-time
token (`/importer?jeton=…`, removed from the address at once), and stays so while it is active
within admin.SESSION_S. Not a page: st.navigation lists the pages explicitly.
"""

from __future__ import annotations

import time
import uuid

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.web import admin, uploadgate

SEEN = "admin-seen"  # monotonic time of the administrator's last action in this session
SESSION_KEY = "admin-session-key"  # a random id of this browser session, for the limiter
WHO = "administrateur (page Importer)"
PASSWORD_KEY = "admin-password"
REFUSAL = "admin-refusal"  # the refusal of the last attempt, shown once


def _session_key() -> str:
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = uuid.uuid4().hex
    return st.session_state[SESSION_KEY]


def announce() -> None:
    """Print the one-time token in the server log, once per process, when no password is set."""
    admin.announce(st.get_option("server.port"))


def _streamlit_session() -> str | None:
    """This session's Streamlit id: the one its uploads carry (lib/web/uploadgate.py)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def is_admin() -> bool:
    """True while this session is administrator; each call counts as activity, and keeps
    the session's uploads allowed (lib/web/uploadgate.py) as long as it stays administrator."""
    session = _streamlit_session()
    if not admin.still_admin(st.session_state.get(SEEN)):
        st.session_state.pop(SEEN, None)
        if session is not None:
            uploadgate.GATE.close(session)
        return False
    st.session_state[SEEN] = time.monotonic()
    if session is not None:
        uploadgate.GATE.open(session)
    return True


def _try(candidate: str) -> str | None:
    """Admit this session with `candidate`; the French refusal otherwise."""
    login = admin.attempt(_session_key(), candidate)
    if login.admitted:
        st.session_state[SEEN] = time.monotonic()
        return None
    return login.message


def token_from_url() -> None:
    """Use, then remove, a token carried by the address (so it stays in no history)."""
    token = st.query_params.get(admin.TOKEN_PARAM)
    if token is None:
        return
    del st.query_params[admin.TOKEN_PARAM]
    refusal = _try(token)
    if refusal:
        st.error(refusal)


def login_form() -> None:
    st.subheader("Administration")
    st.markdown(
        "Importer des fichiers, restaurer une version ou revenir aux données de démonstration "
        "change les données de tous les visiteurs : c'est réservé à l'administrateur du site."
    )
    if admin.configured_password() is None:
        st.caption(
            "Aucun mot de passe n'est configuré : le jeton de ce serveur est écrit dans son "
            "journal, avec l'adresse à ouvrir."
        )
    field, _ = st.columns([2, 3])
    field.text_input("Mot de passe ou jeton", type="password", key=PASSWORD_KEY)
    st.button("Se connecter", key="admin-login", on_click=_on_login)
    refusal = st.session_state.pop(REFUSAL, None)
    if refusal:
        st.error(refusal)


def _on_login() -> None:
    """Try the typed secret, then forget it (a callback: it runs before the widgets exist)."""
    candidate = st.session_state.get(PASSWORD_KEY) or ""
    st.session_state[PASSWORD_KEY] = ""
    refusal = _try(candidate)
    if refusal:
        st.session_state[REFUSAL] = refusal


def logout_button() -> None:
    st.caption(
        f"Session d'administration : elle prend fin après {admin.SESSION_S // 60} min "
        "d'inactivité, à la fermeture de l'onglet ou avec ce bouton."
    )
    st.button("Se déconnecter", key="admin-logout", on_click=_on_logout)


def _on_logout() -> None:
    st.session_state.pop(SEEN, None)
    session = _streamlit_session()
    if session is not None:
        uploadgate.GATE.close(session)
