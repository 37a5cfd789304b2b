"""One page of a longer list: the page asked for, clamped to the pages that exist.

Queries return a `select()`; views page it here and show `templates/_macros.html`'s
`pager`, so every list pages the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from learnapp import db


@dataclass
class Page:
    """One page of a longer list."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_count(total: int, per_page: int) -> int:
    """How many pages the total fills; an empty list still has its one page."""
    return max(1, math.ceil(total / per_page))


def clamp(page: int, total: int, per_page: int) -> int:
    """The page asked for, within 1 and the last page."""
    return min(max(1, page), page_count(total, per_page))


def count(query: Select) -> int:
    """How many rows the query returns, counted in SQL."""
    return int(
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def paginate(query: Select, page: int, per_page: int) -> Page:
    """Run the query for one page (clamped to the pages that exist), with the total count."""
    total = count(query)
    page = clamp(page, total, per_page)
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(items=items, total=total, page=page, per_page=per_page)


def page_arg(name: str = "page") -> int:
    """The page number in the query string; anything that is not a sane number is page 1."""
    # Past the last page is clamped by `paginate`; past any sane number is not a page at all.
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) else 1
