"""The kind of a file, from its first bytes (never from its name): Parquet, Excel 97-2003,
a ZIP container (an archive or an XLSX workbook, its directory tells which) or text.
"""

from __future__ import annotations

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 workbooks
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def head_kind(head: bytes) -> str | None:
    """`parquet`, `xls` or `text` from a file's first bytes; None for a ZIP container (an
    archive or an XLSX workbook: its directory tells which)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGICS):
        return None
    return "text"
