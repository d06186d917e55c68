"""Who may change the data on /importer: AppTest of the page, as an anonymous visitor, with a
wrong and a right password, with the process token in the address, and in read-only mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core import config
from lib.data import db
from lib.web import admin
from tests.test_pages import open_page

PASSWORD = "un-mot-de-passe-assez-long"


@pytest.fixture(autouse=True)
def _fresh(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    monkeypatch.delenv(admin.ENV_READ_ONLY, raising=False)
    monkeypatch.setattr(admin, "LIMITER", admin.AttemptLimiter())
    monkeypatch.setattr(admin, "SECRETS_FILES", ())
    db.reset()


def _uploaders(at) -> int:
    return len(at.get("file_uploader"))


def _log_in(at, candidate: str):
    at.text_input(key="admin-password").input(candidate)
    return next(b for b in at.button if b.label == "Se connecter").click().run()


def test_an_anonymous_visitor_sees_status_and_no_upload(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    at = open_page("importer")
    assert "2015 à 2024" in "\n".join(m.value for m in at.markdown)
    assert _uploaders(at) == 0
    labels = {b.label for b in at.button}
    assert "Revenir aux données de démonstration" not in labels
    assert "Restaurer" not in labels
    assert "Se connecter" in labels


def test_a_wrong_password_is_refused_then_the_right_one_admits(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    at = open_page("importer")
    at = _log_in(at, "mauvais")
    assert any("incorrect" in e.value for e in at.error)
    assert _uploaders(at) == 0
    at = _log_in(at, PASSWORD)
    assert not at.exception
    assert _uploaders(at) == 1
    assert "Revenir aux données de démonstration" in {b.label for b in at.button}
    at = next(b for b in at.button if b.label == "Se déconnecter").click().run()
    assert _uploaders(at) == 0


def test_attempts_are_limited(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    at = open_page("importer")
    for _ in range(admin.MAX_SESSION_FAILURES):
        at = _log_in(at, "mauvais")
    at = _log_in(at, PASSWORD)  # even the right one, once the session has failed too often
    assert any("Trop de tentatives" in e.value for e in at.error)
    assert _uploaders(at) == 0


def test_without_a_password_the_process_token_in_the_address_admits() -> None:
    at = open_page("importer")
    assert _uploaders(at) == 0
    at.query_params[admin.TOKEN_PARAM] = admin.process_token()
    at.run()
    assert _uploaders(at) == 1
    assert admin.TOKEN_PARAM not in at.query_params  # removed from the address at once


def test_a_wrong_token_in_the_address_is_refused() -> None:
    at = open_page("importer", jeton="pas-le-jeton")
    assert _uploaders(at) == 0
    assert any("incorrect" in e.value for e in at.error)


def test_read_only_removes_the_import(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    monkeypatch.setenv(admin.ENV_READ_ONLY, "1")
    at = open_page("importer")
    assert _uploaders(at) == 0
    assert "Se connecter" not in {b.label for b in at.button}
    assert any("lecture seule" in i.value for i in at.info)


def test_uploads_of_sessions_that_are_gone_are_freed(monkeypatch) -> None:
    from streamlit.runtime import Runtime
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    from pages.parts import components

    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    for session in ("present", "gone"):
        manager.add_file(session, UploadedFileRec("f1", "a.zip", "application/zip", b"x" * 10))

    class FakeRuntime:
        uploaded_file_mgr = manager

        def is_active_session(self, session_id: str) -> bool:
            return session_id == "present"

    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: FakeRuntime()))
    components.release_abandoned_uploads()
    assert set(manager.file_storage) == {"present"}
