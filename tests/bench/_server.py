"""Helpers for benchmarks: a prepared instance folder and a gunicorn server on loopback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepared_instance() -> dict[str, str]:
    """A fresh SQLite instance with migrations, the real courses and the demo."""
    folder = tempfile.mkdtemp(prefix="learnapp-bench-")
    env = dict(os.environ, LEARNAPP_INSTANCE_PATH=folder, LEARNAPP_SECRET_KEY="bench")
    env.pop("LEARNAPP_DATABASE_URL", None)
    for command in ("db-upgrade", "import-courses", "demo"):
        subprocess.run(  # noqa: S603
            [str(BIN / "flask"), "--app", "learnapp", command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


class Served(str):
    """The base URL of a server started here, with its master process id."""

    pid: int = 0


def _workers(master_pid: int) -> list[tuple[Path, list[str]]]:
    """Each worker process of a gunicorn master: its /proc folder and the fields of its
    stat line after the command (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command may hold spaces: the fields after its closing parenthesis.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master_pid:  # the parent's id
                found.append((stat.parent, fields))
    return found


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each worker process of a gunicorn master, in MB."""
    sizes = []
    for folder, _ in _workers(master_pid):
        with contextlib.suppress(OSError):
            for line in (folder / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sorted(sizes)


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU time (user and system) the workers of a gunicorn master have used.

    Unlike a request rate, it does not depend on how the clients' connections happened
    to spread over the workers."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in _workers(master_pid))
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int | None = 2) -> Iterator[Served]:
    """Serve app_spec with gunicorn on a free loopback port; yield the base URL.

    workers=None leaves the number to gunicorn.conf.py (on SQLite: one process with
    threads, the production recipe)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            *(["-w", str(workers)] if workers is not None else []),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
        # The access log (one line per request, as in production) costs the same as
        # there; it is written, then dropped, so it does not bury the bench's figures.
        stdout=subprocess.DEVNULL,
    )
    base = Served(f"http://127.0.0.1:{port}")
    base.pid = process.pid
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/sign-in", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
