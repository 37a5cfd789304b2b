"""Applying a phone's queue of offline actions, each exactly once.

The contract (docs/offline.md): the phone sends {"actions": [...]}, each action with a
client-made "id"; the reply lists, per id, "applied", "duplicate" (already received:
nothing done again) or "refused" with a message. A whole payload that is not valid is
refused with 400 before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp import db, site_settings
from learnapp.content.published import published_module
from learnapp.learn import services as learn
from learnapp.models import Quiz, QuizAttempt, User
from learnapp.models.base import utcnow
from learnapp.offline.models import OfflineAction
from learnapp.quiz import services as quiz
from learnapp.quiz.progress_hook import progress

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
ANSWER_FIELD = re.compile(r"q\d{1,12}")
MAX_ACTIONS = 200


class BadPayload(ValueError):
    pass


class Refused(Exception):
    pass


@dataclass(frozen=True)
class Action:
    client_id: str
    kind: str
    fields: dict


def parse(payload: object) -> list[Action]:
    """Check the whole queue before touching anything; raise BadPayload with a message."""
    if not isinstance(payload, dict) or not isinstance(payload.get("actions"), list):
        raise BadPayload(_("The queue sent from the phone could not be read."))
    raw = payload["actions"]
    if len(raw) > MAX_ACTIONS:
        raise BadPayload(_("Too many actions at once; the phone will send the rest later."))
    actions = []
    for item in raw:
        if not isinstance(item, dict) or not CLIENT_ID.fullmatch(str(item.get("id", ""))):
            raise BadPayload(_("The queue sent from the phone could not be read."))
        kind = item.get("type")
        if kind == "lesson_done":
            ok = isinstance(item.get("module"), str) and isinstance(item.get("lesson"), str)
        elif kind == "quiz_submit":
            answers = item.get("answers", {})
            ok = (
                isinstance(item.get("attempt"), int)
                and isinstance(answers, dict)
                and all(
                    ANSWER_FIELD.fullmatch(str(key))
                    and isinstance(value, list)
                    and all(isinstance(v, str) and len(v) <= 500 for v in value)
                    for key, value in answers.items()
                )
            )
        else:
            ok = False
        if not ok:
            raise BadPayload(_("The queue sent from the phone could not be read."))
        actions.append(Action(item["id"], kind, item))
    return actions


def apply_all(user: User, actions: list[Action]) -> list[dict]:
    results = []
    for action in actions:
        results.append({"id": action.client_id, **_apply_one(user, action)})
    return results


def _apply_one(user: User, action: Action) -> dict:
    if _received(user, action.client_id):
        return {"status": "duplicate"}
    try:
        if action.kind == "lesson_done":
            _lesson_done(user, action.fields)
        else:
            _quiz_submit(user, action.fields)
        db.session.add(OfflineAction(user_id=user.id, client_id=action.client_id, kind=action.kind))
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        return {"status": "refused", "message": str(refusal)}
    except (IntegrityError, quiz.AlreadySubmitted):
        # The same queue sent twice at once: the other request applied it.
        db.session.rollback()
        return {"status": "duplicate"}
    return {"status": "applied"}


def _received(user: User, client_id: str) -> bool:
    return (
        db.session.scalar(
            select(OfflineAction.id).where(
                OfflineAction.user_id == user.id, OfflineAction.client_id == client_id
            )
        )
        is not None
    )


def _lesson_done(user: User, fields: dict) -> None:
    module = published_module(fields["module"])
    lesson = None
    if module is not None:
        lessons = learn.active_lessons(module)
        lesson = next((x for x in lessons if x.slug == fields["lesson"]), None)
    if lesson is None:
        raise Refused(_("This lesson is no longer offered; it was not recorded."))
    # The same two steps as the lesson page's button: record, then refresh progress once.
    learn.record_lesson_done(user, lesson)
    learn.check_completion(user, module)


def _quiz_submit(user: User, fields: dict) -> None:
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == fields["attempt"], QuizAttempt.user_id == user.id
        )
    )
    if attempt is None:
        raise Refused(_("This quiz attempt was not found."))
    if attempt.deadline_at is not None:
        raise Refused(_("A timed quiz cannot be answered offline; please take it online."))
    now = utcnow()
    days = site_settings.offline_submit_days()
    if now - attempt.started_at > timedelta(days=days):
        raise Refused(
            _(
                "This attempt was started more than %(days)d days ago, so the answers "
                "given offline could not be accepted. Please start the quiz again.",
                days=days,
            )
        )
    try:
        quiz.submit_attempt(attempt, fields.get("answers", {}), now=now)
    except quiz.BadAnswer as exc:
        raise Refused(_("An answer could not be read; the attempt stays open.")) from exc
    attempt.submitted_offline = True
    module = db.session.get(Quiz, attempt.quiz_id).module
    progress().attempt_closed(user, module, attempt)
