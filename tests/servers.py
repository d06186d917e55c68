"""`streamlit run serve.py` on a free 127.0.0.1 port, for the tests that talk to a real server
(the e2e tests, the security headers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lib import config

# The operator's settings never leak into a test server unless the test asks for them.
OPERATOR_SETTINGS = ("COMEXT_ADMIN_PASSWORD", "COMEXT_READ_ONLY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@contextmanager
def streamlit_server(data_dir: Path, log: Path, extra_env: dict | None = None) -> Iterator[str]:
    """The app over `data_dir` until the block ends: its URL. Its log has no traceback."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in OPERATOR_SETTINGS}
    env |= {config.ENV_DATA_DIR: str(data_dir), **(extra_env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "serve.py",
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=config.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
