"""Staging folders left in the temporary folder: previews nobody confirmed, archives' members
extracted by a process that no longer runs (removed by `remove_stale_staging`)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from lib.sources.readers import EXTRACT_PREFIX

STAGING_PREFIX = "comext-import-"
STALE_STAGING_S = 24 * 3600  # a preview nobody confirmed or cancelled within a day


def remove_stale_staging(now: float | None = None) -> int:
    """Delete the staging folders of previews abandoned for a day (a visitor who analysed files
    and left), and the folders members of archives were extracted to by a process that no
    longer runs (an import killed while reading): they would otherwise stay in the temporary
    folder. Returns how many."""
    now = time.time() if now is None else now
    removed = 0
    temporary = Path(tempfile.gettempdir())
    for folder in [*temporary.glob(f"{STAGING_PREFIX}*"), *temporary.glob(f"{EXTRACT_PREFIX}*")]:
        try:
            if not folder.is_dir():
                continue
            stale = now - folder.stat().st_mtime > STALE_STAGING_S
            if stale or (folder.name.startswith(EXTRACT_PREFIX) and _orphaned(folder.name)):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def _orphaned(extract_folder: str) -> bool:
    """True when the process whose id an extraction folder's name holds no longer runs."""
    pid_text = extract_folder.removeprefix(EXTRACT_PREFIX).split("-", 1)[0]
    if not pid_text.isascii() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process, or no such check here: assume it runs
        return False
    return False
