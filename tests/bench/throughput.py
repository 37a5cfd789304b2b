"""Lesson page and quiz submission throughput under gunicorn, as ratios against a
minimal Flask page of the same size served the same way in the same run.

    .venv/bin/python -m tests.bench.throughput [seconds-per-round] [rounds]

Both servers run side by side and each pair (lesson page and minimal page, whole quiz
attempt and minimal POST, submit alone and minimal POST alone) is measured in
alternating rounds (default 5 of 2 s each), every round on new keep-alive connections:
gunicorn hands a connection to one worker for good, so one round's clients may all land
on one worker, and the machine's speed drifts; alternating with new connections lets
both sides of a ratio see the same luck. The ratio is of the totals; the range of the
rounds' own ratios is printed beside it.

Every response's status (and redirect target) is checked: an error page is not
throughput, and the run stops at the first one. Submit alone: each client prepares an
open attempt untimed, then all clients submit at once; only that window is timed, and
the baseline POST is timed the same way. Loopback only; every loop is bounded by time.
With Redis at THROUGHPUT_CACHE (default redis://127.0.0.1:6379/0; "" for none) the app
keeps signed-in people and their done lessons in memory; it prints which, and each
worker's RSS.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from tests.bench._server import gunicorn, prepared_instance, worker_cpu_seconds, worker_rss_mb

CLIENTS = 8
# Reads the server's CPU seconds so far (see _server.worker_cpu_seconds).
Clock = Callable[[], float]
LESSON = "/m/cell-meetings/meeting-types"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A keep-alive HTTP client that keeps its cookie, like one phone."""

    def __init__(self, base: str) -> None:
        self.address = urllib.parse.urlsplit(base)
        self.conn = self._connection()
        self.cookie = ""

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=30)

    def reconnect(self) -> None:
        """A new keep-alive connection (gunicorn may give it to another worker)."""
        self.conn.close()
        self.conn = self._connection()

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


def run_for(
    seconds: float, steps: list[Callable[[], object]], cpu: Clock
) -> tuple[int, float, float]:
    """Run each step in a thread of its own, again and again, for `seconds`; return
    (steps done, seconds taken, the server's CPU seconds meanwhile, read with `cpu`).
    The first failure (a wrong status, a lost connection) stops the run and is raised."""
    counts = [0] * len(steps)
    errors: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        try:
            while time.perf_counter() < deadline and not errors:
                steps[index]()
                counts[index] += 1
        except BaseException as exc:  # noqa: BLE001  (raised below)
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(steps))]
    cpu_before = cpu()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    used = cpu() - cpu_before
    if errors:
        raise errors[0]
    return sum(counts), elapsed, used


def run_turns(
    seconds: float,
    pairs: list[tuple[Callable[[], object], Callable[[], object]]],
    cpu: Clock,
) -> tuple[int, float, float]:
    """Time one request on its own: each client has a (prepare, timed) pair.

    Each turn, every client runs prepare() untimed, then all send timed() together; the
    clock runs from that start to the last response, until it has run `seconds`.
    Returns (timed requests, seconds timed, the server's CPU seconds in those windows).
    """
    clients = len(pairs)
    errors: list[BaseException] = []
    timing = {"window": 0.0, "turns": 0, "t0": 0.0, "cpu": 0.0, "cpu0": 0.0, "stop": False}
    deadline = time.perf_counter() + seconds

    def begin() -> None:
        timing["stop"] = (
            bool(errors)
            or timing["window"] >= seconds
            or (time.perf_counter() > deadline + 4 * seconds)
        )
        timing["cpu0"] = cpu()
        timing["t0"] = time.perf_counter()

    def end() -> None:
        timing["window"] += time.perf_counter() - timing["t0"]
        timing["cpu"] += cpu() - timing["cpu0"]
        timing["turns"] += 1

    start_line = threading.Barrier(clients, action=begin, timeout=60)
    finish_line = threading.Barrier(clients, action=end, timeout=60)

    def loop(index: int) -> None:
        prepare, timed = pairs[index]
        try:
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

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return clients * timing["turns"], timing["window"], timing["cpu"]


@dataclass
class Sample:
    """One side of a ratio over the rounds: operations, seconds, and the server's CPU."""

    operations: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    rates: list[float] = field(default_factory=list)

    def add(self, operations: int, seconds: float, cpu_seconds: float) -> None:
        self.operations += operations
        self.seconds += seconds
        self.cpu_seconds += cpu_seconds
        self.rates.append(operations / seconds)

    @property
    def rate(self) -> float:
        return self.operations / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.operations


Run = Callable[[float, Clock], tuple[int, float, float]]


def measured(master_pid: int, clients: list[Browser], run: Run) -> Callable[[float, Sample], None]:
    """One round of `run` on new connections, added to a sample with the CPU it cost."""

    def measure(seconds: float, sample: Sample) -> None:
        for client in clients:
            client.reconnect()
        sample.add(*run(seconds, partial(worker_cpu_seconds, master_pid)))

    return measure


