"""A file made at a download button's click (pages/parts/deferred_files.py), on Streamlit's own
MediaFileManager: collections triggered by other sessions' runs leave it alone while its
session holds the button; the session's next full run, or its end, lets it go.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from pages.parts import deferred_files

# Streamlit's own, even when an app run in this process has installed the wrapper already.
ORIGINAL = getattr(
    MediaFileManager.execute_deferred, "__wrapped__", MediaFileManager.execute_deferred
)
ALICE, BOB = "session-alice", "session-bob"


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MediaFileManager, list[str]]]:
    """A manager, and the session its calls come from (the last item of the list)."""
    current = [ALICE]
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: current[-1])
    yield MediaFileManager(MemoryMediaFileStorage("/media")), current


@pytest.fixture
def kept(manager, monkeypatch: pytest.MonkeyPatch):
    """`manager`, Streamlit's execute_deferred wrapped as deferred_files.install wraps it."""
    wrapped = deferred_files.kept_made_files(ORIGINAL)
    monkeypatch.setattr(MediaFileManager, "execute_deferred", wrapped)
    return manager


def _button(manager: MediaFileManager, data: bytes, coordinates: str = "1.2.3") -> str:
    """What a run drawing a deferred CSV button registers: its function's id."""
    return manager.add_deferred(lambda: data, "text/csv", coordinates, "pays.csv")


def _collections(manager: MediaFileManager, count: int = 3) -> None:
    """The ends of `count` runs of other sessions: each collects unreferenced files."""
    for _ in range(count):
        manager.remove_orphaned_files()


def _made_id(url: str) -> str:
    """The stored file's id in its media URL (`/media/<id>.<extension>`)."""
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _readable(manager: MediaFileManager, url: str) -> bool:
    return manager.read_file(_made_id(url)) is not None


def test_streamlit_alone_loses_the_made_file(manager, monkeypatch) -> None:
    """What the wrapper is for: without it, two collections delete the file the click made,
    before the browser fetched it (a 404), though the session still shows the button. When a
    Streamlit release keeps the file itself, this fails: the wrapper can then go."""
    monkeypatch.setattr(MediaFileManager, "execute_deferred", ORIGINAL)
    files, _ = manager
    url = files.execute_deferred(_button(files, b"a,b\n1,2\n"))
    assert _readable(files, url)
    _collections(files, 2)
    assert not _readable(files, url)


def test_the_made_file_stays_while_its_session_holds_the_button(kept) -> None:
    files, current = kept
    file_id = _button(files, b"a,b\n1,2\n")
    url = files.execute_deferred(file_id)
    _collections(files)
    assert _readable(files, url)
    assert files.read_file(_made_id(url)).content == b"a,b\n1,2\n"
    # Another session's full run starts and draws its own button: nothing of Alice's moves.
    current.append(BOB)
    files.clear_session_refs()
    _button(files, b"x\n")
    _collections(files)
    assert _readable(files, url)
    # A second click on Alice's button works too (its function is still registered).
    assert files.execute_deferred(file_id) == url
    # Alice's next full run: her references are dropped; the file goes as an eager one would.
    files.clear_session_refs(ALICE)
    _collections(files, 2)
    assert not _readable(files, url)


def test_the_file_is_its_session_s_before_its_url_is_handed_out(kept, monkeypatch) -> None:
    """No instant in which a collection could take the file: it is referenced in the same hold
    of the lock as its store (when it was referenced after Streamlit's function returned, two
    other sessions' run ends could come in between: one 404 in 1 700 at 128 sessions)."""
    files, _ = kept
    held: list[bool] = []
    get_url = files._storage.get_url

    def handing_out(file_id: str) -> str:
        held.append(file_id in files._files_by_session_and_coord[ALICE].values())
        held.append(files._lock.locked())
        return get_url(file_id)

    monkeypatch.setattr(files._storage, "get_url", handing_out)
    files.execute_deferred(_button(files, b"1\n"))
    assert held == [True, True]


def test_a_failing_function_and_an_unknown_id_answer_as_streamlit_does(kept) -> None:
    files, _ = kept
    failing = files.add_deferred(lambda: 1 / 0, "text/csv", "1.2.4", "x.csv")
    with pytest.raises(MediaFileStorageError, match="Callable execution failed"):
        files.execute_deferred(failing)
    with pytest.raises(MediaFileStorageError, match="not found"):
        files.execute_deferred("no-such-file")


def test_the_end_of_the_session_lets_the_file_go(kept) -> None:
    files, _ = kept
    url = files.execute_deferred(_button(files, b"1\n"))
    files.clear_session_refs(ALICE)  # the session ends (app_session.shutdown)
    _collections(files, 2)
    assert not _readable(files, url)


def test_a_click_after_its_session_was_cleared_leaves_no_reference(kept) -> None:
    """The function runs after the session's references were dropped (it ended, or a full
    run started and has drawn nothing yet): no reference is made again for it."""
    files, _ = kept
    file_id = _button(files, b"1\n")
    files.clear_session_refs(ALICE)
    files.execute_deferred(file_id)
    assert ALICE not in files._files_by_session_and_coord


def test_install_wraps_once(monkeypatch) -> None:
    monkeypatch.setattr(MediaFileManager, "execute_deferred", ORIGINAL)
    deferred_files.install()
    wrapped = MediaFileManager.execute_deferred
    deferred_files.install()
    assert MediaFileManager.execute_deferred is wrapped is not ORIGINAL
    assert getattr(wrapped, "keeps_made_files", False)
