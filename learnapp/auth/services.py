"""Accounts and sign-in: password hashing, lookup by username or phone, sessions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from learnapp import audit, db
from learnapp.auth import common_passwords
from learnapp.cache import people
from learnapp.errors import DomainError
from learnapp.models import Area, Role, RoleGrant, User
from learnapp.models.base import utcnow
from learnapp.name_search import fold

PASSWORD_MIN = 8
PASSWORD_MAX = 128
USERNAME_MAX = 64
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _hasher() -> PasswordHasher:
    # Tests set ARGON2_PARAMETERS to argon2's minimum cost; production keeps
    # argon2-cffi's RFC 9106 defaults. Verification reads the cost from the hash itself,
    # so either kind of hash verifies under either setting.
    parameters = current_app.config.get("ARGON2_PARAMETERS") if current_app else None
    return PasswordHasher(**parameters) if parameters else PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(
    password: str,
    *,
    username: str | None = None,
    full_name: str | None = None,
    phone: str | None = None,
) -> str | None:
    """Why the password cannot be used, or None. Messages are translated by the caller.

    Besides its length: one of the most common passwords (tried first by anyone guessing),
    or one containing the person's username, name or phone number (known to everyone in
    the village).
    """
    if len(password) < PASSWORD_MIN:
        return "too_short"
    if len(password) > PASSWORD_MAX:
        return "too_long"
    if common_passwords.is_common(password):
        return "too_common"
    if contains_personal(password, username=username, full_name=full_name, phone=phone):
        return "personal"
    return None


def contains_personal(
    password: str, *, username: str | None, full_name: str | None, phone: str | None
) -> bool:
    """Whether the password holds the username, the name (whole or its last word, the
    given name) or the phone number, ignoring case, marks and spaces."""
    folded = re.sub(r"[\s._-]", "", fold(unicodedata.normalize("NFC", password)))
    words = []
    if username:
        words.append(re.sub(r"[._-]", "", username.lower()))
    if full_name:
        name = fold(unicodedata.normalize("NFC", full_name)).split()
        if name:
            words.append("".join(name))
            words.append(name[-1])
    if phone:
        # 0912345678 also as 912345678 and +84912345678 (the digits after the 0).
        words.append(phone[1:] if phone.startswith("0") else phone)
    return any(len(word) >= 3 and word in folded for word in words)


def temporary_password_expired(user: User) -> bool:
    """Whether the person's unused temporary password from a bulk issue has expired."""
    expires = user.temporary_password_expires_at
    return bool(user.must_change_password and expires is not None and utcnow() > expires)


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese phone number as 0 and nine digits, or None if it is not one."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0\d{9}", digits):
        return digits
    return None


def normalise_username(raw: str) -> str:
    return (raw or "").strip().lower()


def find_user(identifier: str) -> User | None:
    """The account whose username or phone number is the identifier."""
    if "\x00" in identifier:
        return None  # no account has one, and PostgreSQL refuses NUL in a query parameter
    username = normalise_username(identifier)
    phone = normalise_phone(identifier)
    conditions = [func.lower(User.username) == username]
    if phone:
        conditions.append(User.phone == phone)
    return db.session.scalar(select(User).where(or_(*conditions)).limit(1))


def identifier_for_log(identifier: str) -> str:
    """What a failed sign-in records of the identifier typed, never more than a username.

    Something shaped like neither a username nor a phone number is most likely a password
    typed in the wrong box: only its first two characters and its length are kept.
    """
    text = " ".join(identifier.split())
    if USERNAME_RE.match(normalise_username(text)) or normalise_phone(text):
        return text[:USERNAME_MAX]
    return f"{text[:2]}\u2026 (length {len(text)})"


_DUMMY_HASH: str | None = None


def authenticate(identifier: str, password: str) -> User | None:
    """The active account for these credentials, or None, in the same time either way."""
    global _DUMMY_HASH
    user = find_user(identifier)
    if user is None or not user.is_active:
        # Hash anyway, so an unknown name takes as long as a wrong password.
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    return user


def _parse_session_id(user_id: str) -> tuple[int, int, int | None] | None:
    """(user id, session version, signed-in time or None) from "id:version[:signed-in]"."""
    try:
        parts = [int(part) for part in user_id.split(":")]
    except (AttributeError, ValueError):
        return None
    if len(parts) == 2:
        return parts[0], parts[1], None
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


def session_id(user: User, signed_in_at: float) -> str:
    """What the session and the keep-me-signed-in cookie store to name the signed-in user.

    The time of the sign-in travels with it, signed like the rest of the cookie, so a
    session restored from the cookie keeps counting its absolute timeout from the real
    sign-in and not from the restore.
    """
    return f"{user.get_id()}:{int(signed_in_at)}"


