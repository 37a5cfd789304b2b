"""Lesson page and quiz submission throughput under gunicorn, as ratios against a
minimal Flask page of the same size served the same way in the same run.

    .venv/bin/python -m tests.bench.throughput [seconds-per-measure]

Loopback only; every loop is bounded by time.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import threading
import time
import urllib.parse

from tests.bench._server import gunicorn, prepared_instance

CLIENTS = 4
LESSON = "/m/cell-meetings/meeting-types"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A keep-alive HTTP client that keeps its cookie, like one phone."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def sign_in(self, username: str) -> str:
        _, _, page = self.request("GET", "/sign-in")
        token = CSRF_RE.search(page).group(1)
        status, _, _ = self.request(
            "POST",
            "/sign-in",
            {"csrf_token": token, "identifier": username, "password": "learnapp-demo"},
        )
        assert status == 302, status
        _, _, page = self.request("GET", "/")
        return CSRF_RE.search(page).group(1)


def run_for(seconds: float, work) -> float:  # noqa: ANN001
    """Run work(client_index) in CLIENTS threads for `seconds`; return operations per second."""
    counts = [0] * CLIENTS
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        step = work(index)
        while time.perf_counter() < deadline:
            step()
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    env = prepared_instance()
    learners = ["learner", "learner2"] + [f"secretary{i:02d}" for i in range(1, CLIENTS)]

    with gunicorn("wsgi:app", env) as base:
        probe = Browser(base)
        probe.sign_in("learner")
        page_size = len(probe.request("GET", LESSON)[2].encode())

        def lesson_work(index: int):  # noqa: ANN202
            client = Browser(base)
            client.sign_in(learners[index])
            return lambda: client.request("GET", LESSON)

        def quiz_work(index: int):  # noqa: ANN202
            client = Browser(base)
            token = client.sign_in(learners[index])

            def step() -> None:
                _, location, _ = client.request(
                    "POST", "/m/cell-meetings/quiz/start", {"csrf_token": token}
                )
                path = urllib.parse.urlsplit(location).path
                _, _, page = client.request("GET", path)
                names = sorted(set(re.findall(r'name="(q\d+)" value="(\d+)"', page)))
                answers = dict(names)
                client.request("POST", path, {"csrf_token": token, **answers})

            return step

        lesson_rate = run_for(seconds, lesson_work)
        quiz_rate = run_for(seconds, quiz_work)

    baseline_env = dict(env, BASELINE_BYTES=str(page_size))
    with gunicorn("tests.bench.baseline_app:app", baseline_env) as base:

        def baseline_get(index: int):  # noqa: ANN202
            client = Browser(base)
            return lambda: client.request("GET", "/page")

        def baseline_post(index: int):  # noqa: ANN202
            client = Browser(base)
            return lambda: client.request("POST", "/page", {"a": "1"})

        baseline_get_rate = run_for(seconds, baseline_get)
        baseline_post_rate = run_for(seconds, baseline_post)

    print(
        f"gunicorn, 2 workers, {CLIENTS} keep-alive clients, {seconds:g} s each, SQLite; "
        f"{os.cpu_count()} cores"
    )
    print(f"baseline page ({page_size} B)     : {baseline_get_rate:8.1f} req/s")
    print(
        f"lesson page (signed in)       : {lesson_rate:8.1f} req/s  "
        f"ratio {lesson_rate / baseline_get_rate:.3f}"
    )
    print(f"baseline POST                 : {baseline_post_rate:8.1f} req/s")
    print(
        f"quiz start+take+submit (3 req): {quiz_rate:8.1f} attempts/s  "
        f"ratio {quiz_rate * 3 / baseline_post_rate:.3f} (requests vs baseline POST)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
