"""Several app processes on 127.0.0.1 behind Debian's nginx (sticky sessions), one dataset.

    python -m bench.cluster --backends 2 --port 8501 [--host 127.0.0.1] [--data-dir DIR]

(`make serve N=2`) starts N `streamlit run serve.py` processes (the app as `make run` serves it:
streamlit_app.py behind lib/web/webguard.py) on the ports following `--port` (8502, 8503, …), all
reading the same dataset
(`COMEXT_DATA_DIR`: a folder, or an https:// or s3:// location), and nginx on `--port` in front
of them, configured from deploy/nginx.conf.template: websocket upgrade, and a cookie that pins
each browser to one process (see the template). It stays in the foreground until Ctrl-C and
stops what it started. bench/load.py and tests/test_load.py use `start()` for the same set-up
on free ports, and the /proc readings below (CPU time, resident memory) for the server's cost.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bench.procstat import memory_bytes
from lib.core import config
from lib.web import webguard

ROOT = config.ROOT
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
ROUTE_COOKIE = "comext_route"
APP_SCRIPT = "serve.py"  # what `make run` serves: streamlit_app.py with its web guard
# The floor (issue 18): a minimal page served the same way, from the same folder (so with the
# same .streamlit/config.toml); `snapshot` copies it although bench/ stays out of a snapshot.
FLOOR_DIR = "bench/floor"
FLOOR_SCRIPT = f"{FLOOR_DIR}/serve.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    """Debian's nginx (installed by scripts/ensure_nginx.sh), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def max_upload_mb() -> int:
    """server.maxUploadSize of the project's .streamlit/config.toml (Streamlit's default 200)."""
    try:
        with open(ROOT / ".streamlit" / "config.toml", "rb") as handle:
            return int(tomllib.load(handle).get("server", {}).get("maxUploadSize", 200))
    except (OSError, tomllib.TOMLDecodeError, ValueError, TypeError):
        return 200


def render_nginx(
    prefix: Path,
    listen: str,
    backend_ports: list[int],
    *,
    workers: int = 1,
    access_log: bool = False,
) -> str:
    """deploy/nginx.conf.template with its @PLACEHOLDERS@ filled in."""
    servers = "\n".join(f"        server 127.0.0.1:{port};" for port in backend_ports)
    values = {
        # nginx started by root runs its workers as another user; Debian has no group "nobody".
        "@USER@": "user nobody nogroup;" if os.geteuid() == 0 else "",
        "@WORKERS@": str(workers),
        "@PREFIX@": str(prefix),
        "@ACCESS_LOG@": f"{prefix}/access.log" if access_log else "off",
        "@COOKIE@": ROUTE_COOKIE,
        "@SERVERS@": servers,
        "@LISTEN@": listen,
        "@MAX_BODY@": f"{max_upload_mb()}m",
    }
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    return text


# --- Processes and what they cost ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    """Direct children of a process (nginx's workers), from /proc/*/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def pids(self) -> list[int]:
        return [self.pid, *children(self.pid)] if self.name == "nginx" else [self.pid]

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
        return total

    def memory(self) -> tuple[int, int]:
        """(resident, peak resident) bytes, summed over the process and its children."""
        rss = hwm = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                now, peak = memory_bytes(pid)
                rss, hwm = rss + now, hwm + peak
        return rss, hwm

    def wait_healthy(self, url: str) -> None:
        wait_healthy(url, self.popen, self.name, self.log)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)


