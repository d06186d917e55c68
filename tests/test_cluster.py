"""bench/cluster.py's supervisor, what `make serve` runs: a dead app process is started again
on its port and serves; one that keeps dying is not restarted forever (everything stops, so
that the person on call reads its log). The chaos run (tests/test_chaos.py) uses the same
supervisor under load, behind nginx."""

from __future__ import annotations

import os
import signal
import urllib.request
from pathlib import Path

from bench import cluster as clusters


def _kill(proc: clusters.Proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.popen.wait(timeout=10)


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        return response.status == 200


def test_a_killed_process_is_restarted_on_its_port_then_a_crash_loop_stops(
    demo_data_dir: Path, capsys
) -> None:
    with clusters.running(demo_data_dir, 1, proxy=False) as running:
        supervisor = clusters.Supervisor(running)
        supervisor.RESTARTS_MAX = 1
        first = running.backends[0]
        assert supervisor.check()  # alive: nothing to do
        assert running.backends[0] is first
        _kill(first)
        assert supervisor.check()
        again = running.backends[0]
        assert again is not first and again.port == first.port and again.popen.poll() is None
        assert _healthy(running.url)
        assert "app-1 s'est arrêté (code -9) : redémarrage…" in capsys.readouterr().out
        _kill(again)  # a second death within the window: a crash loop
        assert not supervisor.check()
        assert "2 fois en 60 s : arrêt" in capsys.readouterr().out
        assert running.backends[0] is again  # not started a third time
