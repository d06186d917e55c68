"""Query results shared by every session of an app process, for one dataset version.

Streamlit reruns a page's script on every interaction and serves each visitor from its own
session, so without this the same fiche was computed again for each visitor and each rerun.
`@cached` keeps a function's result under (function, arguments, `db.dataset_key()`): a new
version of the dataset (an import, a rollback, a reset, written by this process or another)
changes the key, so the very next call misses and computes from the new files, and the entries
of the old key are dropped at that moment. Nothing is shared between processes: each one notices
a new version as `db` does (the manifest's mtime; every few seconds for remote data).

Bounded in memory: at most `config.cache_mb()` MB (`COMEXT_CACHE_MB`, default 64) per process,
counted as pandas counts a frame (`memory_usage(deep=True)`) plus a fixed overhead per entry;
the least recently used entries go first. A result larger than the bound is not kept.
`COMEXT_CACHE_MB=0` turns it off (a benchmark of the queries).

Callers get their own copy of a cached value (pandas frames are mutable and pages add columns
to them): the stored value never leaves this module, except through `cached_shared` (figures
and Arrow tables, shared as stored: see there). Exceptions (a query timeout) are not kept.
Two sessions missing the same key at once both compute it; the second result replaces the
first (the same answer), which keeps this lock-free while queries run.
"""

from __future__ import annotations

import copy
import functools
import inspect
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import pandas as pd
import pyarrow as pa

from lib.core import config
from lib.data import db

P = ParamSpec("P")
R = TypeVar("R")

# Bytes counted for each entry beside its value: the key, the dictionary slot, the frame's
# Python object (measured: an empty DataFrame's own objects weigh about 1 KB).
ENTRY_OVERHEAD_BYTES = 1024


@dataclass(frozen=True)
class Stats:
    """What the cache has done since it was created (or cleared)."""

    hits: int
    misses: int
    evictions: int
    entries: int
    size_bytes: int
    max_bytes: int


class ResultCache:
    """A thread-safe LRU of values by key, bounded by their total approximate size, holding
    the entries of one dataset key at a time."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._dataset: db.DatasetKey | None = None
        self._size = 0
        self._hits = self._misses = self._evictions = 0

    def lookup(self, dataset: db.DatasetKey, key: Hashable) -> tuple[bool, object]:
        """(True, value) when `key` is held for `dataset`; a new dataset drops every entry."""
        with self._lock:
            if dataset != self._dataset:
                self._drop_all()
                self._dataset = dataset
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                return False, None
            self._entries.move_to_end(key)
            self._hits += 1
            return True, entry[0]

    def store(self, dataset: db.DatasetKey, key: Hashable, value: object, size: int) -> None:
        """Keep `value` unless the dataset changed meanwhile or it alone exceeds the bound."""
        size += ENTRY_OVERHEAD_BYTES
        with self._lock:
            if dataset != self._dataset or size > self.max_bytes:
                return
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped
                self._evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._drop_all()
            self._dataset = None
            self._hits = self._misses = self._evictions = 0

    def stats(self) -> Stats:
        with self._lock:
            return Stats(
                self._hits,
                self._misses,
                self._evictions,
                len(self._entries),
                self._size,
                self.max_bytes,
            )

    def _drop_all(self) -> None:
        self._entries.clear()
        self._size = 0


_shared: ResultCache | None = None
_shared_lock = threading.Lock()


def shared() -> ResultCache:
    """The process's cache, sized from `COMEXT_CACHE_MB` at its first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ResultCache(int(config.cache_mb() * config.MB))
        return _shared


def reset(max_bytes: int | None = None) -> ResultCache:
    """A new, empty process cache (tests: isolation, a small bound); sized as `shared()`
    sizes it when `max_bytes` is None."""
    global _shared
    with _shared_lock:
        _shared = None
    cache = shared()
    if max_bytes is not None:
        cache.max_bytes = max_bytes
    return cache


def size_of(value: object) -> int:
    """Approximate bytes of a result: pandas' deep count for frames and series (strings
    included), the pickled size of anything else (a few numbers, a small dataclass)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum())
    if isinstance(value, pd.Series):
        return int(value.memory_usage(deep=True, index=True))
    if isinstance(value, pa.Table):
        return int(value.nbytes)
    return len(pickle.dumps(value))


def private_copy(value: R) -> R:
    """A copy the caller may change without changing the cached value."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=True)  # type: ignore[return-value]
    return copy.deepcopy(value)


def _frozen(value: object) -> object:
    """Lists as tuples, so that `[a, b]` and `(a, b)` arguments share a key."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def shared_value(key: Hashable, compute: Callable[[], R]) -> R:
    """The value kept under `key` for the current dataset version, computed by `compute` on a
    miss; handed out as stored, so callers share it and must not change it (for what a
    decorated function cannot key: a map the page builds, keyed by the page's state)."""
    if shared().max_bytes == 0:  # COMEXT_CACHE_MB=0: off
        return compute()
    return _through_cache(("shared_value", key), compute, lambda value: value)


def _through_cache(key: Hashable, compute: Callable[[], R], handed_out: Callable[[R], R]) -> R:
    """`key`'s value for the current dataset version: from the process cache, else computed and
    kept (`handed_out`: what a caller receives of a stored value, a copy or the value itself)."""
    cache = shared()
    dataset = db.dataset_key()
    found, value = cache.lookup(dataset, key)
    if found:
        return handed_out(value)  # type: ignore[arg-type]
    result = compute()
    # Kept only if the dataset did not change while it was computed: its queries may have
    # read the new version, which must not be stored under the old key.
    if db.dataset_key() == dataset:
        cache.store(dataset, key, handed_out(result), size_of(result))
    return result


def cached(func: Callable[P, R]) -> Callable[P, R]:
    """`func`'s results kept in the process cache for the current dataset version.

    `func` must depend only on its arguments and the dataset (no clock, no session state).
    Calls whose arguments cannot be hashed are computed without the cache.
    """
    return _cached(func, private_copy)


def cached_shared(func: Callable[P, R]) -> Callable[P, R]:
    """As `cached`, but the stored value itself is handed out, and every caller shares it.

    For what a copy would cost more than it saves, and nobody changes: a Plotly figure
    (copying a world map costs 128 ms against 64 to build it; `st.plotly_chart` serialises a
    copy, Figure.to_dict, so the rule that nobody changes a built figure holds in the pages)
    and an Arrow table (which cannot be changed at all)."""
    return _cached(func, lambda value: value)


def _cached(func: Callable[P, R], handed_out: Callable[[R], R]) -> Callable[P, R]:
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if shared().max_bytes == 0:  # COMEXT_CACHE_MB=0: off
            return func(*args, **kwargs)
        # Arguments bound with their defaults: `partners(t, y, 10)` and `top=10` share a key.
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = (name, tuple((k, _frozen(v)) for k, v in bound.arguments.items()))
        try:
            hash(key)
        except TypeError:
            return func(*args, **kwargs)
        return _through_cache(key, lambda: func(*args, **kwargs), handed_out)

    return wrapper
