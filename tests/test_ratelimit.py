"""The API's token bucket (lib/web/ratelimit.py) on a clock the test moves: no waiting, no
wall-clock assertion. Expected waits are worked out from the rate by hand."""

from __future__ import annotations

import pytest

from lib.web import ratelimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_refill() -> None:
    clock = Clock()
    limiter = ratelimit.RateLimiter(per_minute=60, burst=3, clock=clock)  # 1 token a second
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)  # empty: one second to the next token
    clock.now += 0.25
    assert limiter.take("a") == pytest.approx(0.75)
    clock.now += 0.75
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(1.0)


def test_clients_have_their_own_buckets() -> None:
    limiter = ratelimit.RateLimiter(per_minute=1, burst=1, clock=Clock())
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(60.0)
    assert limiter.take("b") == 0.0


def test_a_bucket_refills_to_the_burst_only() -> None:
    clock = Clock()
    limiter = ratelimit.RateLimiter(per_minute=60, burst=2, clock=clock)
    limiter.take("a")
    clock.now += 3600
    assert [limiter.take("a") for _ in range(3)][-1] == pytest.approx(1.0)


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert ratelimit.RateLimiter.retry_after(0.01) == 1
    assert ratelimit.RateLimiter.retry_after(1.2) == 2
    assert ratelimit.RateLimiter.retry_after(60.0) == 60


def test_memory_is_bounded_least_recent_first() -> None:
    limiter = ratelimit.RateLimiter(per_minute=1, burst=1, clock=Clock(), max_clients=2)
    for client in ("a", "b", "c"):  # "a" is forgotten: it comes back with a full bucket
        assert limiter.take(client) == 0.0
    assert limiter.take("a") == 0.0
    assert limiter.take("c") > 0  # still known: empty


def test_zero_rate_is_no_limit() -> None:
    limiter = ratelimit.RateLimiter(per_minute=0, burst=1, clock=Clock())
    assert not limiter.enabled
    assert all(limiter.take("a") == 0.0 for _ in range(1000))


@pytest.mark.parametrize(
    ("rate", "burst", "expected"),
    [
        ("30", "5", (30, 5)),
        ("", "", (ratelimit.DEFAULT_RATE, ratelimit.DEFAULT_BURST)),
        ("beaucoup", "-1", (ratelimit.DEFAULT_RATE, ratelimit.DEFAULT_BURST)),
        ("0", "1", (0, 1)),
    ],
)
def test_limits_from_the_environment(monkeypatch, rate, burst, expected) -> None:
    monkeypatch.setenv(ratelimit.ENV_RATE, rate)
    monkeypatch.setenv(ratelimit.ENV_BURST, burst)
    limiter = ratelimit.from_env()
    assert (limiter.per_minute, limiter.burst) == expected
