"""Printable sign-in cards: who gets one in a village, and how many print per page."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from learnapp.models import Area, Role, RoleGrant, User

# Twelve A4 sheets of eight cards: a big village (tens of thousands of people) prints
# page by page instead of one page that takes minutes and a hundred megabytes.
CARDS_PER_PAGE = 96


def card_people(village: Area) -> Select:
    """The active learners of a village, by name, for their sign-in cards."""
    learner = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    return (
        select(User)
        .where(User.area_id == village.id, User.is_active.is_(True), learner)
        .order_by(User.full_name, User.username, User.id)
    )
