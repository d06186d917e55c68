"""The collection: every territory's fiche and CSV tables in one folder, with an index.

`python -m lib.export --all [--fiche] --year YYYY --out OUT` calls `collect` with
`territories()`: France, the 18 régions and the 101 départements (120), each in a folder of its
own (`OUT/france`, `OUT/region_52`, `OUT/dept_53`) holding its CSV tables (lib/export.py) and,
with `--fiche`, `fiche.html` and `fiche.pdf`; `OUT/index.html` then links every document.

Printing a PDF takes about 2.4 s, building its HTML 0.25 s: the fiches are made by a pool of
worker processes (spawned, never forked: the parent holds a DuckDB connection and its threads),
each with one Chromium (`PdfWriter`, opened by the initializer and closed when the worker
exits) and its own DuckDB connection on the parent's dataset (`$COMEXT_DATA_DIR` set by the
initializer). The CSV tables alone take a few milliseconds a territory: without `--fiche`, or
with one worker, everything runs in the calling process.

A fiche whose PDF cannot be printed keeps its HTML, and any stale `fiche.pdf` in its folder is
removed: a folder never holds a PDF that is not its HTML's. A territory that fails is reported
(`Result.error`) and the others go on.
"""

from __future__ import annotations

import html
import multiprocessing
import multiprocessing.util
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TextIO
from urllib.parse import quote

from lib import config, db, export, fiche_document, fiche_html, fiche_pdf, formatting, queries
from lib.fiche_document import DEMO_WARNING
from lib.territory import FRANCE, Territory

HTML_NAME = "fiche.html"
PDF_NAME = "fiche.pdf"
INDEX_NAME = "index.html"
MAX_DEFAULT_WORKERS = 2  # one Chromium and one DuckDB each: about 0.5 GB per worker
ERROR_CHARS = 300  # the first line of a browser's error, cut to this length


def default_workers() -> int:
    """The default `--workers`: min(2, cores)."""
    return min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1)


def territories() -> list[Territory]:
    """Every territory of the collection: France, the régions, the départements, each by code."""
    regions = sorted(fiche_document.refs_regions()) if False else _codes("region")
    return [FRANCE, *(Territory("region", c) for c in regions), *_depts()]


def folder_name(territory: Territory) -> str:
    """`france`, `region_52`, `dept_53`: the territory's folder in the collection."""
    return "france" if territory.level == "france" else f"{territory.level}_{territory.code}"
