"""Uploads of the Importer page: files written to disk by chunks, within the per-file and
per-import limits (`config.UploadLimits`), under names safe on any file system."""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from lib.core import config
from lib.sources.readers import IngestError

UPLOAD_CHUNK_BYTES = 1 << 20
MAX_NAME_BYTES = 200  # a file name's length on disk (file systems allow 255 bytes)


class Upload(Protocol):
    """An uploaded file: Streamlit's UploadedFile, or any binary stream with a name."""

    name: str

    def read(self, size: int = -1, /) -> bytes: ...


def upload_name(raw: str) -> str:
    """The name an uploaded file is saved (and quoted) under: its last path component, without
    control or formatting characters (line breaks, bidirectional overrides), not `.` or `..`,
    short enough for any file system."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        return "fichier"
    stem, suffix = os.path.splitext(name)
    while len((stem + suffix).encode()) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return (stem + suffix) if stem else "fichier" + suffix[:20]


def _too_big_file(name: str, limits: config.UploadLimits, size: int | None) -> IngestError:
    limit = config.size_text(limits.max_file_bytes)
    found = f"{config.size_text(size)} " if size is not None else ""
    return IngestError(
        name, None, f"fichier trop volumineux : {found}(limite : {limit} par fichier)"
    )


def _too_big_import(name: str, limits: config.UploadLimits, total: int | None) -> IngestError:
    limit = config.size_text(limits.max_import_bytes)
    found = f"{config.size_text(total)} " if total is not None else "plus "
    return IngestError(
        name,
        None,
        f"import trop volumineux : {found}avec ce fichier (limite : {limit} par import)",
    )


def check_sizes(paths: Sequence[Path], limits: config.UploadLimits) -> None:
    """Refuse a file over the per-file limit, or files over the per-import limit together."""
    total = 0
    for path in paths:
        size = path.stat().st_size
        total += size
        if size > limits.max_file_bytes:
            raise _too_big_file(path.name, limits, size)
        if total > limits.max_import_bytes:
            raise _too_big_import(path.name, limits, total)


def save_uploads(
    uploads: Sequence[Upload], folder: str | Path, limits: config.UploadLimits
) -> list[Path]:
    """Write uploaded files under `folder` (one sub-folder each: two may share a name) by
    chunks, never holding a whole file; the paths written, in order.

    A file over the per-file limit, or one that takes the files over the per-import limit,
    raises IngestError as soon as its copy passes the limit (or at once when its declared
    `size` does); everything written is then deleted.
    """
    folder = Path(folder)
    paths: list[Path] = []
    total = 0
    try:
        for index, upload in enumerate(uploads):
            name = upload_name(upload.name)
            declared = getattr(upload, "size", None)
            if isinstance(declared, int):
                if declared > limits.max_file_bytes:
                    raise _too_big_file(name, limits, declared)
                if total + declared > limits.max_import_bytes:
                    raise _too_big_import(name, limits, total + declared)
            seek = getattr(upload, "seek", None)
            if callable(seek):
                seek(0)
            target = folder / str(index) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            paths.append(target)
            size = 0
            with open(target, "wb") as sink:
                while chunk := upload.read(UPLOAD_CHUNK_BYTES):
                    size += len(chunk)
                    total += len(chunk)
                    if size > limits.max_file_bytes:
                        raise _too_big_file(name, limits, None)
                    if total > limits.max_import_bytes:
                        raise _too_big_import(name, limits, None)
                    sink.write(chunk)
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        raise
    return paths
