"""Planning: turn today's facts into outbox rows, once per event and channel.

Run before every send. Each row carries an event key (kind, module, due date and, for
repeated reminders, which week); the unique constraint on (person, channel, key) makes
running the planner again, or on two machines at once, add nothing twice. A missed run
loses nothing: a key is due for a whole period (the 7 days before a due date, each week
overdue), so the next run plans what the missed one would have.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp import db
from learnapp.models import Area, Assignment, Module, Role, RoleGrant, User
from learnapp.models.base import VIETNAM_OFFSET, vietnam_date
from learnapp.notify import clock, config, rules
from learnapp.notify.messages import compose
from learnapp.notify.models import Channel, Kind, Notification, NotificationSetting
from learnapp.notify.phones import to_e164
from learnapp.org.scope import subtree_ids

DUE_SOON_DAYS = 7
NEW_REQUIRED_DAYS = 7
OVERDUE_EVERY_DAYS = 7


# Every event key stays current for less than this after its row was made (a week's
# digest or overdue reminder, the 7 days before a date), so older rows need no lookup.
KEYS_LIVE_DAYS = 10


@dataclass
class PlanReport:
    added: Counter = field(default_factory=Counter)
    known: set[tuple[int, str]] = field(default_factory=set)

    def line(self) -> str:
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.added.items())) or "nothing new"
        return f"planned {sum(self.added.values())} ({kinds})"


def week_start(today: date) -> datetime:
    """Monday 00:00 in Vietnam of the week holding `today`, as naive UTC."""
    monday = today - timedelta(days=today.weekday())
    return datetime(monday.year, monday.month, monday.day) - VIETNAM_OFFSET


def reachable_channels(
    person: User, choices: NotificationSetting | None
) -> list[tuple[Channel, str]]:
    """(channel, address) for one message to the person: the first channel in use (in
    the settings' order of preference) that reaches them and that they did not opt out
    of; the printed list when none reaches them. One event, one message: a person with
    SMS and Zalo is not told the same thing twice."""
    phone = to_e164(person.phone)
    email = choices.email if choices else None
    opted_out = False
    for name in config.channels_in_use():
        channel = Channel(name)
        if channel is Channel.PRINT:
            continue
        address = email if channel is Channel.EMAIL else phone
        if not address:
            continue
        if choices is not None and choices.is_off(channel):
            opted_out = True
            continue
        return [(channel, address)]
    if not opted_out and Channel.PRINT.value in config.channels_in_use():
        return [(Channel.PRINT, "")]
    return []


def plan(report: PlanReport | None = None) -> PlanReport:
    """Add the outbox rows today's facts call for; the caller commits."""
    report = report or PlanReport()
    now = clock.now()
    today = vietnam_date(now)
    base = config.setting("NOTIFY_BASE_URL")
    # One read of the recent keys instead of one query per candidate message.
    report.known |= set(
        db.session.execute(
            select(Notification.user_id, Notification.event_key).where(
                Notification.created_at > now - timedelta(days=KEYS_LIVE_DAYS)
            )
        ).all()
    )
    # url_for and the person's language need a request; POST so SQLite starts the
    # writing transaction at once (learnapp.db), as a form submission would.
    with current_app.test_request_context(base_url=base, method="POST"):
        _plan_learners(report, now, today)
        _plan_digests(report, now, today)
        _plan_sessions(report, now)
    db.session.flush()
    return report


def _titles(module_ids: set[int]) -> dict[int, Module]:
    if not module_ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Module).where(Module.id.in_(module_ids)))}


def _title(module: Module, locale: str) -> str:
    text = module.text(locale)
    return text.title if text is not None else module.slug


def _people(user_ids: set[int]) -> dict[int, tuple[User, NotificationSetting | None]]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User, NotificationSetting)
        .outerjoin(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(User.id.in_(user_ids))
    )
    return {user.id: (user, choices) for user, choices in rows}


def _locale(person: User) -> str:
    return person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _plan_learners(report: PlanReport, now: datetime, today: date) -> None:
    rows = db.session.execute(rules.open_requirements()).all()
    recent = set(
        db.session.execute(
            select(Assignment.module_id, Assignment.area_id).where(
                Assignment.created_at >= now - timedelta(days=NEW_REQUIRED_DAYS)
            )
        ).all()
    )
    new_pairs: set[tuple[int, int]] = set()
    for module_id, area_id in recent:
        for user_id in db.session.scalars(
            select(User.id).where(User.area_id.in_(subtree_ids(area_id)))
        ):
            new_pairs.add((user_id, module_id))
    people = _people({r.user_id for r in rows})
    modules = _titles({r.module_id for r in rows})
    # Overdue reminders go weekly from the last one, whenever the first went out (the
    # planner may start long after a due date): not two on consecutive days.
    reminded_lately = set(
        db.session.execute(
            select(Notification.user_id, Notification.module_id).where(
                Notification.kind == Kind.OVERDUE,
                Notification.created_at > now - timedelta(days=OVERDUE_EVERY_DAYS),
            )
        ).all()
    )
    for row in rows:
        days_left = (row.due_on - today).days
        if days_left == 0:
            kind, key = Kind.DUE_TODAY, f"due_today:{row.module_id}:{row.due_on}"
        elif (row.user_id, row.module_id) in new_pairs and days_left > 0:
            # It names the date already: no "due soon" while the news is a week old.
            kind, key = Kind.NEW_REQUIRED, f"new:{row.module_id}"
        elif 0 < days_left <= DUE_SOON_DAYS:
            kind, key = Kind.DUE_SOON, f"due_soon:{row.module_id}:{row.due_on}"
        elif days_left < 0:
            if (row.user_id, row.module_id) in reminded_lately:
                continue
            week = (-days_left - 1) // OVERDUE_EVERY_DAYS
            kind, key = Kind.OVERDUE, f"overdue:{row.module_id}:{row.due_on}:{week}"
        else:
            continue
        person, choices = people[row.user_id]
        module = modules[row.module_id]
        link = url_for("learn.module", slug=module.slug, _external=True)
        for channel, address in reachable_channels(person, choices):
            _add(
                report,
                person,
                kind,
                channel,
                key,
                address,
                link,
                module_id=module.id,
                area_id=person.area_id,
                now=now,
                facts={"title": _title(module, _locale(person)), "due_on": row.due_on},
            )


