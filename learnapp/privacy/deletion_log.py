"""The deletion log: ids of deleted people, kept outside the backups.

Restoring a backup brings back everyone it holds, including people deleted after it was
taken. `flask restore` reads this log and deletes them again. It holds an id and a UTC
time per line, nothing else about the person, so it may live beside the backups.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class Entry:
    user_id: int
    deleted_at: datetime


def log_path() -> Path:
    return Path(current_app.config["DELETION_LOG"])


def append(user_id: int, deleted_at: datetime) -> None:
    """Add one deletion, on disk before the caller commits (see delete_person)."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"user_id": user_id, "deleted_at": _utc_text(deleted_at)})
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def entries(path: Path | None = None) -> list[Entry]:
    """Every deletion in the log, oldest first; a torn last line is ignored."""
    path = path or log_path()
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            found.append(Entry(int(record["user_id"]), _parse_utc(record["deleted_at"])))
        except (ValueError, KeyError, TypeError):
            continue
    return found


def since(moment: datetime, path: Path | None = None) -> list[Entry]:
    """Deletions made after the moment (a backup's time): the ones a restore undoes."""
    return [entry for entry in entries(path) if entry.deleted_at > moment]


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=None)
