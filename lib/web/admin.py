"""Who may change the shared dataset through the web page: an administrator, and only one.

Secure by default, as Jupyter is: the secret is `$COMEXT_ADMIN_PASSWORD`, else `password` in
the `[admin]` table of `.streamlit/secrets.toml` (the project's or the user's); when neither is
set, the process makes a one-time token at start, printed in its log with the address to open
(`/importer?jeton=…`), valid until the process stops. Without the secret, `/importer` shows the
dataset's status and history, and nothing that changes them. `$COMEXT_READ_ONLY=1` removes the
import from the app altogether (a remote dataset is always read-only, in lib.data.store itself).

Candidates are compared in constant time (on their SHA-256 digests, so that their lengths leak
nothing either); failed attempts are limited per session and for the whole process; a session
forgets its administrator status after `SESSION_S` of inactivity. Plain Python: the page keeps
the session's state, this module decides. The command line (`python -m lib.sources.ingest`) stays
for
whoever has the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from lib.core import config

ENV_PASSWORD = "COMEXT_ADMIN_PASSWORD"
ENV_READ_ONLY = "COMEXT_READ_ONLY"
SECRETS_FILES = (
    config.ROOT / ".streamlit" / "secrets.toml",
    Path.home() / ".streamlit" / "secrets.toml",
)
TOKEN_PARAM = "jeton"  # the URL parameter that carries the one-time token
SESSION_S = 30 * 60  # an administrator session forgets itself after this much inactivity
MAX_SESSION_FAILURES = 5  # failed attempts a session may make within FAILURE_WINDOW_S
MAX_PROCESS_FAILURES = 30  # failed attempts the whole process accepts within FAILURE_WINDOW_S
FAILURE_WINDOW_S = 15 * 60
MIN_PASSWORD_LENGTH = 8


def read_only() -> bool:
    """True when the app must not offer any import (`COMEXT_READ_ONLY=1`), or the dataset is
    remote (published on a web server or an object store: written elsewhere)."""
    flag = os.environ.get(ENV_READ_ONLY, "").strip().lower() in ("1", "true", "yes", "oui")
    return flag or config.is_remote(config.data_dir())


def _secrets_password() -> str | None:
    for path in SECRETS_FILES:
        try:
            with open(path, "rb") as handle:
                body = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        admin = body.get("admin")
        password = admin.get("password") if isinstance(admin, dict) else None
        if isinstance(password, str) and password:
            return password
    return None


def configured_password() -> str | None:
    """The administrator password set by the operator, if any."""
    return os.environ.get(ENV_PASSWORD) or _secrets_password()


_token_lock = threading.Lock()
_token: str | None = None


def process_token() -> str:
    """The one-time token of this process (made on first use, then always the same)."""
    global _token
    with _token_lock:
        if _token is None:
            _token = secrets.token_urlsafe(24)
        return _token


def announce(port: int | str, stream: TextIO | None = None) -> str | None:
    """Print, once per process, how to become administrator when no password is configured:
    the token and the address that carries it. Returns the line printed (None otherwise)."""
    global _announced
    if configured_password() is not None or read_only():
        return None
    with _token_lock:
        if _announced:
            return None
        _announced = True
    line = (
        "Administration (import des données) : aucun mot de passe configuré "
        f"(${ENV_PASSWORD} ou [admin] password dans .streamlit/secrets.toml) ; "
        f"jeton à usage de ce processus : http://localhost:{port}/importer?{TOKEN_PARAM}="
        f"{process_token()}"
    )
    print(line, file=stream or sys.stderr, flush=True)
    return line


_announced = False


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def is_secret(candidate: str) -> bool:
    """True when `candidate` is the configured password (or, without one, the process token).

    Constant time: digests of equal length are compared with hmac.compare_digest.
    """
    if not isinstance(candidate, str) or not candidate:
        return False
    expected = configured_password() or process_token()
    return hmac.compare_digest(_digest(candidate), _digest(expected))


@dataclass
class AttemptLimiter:
    """Failed attempts within a sliding window, per session and for the whole process."""

    per_session: int = MAX_SESSION_FAILURES
    per_process: int = MAX_PROCESS_FAILURES
    window_s: float = FAILURE_WINDOW_S
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        while self._all and now - self._all[0] > self.window_s:
            self._all.popleft()
        for key in list(self._failures):
            times = self._failures[key]
            while times and now - times[0] > self.window_s:
                times.popleft()
            if not times:
                del self._failures[key]

    def wait_s(self, session: str, now: float | None = None) -> float:
        """Seconds before `session` may try again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._prune(now)
            waits = [0.0]
            mine = self._failures.get(session, deque())
            if len(mine) >= self.per_session:
                waits.append(self.window_s - (now - mine[0]))
            if len(self._all) >= self.per_process:
                waits.append(self.window_s - (now - self._all[0]))
            return max(waits)

    def failed(self, session: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failures.setdefault(session, deque()).append(now)
            self._all.append(now)

    def succeeded(self, session: str) -> None:
        with self._lock:
            self._failures.pop(session, None)


LIMITER = AttemptLimiter()


@dataclass(frozen=True)
class Login:
    """The outcome of an attempt: admitted, or why not (a French message)."""

    admitted: bool
    message: str = ""


def attempt(session: str, candidate: str, now: float | None = None) -> Login:
    """Check a password or token for `session`, within the limits on failed attempts."""
    wait = LIMITER.wait_s(session, now)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return Login(False, f"Trop de tentatives : réessayez dans {minutes} min.")
    if is_secret(candidate):
        LIMITER.succeeded(session)
        return Login(True)
    LIMITER.failed(session, now)
    return Login(False, "Mot de passe ou jeton incorrect.")


def still_admin(last_seen: float | None, now: float | None = None) -> bool:
    """True while an administrator session has been active within SESSION_S."""
    now = time.monotonic() if now is None else now
    return last_seen is not None and now - last_seen <= SESSION_S


def weak_password_warning() -> str | None:
    """A French warning when the configured password is too short to resist guessing."""
    password = configured_password()
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"Le mot de passe d'administration fait moins de {MIN_PASSWORD_LENGTH} caractères : "
            "choisissez-en un plus long."
        )
    return None