# Committees read the digest at the start of the working week: it is planned on Monday,
# or on the sender's first run up to Wednesday when it did not run on Monday. A sender
# first started on a Sunday so waits a day rather than sending that day and again on
# Monday, and a week whose Monday to Wednesday passed without a run has no digest.
DIGEST_LAST_WEEKDAY = 2  # Wednesday


def _plan_digests(report: PlanReport, now: datetime, today: date) -> None:
    if today.weekday() > DIGEST_LAST_WEEKDAY:
        return
    iso = today.isocalendar()
    start = week_start(today)
    grants = db.session.execute(
        select(RoleGrant.user_id, RoleGrant.area_id).where(RoleGrant.role == Role.COMMITTEE)
    ).all()
    people = _people({g.user_id for g in grants})
    for user_id, area_id in grants:
        person, choices = people[user_id]
        key = f"digest:{area_id}:{iso.year}-W{iso.week:02d}"
        if not person.is_active or person.deleted_at is not None or (user_id, key) in report.known:
            continue  # the counts below cost three aggregates: only for a digest to send
        area = db.session.get(Area, area_id)
        calls = len({r.user_id for r in db.session.execute(rules.escalated(area_id, today))})
        facts = {
            "title": area.name,
            "done": rules.completed_this_week(area_id, now, start),
            "overdue": rules.overdue_count(area_id, today),
            "calls": calls,
        }
        link = url_for("notify.calls", area_id=area_id, _external=True)
        for channel, address in reachable_channels(person, choices):
            if channel is Channel.PRINT:
                continue  # the call list page is the printed digest
            _add(
                report,
                person,
                Kind.DIGEST,
                channel,
                key,
                address,
                link,
                module_id=None,
                area_id=area_id,
                now=now,
                facts=facts,
            )


SESSION_KINDS = {
    "reminder": Kind.SESSION_REMINDER,
    "cancelled": Kind.SESSION_CANCELLED,
    "moved": Kind.SESSION_MOVED,
    "promoted": Kind.SESSION_SEAT,
    "invited": Kind.SESSION_INVITED,
}
# A place name is cut so a session message still fits one SMS with its link.
PLACE_CHARS = 40


def _plan_sessions(report: PlanReport, now: datetime) -> None:
    """Training-session reminders, cancellations and moves (learnapp.sessions.notices)
    on the person's channel, once each: the notice's own key is the event key."""
    from learnapp.sessions.notices import due_notices  # the sessions feature imports notify

    items = due_notices(now)
    if not items:
        return
    # A cancellation stays due until the learner puts it away, maybe for longer than the
    # window `report.known` reads, so session keys are looked up whatever their age.
    report.known |= set(
        db.session.execute(
            select(Notification.user_id, Notification.event_key).where(
                Notification.kind.in_(list(SESSION_KINDS.values())),
                Notification.user_id.in_({item.user_id for item in items}),
            )
        ).all()
    )
    people = _people({item.user_id for item in items})
    modules = {m.slug: m for m in _titles_by_slug({item.module_slug for item in items})}
    link = url_for("learn.home", _external=True)
    for item in items:
        person, choices = people[item.user_id]
        if not person.is_active or person.deleted_at is not None:
            continue
        module = modules[item.module_slug]
        key = f"session:{item.key}"
        place = item.place if len(item.place) <= PLACE_CHARS else item.place[:PLACE_CHARS] + "..."
        for channel, address in reachable_channels(person, choices):
            _add(
                report,
                person,
                SESSION_KINDS[item.kind],
                channel,
                key,
                address,
                link,
                module_id=module.id,
                area_id=person.area_id,
                now=now,
                facts={
                    "title": _title(module, _locale(person)),
                    "place": place,
                    "when": item.starts_at.strftime("%H:%M %d/%m"),
                },
            )


def _titles_by_slug(slugs: set[str]) -> list[Module]:
    return list(db.session.scalars(select(Module).where(Module.slug.in_(slugs))))


def _add(
    report: PlanReport,
    person: User,
    kind: Kind,
    channel: Channel,
    key: str,
    address: str,
    link: str,
    *,
    module_id: int | None,
    area_id: int | None,
    now: datetime,
    facts: dict,
) -> None:
    if (person.id, key) in report.known:
        return  # told already, on this channel or another
    locale = _locale(person)
    body = compose(kind, locale, channel, link=link, **facts)
    row = Notification(
        user_id=person.id,
        kind=kind,
        channel=channel,
        event_key=key,
        module_id=module_id,
        area_id=area_id,
        locale=locale,
        address=address,
        body=body,
        link=link,
        next_attempt_at=now,
        created_at=now,
    )
    # A savepoint, so a planner racing this one (the unique key) costs one row, not the run.
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return
    report.known.add((person.id, key))
    report.added[kind.value] += 1
