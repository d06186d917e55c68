"""The dataset's manifest (`dataset.json`): what it says, read from disk.

Layout (see docs/DATA.md):

    DATA_DIR/dataset.json               the manifest, the single commit point
    DATA_DIR/v-<version>/year=YYYY/data.parquet

It names one Parquet file per year, each (year, flow)'s origin, and every change (its history).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lib.core.flows import CODES as FLOW_CODES
from lib.core.schema import QUARTERS

MANIFEST = "dataset.json"
PREVIOUS_MANIFEST = "dataset.previous.json"  # the manifest replaced by the last write
DATA_FILE = "data.parquet"
LABELS_FILE = "labels.parquet"


# Aggregates derived from each year's data file and stored beside it, in the same version
# folder, so that they are replaced by the same atomic commit and can never disagree with it.
# name -> (grouping keys, the file it reads, sort order). Values are summed over the periods
# and CPF4 detail (annual), over départements too (national), over products and countries but
# per quarter (totals: the map compares the same quarters of two years), over countries
# (detail: the CPF4 drill-down of the activities treemap).
DERIVED: dict[str, tuple[str, str, str]] = {
    "annual.parquet": ("flow, dept, product, country", DATA_FILE, "dept, flow, product, country"),
    "national.parquet": ("flow, product, country", "annual.parquet", "flow, product, country"),
    "totals.parquet": ("flow, dept, quarter", DATA_FILE, "dept, flow, quarter"),
    "detail.parquet": ("flow, dept, product, cpf4", DATA_FILE, "dept, flow, product, cpf4"),
}


# 1: one data.parquet per year; 2: plus derived aggregates; 3: quarter, cpf4 and mass_kg
# columns, per-(year, flow) parts in the manifest, the CPF4 aggregate, labels from the files.
LAYOUT = 3
LAYOUT_3_COLUMNS = ("quarter", "cpf4", "mass_kg")  # absent from the files of older layouts
FORMAT_VERSION = 2
Pair = tuple[int, str]  # (year, flow)
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True)
class Part:
    """One (year, flow) of the dataset: where it came from and the period it covers."""

    source: str  # "demo" or "import"
    quarters: tuple[int, ...] = ()  # the quarters present; () for annual data (a whole year)
    rows: int | None = None
    value_eur: float | None = None
    inputs: tuple[str, ...] = ()  # the files it was read from

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "quarters": list(self.quarters),
            "rows": self.rows,
            "value_eur": self.value_eur,
            "inputs": list(self.inputs),
        }

    @classmethod
    def from_json(cls, body: dict[str, object]) -> Part:
        return cls(
            source=str(body["source"]),
            quarters=tuple(int(q) for q in _json_list(body.get("quarters"))),
            rows=_json_number(body.get("rows"), int),
            value_eur=_json_number(body.get("value_eur"), float),
            inputs=tuple(str(i) for i in _json_list(body.get("inputs"))),
        )


def _json_list(value: object) -> list[Any]:
    """A manifest list (absent or null: empty)."""
    return list(value) if isinstance(value, list | tuple) else []


def _json_number(value: object, kind: Callable[[Any], _Number]) -> _Number | None:
    """A manifest number (absent or null: None)."""
    return None if value is None else kind(value)


@dataclass(frozen=True)
class Event:
    """One change of the dataset: when, what, from which files, by whom, over which version."""

    version: str  # the version it produced
    created: str
    action: str  # a key of lib.data.store.history.ACTIONS
    pairs: tuple[Pair, ...] = ()  # the (year, flow) pairs written
    files: tuple[str, ...] = ()
    rows: int = 0  # rows of the pairs written
    value_eur: float = 0.0
    by: str | None = None  # who, when known
    based_on: str | None = None  # the version it replaced

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "created": self.created,
            "action": self.action,
            "pairs": [[year, flow] for year, flow in self.pairs],
            "files": list(self.files),
            "rows": self.rows,
            "value_eur": self.value_eur,
            "by": self.by,
            "based_on": self.based_on,
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Event:
        return cls(
            version=str(body["version"]),
            created=str(body["created"]),
            action=str(body["action"]),
            pairs=tuple((int(y), str(f)) for y, f in body.get("pairs") or ()),
            files=tuple(str(f) for f in body.get("files") or ()),
            rows=int(body.get("rows") or 0),
            value_eur=float(body.get("value_eur") or 0.0),
            by=body.get("by"),
            based_on=body.get("based_on"),
        )


@dataclass(frozen=True)
class Manifest:
    """What `dataset.json` says: which file holds each year, and each (year, flow)'s origin."""

    version: str
    created: str
    files: dict[int, str]  # year -> path relative to the data folder
    parts: dict[int, dict[str, Part]]  # year -> flow -> part
    rows: int
    inputs: list[str] = field(default_factory=list)
    layout: int = 1
    labels: str | None = None  # labels read from the customs' label files, relative path
    history: tuple[Event, ...] = ()  # every change, oldest first (the last is this version's)

    @property
    def based_on(self) -> str | None:
        """The version this one replaced (None for a first write)."""
        return self.history[-1].based_on if self.history else None

    @property
    def years(self) -> list[int]:
        return sorted(self.files)

    @property
    def pairs(self) -> list[Pair]:
        return sorted((year, flow) for year, flows in self.parts.items() for flow in flows)

    def part(self, year: int, flow: str) -> Part | None:
        return self.parts.get(year, {}).get(flow)

    @property
    def sources(self) -> dict[int, str]:
        """year -> "demo", "import", or "mixed" when its two flows came from different places."""
        return {year: _combined(p.source for p in self.parts[year].values()) for year in self.years}

    @property
    def source(self) -> str:
        """ "demo", "import", or "mixed" when imported data sits beside demonstration data."""
        return _combined(p.source for flows in self.parts.values() for p in flows.values())

    @property
    def has_demo(self) -> bool:
        """True while any part holds synthetic demonstration data (the banner must show)."""
        return any(p.source == "demo" for flows in self.parts.values() for p in flows.values())

    def quarters(self, year: int) -> tuple[int, ...]:
        """The quarters a year covers: all four unless every flow of it is quarterly and some
        quarter is missing (the customs' rolling « 5 derniers trimestres » files)."""
        parts = self.parts.get(year, {}).values()
        if not parts or any(not p.quarters for p in parts):
            return QUARTERS
        return tuple(sorted({q for p in parts for q in p.quarters}))

    def is_partial(self, year: int) -> bool:
        return self.quarters(year) != QUARTERS

    def comparable_quarters(self, year: int, earlier: int) -> tuple[int, ...] | None:
        """The quarters on which `year` can be compared with `earlier`: all four when both are
        whole years, the quarters of a partial `year` when `earlier` holds them quarter by
        quarter; None when the two cannot be compared (absent, or annual data against a
        partial year)."""
        if year not in self.parts or earlier not in self.parts:
            return None
        quarters = self.quarters(year)
        if quarters == QUARTERS:
            return QUARTERS if not self.is_partial(earlier) else None
        detailed = all(p.quarters for p in self.parts[earlier].values())
        return quarters if detailed and set(quarters) <= set(self.quarters(earlier)) else None

    def to_json(self) -> str:
        body = {
            "format": FORMAT_VERSION,
            "version": self.version,
            "source": self.source,
            "created": self.created,
            "years": self.years,
            "rows": self.rows,
            "files": {str(y): self.files[y] for y in self.years},
            "sources": {str(y): s for y, s in self.sources.items()},
            "parts": {
                str(y): {f: p.to_json() for f, p in sorted(self.parts[y].items())}
                for y in sorted(self.parts)
            },
            "inputs": self.inputs,
            "layout": self.layout,
            "labels": self.labels,
            "history": [event.to_json() for event in self.history],
        }
        return json.dumps(body, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        body = json.loads(text)
        if "parts" in body:
            parts = {
                int(y): {f: Part.from_json(p) for f, p in flows.items()}
                for y, flows in body["parts"].items()
            }
        else:  # format 1: one source per year, both flows
            parts = {int(y): {f: Part(s) for f in FLOW_CODES} for y, s in body["sources"].items()}
        return cls(
            version=body["version"],
            created=body["created"],
            files={int(y): f for y, f in body["files"].items()},
            parts=parts,
            rows=int(body["rows"]),
            inputs=list(body.get("inputs", [])),
            layout=int(body.get("layout", 1)),
            labels=body.get("labels"),
            history=tuple(Event.from_json(e) for e in body.get("history") or ()),
        )


def _combined(sources: Iterable[str]) -> str:
    kinds = set(sources)
    if not kinds:
        return "empty"
    return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(frozen=True)
class Change:
    """What a write does to one (year, flow): `before` is None when the pair is new."""

    year: int
    flow: str
    before: Part | None


def plan(previous: Manifest | None, incoming: Iterable[Pair]) -> tuple[list[Change], list[Pair]]:
    """The (year, flow) pairs an import replaces or adds, and the pairs it keeps as they are."""
    incoming = sorted(set(incoming))
    changes = [Change(y, f, previous.part(y, f) if previous else None) for y, f in incoming]
    kept = [pair for pair in (previous.pairs if previous else []) if pair not in incoming]
    return changes, kept


def read_manifest(data_dir: str | Path) -> Manifest | None:
    """The current manifest of a local dataset folder, or None when there is no dataset."""
    path = Path(data_dir) / MANIFEST
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def manifest_stamp(data_dir: str | Path) -> int | None:
    """A cheap change detector: the manifest's modification time (None when absent). Asked at
    every cache lookup of every run (lib/data/cache.py): a plain os.stat, without building a
    Path, which cost more than the stat itself."""
    try:
        return os.stat(os.path.join(data_dir, MANIFEST)).st_mtime_ns
    except FileNotFoundError:
        return None


def read_previous(data_dir: str | Path) -> Manifest | None:
    """The manifest the last write replaced, while its files are still kept (else None)."""
    path = Path(data_dir) / PREVIOUS_MANIFEST
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    files = [Path(data_dir) / rel for rel in manifest.files.values()]
    return manifest if all(f.exists() for f in files) else None


def version_files(manifest: Manifest) -> list[str]:
    """Every file a version's readers open (relative paths): each year's data file, its
    aggregates (current layout), the labels."""
    found = []
    for year in manifest.years:
        rel = manifest.files[year]
        found.append(rel)
        if manifest.layout >= LAYOUT:
            folder = rel.removesuffix(DATA_FILE)
            found += [folder + name for name in DERIVED]
    if manifest.labels:
        found.append(manifest.labels)
    return found
