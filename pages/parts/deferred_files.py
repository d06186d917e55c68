"""A file made at a download button's click stays downloadable while its session holds it.

Every download button of the app makes its file at the click (a function given to
`st.download_button`: the tables' CSVs and workbooks, the fiche's PDF and HTML). Streamlit
(1.67, runtime/media_file_manager.py) runs the function when the browser asks for it over the
websocket, stores the file and answers its URL, which the browser then fetches. But it leaves
that file referenced by no session, and the end of *any* session's run collects files no session
references: the first pass marks a downloadable file, the second deletes it. With a few dozen
visitors, two runs end between the answer and the browser's request often enough: bench.load's
clients met `404`s on CSV downloads from 14 sessions on, 37 in 48 visits of 24 sessions without
think times (2026-12-06). An eager file (bytes given to the button) never had this: it is
referenced by its session until the session's next full run.

`install` wraps `MediaFileManager.execute_deferred` so that the file it made is referenced by the
session that asked for it, at the button's coordinates (with a suffix of its own: the
button's deferred function stays registered there for another click), exactly as an eager
file is: collected after that session's next full run, or when the session ends. Idempotent;
called by serve.py and streamlit_app.py. tests/test_deferred_files.py checks it on Streamlit's
own manager.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from streamlit.runtime.media_file_manager import MediaFileManager, MediaFileMetadata
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

MADE_SUFFIX = "-made"  # the made file's coordinates: the button's, with this suffix


def install() -> None:
    original = MediaFileManager.execute_deferred
    if getattr(original, "keeps_made_files", False):
        return
    MediaFileManager.execute_deferred = kept_made_files(original)  # type: ignore[method-assign]


def kept_made_files(
    original: Callable[[MediaFileManager, str], str],
) -> Callable[[MediaFileManager, str], str]:
    """`original` (MediaFileManager.execute_deferred), its file then referenced by the session
    that registered the button."""

    @functools.wraps(original)  # __wrapped__: Streamlit's own, for the tests
    def execute_deferred(manager: MediaFileManager, file_id: str) -> str:
        with manager._lock:
            entry = manager._deferred_callables.get(file_id)
        url = original(manager, file_id)
        if entry is not None and isinstance(manager._storage, MemoryMediaFileStorage):
            _reference(manager, made_id(url), entry["session_id"], entry["coordinates"])
        return url

    execute_deferred.keeps_made_files = True  # type: ignore[attr-defined]
    return execute_deferred


def made_id(url: str) -> str:
    """The stored file's id in its media URL (`/media/<id>.<extension>`)."""
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _reference(manager: MediaFileManager, made: str, session_id: str, coordinates: str) -> None:
    with manager._lock:
        refs = manager._files_by_session_and_coord
        # A session that has ended holds nothing: its file is collected as before.
        if made not in manager._file_metadata or session_id not in refs:
            return
        refs[session_id][coordinates + MADE_SUFFIX] = made
        # A collection may have marked it in the instant before: unmarked, it is the
        # session's like any file it references.
        manager._file_metadata[made] = MediaFileMetadata(kind=manager._file_metadata[made].kind)
