"""Where a signed-in lesson page spends its time, part by part, in-process.

    .venv/bin/python -m tests.bench.lesson_parts [requests]

Serves the lesson page through the Flask test client many times under cProfile and sums
each function's own time by the package it lives in (Flask and Werkzeug, Jinja,
SQLAlchemy, the database driver, Flask-Login, Babel, WTForms, the app itself, ...).
Beside it, a minimal Flask page served the same way in the same run, so the parts can
be read against the floor any Flask page pays. With Redis answering at
LESSON_PARTS_CACHE (default redis://127.0.0.1:6379/0; "" for none) the app keeps
signed-in people and their done lessons in memory. Not run in CI.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import sys
import time
from collections import defaultdict

from flask import Flask

from tests.bench._server import prepared_instance

LESSON = "/m/cell-meetings/meeting-types"
PARTS = [
    ("sqlite3 / psycopg (driver)", re.compile(r"sqlite3|psycopg|method 'execute'|method 'fetch")),
    ("sqlalchemy", re.compile(r"/sqlalchemy/")),
    ("jinja2 + templates", re.compile(r"/jinja2/|<template>|\.html")),
    ("werkzeug", re.compile(r"/werkzeug/")),
    ("flask", re.compile(r"/flask/")),
    ("flask_login", re.compile(r"/flask_login/")),
    ("babel / flask_babel", re.compile(r"/babel/|/flask_babel/")),
    ("wtforms / flask_wtf", re.compile(r"/wtforms/|/flask_wtf/")),
    ("redis", re.compile(r"/redis/")),
    ("learnapp", re.compile(r"/learnapp/")),
    ("markupsafe", re.compile(r"markupsafe")),
]


def _part(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    for label, pattern in PARTS:
        if pattern.search(where):
            return label
    return "python and the rest"


def profile(serve, requests: int) -> tuple[float, dict[str, float]]:
    """(wall ms per request without the profiler, {part: own ms per request profiled})."""
    for _ in range(20):
        serve()
    start = time.perf_counter()
    for _ in range(requests):
        serve()
    wall = (time.perf_counter() - start) * 1000 / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        serve()
    profiler.disable()
    parts: dict[str, float] = defaultdict(float)
    for (filename, _line, name), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        parts[_part(filename, name)] += row[2] * 1000 / requests
    return wall, dict(parts)


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    env = prepared_instance()
    cache = os.environ.get("LESSON_PARTS_CACHE", "redis://127.0.0.1:6379/0")
    if cache:
        env.update(LEARNAPP_CACHE_URL=cache, LEARNAPP_CACHE_PREFIX=f"parts-{os.getpid()}:")
    os.environ.update(env)
    from learnapp import create_app

    app = create_app({"SECRET_KEY": "bench"})
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = client.post(
        "/sign-in", data={"csrf_token": token, "identifier": "learner", "password": "learnapp-demo"}
    )
    assert signed.status_code == 302, signed.status_code

    def lesson() -> None:
        response = client.get(LESSON)
        assert response.status_code == 200
        response.get_data()

    size = len(client.get(LESSON).get_data())
    baseline = Flask("baseline")
    body = "x" * size

    @baseline.get("/page")
    def _page():  # noqa: ANN202
        return body

    baseline_client = baseline.test_client()

    def minimal() -> None:
        response = baseline_client.get("/page")
        assert response.status_code == 200
        response.get_data()

    base_wall, base_parts = profile(minimal, requests)
    wall, parts = profile(lesson, requests)
    mode = "Redis stamps, people and done lessons in memory" if cache else "database stamps"
    print(f"{requests} requests each, in-process test client, SQLite, {mode}")
    print(f"minimal Flask page ({size} B): {base_wall:6.2f} ms/request")
    print(f"lesson page (signed in)    : {wall:6.2f} ms/request  ratio {base_wall / wall:.3f}")
    print("own time per request under the profiler (ms), lesson page vs minimal page:")
    for label in sorted(parts, key=parts.get, reverse=True):
        print(f"  {label:28s} {parts[label]:6.3f}   {base_parts.get(label, 0.0):6.3f}")
    print(f"  {'total':28s} {sum(parts.values()):6.3f}   {sum(base_parts.values()):6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
