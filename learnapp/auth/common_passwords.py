"""The most common passwords, refused when someone chooses a new one.

`data/common-passwords.txt.gz` is Django 5.1.4's list (django/contrib/auth/, 20,000
passwords from public leaks compiled by Royce Williams, lower-cased; BSD licence, see
`data/LICENSE-django.txt`). It is drawn from English-language leaks, so
`data/vietnamese-common-passwords.txt` adds the ones people in Vietnam choose.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def _passwords() -> frozenset[str]:
    with gzip.open(DATA / "common-passwords.txt.gz", "rt", encoding="utf-8") as f:
        words = {line.strip() for line in f}
    for line in (DATA / "vietnamese-common-passwords.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.strip().lower())
    words.discard("")
    return frozenset(words)


def is_common(password: str) -> bool:
    """Whether the password, ignoring case and spaces around it, is on either list."""
    return password.strip().lower() in _passwords()
