"""lib/web/admin.py: the secret, its comparison, the limits on failed attempts, the session's
expiry, read-only mode; and the one-time token printed once per process."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lib.core import config
from lib.web import admin

PASSWORD = "un-mot-de-passe-assez-long"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(admin.ENV_PASSWORD, raising=False)
    monkeypatch.delenv(admin.ENV_READ_ONLY, raising=False)
    monkeypatch.setattr(admin, "SECRETS_FILES", ())
    monkeypatch.setattr(admin, "LIMITER", admin.AttemptLimiter())
    monkeypatch.setattr(admin, "_announced", False)


def test_the_environment_password_is_the_secret(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    assert admin.is_secret(PASSWORD)
    assert not admin.is_secret(PASSWORD + " ")
    assert not admin.is_secret(PASSWORD[:-1])
    assert not admin.is_secret("")
    assert not admin.is_secret(admin.process_token())  # a password replaces the token


def test_the_secrets_file_password(tmp_path: Path, monkeypatch) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[admin]\npassword = "depuis-le-fichier-secrets"\n', encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text("[admin\npassword=", encoding="utf-8")
    monkeypatch.setattr(admin, "SECRETS_FILES", (broken, tmp_path / "absent.toml", secrets))
    assert admin.configured_password() == "depuis-le-fichier-secrets"
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)  # the environment wins
    assert admin.configured_password() == PASSWORD


def test_without_a_password_the_process_token_is_the_secret() -> None:
    token = admin.process_token()
    assert token == admin.process_token() and len(token) >= 24
    assert admin.is_secret(token)
    assert not admin.is_secret(token[:-1])


def test_the_token_is_announced_once_with_its_address() -> None:
    out = io.StringIO()
    line = admin.announce(8501, out)
    assert line and f"http://localhost:8501/importer?jeton={admin.process_token()}" in line
    assert admin.announce(8501, out) is None
    assert out.getvalue().count("jeton=") == 1


def test_no_announcement_when_a_password_is_set(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    out = io.StringIO()
    assert admin.announce(8501, out) is None and out.getvalue() == ""


def test_failed_attempts_are_limited_per_session_and_per_process(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    limiter = admin.AttemptLimiter(per_session=3, per_process=5, window_s=100)
    monkeypatch.setattr(admin, "LIMITER", limiter)
    for _ in range(3):
        assert admin.attempt("a", "faux", now=0).message == "Mot de passe ou jeton incorrect."
    refused = admin.attempt("a", PASSWORD, now=1)
    assert not refused.admitted and "Trop de tentatives" in refused.message
    assert admin.attempt("b", PASSWORD, now=1).admitted  # another session is not blocked
    admin.attempt("c", "faux", now=2)
    admin.attempt("d", "faux", now=2)
    # Five failures in the window: the whole process refuses, whoever tries.
    assert "Trop de tentatives" in admin.attempt("e", PASSWORD, now=3).message
    # Once the window has passed, the right secret is accepted again.
    assert admin.attempt("a", PASSWORD, now=200).admitted


def test_an_admin_session_expires_after_inactivity() -> None:
    assert admin.still_admin(100.0, now=100.0 + admin.SESSION_S)
    assert not admin.still_admin(100.0, now=100.0 + admin.SESSION_S + 1)
    assert not admin.still_admin(None, now=0.0)


def test_read_only_by_flag_or_by_remote_dataset(monkeypatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, "/tmp/data")
    assert not admin.read_only()
    monkeypatch.setenv(admin.ENV_READ_ONLY, "1")
    assert admin.read_only()
    monkeypatch.setenv(admin.ENV_READ_ONLY, "0")
    monkeypatch.setenv(config.ENV_DATA_DIR, "https://example.org/donnees/")
    assert admin.read_only()


def test_a_short_password_is_warned_about(monkeypatch) -> None:
    monkeypatch.setenv(admin.ENV_PASSWORD, "court")
    assert "moins de" in admin.weak_password_warning()
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    assert admin.weak_password_warning() is None
