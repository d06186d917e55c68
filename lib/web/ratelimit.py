"""A per-client token bucket: the API's rate limit (lib/web/api.py).

Each client (its IP address, as uvicorn reports it: behind the project's nginx, the address
nginx forwards) has a bucket of `burst` tokens, refilled at `per_minute` tokens a minute; a
request takes one token, or is refused with the seconds to wait until one is back (the API's
`429` and `Retry-After`). The limit is per process: behind nginx with N app processes, a client
may get up to N times the rate (docs/RELIABILITY.md says so).

Memory stays bounded: at most `max_clients` buckets are kept, the least recently seen dropped
first (a dropped bucket comes back full, which only forgives a client that had gone quiet).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

ENV_RATE = "COMEXT_API_RATE"  # requests a minute per client; 0: no limit
ENV_BURST = "COMEXT_API_BURST"  # requests a client may send at once
DEFAULT_RATE = 120  # a script looping over the 101 départements stays well within it
DEFAULT_BURST = 60
MAX_CLIENTS = 10_000

log = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`take(client)`: 0.0 when the request may go, else the seconds before it could."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.per_minute = per_minute
        self.burst = max(1, burst)
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, client: str) -> float:
        if not self.enabled:
            return 0.0
        rate = self.per_minute / 60.0  # tokens a second
        with self._lock:
            now = self._clock()
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            self._buckets[client] = bucket  # most recently seen last
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    @staticmethod
    def retry_after(wait_s: float) -> int:
        """Whole seconds for `Retry-After` (at least 1: waiting 0 s would retry at once)."""
        return max(1, math.ceil(wait_s))


def env_count(name: str, default: int) -> int:
    """A whole number (0 included) from the environment; `default` when unset or not one."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.isascii() and raw.isdigit():
        return int(raw)
    log.warning("%s=%r is not a whole number: %d is used", name, raw, default)
    return default


def from_env() -> RateLimiter:
    """The limiter configured by COMEXT_API_RATE and COMEXT_API_BURST (defaults above)."""
    return RateLimiter(env_count(ENV_RATE, DEFAULT_RATE), env_count(ENV_BURST, DEFAULT_BURST))
