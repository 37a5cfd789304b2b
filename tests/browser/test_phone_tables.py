"""Committee tables on a 360-px phone: every row is a labelled card, nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import fits_phone, sign_in
from tests.browser.test_committee_journey import lem_learner  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# Each table that should be cards: are its rows blocks, its header out of sight, and does
# its wrapper hold it without a sideways scroll?
CARDS = """() => [...document.querySelectorAll('table')].map(table => {
    const wrap = table.closest('.table-wrap') || table;
    const row = table.querySelector('tbody tr');
    return {
        id: table.className,
        stacked: table.classList.contains('stack'),
        rowsAreCards: row !== null && getComputedStyle(row).display === 'block',
        headHidden: table.tHead === null || table.tHead.getBoundingClientRect().width <= 1,
        scrollsSideways: wrap.scrollWidth > wrap.clientWidth,
    };
})"""


def cards_shown(page) -> None:
    tables = [t for t in page.evaluate(CARDS) if t["stacked"]]
    assert tables, f"{page.url} should have tables shown as cards"
    for t in tables:
        assert t["rowsAreCards"] and t["headHidden"] and not t["scrollsSideways"], t
    fits_phone(page)


def test_are_the_committee_tables_cards_on_a_360_px_phone(
    lem_learner,  # noqa: F811
    live_server,
    phone,
):
    sign_in(phone, live_server, "district")
    phone.goto(live_server + "/reports/")
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    district = phone.url
    cards_shown(phone)
    # The commune's table of learners, then its call lists.
    phone.locator("table.report a", has_text="Kháng Nhật").click()
    phone.wait_for_url(lambda url: url != district)
    phone.locator("table.report a", has_text=re.compile(r"^Lềm$")).click()
    phone.wait_for_load_state()
    cards_shown(phone)
    phone.goto(district + "/overdue")
    cards_shown(phone)
    phone.goto(live_server + "/calls")
    phone.wait_for_load_state()
    fits_phone(phone)
