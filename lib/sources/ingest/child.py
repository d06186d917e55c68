"""An ingest step in a child process (the app): the app's memory never holds the files.

A 10-million-row file peaks above 1 GB while it is parsed; the app process must stay under that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from multiprocessing import Queue
from pathlib import Path
from typing import Any

from lib.core import config
from lib.data import store
from lib.sources.ingest.steps import IngestReport, Prepared, Progress, commit, ingest_files, prepare
from lib.sources.readers import IngestError


class IngestFailed(RuntimeError):
    """An ingest step run in a child process was refused (the French message of its error)."""


def _child(
    task: str, args: tuple[Any, ...], kwargs: dict[str, Any], channel: Queue[tuple[Any, ...]]
) -> None:
    """Runs in the child: reports progress, then the result, through `channel`."""
    steps: dict[str, Callable[..., object]] = {
        "prepare": prepare,
        "commit": commit,
        "ingest": ingest_files,
    }
    function = steps[task]
    try:
        result = function(
            *args, on_progress=lambda d, t, m: channel.put(("progress", d, t, m)), **kwargs
        )
        channel.put(("done", result))
    except (IngestError, store.WriteFailed) as error:
        channel.put(("refused", str(error)))
    except Exception as error:  # reported to the parent, which shows it
        channel.put(("refused", f"l'import a échoué ({type(error).__name__} : {error})."))


def _in_child(
    task: str, args: tuple[Any, ...], kwargs: dict[str, Any], on_progress: Progress | None
) -> object:
    """Run an ingest step in a fresh process, so that the app's memory never holds the files.

    A 10-million-row file peaks above 1 GB while it is parsed; the app process must stay under
    that. Progress is relayed to `on_progress` in the calling thread. Raises IngestFailed.
    """
    import multiprocessing
    import queue

    context = multiprocessing.get_context("spawn")  # no fork of a threaded server
    channel = context.Queue()
    child = context.Process(target=_child, args=(task, args, kwargs, channel), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = channel.get(timeout=0.2)
            except queue.Empty:
                if not child.is_alive():
                    raise IngestFailed(
                        f"l'import s'est arrêté (code {child.exitcode}) ; rien n'a été modifié."
                    ) from None
                continue
            if message[0] == "progress":
                if on_progress:
                    on_progress(*message[1:])
            elif message[0] == "done":
                return message[1]
            else:
                raise IngestFailed(message[1])
    finally:
        child.join(timeout=30)


def prepare_in_child(
    paths: Sequence[str | Path],
    folder: str | Path,
    unit: str | None = None,
    on_progress: Progress | None = None,
    limits: config.UploadLimits | None = None,
) -> Prepared:
    """`prepare` in a child process (the Importer page's preview), with the page's limits."""
    kwargs = {"unit": unit, "folder": str(folder), "limits": limits}
    result = _in_child("prepare", ([str(p) for p in paths],), kwargs, on_progress)
    assert isinstance(result, Prepared)
    return result


def commit_in_child(
    prepared: Prepared,
    data_dir: str | Path,
    on_progress: Progress | None = None,
    by: str | None = None,
) -> IngestReport:
    """`commit` in a child process (the Importer page's confirmation)."""
    result = _in_child("commit", (prepared, str(data_dir)), {"by": by}, on_progress)
    assert isinstance(result, IngestReport)
    return result


def ingest_in_child(
    paths: Sequence[str | Path], data_dir: str | Path, on_progress: Progress | None = None
) -> IngestReport:
    """`ingest_files` in a child process."""
    result = _in_child("ingest", ([str(p) for p in paths], str(data_dir)), {}, on_progress)
    assert isinstance(result, IngestReport)
    return result