@dataclass
class Cluster:
    url: str  # where clients connect: nginx, or the only backend when there is no proxy
    backends: list[Proc]
    proxy: Proc | None
    workdir: Path
    _owned_workdir: bool = field(default=False, repr=False)
    # How the backends were started (start()), so that restart() starts one the same way.
    _launch: dict[str, Any] = field(default_factory=dict, repr=False)

    def backend_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{b.port}" for b in self.backends]

    def log_problems(self) -> list[str]:
        """Tracebacks and nginx errors found in the logs (empty when all went well)."""
        found = []
        for proc in [*self.backends, *([self.proxy] if self.proxy else [])]:
            text = proc.log.read_text(errors="replace") if proc.log.exists() else ""
            if proc.name == "nginx":
                text += _read(self.workdir / "nginx" / "error.log")
                bad = [line for line in text.splitlines() if "[error]" in line or "[crit]" in line]
                found += [f"{proc.name}: {line}" for line in bad[:5]]
            elif "Traceback" in text:
                start = text.index("Traceback")
                found.append(f"{proc.name}: {text[start : start + 2000]}")
        return found

    def restart(self, index: int) -> Proc:
        """Start backend `index` again on its port, as start() started it (its log goes on),
        once it answers its health check: what a supervisor does for a dead process."""
        old = self.backends[index]
        old.stop()
        self.backends[index] = _spawn_backend(old.name, old.port, old.log, "ab", **self._launch)
        self.backends[index].wait_healthy(f"http://127.0.0.1:{old.port}")
        return self.backends[index]

    def stop(self) -> None:
        for proc in [*([self.proxy] if self.proxy else []), *self.backends]:
            proc.stop()
        if self._owned_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def wait_healthy(
    url: str,
    popen: subprocess.Popen,
    name: str = "streamlit",
    log: Path | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> None:
    """Return once `url` answers its health check; raise when the process exits first (with the
    end of its `log`) or after `timeout_s`. Used by the tests' servers too (tests/servers.py)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            tail = _read(log)[-3000:] if log else ""
            raise RuntimeError(f"{name} exited with {popen.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{name} did not answer on {url} within {timeout_s:.0f} s")


# What a copy of the app needs (snapshot): everything but these.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".ci", "tests", "bench", "docs", "parquet", "__pycache__", ".*_cache",
    ".hypothesis", "node_modules", "*.pyc",
)  # fmt: skip


def snapshot(dest: Path) -> Path:
    """Copy the app (script, pages, lib, reference data, static files, .streamlit) to `dest`:
    processes started from the copy keep running the code as it was, while the working tree
    changes (a long benchmark on a tree others are editing). The floor app (FLOOR_DIR) comes
    along, at the same place, to be served from the same folder."""
    shutil.copytree(ROOT, dest, ignore=SNAPSHOT_IGNORE)
    shutil.copytree(ROOT / FLOOR_DIR, dest / FLOOR_DIR, ignore=SNAPSHOT_IGNORE)
    return dest


def streamlit_command(port: int, address: str = "127.0.0.1", script: str = APP_SCRIPT) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def _spawn_backend(
    name: str,
    port: int,
    log: Path,
    mode: str,
    *,
    app_dir: Path,
    env: Mapping[str, str],
    script: str,
) -> Proc:
    """One app process on `port`, its output in `log` (opened with `mode`: "wb" or "ab")."""
    with open(log, mode) as out:
        popen = subprocess.Popen(
            streamlit_command(port, script=script),
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, not them
        )
    return Proc(name, popen, port, log)


def start(
    data_dir: str | os.PathLike[str],
    backends: int = 1,
    *,
    proxy: bool | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    access_log: bool = False,
    app_dir: Path = ROOT,
    script: str = APP_SCRIPT,
) -> Cluster:
    """Start `backends` app processes reading `data_dir` and, when `proxy` (default: more than
    one backend), nginx in front. With `port`, nginx listens there and the backends on the
    following ports; otherwise every port is a free one. The app runs from `app_dir` (the
    working tree, or a `snapshot`); `script` is what each process serves (FLOOR_SCRIPT: the
    floor instead of the app). Raises when nginx is needed and absent.
    """
    proxy = backends > 1 if proxy is None else proxy
    nginx = nginx_binary()
    if proxy and nginx is None:
        raise FileNotFoundError("nginx is not installed (bash scripts/ensure_nginx.sh)")
    owned = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="comext-cluster-")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    if proxy:
        front = port or free_port()
        ports = [front + 1 + i for i in range(backends)] if port else []
        ports = ports or [free_port() for _ in range(backends)]
    else:
        ports = [port or free_port()] + [free_port() for _ in range(backends - 1)]
    process_env = {**os.environ, **(env or {}), config.ENV_DATA_DIR: str(data_dir)}
    launch = {"app_dir": app_dir, "env": process_env, "script": script}
    cluster = Cluster("", [], None, workdir, owned, launch)
    try:
        for index, backend_port in enumerate(ports):
            name, log = f"app-{index + 1}", workdir / f"app-{index + 1}.log"
            cluster.backends.append(_spawn_backend(name, backend_port, log, "wb", **launch))
        for backend in cluster.backends:
            backend.wait_healthy(f"http://127.0.0.1:{backend.port}")
        if not proxy:
            cluster.url = f"http://127.0.0.1:{ports[0]}"
            return cluster
        prefix = workdir / "nginx"
        prefix.mkdir(exist_ok=True)
        for folder in (workdir, prefix):
            folder.chmod(0o755)  # nginx's workers (another user under root) reach their temp dirs
        conf = prefix / "nginx.conf"
        conf.write_text(
            render_nginx(prefix, f"{host}:{front}", ports, access_log=access_log), encoding="utf-8"
        )
        log = workdir / "nginx.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf),
                 "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        cluster.proxy = Proc("nginx", popen, front, log)
        visible = "127.0.0.1" if host in ("0.0.0.0", "", "*") else host
        cluster.url = f"http://{visible}:{front}"
        cluster.proxy.wait_healthy(cluster.url)
        return cluster
    except BaseException:
        cluster.stop()
        raise


@contextlib.contextmanager
def asgi_server(routes: list) -> Iterator[str]:
    """Starlette `routes` as serve.py mounts them (lib/web/webguard.py in front), served by uvicorn
    in a thread of this process on a free 127.0.0.1 port until the block ends: the base URL.
    For a route measured or tested alone (bench/csv_route.py, tests/servers.py)."""
    app = Starlette(routes=routes, middleware=[Middleware(webguard.SecurityHeaders)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def running(data_dir: str | os.PathLike[str], backends: int = 1, **kwargs) -> Iterator[Cluster]:
    cluster = start(data_dir, backends, **kwargs)
    try:
        yield cluster
    finally:
        cluster.stop()


# --- make serve ---------------------------------------------------------------------------------


def _one_token_per_process() -> bool:
    """True when no administrator password is configured and imports are allowed: each app
    process then makes its own one-time token (lib.web.admin), valid on that process only."""
    try:
        from lib.web import admin

        return admin.configured_password() is None and not admin.read_only()
    except (ImportError, AttributeError):  # an older tree without lib.web.admin
        return False


class Supervisor:
    """What `make serve` does when a process dies: an app process is started again on its port
    (its visitors' next page already went to another process, through nginx), as systemd's
    `Restart=always` would; one that dies RESTARTS_MAX times within RESTART_WINDOW_S is not
    (a crash loop: its log says why), nor is nginx: everything stops, exit status 1."""

    RESTARTS_MAX = 3
    RESTART_WINDOW_S = 60.0

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.deaths: dict[int, list[float]] = {}

    def check(self) -> bool:
        """Restart the dead app processes; False when the cluster must stop."""
        proxy = self.cluster.proxy
        if proxy and proxy.popen.poll() is not None:
            print(f"nginx s'est arrêté (code {proxy.popen.returncode}) : arrêt.", flush=True)
            return False
        for index, backend in enumerate(self.cluster.backends):
            if backend.popen.poll() is None:
                continue
            now = time.monotonic()
            recent = [t for t in self.deaths.get(index, []) if now - t < self.RESTART_WINDOW_S]
            self.deaths[index] = [*recent, now]
            code = backend.popen.returncode
            if len(self.deaths[index]) > self.RESTARTS_MAX:
                print(
                    f"{backend.name} s'est arrêté (code {code}) {len(self.deaths[index])} fois en "
                    f"{self.RESTART_WINDOW_S:.0f} s : arrêt (journal : {backend.log}).",
                    flush=True,
                )
                return False
            print(f"{backend.name} s'est arrêté (code {code}) : redémarrage…", flush=True)
            try:
                self.cluster.restart(index)
            except (RuntimeError, TimeoutError) as error:
                print(f"{backend.name} n'a pas redémarré ({error}).", flush=True)
                continue  # dead again: counted at the next check
            print(f"{backend.name} répond de nouveau.", flush=True)
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--backends", "-n", type=int, default=2, help="app processes (≥ 1)")
    parser.add_argument("--port", type=int, default=8501, help="nginx's port (apps: the next)")
    parser.add_argument("--host", default="127.0.0.1", help="nginx's address (0.0.0.0: all)")
    parser.add_argument("--data-dir", default=None, help="dataset (default: COMEXT_DATA_DIR)")
    parser.add_argument("--access-log", action="store_true", help="nginx access log")
    args = parser.parse_args(argv)
    if args.backends < 1:
        parser.error("--backends must be at least 1")
    data_dir = config.data_dir(args.data_dir)
    workdir = Path(tempfile.mkdtemp(prefix="comext-serve-"))
    print(f"Démarrage de {args.backends} processus de l'application et de nginx…", flush=True)
    cluster = start(
        data_dir, args.backends, proxy=True, port=args.port, host=args.host, workdir=workdir,
        access_log=args.access_log,
    )  # fmt: skip
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"Jeu de données : {data_dir}")
        for backend, url in zip(cluster.backends, cluster.backend_urls(), strict=True):
            print(f"  {backend.name} : {url} (journal : {backend.log})")
        if _one_token_per_process():
            print(
                "Administration : sans COMEXT_ADMIN_PASSWORD, chaque processus a son propre jeton "
                "(dans son journal), valable à son adresse directe ci-dessus."
            )
        print(f"Application (nginx, sessions persistantes) : {cluster.url}   Ctrl-C pour arrêter.")
        sys.stdout.flush()
        supervisor = Supervisor(cluster)
        while not stop:
            if not supervisor.check():
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("Arrêt…", flush=True)
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
