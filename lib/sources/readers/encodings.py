"""Text encodings of customs files: the one a file's first bytes say, and the codec of
Windows-1252 whose five undefined bytes decode as Latin-1 (what browsers do).

The codec is looked up by its name (Python's text streams and Arrow's CSV reader find it
through `codecs`), so it has to be registered. `ensure_codec()` does it, once, and every code
path that decodes by that name calls it first: importing this package registers nothing.
Each byte decodes to one character by a table, so no error handler is needed either.
"""

from __future__ import annotations

import codecs
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

CP1252_LATIN1 = "cp1252_latin1"
_CP1252 = codecs.lookup("cp1252")
_REGISTRATION = threading.Lock()


def _byte_text(byte: int) -> str:
    """The character of one byte: Windows-1252's, or Latin-1's where Windows-1252 has none."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_DECODING_TABLE = "".join(_byte_text(byte) for byte in range(256))


def _decode(data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
    return codecs.charmap_decode(data, errors, _DECODING_TABLE)


class _Decoder(codecs.IncrementalDecoder):
    """One byte, one character: nothing is kept between calls."""

    def decode(self, input: ReadableBuffer, final: bool = False) -> str:
        return _decode(input, self.errors)[0]


def _search_codec(name: str) -> codecs.CodecInfo | None:
    if name != CP1252_LATIN1:
        return None
    return codecs.CodecInfo(
        name=CP1252_LATIN1,
        encode=_CP1252.encode,
        decode=_decode,
        incrementalencoder=_CP1252.incrementalencoder,
        incrementaldecoder=_Decoder,
    )


def ensure_codec() -> None:
    """Make `CP1252_LATIN1` known to `codecs` (hence to text streams and Arrow): registered
    the first time, left as it is afterwards."""
    with _REGISTRATION:
        try:
            codecs.lookup(CP1252_LATIN1)
        except LookupError:
            codecs.register(_search_codec)


def detect_encoding(sample: bytes) -> str:
    """BOM -> utf-8-sig / utf-16; valid UTF-8 -> utf-8; otherwise Windows-1252 (Latin-1)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return CP1252_LATIN1
    return "utf-8"
