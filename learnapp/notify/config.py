"""Notification settings: app.config first (tests), then LEARNAPP_NOTIFY_* variables.

Read here rather than in learnapp/config.py so the feature's settings stay in one place.
Nothing is sent anywhere until a channel is configured: the embedded default puts every
message on the printed call list only.
"""

from __future__ import annotations

import os

from flask import current_app

DEFAULTS: dict[str, str] = {
    # Channels in use, in order of preference: sms, zalo, email, print.
    "NOTIFY_CHANNELS": "print",
    # Where links in messages point (the address people open the site at).
    "NOTIFY_BASE_URL": "http://127.0.0.1:5000",
    "NOTIFY_SMS_URL": "",
    "NOTIFY_SMS_API_KEY": "",
    "NOTIFY_SMS_SECRET_KEY": "",
    "NOTIFY_SMS_BRANDNAME": "",
    "NOTIFY_ZALO_URL": "",
    "NOTIFY_ZALO_ACCESS_TOKEN": "",
    "NOTIFY_ZALO_TEMPLATE_ID": "",
    "NOTIFY_SMTP_HOST": "",
    "NOTIFY_SMTP_PORT": "25",
    "NOTIFY_SMTP_FROM": "",
    # Messages a person receives in any 7 days, all channels together.
    "NOTIFY_WEEKLY_CAP": "4",
    "NOTIFY_MAX_ATTEMPTS": "5",
    # First retry after this; each later one waits twice as long.
    "NOTIFY_BACKOFF_SECONDS": "300",
    "NOTIFY_TIMEOUT_SECONDS": "10",
    # A message claimed longer ago than this by a sender that never reported back had
    # an unknown outcome: it goes to the dead letters rather than out a second time.
    "NOTIFY_CLAIM_TIMEOUT_SECONDS": "900",
    # Set to a redis:// URL to run the sender under a Huey worker on Redis.
    "NOTIFY_HUEY_URL": "",
}


def setting(name: str) -> str:
    if name in current_app.config:
        return str(current_app.config[name])
    return os.environ.get(f"LEARNAPP_{name}", DEFAULTS[name])


def number(name: str) -> int:
    return int(setting(name))


def channels_in_use() -> list[str]:
    return [c.strip() for c in setting("NOTIFY_CHANNELS").split(",") if c.strip()]
