"""Lesson page and quiz submission throughput under gunicorn, as ratios against a
minimal Flask page of the same size served the same way in the same run.

    .venv/bin/python -m tests.bench.throughput [seconds-per-measure]

Every response's status (and redirect target) is checked: an error page is not
throughput, and the run stops at the first one. The quiz is measured twice: the whole
start+take+submit cycle, and the submit POST on its own (each client prepares an open
attempt untimed, then all clients submit at once; only that window is timed, and the
baseline POST is timed the same way). Loopback only; every loop is bounded by time.
With Redis at THROUGHPUT_CACHE (default redis://127.0.0.1:6379/0; "" for none) the app
keeps signed-in people in memory; it prints which, and each worker's RSS.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import threading
import time
import urllib.parse

from tests.bench._server import gunicorn, prepared_instance, worker_rss_mb

CLIENTS = 4
LESSON = "/m/cell-meetings/meeting-types"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A keep-alive HTTP client that keeps its cookie, like one phone."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.cookie = ""

    def request(
        self, method: str, path: str, form: dict | None = None, *, expect: int = 200
    ) -> tuple[int, str, str]:
        """Send one request; fail unless the response has the expected status."""
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
        location = response.getheader("Location") or ""
        if response.status != expect:
            raise AssertionError(
                f"{method} {path}: status {response.status}, expected {expect} "
                f"{location} {text[:200]!r}"
            )
        return response.status, location, text

    def sign_in(self, username: str) -> str:
        _, _, page = self.request("GET", "/sign-in")
        token = CSRF_RE.search(page).group(1)
        self.request(
            "POST",
            "/sign-in",
            {"csrf_token": token, "identifier": username, "password": "learnapp-demo"},
            expect=302,
        )
        _, _, page = self.request("GET", "/")
        return CSRF_RE.search(page).group(1)


def run_for(seconds: float, work) -> float:  # noqa: ANN001
    """Run work(client_index) in CLIENTS threads for `seconds`; return operations per second.

    The first failure (a wrong status, a lost connection) stops the run and is raised.
    """
    counts = [0] * CLIENTS
    errors: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        try:
            step = work(index)
            while time.perf_counter() < deadline and not errors:
                step()
                counts[index] += 1
        except BaseException as exc:  # noqa: BLE001  (raised below)
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


def run_rounds(seconds: float, work) -> float:  # noqa: ANN001
    """Time one request on its own: work(client_index) returns (prepare, timed).

    Each round, every client runs prepare() untimed, then all send timed() together; the
    clock runs from that start to the last response. Returns timed requests per second.
    """
    errors: list[BaseException] = []
    timing = {"window": 0.0, "rounds": 0, "t0": 0.0, "stop": False}
    deadline = time.perf_counter() + seconds

    def begin() -> None:
        timing["stop"] = (
            bool(errors)
            or timing["window"] >= seconds
            or (time.perf_counter() > deadline + 4 * seconds)
        )
        timing["t0"] = time.perf_counter()

    def end() -> None:
        timing["window"] += time.perf_counter() - timing["t0"]
        timing["rounds"] += 1

    start_line = threading.Barrier(CLIENTS, action=begin, timeout=60)
    finish_line = threading.Barrier(CLIENTS, action=end, timeout=60)

    def loop(index: int) -> None:
        try:
            prepare, timed = work(index)
            while True:
                prepare()
                start_line.wait()
                if timing["stop"]:
                    return
                timed()
                finish_line.wait()
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # noqa: BLE001  (raised below)
            errors.append(exc)
            start_line.abort()
            finish_line.abort()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return CLIENTS * timing["rounds"] / timing["window"]


ATTEMPT_RE = re.compile(r"/quiz/attempts/\d+")
START = "/m/cell-meetings/quiz/start"


def _cache_url() -> str:
    """Redis for the cache stamps where one answers (THROUGHPUT_CACHE, "" for none)."""
    url = os.environ.get("THROUGHPUT_CACHE", "redis://127.0.0.1:6379/0")
    if not url:
        return ""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return ""
    return url


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    env = prepared_instance()
    cache = _cache_url()
    if cache:
        env.update(LEARNAPP_CACHE_URL=cache, LEARNAPP_CACHE_PREFIX=f"throughput-{os.getpid()}:")
    learners = ["learner", "learner2"] + [f"secretary{i:02d}" for i in range(1, CLIENTS)]

    with gunicorn("wsgi:app", env) as base:
        probe = Browser(base)
        probe.sign_in("learner")
        page_size = len(probe.request("GET", LESSON)[2].encode())

        def lesson_work(index: int):  # noqa: ANN202
            client = Browser(base)
            client.sign_in(learners[index])
            return lambda: client.request("GET", LESSON)

        def open_attempt(client: Browser, token: str) -> tuple[str, dict]:
            """Start (or resume) an attempt and load its page: (its path, an answer each)."""
            _, location, _ = client.request("POST", START, {"csrf_token": token}, expect=302)
            path = urllib.parse.urlsplit(location).path
            assert ATTEMPT_RE.fullmatch(path), location
            _, _, page = client.request("GET", path)
            answers = dict(sorted(set(re.findall(r'name="(q\d+)" value="(\d+)"', page))))
            assert answers, f"no questions on {path}"
            return path, answers

        def submit(client: Browser, token: str, path: str, answers: dict) -> None:
            _, location, _ = client.request(
                # Typed answers stay blank: confirm_blank skips the page that asks first.
                "POST",
                path,
                {"csrf_token": token, "confirm_blank": "1", **answers},
                expect=302,
            )
            assert urllib.parse.urlsplit(location).path == f"{path}/result", location

        def quiz_work(index: int):  # noqa: ANN202
            client = Browser(base)
            token = client.sign_in(learners[index])

            def step() -> None:
                submit(client, token, *open_attempt(client, token))

            return step

        def submit_work(index: int):  # noqa: ANN202
            client = Browser(base)
            token = client.sign_in(learners[index])
            ready: list[tuple[str, dict]] = []

            def prepare() -> None:
                ready[:] = [open_attempt(client, token)]

            return prepare, lambda: submit(client, token, *ready[0])

        lesson_rate = run_for(seconds, lesson_work)
        rss = worker_rss_mb(base.pid)
        quiz_rate = run_for(seconds, quiz_work)
        submit_rate = run_rounds(seconds, submit_work)

    baseline_env = dict(env, BASELINE_BYTES=str(page_size))
    with gunicorn("tests.bench.baseline_app:app", baseline_env) as base:

        def baseline_get(index: int):  # noqa: ANN202
            client = Browser(base)
            return lambda: client.request("GET", "/page")

        def baseline_post(index: int):  # noqa: ANN202
            client = Browser(base)
            return lambda: client.request("POST", "/page", {"a": "1"})

        def baseline_post_rounds(index: int):  # noqa: ANN202
            client = Browser(base)
            return (lambda: None), (lambda: client.request("POST", "/page", {"a": "1"}))

        baseline_get_rate = run_for(seconds, baseline_get)
        baseline_post_rate = run_for(seconds, baseline_post)
        baseline_round_rate = run_rounds(seconds, baseline_post_rounds)

    print(
        f"gunicorn, 2 workers, {CLIENTS} keep-alive clients, {seconds:g} s each, SQLite; "
        f"{os.cpu_count()} cores"
    )
    print(
        "cache stamps: "
        + ("Redis (people kept in memory)" if cache else "database (people loaded per request)")
    )
    print("RSS per worker after the lesson run: " + ", ".join(f"{mb:.0f} MB" for mb in rss))
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
    print(f"baseline POST, in rounds      : {baseline_round_rate:8.1f} req/s")
    print(
        f"quiz submit POST alone        : {submit_rate:8.1f} submits/s  "
        f"ratio {submit_rate / baseline_round_rate:.3f} (vs baseline POST in rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
