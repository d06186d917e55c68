"""Readings of /proc for one process and for the machine (standard library only: bench.child
imports it before measuring the import of lib).

VmHWM is the peak resident memory of the process's current address space: an `exec` starts it
afresh, so a child reports its own peak. `ru_maxrss` (getrusage) does not: Linux carries the
parent's peak over across fork and exec (a child spawned by a 1.5 GB parent reports 1.5 GB).
"""

from __future__ import annotations

import contextlib
import platform


def memory_bytes(pid: int | str = "self") -> tuple[int, int]:
    """(resident now, peak resident) of a process, from /proc/PID/status (VmRSS, VmHWM)."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return rss, hwm


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process, MiB (VmHWM)."""
    return memory_bytes(pid)[1] / 2**20


def cpu_model() -> str:
    """The machine's CPU, as /proc/cpuinfo names it (the benchmark reports say where they ran)."""
    with (
        contextlib.suppress(OSError),
        open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle,
    ):
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
