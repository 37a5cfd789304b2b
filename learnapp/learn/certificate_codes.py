"""Certificate codes people can read aloud and type: Crockford base32.

The alphabet leaves out I, L, O and U, so no two characters look alike; a code typed
in lower case, with or without its dashes, or with O for 0 and I or L for 1, is the
same code. 20 characters carry 100 random bits: unguessable, short enough for a QR
code a cheap camera reads and for a person to type from paper.

Codes issued before this scheme (22 URL-safe characters, case-sensitive) are still
looked up exactly as printed.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
GROUP = 4
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "- \u00a0")


def _grouped(chars: str) -> str:
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def new_code() -> str:
    """A fresh random code in its printed form, e.g. 7K3M-Q9TD-..."""
    number = secrets.randbits(5 * LENGTH)
    chars = [ALPHABET[(number >> (5 * i)) & 31] for i in range(LENGTH)]
    return _grouped("".join(chars))


def canonical(typed: str) -> str | None:
    """The printed form of a typed code, or None if it cannot be a code of this scheme."""
    chars = typed.strip().upper().translate(_SEPARATORS).translate(_LOOK_ALIKES)
    if len(chars) != LENGTH or any(c not in ALPHABET for c in chars):
        return None
    return _grouped(chars)
