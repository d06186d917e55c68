"""The on-disk dataset: a manifest that names one Parquet file per year, replaced atomically.

    DATA_DIR/dataset.json               the manifest, the single commit point
    DATA_DIR/v-<version>/year=YYYY/data.parquet

One concern per module: `manifest` (what dataset.json says, read from disk), `writer` (a new
version written then committed, upgrade, rollback), `durable` (fsynced files, the writers' lock,
no write to a remote dataset), `damage` (`check`: damaged files), `history` (the changes as
French lines), `cli` (`python -m lib.data.store`, run by `__main__`).

The package is the store's one public face: callers write `from lib.data import store` and
`store.write_years(…)`, `store.Manifest`…, whichever module holds the name.
"""

from lib.data.store.damage import Damage, check, check_report
from lib.data.store.durable import ReadOnlyDataset, refuse_remote, write_durably, writer_lock
from lib.data.store.history import ACTIONS, event_line
from lib.data.store.manifest import (
    DATA_FILE,
    DERIVED,
    LABELS_FILE,
    LAYOUT,
    LAYOUT_3_COLUMNS,
    MANIFEST,
    PREVIOUS_MANIFEST,
    Change,
    Event,
    Manifest,
    Pair,
    Part,
    manifest_stamp,
    plan,
    read_manifest,
    read_previous,
    version_files,
)
from lib.data.store.writer import (
    LABEL_OPEN_END,
    NothingToRestore,
    Progress,
    WriteFailed,
    rollback,
    upgrade,
    write_years,
)

__all__ = [
    "ACTIONS",
    "DATA_FILE",
    "DERIVED",
    "LABELS_FILE",
    "LABEL_OPEN_END",
    "LAYOUT",
    "LAYOUT_3_COLUMNS",
    "MANIFEST",
    "PREVIOUS_MANIFEST",
    "Change",
    "Damage",
    "Event",
    "Manifest",
    "NothingToRestore",
    "Pair",
    "Part",
    "Progress",
    "ReadOnlyDataset",
    "WriteFailed",
    "check",
    "check_report",
    "event_line",
    "manifest_stamp",
    "plan",
    "read_manifest",
    "read_previous",
    "refuse_remote",
    "rollback",
    "upgrade",
    "version_files",
    "write_durably",
    "write_years",
    "writer_lock",
]
