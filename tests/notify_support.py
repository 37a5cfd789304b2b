"""Helpers for the notification tests: a world with one required module, a fixed clock,
and local fakes of each channel's server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Area, Assignment, Module, User
from learnapp.notify import clock
from learnapp.notify.models import Notification
from tests.factories import import_into, write_module

SLUG = "test-module"
# Tuesday 8 December 2026, 09:00 in Vietnam (02:00 UTC): inside the SMS day.
TUESDAY_9AM = datetime(2026, 12, 8, 2, 0)


@pytest.fixture(autouse=True)
def _clock_back_to_the_system(app):
    """The app may be shared with other tests: take the fixed clock away afterwards."""
    yield
    app.extensions.pop(clock.EXTENSION, None)


def vn(moment: datetime) -> date:
    return (moment + timedelta(hours=7)).date()


def set_up_world(app, tmp_path: Path, *, due_in_days: int, at: datetime = TUESDAY_9AM):
    """Import a module, require it of the whole province with a due date relative to the
    clock's day, and install a clock fixed at `at`. Returns the clock."""
    write_module(tmp_path / "courses", SLUG)
    import_into(app, tmp_path / "courses")
    fixed = clock.FixedClock(at)
    clock.install(app, fixed)
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        province = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
        db.session.add(
            Assignment(
                module_id=module.id,
                area_id=province.id,
                due_on=vn(at) + timedelta(days=due_in_days),
                grace_days=0,
                # Long made: "new required module" is its own test.
                created_at=at - timedelta(days=60),
            )
        )
        # Everyone joined long ago, so the assignment's date is their date.
        for user in db.session.scalars(select(User)):
            user.joined_area_on = vn(at) - timedelta(days=90)
        db.session.commit()
    return fixed


def outbox(app, **where) -> list[Notification]:
    with app.app_context():
        query = select(Notification).order_by(Notification.id)
        for name, value in where.items():
            if name == "username":
                query = query.join(User, User.id == Notification.user_id).where(
                    User.username == value
                )
            else:
                query = query.where(getattr(Notification, name) == value)
        return list(db.session.scalars(query))


class FakeGateway:
    """An HTTP server on 127.0.0.1 that records each POST and answers from a script:
    (status, json) pairs, or "hang" to answer nothing for longer than the client waits."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list = []
        self.default = (200, {"CodeResult": "100"})
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "json": body,
                        }
                    )
                    answer = fake.script.pop(0) if fake.script else fake.default
                if answer == "hang":
                    time.sleep(2)
                    return
                status, payload = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # noqa: ANN002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/send"
