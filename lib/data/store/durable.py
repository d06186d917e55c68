"""Files of the dataset written so that a crash leaves them whole: fsynced temporary files
swapped by an atomic rename, one writer at a time per folder, and no write to a remote dataset."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from lib.core.sql import literal

LOCK = ".lock"


@contextlib.contextmanager
def writer_lock(data_dir: Path) -> Iterator[None]:
    """One writer at a time per folder, across processes (a dataset's, the open-data cache's);
    readers never take it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def link_or_copy(origin: Path, target: Path) -> None:
    try:
        os.link(origin, target)
    except OSError:
        shutil.copy2(origin, target)


def write_durably(path: Path, text: str) -> None:
    """Write `text` to `path` through a fsynced temporary file and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        else:
            fsync_dir(path)
    fsync_dir(root)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def path_literal(path: Path) -> str:
    """A file of the dataset in SQL (COPY … TO and read_parquet take no bound parameters)."""
    return literal(str(path))


class ReadOnlyDataset(Exception):
    """A write was asked of a dataset that cannot be written here (French message)."""


def refuse_remote(data_dir: str | Path) -> None:
    from lib.core import config

    if config.is_remote(str(data_dir)):
        raise ReadOnlyDataset(
            f"le jeu de données « {data_dir} » est distant, donc en lecture seule : on importe "
            "dans un dossier local, que l'on publie ensuite."
        )
