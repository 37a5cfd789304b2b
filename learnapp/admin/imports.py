"""Bulk import of people from a CSV or XLSX sheet: read it, check every row, then apply.

Reading and checking change nothing. The rows read from an upload wait in a JSON file
in the database (pending_import) until the admin confirms; the check runs again at confirmation,
in the transaction that imports, so what is imported is what the database allows then.
Hashing a password costs tens of milliseconds by design, so imported accounts start
without one: an admin hands each person a temporary password with "reset password".
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import aliased

from learnapp import audit, db
from learnapp.admin.models import PendingImport
from learnapp.admin.people import NO_PASSWORD, next_free_username, username_base
from learnapp.admin.scope import admin_scope
from learnapp.auth.services import USERNAME_RE, normalise_phone, normalise_username
from learnapp.errors import DomainError
from learnapp.forms import control_characters
from learnapp.models import Area, AuditEvent, Role, RoleGrant, User
from learnapp.models.base import utcnow, vietnam_today

COLUMNS = ("full_name", "phone", "village", "commune", "username", "role")
REQUIRED_COLUMNS = ("full_name", "village")
# Headings as Vietnamese admins are likely to write them, besides the English names.
HEADER_ALIASES = {
    "name": "full_name",
    "fullname": "full_name",
    "họ_tên": "full_name",
    "họ_và_tên": "full_name",
    "điện_thoại": "phone",
    "số_điện_thoại": "phone",
    "thôn": "village",
    "thôn_bản": "village",
    "thôn/bản": "village",
    "xã": "commune",
    "xã_phường": "commune",
    "xã/phường": "commune",
    "tên_đăng_nhập": "username",
    "vai_trò": "role",
}
ROLE_ALIASES = {
    "học_viên": Role.LEARNER,
    "giảng_viên": Role.TRAINER,
    "cấp_ủy": Role.COMMITTEE,
    "quản_trị": Role.ADMIN,
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
# A 2 MB workbook that inflates past this is a zip bomb, not a list of secretaries.
MAX_UNZIPPED = 50 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=2)
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
_CHUNK = 500


class ImportFileError(DomainError):
    """The upload cannot be read as a people sheet; `code` and `params` say why."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- reading -----------------------------------------------------------------------------


def _header_name(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.replace("\ufeff", "")).strip().casefold()
    text = re.sub(r"\s+", "_", text)
    return HEADER_ALIASES.get(text, text)


def _cell_text(value: object, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        number = int(value) if float(value).is_integer() else value
        text = str(number)
        # Excel turns 0912345678 into the number 912345678; give the phone its 0 back.
        if column == "phone" and re.fullmatch(r"[1-9]\d{8}", text):
            text = "0" + text
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split())


def _csv_rows(data: bytes) -> Iterator[list[object]]:
    if b"\x00" in data:
        raise ImportFileError("not_a_sheet")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("not_utf8") from exc
    head = text.lstrip()[:200].lower()
    if head.startswith(("<", "%pdf", "{")):
        raise ImportFileError("not_a_sheet")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError("not_a_sheet") from exc


