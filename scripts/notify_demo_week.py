"""A week of the demo commune's notifications, as the outbox holds them.

Builds the demo in a temporary folder (SQLite), gives the commune committee member a
phone number, points SMS and Zalo at a local fake gateway on 127.0.0.1, then runs the
sender twice a day (09:00 and 22:00 Vietnam time) from today to the same weekday a
week later on a fixed clock; on the
third day at 22:00 an admin makes one more module required (its SMS waits for
the morning). Prints the outbox of Tân Thanh.

    .venv/bin/python scripts/notify_demo_week.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from learnapp import create_app, db, migrate  # noqa: E402
from learnapp.cli.courses import import_courses_command  # noqa: E402
from learnapp.cli.demo import demo_command  # noqa: E402
from learnapp.cli.notify import notifications_outbox_command  # noqa: E402
from learnapp.content.published import published_module  # noqa: E402
from learnapp.models import Area, Assignment, User  # noqa: E402
from learnapp.models.base import VIETNAM_OFFSET, utcnow, vietnam_date  # noqa: E402
from learnapp.notify import clock, sender  # noqa: E402


class Gateway(BaseHTTPRequestHandler):
    """Accepts everything, as an SMS or ZNS gateway that is up would."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        data = json.dumps({"CodeResult": "100", "error": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # noqa: ANN002
        return None


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="notify-demo-week-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/send"
    database = f"sqlite:///{folder / 'learnapp.db'}"
    migrate.upgrade(database)
    app = create_app(
        {
            "DATABASE_URL": database,
            "INSTANCE_PATH": folder,
            "COURSES_DIR": ROOT / "courses",
            "NOTIFY_CHANNELS": "sms,zalo,print",
            "NOTIFY_SMS_URL": url,
            "NOTIFY_ZALO_URL": url,
            "NOTIFY_SMS_BRANDNAME": "TINH UY TQ",
            "NOTIFY_BASE_URL": "https://daotao.example.vn",
        }
    )
    runner = app.test_cli_runner()
    for command, args in ((import_courses_command, []), (demo_command, [])):
        result = runner.invoke(command, args)
        if result.exit_code:
            raise SystemExit(result.output)
    today = vietnam_date(utcnow())
    start = datetime(today.year, today.month, today.day, 9) - VIETNAM_OFFSET
    fixed = clock.FixedClock(start)
    clock.install(app, fixed)
    with app.app_context():
        committee = db.session.scalar(select(User).where(User.username == "committee"))
        committee.phone = "0912000009"
        db.session.commit()
    for day in range(8):
        for hour in (9, 22):
            fixed.at = start + timedelta(days=day, hours=hour - 9)
            with app.app_context():
                if day == 2 and hour == 22:
                    _new_requirement(fixed.at)
                sender.run()
    result = runner.invoke(notifications_outbox_command, ["--area", "Tân Thanh", "--days", "9"])
    print(f"Week from {today:%a %d/%m/%Y}, sender at 09:00 and 22:00 (Vietnam time):\n")
    print(result.output)
    server.shutdown()


def _new_requirement(at: datetime) -> None:
    """Day 3, 22:00: an admin makes digital skills required in Tân Thanh, due in 5 days."""
    module = published_module("digital-skills")
    commune = db.session.scalar(select(Area).where(Area.name == "Tân Thanh"))
    db.session.add(
        Assignment(
            module_id=module.id,
            area_id=commune.id,
            due_on=vietnam_date(at) + timedelta(days=5),
            created_at=at,
        )
    )
    db.session.commit()


if __name__ == "__main__":
    main()
