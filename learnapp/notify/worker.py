"""The sender under a Huey worker: the same `sender.run` as `flask send-notifications`,
every five minutes, for installations that prefer a long-running worker to a timer.

    huey_consumer learnapp.tasks.huey  (loads this queue and every other task on it)

With LEARNAPP_NOTIFY_HUEY_URL=redis://... the schedule lives in Redis (several machines
can run consumers; Huey's periodic task fires on one). Without it, Huey keeps its queue in
a SQLite file under the instance folder, so the embedded default needs nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

QUEUE_NAME = "learnapp-notify"


def make_huey(url: str | None = None, instance: str | None = None, name: str = QUEUE_NAME) -> Huey:
    """A Redis Huey when a URL is given, else one on a SQLite file in the instance folder."""
    url = url if url is not None else os.environ.get("LEARNAPP_NOTIFY_HUEY_URL", "")
    if url:
        return RedisHuey(name, url=url)
    folder = Path(instance or os.environ.get("LEARNAPP_INSTANCE_PATH", Path.cwd() / "instance"))
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(folder / "huey.sqlite3"))


huey = make_huey()
# Built on first use: a worker process has no app of its own. Tests put theirs here.
app_factory: Callable[[], Flask] | None = None
_app: Flask | None = None


def worker_app() -> Flask:
    """The app a task runs in: the one already active (Huey in immediate mode runs the
    task inside the request), else one built once per worker process."""
    global _app
    from flask import current_app, has_app_context

    from learnapp import create_app

    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None or app_factory is not None:
        _app = (app_factory or create_app)()
    return _app


def send_cycle() -> tuple[str, str]:
    """One plan-and-send pass: exactly what `flask send-notifications` does."""
    global _app
    from learnapp import create_app
    from learnapp.notify import sender

    if _app is None or app_factory is not None:
        _app = (app_factory or create_app)()
    with _app.app_context():
        return sender.run()


@huey.periodic_task(crontab(minute="*/5"))
def send_notifications() -> tuple[str, str]:
    return send_cycle()
