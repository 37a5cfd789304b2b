"""Temporary passwords for every learner of a village or commune at once, for sign-in cards.

The passwords are never stored. Each is derived from a random secret of the batch that
only the issuing admin's session keeps (HMAC of the person's id), so the database holds
their argon2 hashes alone and the cards can be printed only from that session; printing
them elsewhere means issuing new ones, which ends the old.

Hashing costs tens of milliseconds a person at production cost, so a large area is
hashed in a background thread of the web process, in chunks that each commit: the
admin's page shows the progress, and the sign-in cards appear when every hash is
written. There is no job queue; a batch whose thread died (a restart) shows no
heartbeat, and its page offers to continue it, which the issuing session can do.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import Select, exists, func, or_, select, update

from learnapp import audit, db
from learnapp.admin.people import NO_PASSWORD
from learnapp.admin.scope import in_scope
from learnapp.auth.services import hash_password
from learnapp.errors import DomainError
from learnapp.models import (
    Area,
    PasswordBatch,
    PasswordBatchStatus,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import utcnow
from learnapp.org.scope import subtree_ids

log = logging.getLogger(__name__)

# Unused temporary passwords stop working after this.
VALID_DAYS = 30
# People hashed per commit by the background worker: small enough that a sign-in (a
# writer on SQLite) never waits long behind it.
CHUNK = 25
# A hashing batch whose worker wrote nothing for this long has lost it.
STALE_AFTER = timedelta(seconds=90)
# Eight cards on an A4 sheet, twelve sheets to a page of the site.
CARDS_PER_PAGE = 96
# The same alphabet as a single reset (admin.people): nothing to confuse on paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
AREA_LEVELS = ("village", "commune")


def eligible_people(area: Area) -> Select:
    """Active learners in and under the area who have not chosen their own password yet
    (an imported account without one, or one still holding a temporary password).

    People who chose their own are left alone: overwriting it would lock them out.
    """
    learner = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    return select(User.id).where(
        User.area_id.in_(subtree_ids(area.id)),
        User.is_active.is_(True),
        User.deleted_at.is_(None),
        learner,
        or_(User.password_hash == NO_PASSWORD, User.must_change_password.is_(True)),
    )


def count_eligible(area: Area) -> int:
    """How many people a batch for this area would give a temporary password."""
    return db.session.scalar(select(func.count()).select_from(eligible_people(area).subquery()))


def derive_password(secret: bytes, batch_id: int, user_id: int) -> str:
    """The person's temporary password in this batch, like "k7mp-3xta-9hqr" (59 bits)."""
    digest = hmac.new(secret, f"{batch_id}:{user_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(12):
        number, index = divmod(number, len(_ALPHABET))
        letters.append(_ALPHABET[index])
    return "-".join("".join(letters[i : i + 4]) for i in range(0, 12, 4))


def issue_batch(admin: User, area: Area) -> tuple[PasswordBatch, bytes]:
    """Start a batch for the area: every eligible person's old temporary password ends now
    and their new one works once hashed. Returns the batch and its secret (for the session).
    """
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    if area.level not in AREA_LEVELS:
        raise DomainError("batch_level")
    now = utcnow()
    total = count_eligible(area)
    if total == 0:
        raise DomainError("nobody_to_issue")
    batch = PasswordBatch(
        area_id=area.id,
        created_by_id=admin.id,
        created_at=now,
        expires_at=now + timedelta(days=VALID_DAYS),
        status=PasswordBatchStatus.HASHING,
        total=total,
        hashed=0,
        heartbeat_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    # Ends every earlier password of these people at once (the old cards stop working)
    # and their sessions; the worker writes the new hashes.
    db.session.execute(
        update(User)
        .where(User.id.in_(eligible_people(area)))
        .values(
            password_hash=NO_PASSWORD,
            must_change_password=True,
            password_batch_id=batch.id,
            temporary_password_expires_at=batch.expires_at,
            session_version=User.session_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    # An earlier batch none of whose people hold its passwords any more has ended.
    db.session.execute(
        update(PasswordBatch)
        .where(
            PasswordBatch.id != batch.id,
            PasswordBatch.status != PasswordBatchStatus.ENDED,
            ~exists().where(User.password_batch_id == PasswordBatch.id),
        )
        .values(status=PasswordBatchStatus.ENDED)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "password_batch",
        actor=admin,
        area_id=area.id,
        detail=f"{area.name}: {total} temporary passwords, batch {batch.id}",
    )
    db.session.flush()
    return batch, secrets.token_bytes(32)


def hash_some(batch_id: int, secret: bytes, limit: int = CHUNK) -> bool:
    """Hash the next people of the batch and flush; False once nothing is left to do."""
    batch = db.session.get(PasswordBatch, batch_id)
    if batch is None or batch.status != PasswordBatchStatus.HASHING:
        return False
    ids = list(
        db.session.scalars(
            select(User.id)
            .where(User.password_batch_id == batch_id, User.password_hash == NO_PASSWORD)
            .order_by(User.id)
            .limit(limit)
        )
    )
    for user_id in ids:
        # Only while the person still belongs to this batch: a reprint moved them on.
        db.session.execute(
            update(User)
            .where(User.id == user_id, User.password_batch_id == batch_id)
            .values(password_hash=hash_password(derive_password(secret, batch_id, user_id)))
            .execution_options(synchronize_session=False)
        )
    batch.hashed = min(batch.total, batch.hashed + len(ids))
    batch.heartbeat_at = utcnow()
    if len(ids) < limit:
        batch.status = PasswordBatchStatus.READY
        batch.hashed = batch.total
    db.session.flush()
    return batch.status == PasswordBatchStatus.HASHING


def hash_all(batch_id: int, secret: bytes) -> None:
    """Hash the whole batch in this request's transaction (small areas)."""
    while hash_some(batch_id, secret, limit=1000):
        pass


def _work(app: Flask, batch_id: int, secret: bytes) -> None:
    with app.app_context():
        try:
            while True:
                more = hash_some(batch_id, secret)
                db.session.commit()
                if not more:
                    return
        except Exception:  # the page shows the stalled batch and offers to continue
            db.session.rollback()
            log.exception("hashing temporary passwords of batch %s failed", batch_id)


def hash_in_background(app: Flask, batch_id: int, secret: bytes) -> threading.Thread:
    """Hash the batch in a thread of this process, committing chunk by chunk.

    Call after the request committed the batch, or the thread cannot see it.
    """
    thread = threading.Thread(
        target=_work, args=(app, batch_id, secret), name=f"password-batch-{batch_id}", daemon=True
    )
    thread.start()
    return thread


def is_stale(batch: PasswordBatch) -> bool:
    """Whether a hashing batch lost its worker and may be continued."""
    if batch.status != PasswordBatchStatus.HASHING:
        return False
    return batch.heartbeat_at is None or utcnow() - batch.heartbeat_at > STALE_AFTER


def claim_stale(batch: PasswordBatch) -> bool:
    """Take over a stalled batch; True for exactly one of two requests trying at once."""
    cutoff = utcnow() - STALE_AFTER
    result = db.session.execute(
        update(PasswordBatch)
        .where(
            PasswordBatch.id == batch.id,
            PasswordBatch.status == PasswordBatchStatus.HASHING,
            or_(PasswordBatch.heartbeat_at.is_(None), PasswordBatch.heartbeat_at < cutoff),
        )
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def find_batch(admin: User, batch_id: int) -> PasswordBatch | None:
    """The batch if its area is in the admin's scope."""
    batch = db.session.get(PasswordBatch, batch_id)
    if batch is None or not in_scope(admin, batch.area_id):
        return None
    return batch


def batch_people(batch: PasswordBatch) -> Select:
    """The people still holding this batch's password, by village then name, with village."""
    return (
        select(User, Area)
        .join(Area, Area.id == User.area_id)
        .where(User.password_batch_id == batch.id, User.must_change_password.is_(True))
        # Folded names sort as people read them: "Đồng Tâm" before "Lềm".
        .order_by(Area.folded_name, Area.id, User.folded_name, User.id)
    )
