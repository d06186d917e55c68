"""ZIP archives: their directory checked against the import's limits (`zip_budget`), their
data members read one by one, each by the reader of its kind.

Members are read as streams where the reader allows: a label file's rows and a notice (skipped
after its first rows) never touch the disk. A data file, workbook, Parquet file or nested
archive is copied to a temporary file first, because its reader needs a seekable file: Arrow's
CSV reader parses a large text file in byte ranges in parallel threads and reads it again to
locate an error's line; openpyxl, xlrd, Parquet and zipfile (whose directory is at the end)
seek too. The copy is counted chunk by chunk before each is written: it stops as soon as a
limit is passed and the partial file is deleted. The temporary folders are named after the
process (`extract_prefix`), so that those of a process killed mid-import can be removed.

A member is read by the `ReadMember` the entry point passes in (`dispatch`), which keeps the
dependencies pointing one way: this module knows nothing of the formats it finds inside.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa

from lib.sources.readers.context import FileProgress, ReadContext
from lib.sources.readers.detect import head_kind
from lib.sources.readers.errors import FORMATS_FR, IngestError
from lib.sources.readers.headers import match_header
from lib.sources.readers.text import SAMPLE_BYTES, label_rows, looks_like_data, sniff_sample
from lib.sources.readers.zip_budget import ARCHIVE_WORDS, WORKBOOK_WORDS, Meter, ZipBudget

DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xls", ".xlsx", ".xlsm", ".parquet", ".pq", ".zip")
COPY_BYTES = 1 << 20  # a member is copied to disk by chunks of this size
_CENTRAL_ENTRY = 46  # bytes of a central directory entry before its name, extra field, comment
# Reads an extracted member: (its file, its name, progress, archives it is in, context).
ReadMember = Callable[[Path, str, FileProgress, int, ReadContext], Iterator[pa.RecordBatch]]


_WORKBOOK_PARTS = frozenset({b"[Content_Types].xml", b"xl/workbook.xml"})


def _directory_summary(path: Path, cap: int) -> tuple[int, bool]:
    """How many entries a ZIP's central directory holds (`cap` at most) and whether it is an
    XLSX workbook, read from the entries' headers before zipfile builds an object for each: a
    directory of millions of tiny entries would take gigabytes of memory.

    (0, False) when the directory cannot be found: zipfile then says why the file is unreadable.
    """
    with open(path, "rb") as handle:
        try:
            end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
        except (OSError, zipfile.BadZipFile, struct.error):
            end = None
        if not end:
            return 0, False
        size = end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
        start = end[zipfile._ECD_LOCATION] - size  # type: ignore[attr-defined]
        if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:  # type: ignore[attr-defined]
            start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator  # type: ignore[attr-defined]
        if start < 0:
            return 0, False
        handle.seek(start)
        count = read = 0
        parts: set[bytes] = set()
        while read < size and count < cap:
            head = handle.read(_CENTRAL_ENTRY)
            if len(head) < _CENTRAL_ENTRY or not head.startswith(b"PK\x01\x02"):
                break
            name_size, extra_size, comment_size = struct.unpack_from("<3H", head, 28)
            entry_name = handle.read(name_size)
            if entry_name in _WORKBOOK_PARTS:
                parts.add(entry_name)
            handle.seek(extra_size + comment_size, io.SEEK_CUR)
            read += _CENTRAL_ENTRY + name_size + extra_size + comment_size
            count += 1
    return count, parts == _WORKBOOK_PARTS


class _MemberStream(io.RawIOBase):
    """A member of an archive read as a stream, every byte counted by its meter."""

    def __init__(self, source: IO[bytes], meter: Meter) -> None:
        super().__init__()
        self._source = source
        self._meter = meter
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        self._position += len(data)
        self._meter.reached(self._position)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._source.close()
        super().close()


@contextlib.contextmanager
def _member_errors(member: str) -> Iterator[None]:
    """zipfile's errors on a member, as the IngestError that names it."""
    try:
        yield
    except NotImplementedError as error:  # a compression method zipfile lacks
        raise IngestError(member, None, f"fichier de l'archive illisible ({error})") from None
    except RuntimeError:  # an encrypted member
        raise IngestError(member, None, "fichier protégé par un mot de passe") from None
    except OSError as error:
        if error.errno in FULL_DISK:  # writing the extracted file failed, not reading it
            raise IngestError(
                member,
                None,
                f"extraction impossible : disque plein ou taille de fichier limitée ({error}) ; "
                "rien n'a été modifié",
            ) from None
        raise IngestError(member, None, f"fichier de l'archive illisible ({error})") from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise IngestError(member, None, f"fichier de l'archive illisible ({error})") from None


