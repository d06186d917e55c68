"""The fiche's PDF: headless Chromium prints the document's HTML (lib/fiche/as_html.py).

Why Chromium: the HTML is already the document (A4 pages, page breaks, margin boxes), and its
charts are Plotly's SVG, which Chromium prints as vectors; printing it is what a reader's
browser would do with the HTML, so the two never differ. Chromium is Debian's (`make chromium`
installs it, as the end-to-end tests need it anyway), driven by Playwright's Python package
(pinned in requirements.txt; its own browser download is never used).

The page gets the HTML with `set_content` (no file, no server) and every request is refused:
the document needs none, so a chart that tried to fetch something would show as missing. The
page is printed once `window.ficheReady` says every chart is drawn.

`Printer` keeps one browser for many documents (the collection, lib/fiche/collection.py). The
app prints in a child process (`pdf_bytes`, `python -m lib.fiche.print_pdf IN.html OUT.pdf`): a
browser that hangs or crashes then costs a timeout, never the server, and its memory is
returned when it exits; at most MAX_CONCURRENT print at once in a process.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

CHROMIUM_ENV = "COMEXT_CHROMIUM"  # an explicit browser, else the first of CANDIDATES found
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAW_TIMEOUT_MS = 60_000
CHILD_TIMEOUT_S = 180
CHILD_MODULE = "lib.fiche.print_pdf"  # the child process, run with python -m
MAX_CONCURRENT = 1
BUSY_WAIT_S = 120

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
T = TypeVar("T")


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made here (French message, shown beside the HTML download)."""


def chromium_path() -> str | None:
    """The browser that prints, or None when none is installed."""
    explicit = os.environ.get(CHROMIUM_ENV)
    for candidate in (explicit, *CANDIDATES) if explicit else CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """Why this machine cannot print the PDF (French), or None when it can."""
    if importlib.util.find_spec("playwright") is None:
        return (
            "le module Python playwright, qui pilote Chromium pour l'impression, n'est pas "
            "installé (make venv l'installe)."
        )
    if chromium_path() is None:
        return (
            "Chromium, qui imprime la fiche en PDF, n'est pas installé sur ce serveur "
            "(make chromium l'installe)."
        )
    return None


class Printer:
    """One headless Chromium; `pdf(html)` prints a document, as many times as needed.

    Playwright's synchronous API refuses a thread where an asyncio loop runs (another
    Playwright, a notebook, a server's thread), and its objects belong to the thread that made
    them: the browser therefore lives in a thread of its own, and every call goes through it.
    """

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise PdfUnavailable(f"PDF indisponible : {reason}")
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fiche-pdf")
        self.refused: list[str] = []  # the addresses a document tried to reach (none expected)
        try:
            self._run(self._start)
        except BaseException:
            self._thread.shutdown()
            raise

    def _run(self, call: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(call, *args).result()

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium_path(), args=LAUNCH_ARGS
            )
        except BaseException:
            self._playwright.stop()
            raise

    def pdf(self, html: str, draw_timeout_ms: int = DRAW_TIMEOUT_MS) -> bytes:
        """`html` printed on A4 once its charts are drawn (`window.ficheReady`)."""
        return self._run(self._print, html, draw_timeout_ms)

    def _print(self, html: str, draw_timeout_ms: int) -> bytes:
        page = self._browser.new_page()
        try:
            page.route("**/*", self._refuse)
            page.set_content(html, wait_until="load", timeout=draw_timeout_ms)
            page.wait_for_function("window.ficheReady === true", timeout=draw_timeout_ms)
            return page.pdf(prefer_css_page_size=True, print_background=True)
        finally:
            page.close()

    def _refuse(self, route: Any) -> None:
        self.refused.append(route.request.url)
        route.abort()

    def close(self) -> None:
        try:
            self._run(self._stop)
        finally:
            self._thread.shutdown()

    def _stop(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()

    def __enter__(self) -> Printer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def pdf_bytes(html: str, draw_timeout_ms: int = DRAW_TIMEOUT_MS) -> bytes:
    """The PDF of `html`, printed by a child process (see the module docstring).

    Raises PdfUnavailable (French) when the machine cannot print, the printers are busy for
    BUSY_WAIT_S, or the child fails or runs out of time."""
    reason = unavailable_reason()
    if reason:
        raise PdfUnavailable(f"PDF indisponible : {reason}")
    if not _slots.acquire(timeout=BUSY_WAIT_S):
        raise PdfUnavailable("Trop de fiches sont en cours d'impression : réessayez plus tard.")
    try:
        with tempfile.TemporaryDirectory(prefix="fiche-") as folder:
            source, target = Path(folder, "fiche.html"), Path(folder, "fiche.pdf")
            source.write_text(html, encoding="utf-8")
            _print_in_child(source, target, draw_timeout_ms)
            return target.read_bytes()
    finally:
        _slots.release()


def _print_in_child(source: Path, target: Path, draw_timeout_ms: int) -> None:
    command = [
        sys.executable,
        "-m",
        CHILD_MODULE,
        str(source),
        str(target),
        str(draw_timeout_ms),
    ]
    root = Path(__file__).resolve().parents[2]  # the project, where `lib` is importable
    try:
        done = subprocess.run(
            command, cwd=root, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as timeout:
        raise PdfUnavailable(
            f"L'impression de la fiche a dépassé {CHILD_TIMEOUT_S} secondes."
        ) from timeout
    if done.returncode != 0 or not target.exists():
        last = (done.stderr.strip().splitlines() or ["erreur inconnue"])[-1]
        raise PdfUnavailable(f"L'impression de la fiche a échoué : {last}")


def child_main(argv: list[str] | None = None) -> int:
    """`python -m lib.fiche.print_pdf IN.html OUT.pdf [DRAW_TIMEOUT_MS]`: print one document (the
    app's child, run by lib/fiche/print_pdf/__main__.py); its last line on stderr says why it
    failed."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3) or (len(args) == 3 and not args[2].isdigit()):
        print(f"usage : python -m {CHILD_MODULE} FICHE.html FICHE.pdf [DÉLAI_MS]", file=sys.stderr)
        return 2
    source, target = Path(args[0]), Path(args[1])
    timeout = int(args[2]) if len(args) == 3 else DRAW_TIMEOUT_MS
    try:
        with Printer() as printer:
            target.write_bytes(printer.pdf(source.read_text(encoding="utf-8"), timeout))
    except Exception as error:  # the parent reports the last line of stderr: make it this one
        print(_summary(error), file=sys.stderr)
        return 1
    return 0


def _summary(error: Exception) -> str:
    """One line a reader can act on: Playwright's messages run over many lines of logs."""
    if type(error).__name__ == "TimeoutError":
        return "les graphiques ne se sont pas affichés à temps."
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__} : {first}"
