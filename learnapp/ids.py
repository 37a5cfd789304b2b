"""Row ids as they arrive from outside: in a URL, a query string or a form field.

Every id column is a 32-bit integer on PostgreSQL, and SQLite overflows past 2^63, so an
id outside 1 to 2^31-1 names nothing on any database. Checking that at the edge, once
for every route and form, keeps such values from ever reaching a query: a URL answers
404 and a form shows an error, instead of the database failing with a 500.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """The id written in `raw` (ASCII digits only), or None if it cannot name a row."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id from 1 to 2^31-1, anything else does not match."""

    # Exactly 1 to 2147483647, no leading zero: a value outside it matches no rule at all,
    # so the answer is 404 whatever the method (a failing to_python would let werkzeug
    # answer 405 when a sibling rule of another method shares the path).
    regex = (
        r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
        r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed


def init_app(app) -> None:  # noqa: ANN001
    # Replacing the built-in `int` converter covers every route, present and future.
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter
