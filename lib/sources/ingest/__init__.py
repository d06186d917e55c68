"""Importing customs files into the dataset (`python -m lib.sources.ingest`, the Importer page).

One concern per module: `steps` (`prepare` reads, validates and stages the files with a
preview; `commit` writes them; `ingest_files` does both), `uploads` (the Importer page's files
written to disk within the size limits), `staging` (abandoned staging folders removed), `child`
(a step run in a child process, for the app), `cli` (the command line, run by `__main__`).

The package is the import's one public face: callers write `from lib.sources import ingest` and
`ingest.prepare(…)`, whichever module holds the name.
"""

from lib.sources.ingest.child import (
    IngestFailed,
    commit_in_child,
    ingest_in_child,
    prepare_in_child,
)
from lib.sources.ingest.staging import STAGING_PREFIX, remove_stale_staging
from lib.sources.ingest.steps import (
    PROGRESS_TOTAL,
    READ_STEPS,
    FileSummary,
    IngestReport,
    Prepared,
    Progress,
    commit,
    discard,
    ingest_files,
    pairs_text,
    prepare,
)
from lib.sources.ingest.uploads import (
    UPLOAD_CHUNK_BYTES,
    Upload,
    check_sizes,
    save_uploads,
    upload_name,
)
from lib.sources.readers import IngestError

__all__ = [
    "PROGRESS_TOTAL",
    "READ_STEPS",
    "STAGING_PREFIX",
    "UPLOAD_CHUNK_BYTES",
    "FileSummary",
    "IngestError",
    "IngestFailed",
    "IngestReport",
    "Prepared",
    "Progress",
    "Upload",
    "check_sizes",
    "commit",
    "commit_in_child",
    "discard",
    "ingest_files",
    "ingest_in_child",
    "pairs_text",
    "prepare",
    "prepare_in_child",
    "remove_stale_staging",
    "save_uploads",
    "upload_name",
]
