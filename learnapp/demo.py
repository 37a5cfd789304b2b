"""The demo province: Tuyên Quang with the places named in the newspaper reports."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.errors import DomainError
from learnapp.models import Area, Assignment, Module, ModuleStatus, Role, User
from learnapp.models.base import vietnam_today
from learnapp.org.services import create_area, find_area

DEMO_PASSWORD = "learnapp-demo"  # noqa: S105  (documented demo-only password)
DEMO_BACKDATE = timedelta(days=60)

# district -> commune -> villages. The first village of each commune is the one the
# reports name where they name one; the others are common village names, for the demo.
TREE = {
    "Sơn Dương": {
        "Kháng Nhật": ["Lềm", "Tân Lập", "Đồng Tâm"],
        "Tú Thịnh": ["Tân Lập", "Hòa Bình"],
        "Sơn Nam": ["Thác Nông", "Đồng Tâm", "Tân Tiến"],
    },
    "Yên Sơn": {
        "Tứ Quận": ["Cây Nhãn", "Tân Lập", "Hòa Bình"],
        "Xuân Vân": ["Tân Tiến", "Đồng Tâm"],
    },
    "Lâm Bình": {"Khuôn Hà": ["Tân Lập", "Hòa Bình"]},
    "Na Hang": {"Năng Khả": ["Đồng Tâm", "Tân Tiến"]},
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


def _area(name: str, level: str, parent: Area | None) -> Area:
    return find_area(name, level, parent) or create_area(name, level, parent)


def build_tree() -> dict[str, Area]:
    """Create (or find) the demo areas; return the ones the accounts need by name."""
    province = _area("Tuyên Quang", "province", None)
    named: dict[str, Area] = {"Tuyên Quang": province}
    for district_name, communes in TREE.items():
        district = _area(district_name, "district", province)
        named[district_name] = district
        for commune_name, villages in communes.items():
            commune = _area(commune_name, "commune", district)
            named[commune_name] = commune
            for village_name in villages:
                named[f"{commune_name}/{village_name}"] = _area(village_name, "village", commune)
    return named


def seed_demo() -> list[tuple[str, str, str]]:
    """Build the demo idempotently; return (username, role, where) for each demo account."""
    real_accounts = db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False)))
    if real_accounts:
        raise DemoRefused("real_accounts")
    areas = build_tree()
    lem = areas["Kháng Nhật/Lềm"]
    cay_nhan = areas["Tứ Quận/Cây Nhãn"]
    accounts = [
        ("learner", "Hoàng Văn An", lem, [(Role.LEARNER, lem)], "0912000001"),
        ("learner2", "Ma Thị Bình", cay_nhan, [(Role.LEARNER, cay_nhan)], "0912000002"),
        (
            "trainer",
            "Trần Thu Hà",
            areas["Tuyên Quang"],
            [(Role.TRAINER, areas["Tuyên Quang"])],
            None,
        ),
        (
            "committee",
            "Nguyễn Văn Khang",
            areas["Kháng Nhật"],
            [(Role.COMMITTEE, areas["Kháng Nhật"])],
            None,
        ),
        (
            "district",
            "Lê Thị Dương",
            areas["Sơn Dương"],
            [(Role.COMMITTEE, areas["Sơn Dương"])],
            None,
        ),
        (
            "admin",
            "Phạm Quốc Tuấn",
            areas["Tuyên Quang"],
            [(Role.ADMIN, areas["Tuyên Quang"]), (Role.COMMITTEE, areas["Tuyên Quang"])],
            None,
        ),
    ]
    # One secretary in every other village, so reports have people to show.
    villages = [a for key, a in areas.items() if "/" in key and a not in (lem, cay_nhan)]
    for index, village in enumerate(villages):
        name = SECRETARY_NAMES[(index + 2) % len(SECRETARY_NAMES)]
        accounts.append(
            (f"secretary{index + 1:02d}", name, village, [(Role.LEARNER, village)], None)
        )
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


# What the demo requires, so home pages show "required by" and reports show overdue:
# (module slug, area name and level, days from today to the due date).
DEMO_ASSIGNMENTS = [
    ("cell-meetings", "Tuyên Quang", "province", 45),
    ("countering-misinformation", "Sơn Dương", "district", -7),
]


def seed_demo_assignments() -> list[tuple[str, str, date]]:
    """Required modules for the demo, once: nothing when any assignment exists already
    (an admin's choices are never overwritten) or when the courses are not imported."""
    if db.session.scalar(select(func.count(Assignment.id))):
        return []
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    created = []
    for slug, name, level, days in DEMO_ASSIGNMENTS:
        module = db.session.scalar(
            select(Module).where(Module.slug == slug, Module.status == ModuleStatus.PUBLISHED)
        )
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
