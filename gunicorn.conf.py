"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`).

Read from the same environment as the site. Every value can be overridden with
GUNICORN_* variables (below) or on the command line.

- PostgreSQL: worker processes from the cores (2 per core + 1, at most 8 by default),
  each with a few threads, so a slow report or export does not hold every learner.
- SQLite: one process with threads. SQLite lets one writer in at a time, and the app
  queues its writers on a lock inside the process (learnapp/db.py); several processes
  would queue on SQLite's busy timeout instead, which is what logged "database is
  locked" in a 4-worker run.
"""

from __future__ import annotations

import multiprocessing
import os

_database = os.environ.get("LEARNAPP_DATABASE_URL", "sqlite:")
_on_sqlite = _database.startswith("sqlite")


def _number(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

if _on_sqlite:
    workers = 1
    threads = _number("GUNICORN_THREADS", 8)
else:
    workers = _number("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
    threads = _number("GUNICORN_THREADS", 4)
worker_class = "gthread"

# Load the app once before forking: workers share its memory (copy on write) instead of
# each importing it, and a broken configuration stops the start instead of each worker.
preload_app = True

# Restart a worker after this many requests (spread by the jitter, so they do not all
# restart at once): a slow leak cannot grow without bound.
max_requests = _number("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _number("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Long enough for the largest export of a province (about 14 s for 100,000 learners as
# XLSX); a request still running after it is stuck, and the worker is replaced.
timeout = _number("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# nginx keeps connections to the app open between requests.
keepalive = 5

# Behind nginx: trust its X-Forwarded-* only from the machine itself.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_fork(server, worker) -> None:  # noqa: ANN001, ARG001
    """Each worker opens its own database connections: a connection made before the
    fork (by preloading) must not be shared by two processes."""
    from learnapp import db

    app = getattr(worker.app, "callable", None)  # the preloaded Flask app
    if app is not None and "db_engine" in getattr(app, "extensions", {}):
        db.engine_of(app).dispose(close=False)
