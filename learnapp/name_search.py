"""Searching people by name the way they are typed on a phone.

Many type Vietnamese names without their marks ("binh" for "Bình"), and SQLite's
lower() folds ASCII letters only. So each letter of the search becomes a character
class of all its forms, a regular expression that SQLite and PostgreSQL read alike.
"""

from __future__ import annotations

import re
import unicodedata

# Vietnamese letters with marks, lower case.
_MARKED = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def fold(text: str) -> str:
    """Lower case without Vietnamese marks: "Đức" -> "duc"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_FORMS = {
    letter: letter + "".join(m for m in _MARKED if fold(m) == letter)
    for letter in "abcdefghijklmnopqrstuvwxyz"
}
_CLASSES = {letter: f"[{forms}{forms.upper()}]" for letter, forms in _FORMS.items()}


def name_pattern(search: str) -> str:
    """A regular expression (the same on SQLite and PostgreSQL) for the search in a name."""
    parts = []
    for char in fold(search):
        if char in _CLASSES:
            parts.append(_CLASSES[char])
        else:
            parts.append(char if char.isalnum() else "\\" + char)
    return "".join(parts)


def contains_pattern(term: str) -> str:
    """A LIKE pattern (with escape "\\") for text containing `term` as typed: a % or _
    in a search is a character to find, not a wildcard."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ascii_slug(text: str, fallback: str = "area") -> str:
    """Text as ASCII for a file name: "Tân Thanh" -> "tan-thanh" (fallback when empty)."""
    folded = fold(unicodedata.normalize("NFC", text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-")
    return slug or fallback