def alternate(
    rounds: int,
    seconds: float,
    measure: Callable[[float, Sample], None],
    baseline: Callable[[float, Sample], None],
) -> tuple[Sample, Sample]:
    """Measure both sides in alternating rounds."""
    sides = Sample(), Sample()
    for _ in range(rounds):
        measure(seconds, sides[0])
        baseline(seconds, sides[1])
    return sides


def report(label: str, sides: tuple[Sample, Sample], unit: str, per: int = 1) -> str:
    """Rates and their ratio (with the rounds' range), then the workers' CPU per request."""
    ours, base = sides
    each = sorted(m * per / b for m, b in zip(ours.rates, base.rates, strict=True))
    return (
        f"{label}\n"
        f"  rate {ours.rate:7.1f} {unit} vs {base.rate:7.1f} req/s: "
        f"ratio {ours.rate * per / base.rate:.3f} (rounds {each[0]:.3f}-{each[-1]:.3f})\n"
        f"  workers' CPU per request {ours.cpu_ms / per:6.2f} ms vs {base.cpu_ms:5.2f} ms: "
        f"ratio {base.cpu_ms * per / ours.cpu_ms:.3f}"
    )


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


class ReadySubmit:
    """One phone's attempt: opened and loaded untimed, then submitted."""

    def __init__(self, phone: Browser, token: str) -> None:
        self.phone, self.token = phone, token
        self.attempt: tuple[str, dict] = ("", {})

    def prepare(self) -> None:
        self.attempt = open_attempt(self.phone, self.token)

    def send(self) -> None:
        submit(self.phone, self.token, *self.attempt)


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    # Workers are not replaced every few thousand requests during the run: the figures
    # are of workers that stay (each replacement's start and cold copies are a cost of
    # its own, and its CPU time would leave the count with it).
    env = dict(prepared_instance(), GUNICORN_MAX_REQUESTS="0")
    cache = _cache_url()
    if cache:
        env.update(LEARNAPP_CACHE_URL=cache, LEARNAPP_CACHE_PREFIX=f"throughput-{os.getpid()}:")
    learners = ["learner", "learner2"] + [f"secretary{i:02d}" for i in range(1, CLIENTS)]

    with gunicorn("wsgi:app", env, workers=None) as site:
        phones = [Browser(site) for _ in range(CLIENTS)]
        tokens = [phone.sign_in(name) for phone, name in zip(phones, learners, strict=False)]
        page_size = len(phones[0].request("GET", LESSON)[2].encode())
        with gunicorn(
            "tests.bench.baseline_app:app", dict(env, BASELINE_BYTES=str(page_size)), workers=None
        ) as base:
            plain = [Browser(base) for _ in range(CLIENTS)]

            def lessons(span: float, cpu: Clock) -> tuple[int, float, float]:
                return run_for(span, [lambda p=p: p.request("GET", LESSON) for p in phones], cpu)

            def pages(span: float, cpu: Clock) -> tuple[int, float, float]:
                return run_for(span, [lambda c=c: c.request("GET", "/page") for c in plain], cpu)

            def attempts(span: float, cpu: Clock) -> tuple[int, float, float]:
                steps = [
                    lambda p=p, t=t: submit(p, t, *open_attempt(p, t))
                    for p, t in zip(phones, tokens, strict=True)
                ]
                return run_for(span, steps, cpu)

            def posts(span: float, cpu: Clock) -> tuple[int, float, float]:
                steps = [lambda c=c: c.request("POST", "/page", {"a": "1"}) for c in plain]
                return run_for(span, steps, cpu)

            def submits(span: float, cpu: Clock) -> tuple[int, float, float]:
                ready = [ReadySubmit(p, t) for p, t in zip(phones, tokens, strict=True)]
                return run_turns(span, [(r.prepare, r.send) for r in ready], cpu)

            def posts_alone(span: float, cpu: Clock) -> tuple[int, float, float]:
                pairs = [
                    (lambda: None, lambda c=c: c.request("POST", "/page", {"a": "1"}))
                    for c in plain
                ]
                return run_turns(span, pairs, cpu)

            on_site = partial(measured, site.pid, phones)
            on_base = partial(measured, base.pid, plain)
            lesson = alternate(rounds, seconds, on_site(lessons), on_base(pages))
            rss = worker_rss_mb(site.pid)
            attempt = alternate(rounds, seconds, on_site(attempts), on_base(posts))
            alone = alternate(rounds, seconds, on_site(submits), on_base(posts_alone))

    print(
        f"gunicorn.conf.py on SQLite (one worker process, 8 threads), {CLIENTS} keep-alive "
        f"clients, {rounds} alternating rounds of {seconds:g} s per side; {os.cpu_count()} cores"
    )
    print(
        "cache stamps: "
        + ("Redis (people kept in memory)" if cache else "database (people loaded per request)")
    )
    print("RSS per worker after the lesson run: " + ", ".join(f"{mb:.0f} MB" for mb in rss))
    print(f"the minimal page and POST answer with {page_size} B, as the lesson page does")
    print(report("lesson page (signed in) vs minimal page", lesson, "req/s"))
    print(report("quiz start+take+submit vs minimal POST", attempt, "attempts/s", per=3))
    print(report("quiz submit alone vs minimal POST alone", alone, "submits/s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
