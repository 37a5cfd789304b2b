"""The demo province: Tuyên Quang as it is since 1 July 2025 (province > commune > village),
with the villages named in the newspaper reports."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.content.published import published_module
from learnapp.errors import DomainError
from learnapp.models import Area, Assignment, Role, User
from learnapp.models.base import vietnam_today
from learnapp.org.services import create_area, find_area

DEMO_PASSWORD = "learnapp-demo"  # noqa: S105  (documented demo-only password)
DEMO_BACKDATE = timedelta(days=60)

# commune -> (description, villages), as the province has been since 1 July 2025:
# province > commune > village. The villages are the ones the newspaper's reports name
# (first in each commune) and common village names. A description gives the former
# communes a merged one took in, only where a named source confirms it (Yên Sơn: the
# trainer's note of cell-meetings lesson 01 and its sources); elsewhere it stays empty.
TREE: dict[str, tuple[str | None, list[str]]] = {
    "Tân Thanh": (None, ["Lềm", "Tân Lập", "Đồng Tâm"]),
    "Sơn Thủy": (None, ["Thác Nông", "Đồng Tâm", "Tân Tiến"]),
    "Yên Sơn": (
        "Gồm thị trấn Yên Sơn và các xã Tứ Quận, Lang Quán, Chân Sơn cũ, từ 1/7/2025 "
        "(Nghị quyết 1684/NQ-UBTVQH15).",
        ["Cây Nhãn", "Tân Lập", "Hòa Bình"],
    ),
}

SECRETARY_NAMES = [
    "Hoàng Văn An",
    "Ma Thị Bình",
    "Nguyễn Văn Cường",
    "Lý Thị Dung",
    "Triệu Văn Đức",
    "Bàn Thị Hoa",
    "Quan Văn Hùng",
    "Hà Thị Lan",
    "Phùng Văn Minh",
    "Lâm Thị Nga",
    "Đặng Văn Phúc",
    "Chẩu Thị Quyên",
    "Sầm Văn Sơn",
    "Mông Thị Thảo",
    "La Văn Tuấn",
    "Nông Thị Uyên",
    "Vi Văn Vinh",
    "Hứa Thị Xuân",
]


class DemoRefused(DomainError):
    """The database holds real accounts: the demo must not mix with them."""


def _area(name: str, level: str, parent: Area | None, description: str | None = None) -> Area:
    return find_area(name, level, parent) or create_area(name, level, parent, description)


def build_tree() -> dict[str, Area]:
    """Create (or find) the demo areas; return them by name ("commune/village" for villages)."""
    province = _area("Tuyên Quang", "province", None)
    named: dict[str, Area] = {"Tuyên Quang": province}
    for commune_name, (description, villages) in TREE.items():
        commune = _area(commune_name, "commune", province, description)
        named[commune_name] = commune
        for village_name in villages:
            named[f"{commune_name}/{village_name}"] = _area(village_name, "village", commune)
    return named


Account = tuple[str, str, Area, list[tuple[Role, Area]], str | None]


def demo_accounts(areas: dict[str, Area], learner: str, learner2: str) -> list[Account]:
    """The named demo accounts, then a secretary in every other village ("a/b" keys)."""
    lem, cay_nhan = areas[learner], areas[learner2]
    province = areas["Tuyên Quang"]
    commune = lem.parent
    accounts: list[Account] = [
        ("learner", "Hoàng Văn An", lem, [(Role.LEARNER, lem)], "0912000001"),
        ("learner2", "Ma Thị Bình", cay_nhan, [(Role.LEARNER, cay_nhan)], "0912000002"),
        ("trainer", "Trần Thu Hà", province, [(Role.TRAINER, province)], None),
        ("committee", "Nguyễn Văn Khang", commune, [(Role.COMMITTEE, commune)], None),
    ]
    villages = [a for key, a in areas.items() if "/" in key and a not in (lem, cay_nhan)]
    for index, village in enumerate(villages):
        name = SECRETARY_NAMES[(index + 2) % len(SECRETARY_NAMES)]
        accounts.append(
            (f"secretary{index + 1:02d}", name, village, [(Role.LEARNER, village)], None)
        )
    return accounts


def create_accounts(accounts: list[Account]) -> list[tuple[str, str, str]]:
    """Create the accounts that do not exist yet; (username, roles, where) for each."""
    summary = []
    for username, full_name, area, roles, phone in accounts:
        exists = db.session.scalar(select(User.id).where(User.username == username))
        if not exists:
            user = create_user(
                username=username,
                full_name=full_name,
                password=DEMO_PASSWORD,
                area=area,
                roles=roles,
                phone=phone,
                must_change_password=False,
                is_demo=True,
            )
            # As if they had joined two months ago: a newcomer's grace period (30 days
            # by default) is over, so the overdue requirement below shows who is late.
            user.created_at -= DEMO_BACKDATE
            user.joined_area_on -= DEMO_BACKDATE
        summary.append((username, ", ".join(r.value for r, _ in roles), area.name))
    db.session.flush()
    return summary


def seed_demo() -> list[tuple[str, str, str]]:
    """Build the demo idempotently; return (username, role, where) for each demo account."""
    real_accounts = db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False)))
    if real_accounts:
        raise DemoRefused("real_accounts")
    areas = build_tree()
    province = areas["Tuyên Quang"]
    accounts = demo_accounts(areas, "Tân Thanh/Lềm", "Yên Sơn/Cây Nhãn")
    # A member of the province's Party committee: sees every commune.
    accounts[4:4] = [
        ("province", "Lê Thị Dương", province, [(Role.COMMITTEE, province)], None),
        (
            "admin",
            "Phạm Quốc Tuấn",
            province,
            [(Role.ADMIN, province), (Role.COMMITTEE, province)],
            None,
        ),
    ]
    return create_accounts(accounts)


# What the demo requires, so home pages show "required by" and reports show overdue:
# (module slug, area name and level, days from today to the due date).
DEMO_ASSIGNMENTS = [
    ("cell-meetings", "Tuyên Quang", "province", 45),
    ("countering-misinformation", "Tân Thanh", "commune", -7),
]


def seed_demo_assignments(
    wanted: list[tuple[str, str, str, int]] = DEMO_ASSIGNMENTS,
) -> list[tuple[str, str, date]]:
    """Required modules for the demo, once: nothing when any assignment exists already
    (an admin's choices are never overwritten) or when the courses are not imported."""
    if db.session.scalar(select(func.count(Assignment.id))):
        return []
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    created = []
    for slug, name, level, days in wanted:
        module = published_module(slug)
        area = db.session.scalar(select(Area).where(Area.name == name, Area.level == level))
        if module is None or area is None:
            continue
        due_on = vietnam_today() + timedelta(days=days)
        db.session.add(
            Assignment(module_id=module.id, area_id=area.id, due_on=due_on, created_by_id=admin_id)
        )
        created.append((slug, area.name, due_on))
    db.session.flush()
    return created
