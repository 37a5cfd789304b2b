"""Writers in four gunicorn worker processes on one SQLite file: no "database is locked".

    .venv/bin/python -m tests.bench.sqlite_workers [seconds]

Eight keep-alive clients (demo learners) mark lessons done and take quizzes through
four sync workers for the given time. Any error status, or "database is locked" in the
server's log, fails the run (exit 1). Prints the writes per second held, beside the
rate of the same clients on the lesson page (reads), measured in the same run.
Loopback only, bounded in time; not run in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import tests.bench.throughput as shared
from tests.bench._server import BIN, ROOT, free_port, prepared_instance
from tests.bench.throughput import ATTEMPT_RE, LESSON, START, Browser

WORKERS = 4
CLIENTS = 8
LESSONS = [
    "/m/cell-meetings/meeting-types",
    "/m/cell-meetings/preparation-and-agenda",
    "/m/cell-meetings/running-the-meeting",
]


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    env = prepared_instance()
    log_path = Path(tempfile.mkdtemp(prefix="sqlite-workers-")) / "server.log"
    log = log_path.open("w")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    learners = ["learner", "learner2"] + [f"secretary{i:02d}" for i in range(1, CLIENTS - 1)]
    try:
        for _ in range(100):
            try:
                Browser(base).request("GET", "/sign-in")
                break
            except OSError:
                time.sleep(0.1)

        shared.CLIENTS = CLIENTS  # run_for starts this many client threads

        def reads(index: int):  # noqa: ANN202
            client = Browser(base)
            client.sign_in(learners[index])
            return lambda: client.request("GET", LESSON)

        def writes(index: int):  # noqa: ANN202
            client = Browser(base)
            token = client.sign_in(learners[index])
            turn = [0]

            def step() -> None:
                turn[0] += 1
                if turn[0] % 2:
                    lesson = LESSONS[turn[0] // 2 % len(LESSONS)]
                    client.request("POST", lesson + "/done", {"csrf_token": token}, expect=302)
                    return
                _, location, _ = client.request("POST", START, {"csrf_token": token}, expect=302)
                path = urllib.parse.urlsplit(location).path
                if not ATTEMPT_RE.fullmatch(path):
                    return  # attempts used up: the overview says so, a fair answer
                client.request(
                    "POST", path, {"csrf_token": token, "confirm_blank": "1"}, expect=302
                )

            return step

        read_rate = shared.run_for(seconds / 2, reads)
        write_rate = shared.run_for(seconds, writes)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    text = log_path.read_text(encoding="utf-8", errors="replace")
    locked = text.count("database is locked")
    print(f"gunicorn, {WORKERS} sync workers, {CLIENTS} clients, SQLite; {os.cpu_count()} cores")
    print(f"lesson page reads   : {read_rate:8.1f} req/s")
    print(f"writes (done/quiz)  : {write_rate:8.1f} actions/s  ratio {write_rate / read_rate:.3f}")
    print(f'"database is locked" in the server log: {locked}')
    return 1 if locked else 0


if __name__ == "__main__":
    sys.exit(main())
