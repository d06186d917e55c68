"""The ZIP limits of one import (`config.ZipLimits`), counted over every archive, nested
archive and XLSX workbook of the import together.

ZIP archives (and XLSX workbooks, which are ZIP files too) are hostile input until proven
otherwise: total uncompressed size, compression ratio per member and number of entries are
bounded, and a member whose path is absolute or climbs out with `..` is refused. They are
checked from the archive's directory before anything is read out of it (`ZipBudget`), a
member's compressed size bounded by where the next one starts, whatever the directory declares.
They are checked again while reading, every byte counted as it is decompressed (`Meter`):
zipfile itself never lets a member yield more than its declared size (it then fails the
checksum), so the count is a second line, not the only one.
"""

from __future__ import annotations

import bisect
import re
import zipfile
from dataclasses import dataclass

from lib.core import config, formatting
from lib.sources.readers.errors import IngestError

# A member this small is never refused for its compression ratio: a short, repetitive file may
# compress far beyond the limit and is harmless; the total size bounds many of them together.
RATIO_MIN_BYTES = 1 << 20


@dataclass(frozen=True)
class Words:
    """How the messages name a ZIP container: an archive, or an XLSX workbook (also a ZIP)."""

    too_big: str
    too_compressed: str
    too_many: str
    refused: str


ARCHIVE_WORDS = Words(
    "archive trop volumineuse une fois décompressée",
    "archive trop compressée",
    "archive de trop de fichiers",
    "archive refusée",
)
WORKBOOK_WORDS = Words(
    "classeur XLSX trop volumineux une fois décompressé",
    "classeur XLSX trop compressé",
    "classeur XLSX de trop de fichiers",
    "classeur XLSX refusé",
)


class ZipBudget:
    """What the ZIP containers of one import may still hold: entries, and bytes read out of
    them, counted over every archive, nested archive and workbook of the import."""

    def __init__(self, limits: config.ZipLimits | None = None) -> None:
        self.limits = limits or config.zip_limits()
        self.members = 0  # entries of the containers opened so far
        self.uncompressed = 0  # bytes read out of them so far (declared sizes for workbooks)

    def _scope(self, before: int, total: str) -> str:
        """`, 2,5 Go avec les fichiers déjà lus` when earlier containers count too."""
        return f", {total} avec les fichiers déjà lus" if before else ""

    def check_entries(self, count: int, capped: bool, name: str, words: Words) -> None:
        """Refuse a container of `count` entries (at least, when `capped`) when the import may
        not hold that many more."""
        limit = self.limits.max_members
        if self.members + count <= limit:
            return
        found = f"plus de {_count(count - 1)}" if capped else _count(count)
        scope = self._scope(self.members, _count(self.members + count))
        message = f"{words.too_many} : {found}{scope} (limite : {_count(limit)})"
        raise IngestError(name, None, message)

    def check_directory(self, archive: zipfile.ZipFile, name: str, words: Words) -> list[int]:
        """Refuse a container whose directory breaks a limit; else count its entries and return
        what each member (in directory order) may yield before its ratio is refused."""
        infos = archive.infolist()
        for info in infos:
            if _escapes(info.filename):
                raise IngestError(
                    name,
                    None,
                    f"{words.refused} : chemin « {info.filename[:200]} » hors de l'archive "
                    "(chemin absolu ou remontant avec « .. »)",
                )
        limits = self.limits
        declared = sum(info.file_size for info in infos)
        if self.uncompressed + declared > limits.max_uncompressed_bytes:
            scope = self._scope(self.uncompressed, config.size_text(self.uncompressed + declared))
            raise IngestError(
                name,
                None,
                f"{words.too_big} : {config.size_text(declared)}{scope} "
                f"(limite : {config.size_text(limits.max_uncompressed_bytes)})",
            )
        allowances: list[int] = []
        for info, compressed in zip(infos, _compressed_sizes(archive, infos), strict=True):
            allowance = max(int(limits.max_ratio * compressed), RATIO_MIN_BYTES)
            if info.file_size > allowance:
                ratio = _count(info.file_size / max(compressed, 1))
                raise IngestError(
                    name,
                    None,
                    f"{words.too_compressed} : « {info.filename[:200]} » se décompresse à "
                    f"{ratio}:1 (limite : {_count(limits.max_ratio)}:1)",
                )
            allowances.append(allowance)
        self.members += len(infos)
        return allowances


def _count(number: float) -> str:
    return formatting.number(number, 0)


def _escapes(filename: str) -> bool:
    """An absolute member path, or one climbing out of the archive with `..`."""
    path = filename.replace("\\", "/")
    absolute = path.startswith("/") or re.match(r"[A-Za-z]:", path) is not None
    return absolute or ".." in path.split("/")


def _compressed_sizes(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[int]:
    """Each member's compressed size, as the archive's layout bounds it: its data lies between
    its header and the next header (or the directory), whatever size the directory declares
    (a directory claiming a large compressed size would hide a member's true ratio)."""
    end = getattr(archive, "start_dir", None)
    offsets = sorted({info.header_offset for info in infos})
    sizes = []
    for info in infos:
        after = bisect.bisect_right(offsets, info.header_offset)
        following = offsets[after] if after < len(offsets) else end
        extent = info.compress_size if following is None else following - info.header_offset
        sizes.append(max(min(info.compress_size, extent), 0))
    return sizes


@dataclass
class Meter:
    """The bytes read out of one member, over every pass, counted against the import's budget
    while they are read (declared sizes can lie)."""

    budget: ZipBudget
    archive: str  # the archive's name, for the messages
    member: str  # the member's path in the archive
    allowance: int  # what it may yield before its compression ratio is refused
    seen: int = 0  # the furthest any pass has read

    def reached(self, position: int) -> None:
        """A pass has read `position` bytes of the member: refuse it past a limit."""
        if position <= self.seen:
            return
        self.budget.uncompressed += position - self.seen
        self.seen = position
        limits = self.budget.limits
        if self.budget.uncompressed > limits.max_uncompressed_bytes:
            raise IngestError(
                self.archive,
                None,
                f"{ARCHIVE_WORDS.too_big} : limite de "
                f"{config.size_text(limits.max_uncompressed_bytes)} dépassée à la lecture de "
                f"« {self.member[:200]} »",
            )
        if position > self.allowance:
            raise IngestError(
                self.archive,
                None,
                f"{ARCHIVE_WORDS.too_compressed} : « {self.member[:200]} » dépasse "
                f"{_count(limits.max_ratio)}:1 à la lecture",
            )
