"""Test support: a child process waited for, then killed with SIGKILL at a chosen moment (the
crash tests of lib/sources/ingest/: whatever the moment, the previous dataset must be intact)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any], timeout: float) -> bool:
    """True once `condition` holds; False if `process` ends first or `timeout` (s) passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.01)
    return False


def sigkill_when(process: subprocess.Popen[Any], moment_reached: Callable[[], None]) -> None:
    """Kill `process` with SIGKILL once `moment_reached()` returns, while it still runs (it must
    not have finished first), and reap it: it is waited for whatever happens."""
    try:
        moment_reached()
        assert process.poll() is None, "the ingest finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
