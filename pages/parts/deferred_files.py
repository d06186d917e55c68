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

`install` replaces `MediaFileManager.execute_deferred` with Streamlit's own steps but one: the
file it stores is referenced by the session that registered the button, at the button's
coordinates (with a suffix of its own: the button's deferred function stays registered there
for another click), in the same hold of the manager's lock as the store, before its URL is
handed out. So it is kept exactly as an eager file is: collected after that session's next full
run, or when the session ends. (Referencing it just after Streamlit's function returned left an
instant, between two holds of the lock, in which two collections could still delete it: one
`404` in 1 700 downloads at 128 sessions, bench.load 2026-12-06.) Idempotent; called by serve.py
and streamlit_app.py. tests/test_deferred_files.py checks it on Streamlit's own manager.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from streamlit.runtime.download_data_util import convert_data_to_bytes_and_infer_mime
from streamlit.runtime.media_file_manager import MediaFileManager, MediaFileMetadata
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
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
    """`original` (MediaFileManager.execute_deferred, Streamlit 1.67) made again, its file
    referenced by the session that registered the button before its URL is handed out. Any
    other storage than Streamlit's in memory, or an unknown id, is left to `original`."""

    @functools.wraps(original)  # __wrapped__: Streamlit's own, for the tests
    def execute_deferred(manager: MediaFileManager, file_id: str) -> str:
        with manager._lock:
            entry = manager._deferred_callables.get(file_id)
        if entry is None or not isinstance(manager._storage, MemoryMediaFileStorage):
            return original(manager, file_id)
        try:
            data = entry["callable"]()
        except Exception as error:  # Streamlit's own message, as `original` raises it
            raise MediaFileStorageError(f"Callable execution failed: {error}") from error
        content, inferred = convert_data_to_bytes_and_infer_mime(
            data,
            unsupported_error=MediaFileStorageError(
                f"Callable returned unsupported type: {type(data)}"
            ),
        )
        with manager._lock:
            made = manager._storage.load_and_get_id(
                content,
                entry["mimetype"] or inferred,
                MediaFileKind.DOWNLOADABLE,
                entry["filename"],
            )
            manager._file_metadata[made] = MediaFileMetadata(kind=MediaFileKind.DOWNLOADABLE)
            refs = manager._files_by_session_and_coord.get(entry["session_id"])
            if refs is not None:  # a session that has ended holds nothing: collected as before
                refs[entry["coordinates"] + MADE_SUFFIX] = made
            return manager._storage.get_url(made)

    execute_deferred.keeps_made_files = True  # type: ignore[attr-defined]
    return execute_deferred
