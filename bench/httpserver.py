"""A local stand-in for object storage: a folder served over HTTP with Range requests.

    with serve(folder) as server:
        os.environ["COMEXT_DATA_DIR"] = server.url    # http://127.0.0.1:PORT
        ...                                           # server.requests, server.bytes_sent

A ThreadingHTTPServer on 127.0.0.1 (a free port) in a daemon thread, stopped when the block
exits. HTTP/1.1 with keep-alive, as S3 and CDNs offer; `Range: bytes=a-b` answered with 206 and
only those bytes read from disk. Idle connections are closed after `IDLE_TIMEOUT_S`. Every
request is counted (method, path, Range header, bytes of body sent) so that benchmarks can
report the traffic of each view. Used by tests/test_remote.py and bench/run.py.

`server.faults.set("stall")` makes every request wait (as a store that no longer answers) until
the mode changes; `"error"` answers 500 to every request; `"ok"` serves again (bench/chaos.py).
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

IDLE_TIMEOUT_S = 30.0  # a kept-alive connection with no request for this long is closed
STALL_MAX_S = 600.0  # a stalled request is answered (in the mode then) after this long at most
BLOCK = 1 << 20  # bytes read from disk at a time for one range
_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


@dataclass
class Traffic:
    """What the server was asked and sent (thread-safe counters)."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, path: str, byte_range: str | None, sent: int) -> None:
        with self._lock:
            self.requests.append((method, path, byte_range))
            self.bytes_sent += sent

    def snapshot(self) -> tuple[int, int]:
        """(requests, bytes sent) so far."""
        with self._lock:
            return len(self.requests), self.bytes_sent

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.bytes_sent = 0


class Faults:
    """What the server does to every request: "ok" (serve it), "stall" (hold it until the mode
    changes, at most STALL_MAX_S), "error" (answer 500). Thread-safe; counts what it did."""

    MODES = ("ok", "stall", "error")

    def __init__(self) -> None:
        self._mode = "ok"
        self._changed = threading.Condition()
        self.stalled = 0
        self.failed = 0

    @property
    def mode(self) -> str:
        return self._mode

    def set(self, mode: str) -> None:
        if mode not in self.MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._changed:
            self._mode = mode
            self._changed.notify_all()

    def hold(self) -> str:
        """The mode to answer a request in, once any stall is over."""
        with self._changed:
            if self._mode == "stall":
                self.stalled += 1
                self._changed.wait_for(lambda: self._mode != "stall", timeout=STALL_MAX_S)
            if self._mode == "error":
                self.failed += 1
            return self._mode


@dataclass
class Served:
    """A running server: its base URL, its traffic and its faults."""

    url: str
    traffic: Traffic
    faults: Faults = field(default_factory=Faults)

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        return self.traffic.requests


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP Range support (what S3 and every CDN offer)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms ACK stall
    timeout = IDLE_TIMEOUT_S
    traffic: Traffic = Traffic()  # replaced per server by serve()
    faults: Faults = Faults()  # idem

    def log_message(self, format: str, *args: object) -> None:  # keep output quiet
        pass

    def _faulty(self) -> bool:
        """Apply the server's fault: True when the request was answered by it (500)."""
        if self.faults.hold() != "error":
            return False
        self.traffic.record(self.command, self.path, self.headers.get("Range"), 0)
        self.send_error(500, "Internal Server Error (simulated)")
        return True

    def do_GET(self) -> None:
        if self._faulty():
            return
        header = self.headers.get("Range")
        match = _RANGE.fullmatch(header or "")
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            self.traffic.record("GET", self.path, header, self._file_size(path))
            super().do_GET()
            return
        size = path.stat().st_size
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        if start >= size or end < start:
            self.traffic.record("GET", self.path, header, 0)
            self.send_error(416, "Range Not Satisfiable")
            return
        length = end - start + 1
        self.traffic.record("GET", self.path, header, length)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with path.open("rb") as file:
            file.seek(start)
            while length > 0:
                chunk = file.read(min(BLOCK, length))
                if not chunk:
                    break
                self.wfile.write(chunk)
                length -= len(chunk)

    def do_HEAD(self) -> None:
        if self._faulty():
            return
        self.traffic.record("HEAD", self.path, None, 0)
        super().do_HEAD()

    def end_headers(self) -> None:
        if self.command == "HEAD":
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    @staticmethod
    def _file_size(path: Path) -> int:
        return path.stat().st_size if path.is_file() else 0


class _Server(ThreadingHTTPServer):
    """A client that gave up (a stalled or failed request, its connection closed) is no error of
    the server's: no traceback on stderr for it."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextlib.contextmanager
def serve(folder: str | Path) -> Iterator[Served]:
    """Serve `folder` on http://127.0.0.1:<free port> until the block exits."""
    traffic = Traffic()
    faults = Faults()
    handler_class = type(
        "BoundRangeHandler", (RangeHandler,), {"traffic": traffic, "faults": faults}
    )
    handler = functools.partial(handler_class, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a kept-alive connection never blocks the exit
    thread = threading.Thread(target=server.serve_forever, name="bench-httpserver", daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", traffic, faults)
    finally:
        faults.set("ok")  # release stalled requests, so that the server stops at once
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
