"""Site settings kept in the database (table site_setting), with their defaults.

Read by the features that use them (certificates, question statistics); changed by a
province admin on the admin settings page. A missing row means the default.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from learnapp import db
from learnapp.models import SiteSetting, User
from learnapp.models.base import utcnow

STATS_MIN_ANSWERS = "stats_min_answers"
DEFAULT_STATS_MIN_ANSWERS = 30
OFFLINE_SUBMIT_DAYS = "offline_submit_days"
DEFAULT_OFFLINE_SUBMIT_DAYS = 7


def issuer_key(language: str) -> str:
    return f"certificate_issuer_{language}"


def get(key: str, default: str = "") -> str:
    row = db.session.get(SiteSetting, key)
    return row.value if row is not None else default


def put(key: str, value: str, by: User | None = None) -> bool:
    """Store a setting; True if its value changed."""
    row = db.session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key, value="")
        db.session.add(row)
    if row.value == value and row.updated_at is not None:
        return False
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = by.id if by else None
    db.session.flush()
    return True


def issuer_names() -> dict[str, str]:
    """The issuing body's name per language (empty where not set), in one query."""
    keys = {issuer_key(lang): lang for lang in current_app.config["LANGUAGES"]}
    rows = db.session.execute(
        select(SiteSetting.key, SiteSetting.value).where(SiteSetting.key.in_(keys))
    )
    names = dict.fromkeys(keys.values(), "")
    for key, value in rows:
        names[keys[key]] = value
    return names


def stats_min_answers() -> int:
    value = get(STATS_MIN_ANSWERS)
    return int(value) if value.isdigit() else DEFAULT_STATS_MIN_ANSWERS


def offline_submit_days() -> int:
    """How long after it started an attempt answered offline is still accepted."""
    value = get(OFFLINE_SUBMIT_DAYS)
    return int(value) if value.isdigit() else DEFAULT_OFFLINE_SUBMIT_DAYS
