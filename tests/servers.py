"""`streamlit run serve.py` on a free 127.0.0.1 port, for the tests that talk to a real server
(the e2e tests, the security headers). The command, the free port and the wait for health are
bench.cluster's (one way to start the app)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import cluster
from lib import config

# The operator's settings never leak into a test server unless the test asks for them.
OPERATOR_SETTINGS = ("COMEXT_ADMIN_PASSWORD", "COMEXT_READ_ONLY")


@contextmanager
def streamlit_server(data_dir: Path, log: Path, extra_env: dict | None = None) -> Iterator[str]:
    """The app over `data_dir` until the block ends: its URL. Its log has no traceback."""
    port = cluster.free_port()
    env = {key: value for key, value in os.environ.items() if key not in OPERATOR_SETTINGS}
    env |= {config.ENV_DATA_DIR: str(data_dir), **(extra_env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            cluster.streamlit_command(port),
            cwd=config.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        server = cluster.Proc("streamlit", process, port, log)
        url = f"http://127.0.0.1:{port}"
        try:
            server.wait_healthy(url)
            yield url
        finally:
            server.stop()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