def _xlsx_rows(data: bytes) -> Iterator[list[object]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("not_a_sheet") from exc
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportFileError("not_xlsx")
    if inflated > MAX_UNZIPPED or len(names) > 500:
        raise ImportFileError("too_large")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError("not_a_sheet") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("no_header")
        yield from (list(row) for row in workbook.worksheets[0].iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError("not_a_sheet") from exc
    finally:
        workbook.close()


def _raw_rows(data: bytes) -> Iterator[list[object]]:
    if not data.strip():
        raise ImportFileError("empty")
    if len(data) > MAX_BYTES:
        raise ImportFileError("too_large")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old_excel")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    return _csv_rows(data)


def read_sheet(data: bytes) -> list[list[str | int]]:
    """The sheet's rows as [row number, *COLUMNS], empty rows left out; ImportFileError if bad."""
    header: list[str] | None = None
    rows: list[list[str | int]] = []
    for number, raw in enumerate(_raw_rows(data), start=1):
        if header is None:
            if not any(_cell_text(v, "") for v in raw):
                continue
            header = [_header_name(_cell_text(v, "")) for v in raw]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ImportFileError("missing_columns", columns=", ".join(missing))
            continue
        values = {
            name: _cell_text(value, name)
            for name, value in zip(header, raw, strict=False)
            if name in COLUMNS
        }
        if not any(values.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError("too_many_rows", limit=str(MAX_ROWS))
        rows.append([number, *(values.get(c, "") for c in COLUMNS)])
    if header is None:
        raise ImportFileError("no_header")
    if not rows:
        raise ImportFileError("no_rows")
    return rows


# --- keeping the rows between preview and confirmation --------------------------------


@dataclass
class Upload:
    """Rows read from a file, waiting for the admin who uploaded them to confirm."""

    token: str
    owner_id: int
    filename: str
    created_at: float
    rows: list[list[str | int]]


def store_upload(owner: User, filename: str, rows: list[list[str | int]]) -> str:
    """Keep the rows under a random token, private to the owner; return the token."""
    discard_stale_uploads()
    token = secrets.token_urlsafe(24)
    db.session.add(
        PendingImport(
            token=token,
            owner_id=owner.id,
            filename=filename[:200],
            rows=json.dumps(rows, ensure_ascii=False),
            created_at=utcnow(),
        )
    )
    db.session.commit()
    return token


def load_upload(token: str, owner: User) -> Upload:
    """The owner's stored rows; LookupError if unknown or someone else's, DomainError if old."""
    if not TOKEN_RE.fullmatch(token or ""):
        raise LookupError(token)
    pending = db.session.get(PendingImport, token)
    if pending is None or pending.owner_id != owner.id:
        raise LookupError(token)
    if utcnow() - pending.created_at > UPLOAD_TTL:
        discard_upload(token)
        db.session.commit()
        raise DomainError("import_expired")
    return Upload(
        token=token,
        owner_id=pending.owner_id,
        filename=pending.filename,
        created_at=pending.created_at.timestamp(),
        rows=json.loads(pending.rows),
    )


def discard_upload(token: str) -> None:
    """Forget stored rows (after import, or when too old); the caller commits."""
    db.session.execute(delete(PendingImport).where(PendingImport.token == token))


def discard_stale_uploads(now: datetime | None = None) -> int:
    """Delete every stored upload older than the time a preview stays valid."""
    cutoff = (now or utcnow()) - UPLOAD_TTL
    result = db.session.execute(delete(PendingImport).where(PendingImport.created_at < cutoff))
    return result.rowcount


# --- checking ----------------------------------------------------------------------------


@dataclass
class Problem:
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class RowCheck:
    """One row of the sheet, what is wrong with it, and what importing it would do."""

    number: int
    full_name: str
    phone: str
    village: str
    commune: str
    username: str
    role: str
    problems: list[Problem] = field(default_factory=list)
    action: str = ""  # "create", "update" or "unchanged" when the row has no problem
    person_id: int | None = None
    area_id: int | None = None
    area_label: str = ""
    phone_value: str | None = None
    username_value: str = ""
    role_value: Role | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    adds_role: bool = False

    def problem(self, code: str, **params: str) -> None:
        self.problems.append(Problem(code, params))


@dataclass
class ImportCheck:
    rows: list[RowCheck]

    @property
    def good(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.problems]

    @property
    def bad(self) -> list[RowCheck]:
        return [r for r in self.rows if r.problems]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if not r.problems and r.action == action)

    @property
    def needs_reauth(self) -> bool:
        """Whether importing would give an existing account a new role, or create an
        account with a role other than learner (SECURITY 5), as the person form asks too."""
        return any(
            r.adds_role or (r.action == "create" and r.role_value not in (None, Role.LEARNER))
            for r in self.good
        )


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _chunks(items: Iterable, size: int = _CHUNK) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_role(raw: str) -> Role | None:
    text = re.sub(r"\s+", "_", _key(raw)) or Role.LEARNER.value
    try:
        return Role(text)
    except ValueError:
        return ROLE_ALIASES.get(text)


@dataclass
class _Person:
    id: int
    username: str
    full_name: str
    phone: str | None
    area_id: int | None


def _people(condition) -> list[_Person]:
    rows = db.session.execute(
        select(User.id, User.username, User.full_name, User.phone, User.area_id).where(condition)
    )
    return [_Person(*row) for row in rows]


def _villages(admin: User) -> tuple[dict[str, list[tuple[int, str, str]]], dict[int, str]]:
    """Villages in scope by name key: [(id, name, parent name)], and each id's label."""
    parent = aliased(Area)
    rows = db.session.execute(
        select(Area.id, Area.name, parent.name)
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(Area.level == "village", Area.id.in_(admin_scope(admin)))
    )
    index: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    labels = {}
    for area_id, name, parent_name in rows:
        index[_key(name)].append((area_id, name, parent_name or ""))
        labels[area_id] = f"{name} ({parent_name})" if parent_name else name
    return index, labels


def check_rows(admin: User, raw_rows: list[list[str | int]]) -> ImportCheck:
    """Check every row against the file itself and the database; change nothing."""
    rows = [RowCheck(int(r[0]), *(str(v) for v in r[1:])) for r in raw_rows]
    villages, labels = _villages(admin)

    for row in rows:
        if any(
            control_characters(value)
            for value in (row.full_name, row.phone, row.username, row.village, row.commune)
        ):
            row.problem("control_characters")
        row.full_name = " ".join(row.full_name.split())
        if not row.full_name:
            row.problem("missing_name")
        elif len(row.full_name) > 120:
            row.problem("name_too_long")
        if row.phone:
            row.phone_value = normalise_phone(row.phone)
            if row.phone_value is None:
                row.problem("bad_phone", value=row.phone)
        if row.username:
            row.username_value = normalise_username(row.username)
            if not USERNAME_RE.match(row.username_value):
                row.problem("bad_username", value=row.username)
        row.role_value = _parse_role(row.role)
        if row.role_value is None:
            row.problem("unknown_role", value=row.role)
        if not row.village:
            row.problem("missing_village")
            continue
        found = villages.get(_key(row.village), [])
        if row.commune:
            found = [v for v in found if _key(v[2]) == _key(row.commune)]
        if len(found) == 1:
            row.area_id = found[0][0]
            row.area_label = labels[row.area_id]
        elif len(found) > 1:
            row.problem("ambiguous_village", village=row.village)
        elif row.commune:
            # Villages outside the admin's areas are not told apart from missing ones:
            # the preview must not confirm what exists elsewhere.
            row.problem("unknown_village_in_commune", village=row.village, commune=row.commune)
        else:
            row.problem("unknown_village", village=row.village)

    _check_duplicates_in_file(rows)
    _check_same_names_in_file(rows)
    _match_accounts(admin, rows)
    _generate_usernames(rows)
    return ImportCheck(rows)


def _check_duplicates_in_file(rows: list[RowCheck]) -> None:
    for attribute, code in (
        ("username_value", "duplicate_username"),
        ("phone_value", "duplicate_phone"),
    ):
        where: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = getattr(row, attribute)
            if value:
                where[value].append(row.number)
        for row in rows:
            value = getattr(row, attribute)
            if value and len(where[value]) > 1:
                others = ", ".join(str(n) for n in where[value] if n != row.number)
                row.problem(code, rows=others)


def _found_by_name_only(row: RowCheck) -> bool:
    """Whether the row can only be matched to an account by its name in its village."""
    return bool(row.area_id and row.full_name and not row.username_value and not row.phone_value)


def _check_same_names_in_file(rows: list[RowCheck]) -> None:
    """Two rows naming the same person in the same village, with nothing else to tell them
    apart, would both be created now and both match nobody (or each other) next time."""
    where: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    for row in rows:
        if _found_by_name_only(row):
            where[(row.area_id, _key(row.full_name))].append(row.number)
    for row in rows:
        if not _found_by_name_only(row):
            continue
        numbers = where[(row.area_id, _key(row.full_name))]
        if len(numbers) > 1:
            others = ", ".join(str(n) for n in numbers if n != row.number)
            row.problem("same_name_in_file", rows=others)


def _match_accounts(admin: User, rows: list[RowCheck]) -> None:
    """Find the existing account of each row: by username, else phone, else name in village."""
    usernames = {r.username_value for r in rows if r.username_value}
    phones = {r.phone_value for r in rows if r.phone_value}
    by_username: dict[str, _Person] = {}
    for chunk in _chunks(usernames):
        by_username.update({p.username: p for p in _people(User.username.in_(chunk))})
    by_phone: dict[str, _Person] = {}
    for chunk in _chunks(phones):
        by_phone.update({p.phone: p for p in _people(User.phone.in_(chunk)) if p.phone})
    nameless = {r.area_id for r in rows if not r.username_value and not r.phone_value and r.area_id}
    by_name: dict[tuple[int | None, str], list[_Person]] = defaultdict(list)
    for chunk in _chunks(nameless):
        for person in _people(User.area_id.in_(chunk)):
            by_name[(person.area_id, _key(person.full_name))].append(person)

    matches: dict[int, _Person | None] = {}
    holders: dict[int, _Person] = {}
    for row in rows:
        if row.username_value:
            match = by_username.get(row.username_value)
        elif row.phone_value:
            match = by_phone.get(row.phone_value)
        else:
            found = by_name.get((row.area_id, _key(row.full_name)), [])
            match = found[0] if len(found) == 1 else None
            if len(found) > 1:
                # Creating yet another one would only make the next import more ambiguous.
                row.problem("same_name_in_village")
        matches[row.number] = match
        holder = by_phone.get(row.phone_value) if row.phone_value else None
        if holder is not None and (match is None or holder.id != match.id):
            holders[row.number] = holder

    matched_ids = {m.id for m in matches.values() if m is not None}
    managed, held = _managed_and_roles(admin, matched_ids | {h.id for h in holders.values()})
    for row in rows:
        if row.number in holders:
            row.problem("phone_taken" if holders[row.number].id in managed else "not_usable")
    # Rows already left out for a problem of their own change no account.
    seen = Counter(
        match.id for row in rows if (match := matches[row.number]) is not None and not row.problems
    )
    for row in rows:
        match = matches[row.number]
        if match is None:
            row.action = "create"
            continue
        row.person_id = match.id
        row.username_value = match.username
        if match.id not in managed:
            row.problem("not_usable")
            continue
        if seen[match.id] > 1:
            row.problem("same_account_twice", username=match.username)
        _plan_update(row, match, held.get(match.id, set()))


def _managed_and_roles(admin: User, ids: set[int]) -> tuple[set[int], dict[int, set[Role]]]:
    """Which of these accounts the admin manages (scope checked in SQL), and their roles."""
    scope = admin_scope(admin)
    managed: set[int] = set()
    held: dict[int, set[Role]] = defaultdict(set)
    for chunk in _chunks(ids):
        outside = exists().where(RoleGrant.user_id == User.id, RoleGrant.area_id.not_in(scope))
        managed.update(
            db.session.scalars(
                select(User.id).where(User.id.in_(chunk), User.area_id.in_(scope), ~outside)
            )
        )
        grants = db.session.execute(
            select(RoleGrant.user_id, RoleGrant.role).where(RoleGrant.user_id.in_(chunk))
        )
        for user_id, role in grants:
            held[user_id].add(role)
    return managed, held


def _plan_update(row: RowCheck, person: _Person, roles: set[Role]) -> None:
    if row.full_name and row.full_name != person.full_name:
        row.changes.append(("full_name", person.full_name, row.full_name))
    if row.phone_value and row.phone_value != person.phone:
        row.changes.append(("phone", person.phone or "", row.phone_value))
    if row.area_id and row.area_id != person.area_id:
        row.changes.append(("area", "", row.area_label))
    if row.role_value and row.role_value not in roles:
        row.changes.append(("role", "", row.role_value.value))
        row.adds_role = True
    row.action = "update" if row.changes else "unchanged"


def _generate_usernames(rows: list[RowCheck]) -> None:
    """A username for each new account without one, unique in the database and the file."""
    needing = [r for r in rows if r.action == "create" and not r.username_value and r.full_name]
    if not needing:
        return
    taken = set(db.session.scalars(select(User.username)))
    taken |= {r.username_value for r in rows if r.username_value}
    for row in needing:
        row.username_value = next_free_username(username_base(row.full_name), taken)
        taken.add(row.username_value)


# --- applying ----------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int


def apply_import(admin: User, check: ImportCheck, filename: str) -> ImportResult:
    """Create and update the people of the good rows; the caller commits once for all."""
    good = check.good
    creates = [r for r in good if r.action == "create"]
    updates = {r.person_id: r for r in good if r.action == "update"}
    result = ImportResult(
        created=len(creates),
        updated=len(updates),
        unchanged=check.count("unchanged"),
        skipped=len(check.bad),
    )
    scope = admin.scopes(Role.ADMIN)
    summary = audit.record(
        "import",
        actor=admin,
        area_id=scope[0] if scope else None,
        detail=(
            f"{filename}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped} skipped"
        ),
    )
    db.session.flush()
    events: list[tuple[str, int, int | None, str]] = []
    grants: list[dict] = []
    # Thousands of rows: one executemany per table, not one ORM object per row;
    # render_nulls keeps rows with and without a phone in the same batch.
    if creates:
        now = utcnow()
        db.session.execute(
            insert(User).execution_options(render_nulls=True),
            [
                {
                    "username": r.username_value,
                    "full_name": r.full_name,
                    "phone": r.phone_value,
                    "area_id": r.area_id,
                    "password_hash": NO_PASSWORD,
                    "must_change_password": True,
                    "is_active": True,
                    "session_version": 1,
                    "is_demo": False,
                    "created_at": now,
                }
                for r in creates
            ],
        )
        # The new ids, by username: RETURNING in row order would cost SQLite a statement a row.
        by_username = {r.username_value: r for r in creates}
        for chunk in _chunks(by_username):
            for user_id, username in db.session.execute(
                select(User.id, User.username).where(User.username.in_(chunk))
            ):
                row = by_username[username]
                grants.append(_grant(admin, user_id, row))
                events.append(("account_create", user_id, row.area_id, "import"))
                events.append(("role_grant", user_id, row.area_id, row.role_value.value))

    for chunk in _chunks(list(updates)):
        for person in db.session.scalars(select(User).where(User.id.in_(chunk))):
            row = updates[person.id]
            fields = [name for name, _, _ in row.changes if name != "role"]
            person.full_name = row.full_name
            if row.phone_value:
                person.phone = row.phone_value
            if person.area_id != row.area_id:
                # Moved by the sheet: due dates count from today (see User.place_in).
                person.area_id = row.area_id
                person.joined_area_on = vietnam_today()
            if fields:
                events.append(
                    ("account_edit", person.id, row.area_id, "import: " + ", ".join(fields))
                )
            if row.adds_role:
                grants.append(_grant(admin, person.id, row))
                events.append(("role_grant", person.id, row.area_id, row.role_value.value))
    db.session.flush()
    if grants:
        db.session.execute(insert(RoleGrant).execution_options(render_nulls=True), grants)
    if events:
        now = utcnow()
        db.session.execute(
            insert(AuditEvent).execution_options(render_nulls=True),
            [
                {
                    "at": now,
                    "action": action,
                    "actor_id": admin.id,
                    "subject_user_id": subject_id,
                    "area_id": area_id,
                    # The summary's address was cleaned by audit.record; every row shares it.
                    "ip": summary.ip,
                    "detail": detail,
                }
                for action, subject_id, area_id, detail in events
            ],
        )
    return result


def _grant(admin: User, user_id: int, row: RowCheck) -> dict:
    return {
        "user_id": user_id,
        "role": row.role_value,
        "area_id": row.area_id,
        "granted_by_id": admin.id,
        "created_at": utcnow(),
    }
