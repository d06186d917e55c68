"""Fresh processes of the benchmark, spawned by bench.run:

    python -m bench.child coldstart LEVEL CODE     import lib, compute one full fiche
    python -m bench.child ingest CSV DATA_DIR      lib.sources.ingest.ingest_files on one file

Each prints one JSON line with its timings and its own peak resident memory (VmHWM, see
bench.procstat: not ru_maxrss, which carries the parent's peak over). Nothing but the standard
library is imported at module level: `coldstart` measures importing lib.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench.procstat import peak_rss_mb


def coldstart(level: str, code: str) -> dict[str, Any]:
    """The first full fiche of a new process, for the latest year (the page's default)."""
    start = time.perf_counter()
    from bench.workload import fiche
    from lib.core.territory import parse_territory
    from lib.data import queries
    from lib.web.urlstate import TOP_DEFAULT

    imported = time.perf_counter()
    territory = parse_territory(level, None if level == "france" else code)
    year = max(queries.available_years())
    fiche(territory, year, TOP_DEFAULT)
    done = time.perf_counter()
    return {
        "import_s": imported - start,
        "fiche_s": done - imported,
        "year": year,
        "peak_rss_mb": peak_rss_mb(),
    }


def ingest(csv_path: str, data_dir: str) -> dict[str, Any]:
    """Ingest one customs file into `data_dir` with the project's importer."""
    from lib.sources.ingest import ingest_files

    start = time.perf_counter()
    report = ingest_files([csv_path], data_dir)
    seconds = time.perf_counter() - start
    return {
        "rows": report.rows_read,
        "stored_rows": report.total_rows,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str]) -> int:
    command, *args = argv
    handlers = {"coldstart": coldstart, "ingest": ingest}
    print(json.dumps(handlers[command](*args)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