def signed_in_at_of(user_id: str | None) -> int | None:
    """The sign-in time carried in a session id made by session_id, if any."""
    parsed = _parse_session_id(user_id) if user_id else None
    return parsed[2] if parsed else None


def load_user_for_session(user_id: str) -> User | None:
    """Flask-Login's loader: the cookie names a user id and the session version it saw."""
    parsed = _parse_session_id(user_id)
    if parsed is None:
        return None
    uid, version, _signed_in_at = parsed
    user = people.load(uid)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Sign the user in on a brand-new session."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)
    now = utcnow()
    session["signed_in_at"] = now.timestamp()
    session["seen_at"] = now.timestamp()
    session["_user_id"] = session_id(user, now.timestamp())
    if user.must_change_password:
        # The forced change that follows need not ask again for the password just typed.
        session["temporary_typed"] = [now.timestamp(), _hash_fingerprint(user.password_hash)]
    user.last_sign_in_at = now
    user.last_active_at = now
    audit.record("sign_in", actor=user, subject=user)


# How long after signing in with a temporary password the forced change trusts it.
TEMPORARY_TRUSTED_SECONDS = 600


def _hash_fingerprint(password_hash: str) -> str:
    # Ties the mark to the password typed: an admin's reset in between voids it. Only a
    # digest of the hash goes into the cookie.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def temporary_password_recently_typed(user: User) -> bool:
    """Whether this session signed in with the user's current temporary password in the
    last ten minutes, so the forced change need not ask for it again."""
    mark = session.get("temporary_typed")
    if not user.must_change_password or not isinstance(mark, list) or len(mark) != 2:
        return False
    typed_at, fingerprint = mark
    fresh = 0 <= utcnow().timestamp() - float(typed_at) <= TEMPORARY_TRUSTED_SECONDS
    return fresh and hmac.compare_digest(str(fingerprint), _hash_fingerprint(user.password_hash))


def landing_endpoint(user: User) -> str:
    """Where a person lands after signing in: an admin on administration, a committee
    member on their reports, everyone else on the learner's home."""
    if user.has_role(Role.ADMIN):
        return "admin.index"
    if user.has_role(Role.COMMITTEE):
        return "reports.index"
    return "learn.home"


def end_session(user: User) -> None:
    """Sign out and kill every cookie issued for this account so far."""
    user.session_version += 1
    logout_user()
    # logout_user marks the remember-me cookie for deletion; keep that mark through clear().
    forget = session.get("_remember")
    session.clear()
    if forget:
        session["_remember"] = forget
    audit.record("sign_out", actor=user, subject=user)


def change_password(user: User, new_password: str) -> None:
    """Set a new password; other sessions of this account end, this one continues."""
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_batch_id = None
    user.temporary_password_expires_at = None
    user.session_version += 1
    audit.record("password_change", actor=user, subject=user)
    db.session.flush()
    session.pop("temporary_typed", None)
    login_user(user)
    # A password change is not a new sign-in: the absolute timeout still counts from that.
    session["_user_id"] = session_id(user, session.get("signed_in_at", utcnow().timestamp()))


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def create_user(
    *,
    username: str,
    full_name: str,
    password: str,
    area: Area | None,
    roles: list[tuple[Role, Area]],
    phone: str | None = None,
    must_change_password: bool = True,
    is_demo: bool = False,
    granted_by: User | None = None,
) -> User:
    """Create an account with its role grants; raise DomainError on a clash."""
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise DomainError("bad_username")
    if password_problem(password):
        raise DomainError(password_problem(password))
    if phone is not None:
        phone = normalise_phone(phone)
        if phone is None:
            raise DomainError("bad_phone")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise DomainError("username_taken")
    if phone and db.session.scalar(select(User.id).where(User.phone == phone)):
        raise DomainError("phone_taken")
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        area=area,
        phone=phone,
        must_change_password=must_change_password,
        is_demo=is_demo,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # Created by a concurrent request between the checks above and this insert.
        taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username))
        raise DomainError("username_taken" if taken else "phone_taken") from None
    for role, scope in roles:
        user.grants.append(
            RoleGrant(role=role, area=scope, granted_by_id=getattr(granted_by, "id", None))
        )
        audit.record(
            "role_grant", actor=granted_by, subject=user, area_id=scope.id, detail=role.value
        )
    audit.record("account_create", actor=granted_by, subject=user)
    db.session.flush()
    return user
