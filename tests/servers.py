"""`streamlit run serve.py` on a free 127.0.0.1 port, for the tests that talk to a real server
(the e2e tests, the security headers); serve.py's own routes alone under uvicorn (`asgi_server`)
and a plain HTTP client (`http_request`), for the tests of those routes. The command, the free
port and the wait for health are bench.cluster's (one way to start the app)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from bench import cluster
from lib.core import config

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


@dataclass
class Answer:
    """An HTTP answer, whatever its status."""

    status: int
    headers: Message
    content: bytes

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.content)


def http_request(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 60,
    chunks: list[bytes] | None = None,
) -> Answer:
    """One request over HTTP with urllib, any status kept (urllib raises on 4xx/5xx); with
    `chunks`, the body is read in 64 KiB reads and also appended there."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())
    with response:
        body = b"".join(iter(lambda: response.read(64 * 1024), b""))
        if chunks is not None:
            chunks.append(body)
        return Answer(response.status, response.headers, body)


def asgi_server(routes: list):
    """Starlette `routes` as serve.py mounts them, on a free local port (bench.cluster)."""
    return cluster.asgi_server(routes)