EXTRACT_PREFIX = "comext-extract-"
# Errors of writing, not of reading: the extracted file could not be written.
FULL_DISK = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def extract_prefix(pid: int | None = None) -> str:
    """The prefix of the temporary folders a process extracts members to: its process id says
    whose they are, so that those of a process that was killed can be removed
    (`ingest.remove_stale_staging`)."""
    return f"{EXTRACT_PREFIX}{os.getpid() if pid is None else pid}-"


def _is_data_member(info: zipfile.ZipInfo) -> bool:
    parts = Path(info.filename).parts
    hidden = any(p.startswith(".") or p == "__MACOSX" for p in parts)
    return not info.is_dir() and not hidden and info.filename.lower().endswith(DATA_SUFFIXES)


@dataclass
class Container:
    """An open ZIP container whose directory passed the checks."""

    archive: zipfile.ZipFile
    allowances: list[int]  # per member in directory order: what it may yield (its ratio)
    workbook: bool  # an XLSX workbook rather than an archive of files


def open_container(path: Path, name: str, budget: ZipBudget) -> Container:
    """A ZIP container opened once its directory is within the import's limits (entries,
    paths, declared sizes, compression ratios). Nothing is read out of it yet."""
    cap = 10 * budget.limits.max_members + 1
    count, workbook = _directory_summary(path, cap)
    words = WORKBOOK_WORDS if workbook else ARCHIVE_WORDS
    budget.check_entries(count, count >= cap, name, words)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise IngestError(name, None, f"archive ZIP illisible ({error})") from None
    try:
        budget.check_entries(len(archive.infolist()), False, name, words)
        allowances = budget.check_directory(archive, name, words)
    except BaseException:
        archive.close()
        raise
    return Container(archive, allowances, workbook)


def zip_batches(
    container: Container,
    name: str,
    progress: FileProgress,
    depth: int,
    context: ReadContext,
    read_member: ReadMember,
) -> Iterator[pa.RecordBatch]:
    """The batches of an archive's data members, each read by `read_member` (`depth` counts
    the archives this one is in)."""
    archive = container.archive
    found = False
    with archive, tempfile.TemporaryDirectory(prefix=extract_prefix()) as folder:
        infos = archive.infolist()
        members = [(i, info) for i, info in enumerate(infos) if _is_data_member(info)]
        total = max(sum(info.file_size for _, info in members), 1)
        done = 0
        for index, info in members:
            member = f"{name}/{info.filename}"
            meter = Meter(context.budget, name, info.filename, container.allowances[index])
            if not _streamed(archive, info, member, meter, context):
                target = Path(folder) / f"{index}{Path(info.filename).suffix.lower()}"
                _extract(archive, info, target, member, meter)

                def scaled(fraction: float, done: int = done, size: int = info.file_size) -> None:
                    progress((done + fraction * size) / total)

                for batch in read_member(target, member, scaled, depth + 1, context):
                    found = True
                    yield batch
                target.unlink()
            done += info.file_size
    if not found:
        raise IngestError(
            name, None, f"l'archive ne contient aucun fichier de données ({FORMATS_FR})"
        )


def _streamed(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    member: str,
    meter: Meter,
    context: ReadContext,
) -> bool:
    """True when a member was dealt with from the archive's stream, never written to disk: a
    label file (its rows read as they are decompressed) or a notice (skipped). Data files,
    workbooks, Parquet files and nested archives are extracted (see the module docstring)."""

    def reopen() -> IO[bytes]:
        with _member_errors(member):
            source = archive.open(info)
        return io.BufferedReader(_MemberStream(source, meter), SAMPLE_BYTES)

    with _member_errors(member):
        with reopen() as stream:
            sample = stream.read(SAMPLE_BYTES)
        if head_kind(sample) != "text":
            return False
        fmt = sniff_sample(sample, member)
        if fmt.labels:
            context.labels.extend(label_rows(reopen, member, fmt))
            return True
        layout = fmt.layout or match_header(fmt.header)
        return not layout.positions and not looks_like_data(reopen, fmt)


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, member: str, meter: Meter
) -> None:
    """Copy a member to `target` by chunks, each counted before it is written: the copy stops
    as soon as a limit is passed, and the partial file is deleted."""
    try:
        with _member_errors(member), archive.open(info) as source, open(target, "wb") as sink:
            position = 0
            while chunk := source.read(COPY_BYTES):
                position += len(chunk)
                meter.reached(position)
                sink.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
