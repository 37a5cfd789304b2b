"""What each worker keeps in memory between requests, and how it knows it is current.

`stamps` holds one value per cached thing; `watch` changes them with the data;
`content` keeps the published modules; `people` keeps signed-in people (with Redis), in
`copies` (which learn.done_lessons uses for each person's done lessons too).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from learnapp.cache import content, people, stamps, watch  # noqa: F401  (events)

    stamps.init_app(app)
    content.init_app(app)
    people.init_app(app)
