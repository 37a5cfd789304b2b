"""A large demo province for benchmarks and manual tests: `flask demo --learners N`.

On top of the small demo (learnapp.demo.province), `seed_large` adds districts, communes and
villages under Tuyên Quang (about 60 learners a village, so 100,000 learners live in
about 1,700 villages, as in the real province), N learners with generated Vietnamese
names, and their progress in every published module:

- per learner and module about 30% not started, 40% in progress (a prefix of the
  lessons done, sometimes a failed quiz attempt) and 30% completed (every lesson, one to
  three submitted attempts of which the last passed, and a certificate);
- lesson, attempt and certificate dates spread over the 120 days before today (UTC),
  `last_active_at` and `last_sign_in_at` at the learner's last action;
- every published module required of the whole province, the first one already past
  due, so reports have overdue learners.

With the three shipped modules (15 lessons) 100,000 learners get about 810,000 lessons
done, 190,000 attempts and 90,000 certificates: about 1 million progress rows, half the
issue's benchmark figure, which would need twice the lessons (or twice the learners).

Everything is written with SQLAlchemy Core bulk inserts in batches; ids are read back
with one query per batch, never one per row. All learners share one password hash (the
demo password, hashed once). AttemptAnswer and AnswerChoice rows are NOT generated:
attempts carry their layout, score, percent and pass flag, which is all the reports
read; a learner who opens the result page of a generated attempt sees no answers.

The data is deterministic for a given seed (one random.Random drives every choice),
except certificate codes, which are random like real ones so they stay unguessable, and
dates, which are relative to the day of the run. Running it again when large-demo
learners exist does nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from learnapp import db
from learnapp.auth.services import hash_password
from learnapp.content.published import published_modules
from learnapp.demo.province import DEMO_PASSWORD
from learnapp.errors import DomainError
from learnapp.learn import certificate_codes, progress
from learnapp.learn.services import active_lessons
from learnapp.models import (
    Area,
    Assignment,
    AttemptStatus,
    Certificate,
    CompletionRule,
    LessonProgress,
    Module,
    Quiz,
    QuizAttempt,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import utcnow, vietnam_date
from learnapp.org.services import BulkClosure
from learnapp.quiz.services import active_questions, draw_layout

USERNAME_PREFIX = "tq"  # tq000001, tq000002, ...: how large-demo learners are recognised
PHONE_PREFIX = "098"  # 098 and seven digits, in sequence
LEARNERS_PER_VILLAGE = 60
VILLAGES_PER_COMMUNE = 12
COMMUNES_PER_DISTRICT_MAX = 40
BATCH = 10_000
WINDOW = timedelta(days=120)
LAYOUTS_PER_QUIZ = 24

# The province's districts (huyện) with their real number of communes, used as weights;
# the first four already exist from the small demo. Beyond them, plausible names from the
# neighbouring provinces, numbered if ever exhausted.
DISTRICTS = [
    ("Sơn Dương", 31),
    ("Yên Sơn", 28),
    ("Chiêm Hóa", 26),
    ("Hàm Yên", 18),
    ("Na Hang", 12),
    ("Lâm Bình", 8),
]
MORE_DISTRICTS = ["Bắc Mê", "Lục Yên", "Chợ Đồn", "Yên Bình", "Định Hóa", "Bắc Quang"]


def _names(text: str) -> list[str]:
    """A comma-separated list of names, whitespace tidied, duplicates dropped."""
    return list(dict.fromkeys(" ".join(name.split()) for name in text.split(",")))


# Common commune (xã) names of the region; numbered when one repeats within a district.
COMMUNE_NAMES = _names(
    """Tân Trào, Minh Thanh, Bình Yên, Lương Thiện, Hợp Thành, Kim Quan, Trung Minh,
    Hùng Lợi, Yên Nguyên, Hòa Phú, Phúc Sơn, Minh Quang, Kim Bình, Vinh Quang, Bình An,
    Thượng Lâm, Hồng Quang, Thổ Bình, Phúc Yên, Xuân Lập, Côn Lôn, Sơn Phú, Thượng Giáp,
    Đà Vị, Yên Hoa, Khâu Tinh, Thái Hòa, Đức Ninh, Thái Sơn, Bạch Xa, Minh Dân, Phù Lưu,
    Tân Thành, Bình Xa, Yên Thuận, Hùng Đức, Thành Long, Nhân Mục, Đông Thọ, Quyết Thắng,
    Tân Long, Chiêu Yên, Lang Quán, Mỹ Bằng, Trung Sơn, Kiến Thiết, Chân Sơn, Xuân Quang,
    Tân An, Hòa An, Trung Hà, Tân Mỹ, Hà Lang, Linh Phú, Yên Lập, Phú Bình, Ngọc Hội,
    Tân Lập, Đồng Tâm, Hòa Bình, Tân Tiến, Hợp Hòa, Đại Phú, Phú Lương, Tam Đa, Vĩnh Lợi,
    Thiện Kế, Ninh Lai, Sầm Dương, Hào Phú, Đông Lợi, Cấp Tiến, Đồng Quý, Văn Phú,
    Chi Thiết, Quyết Tiến, Lâm Xuyên, Tuân Lộ, Trung Yên, Đội Cấn, Thắng Quân,
    Kim Phú, Mỹ Lâm, Phú Thịnh, Nhữ Hán, Nhữ Khê, Trung Trực, Yên Phú, Minh Khương,
    Bằng Cốc, Phúc Thịnh, Trung Hòa, Tri Phú, Kiên Đài"""
)
# Common village (thôn, bản) names, Kinh and Tày; numbered when one repeats in a commune.
VILLAGE_NAMES = _names(
    """Tân Lập, Đồng Tâm, Hòa Bình, Tân Tiến, Đồng Mới, Cầu Cao, Làng Mới, Khuôn Phầy,
    Nà Tông, Nà Mỏ, Nà Khá, Nà Chang, Khuôn Thống, Đồng Bầu, Trung Tâm, Làng Chùa,
    Gốc Gạo, Cây Quéo, Đồng Giang, Tân Thành, Tiến Thành, Thống Nhất, Quyết Tiến, Đoàn Kết,
    Bình Ca, Khuôn Hẻ, Pác Hóp, Nà Coóc, Khuôn Pước, Nà Mụ, Lăng Khán, Đèo Hoa, Cốc Phường,
    Khau Mút, Nặm Đíp, Nà Vai, Tân Quang, Làng Bục, Đồng Cọ, Đồng Xe, Khuôn Nhòa, Nà Bó,
    Phiêng Luông, Nà Khiển, Làng Hản, An Thịnh, Phúc Lộc, Hòa Lạc, Tân Hoa, Đồng Chùa,
    Ao Sen, Cao Đá, Mỏ Chè, Cầu Trắng, Đồng Phai, Làng Cả, Thác Cái, Lũng Giang, Nà Héc,
    Khuôn Khiển"""
)

FAMILY_NAMES = [
    ("Nguyễn", 18), ("Hoàng", 8), ("Trần", 6), ("Ma", 6), ("Lý", 5), ("Triệu", 5),
    ("Bàn", 5), ("Nông", 5), ("Hà", 5), ("Lê", 5), ("Phạm", 4), ("Đặng", 4), ("Quan", 3),
    ("Vũ", 3), ("Phùng", 2), ("Lâm", 2), ("Chẩu", 2), ("La", 2), ("Đỗ", 2), ("Bùi", 2),
    ("Dương", 2), ("Đinh", 2), ("Sầm", 1), ("Mông", 1), ("Vi", 1), ("Hứa", 1), ("Lục", 1),
    ("Giàng", 1), ("Vàng", 1), ("Sùng", 1),
]  # fmt: skip
MALE_MIDDLE = [("Văn", 14), ("Đức", 2), ("Quang", 2), ("Minh", 2), ("Xuân", 1), ("Hữu", 1),
               ("Ngọc", 1), ("Thanh", 1), ("Tiến", 1), ("Công", 1)]  # fmt: skip
FEMALE_MIDDLE = [("Thị", 14), ("Thu", 2), ("Ngọc", 1), ("Thanh", 1), ("Hồng", 1), ("Kim", 1),
                 ("Minh", 1)]  # fmt: skip
MALE_GIVEN = _names(
    """An, Bình, Cường, Dũng, Đức, Giang, Hải, Hùng, Huy, Khánh, Kiên, Long, Mạnh, Minh, Nam,
    Nghĩa, Phong, Phúc, Quân, Quang, Sơn, Tài, Thắng, Thành, Toàn, Trung, Tuấn, Tùng, Việt,
    Vinh, Hưng, Lợi, Chiến, Hiếu, Khải, Lâm, Tâm, Hòa, Thịnh, Định"""
)
FEMALE_GIVEN = _names(
    """Anh, Bích, Chi, Dung, Duyên, Giang, Hà, Hằng, Hạnh, Hiền, Hoa, Hồng, Huệ, Hương, Lan,
    Liên, Linh, Loan, Mai, Nga, Ngọc, Nhung, Oanh, Phương, Quyên, Thảo, Thu, Thủy, Trang,
    Tuyết, Uyên, Vân, Xuân, Yến"""
)
MALE_SHARE = 0.7  # most village Party cell secretaries are men


class NoCourses(DomainError):
    """No published module with lessons: the large demo has nothing to make progress in."""


@dataclass
class _Quiz:
    id: int
    pass_mark: int
    time_limit: int
    layouts: list[tuple[list, float]]  # (layout, max score of its questions)


@dataclass
class _Module:
    id: int
    lessons: list[tuple[int, int]]  # (lesson id, version) of the active lessons, in order
    quiz: _Quiz | None
    quiz_needed: bool  # whether passing the quiz is part of completing the module


def require_courses() -> list[Module]:
    """The published modules; raise NoCourses if there is none with a lesson or a quiz."""
    modules = [m for m in published_modules() if active_lessons(m) or m.quiz is not None]
    if not modules:
        raise NoCourses("no_courses")
    return modules


def existing_learners() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.is_demo.is_(True), User.username.like(f"{USERNAME_PREFIX}%")
        )
    )


def _weighted(pairs: Sequence[tuple[str, int]]) -> tuple[list[str], list[int]]:
    names = [name for name, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return names, cumulative


def _split(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Share `total` out in proportion to the weights (largest remainder), each >= minimum."""
    base = minimum * len(weights)
    rest = max(0, total - base)
    whole = sum(weights)
    exact = [rest * w / whole for w in weights]
    shares = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: rest - sum(shares)]:
        shares[i] += 1
    return [share + minimum for share in shares]


def _unique_name(base: str, taken: set[str]) -> str:
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base} {number}"
    taken.add(name)
    return name


def _batches(rows: list[dict], size: int = BATCH) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(model: type, rows: list[dict]) -> None:
    """Core executemany in batches: no ORM objects, no flush per row."""
    for batch in _batches(rows):
        db.session.execute(insert(model.__table__), batch)


# --- areas --------------------------------------------------------------------------------


def _build_areas(rng: random.Random, learners: int, now: datetime) -> tuple[list[int], dict]:
    """Create districts, communes and villages; return village ids (in order) and counts."""
    province = db.session.scalar(
        select(Area).where(Area.parent_id.is_(None), Area.name == "Tuyên Quang")
    )
    if province is None:
        raise DomainError("run seed_demo first: the large demo grows its Tuyên Quang")
    villages_total = max(1, round(learners / LEARNERS_PER_VILLAGE))
    communes_total = max(1, round(villages_total / VILLAGES_PER_COMMUNE))
    district_count = max(
        min(len(DISTRICTS), communes_total), math.ceil(communes_total / COMMUNES_PER_DISTRICT_MAX)
    )
    wanted = list(DISTRICTS[:district_count])
    extra = 0
    while len(wanted) < district_count:
        base = MORE_DISTRICTS[extra % len(MORE_DISTRICTS)]
        number = extra // len(MORE_DISTRICTS)
        wanted.append((f"{base} {number + 1}" if number else base, 20))
        extra += 1

    existing = {
        name: (area_id, depth)
        for area_id, name, depth in db.session.execute(
            select(Area.id, Area.name, Area.depth).where(
                Area.parent_id == province.id, Area.level == "district"
            )
        )
    }
    # The closure rows of every new area, derived from its parent's in memory.
    closure = BulkClosure()

    def read_back(level: str, since_id: int) -> dict[tuple[int, str], int]:
        rows = db.session.execute(
            select(Area.id, Area.parent_id, Area.name).where(
                Area.level == level, Area.id > since_id
            )
        )
        return {(parent_id, name): area_id for area_id, parent_id, name in rows}

    closure.load([province.id])
    since = db.session.scalar(select(func.coalesce(func.max(Area.id), 0)))

    new_districts = [
        {
            "name": name,
            "level": "district",
            "parent_id": province.id,
            "depth": province.depth + 1,
            "created_at": now,
        }
        for name, _ in wanted
        if name not in existing
    ]
    _insert(Area, new_districts)
    created = read_back("district", since)
    for row in new_districts:
        area_id = created[(province.id, row["name"])]
        existing[row["name"]] = (area_id, row["depth"])
        closure.add(area_id, province.id)
    district_ids = [existing[name][0] for name, _ in wanted]
    closure.load([d for d in district_ids if not closure.known(d)])

    # Communes: shared out by the districts' real sizes, unique names within a district.
    per_district = _split(communes_total, [weight for _, weight in wanted])
    taken_in: dict[int, set[str]] = {d: set() for d in district_ids}
    for parent_id, name in db.session.execute(
        select(Area.parent_id, Area.name).where(Area.parent_id.in_(district_ids))
    ):
        taken_in[parent_id].add(name)
    since = db.session.scalar(select(func.max(Area.id)))
    commune_rows = []
    for (name, _), district_id, count in zip(wanted, district_ids, per_district, strict=True):
        depth = existing[name][1] + 1
        for base in rng.sample(COMMUNE_NAMES, min(count, len(COMMUNE_NAMES))) + [
            rng.choice(COMMUNE_NAMES) for _ in range(count - len(COMMUNE_NAMES))
        ]:
            commune_rows.append(
                {
                    "name": _unique_name(base, taken_in[district_id]),
                    "level": "commune",
                    "parent_id": district_id,
                    "depth": depth,
                    "created_at": now,
                }
            )
    _insert(Area, commune_rows)
    created = read_back("commune", since)
    commune_ids = []
    for row in commune_rows:
        area_id = created[(row["parent_id"], row["name"])]
        commune_ids.append(area_id)
        closure.add(area_id, row["parent_id"])

    # Villages: 7 to 18 a commune or so; a name used twice in a commune is numbered 1, 2...
    per_commune = _split(villages_total, [rng.uniform(0.6, 1.4) for _ in commune_ids], minimum=1)
    since = db.session.scalar(select(func.max(Area.id)))
    village_rows = []
    for commune_id, row, count in zip(commune_ids, commune_rows, per_commune, strict=True):
        bases = [rng.choice(VILLAGE_NAMES) for _ in range(count)]
        seen: dict[str, int] = {}
        repeated = {b for b in bases if bases.count(b) > 1}
        for base in bases:
            seen[base] = seen.get(base, 0) + 1
            village_rows.append(
                {
                    "name": f"{base} {seen[base]}" if base in repeated else base,
                    "level": "village",
                    "parent_id": commune_id,
                    "depth": row["depth"] + 1,
                    "created_at": now,
                }
            )
    _insert(Area, village_rows)
    created = read_back("village", since)
    village_ids = []
    for row in village_rows:
        area_id = created[(row["parent_id"], row["name"])]
        village_ids.append(area_id)
        closure.add(area_id, row["parent_id"])
    closure.insert()
    counts = {
        "districts": len(new_districts),
        "communes": len(commune_rows),
        "villages": len(village_rows),
    }
    return village_ids, counts


# --- courses ------------------------------------------------------------------------------


def _course_plan(modules: list[Module], rng: random.Random) -> list[_Module]:
    plan = []
    for module in modules:
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
        quiz_plan = None
        if quiz is not None and active_questions(quiz):
            questions = active_questions(quiz)
            points = {q.id: q.points for q in questions}
            layouts = []
            for _ in range(LAYOUTS_PER_QUIZ):
                layout = draw_layout(questions, quiz.draw_count, rng)
                layouts.append((layout, float(sum(points[qid] for qid, _ in layout))))
            quiz_plan = _Quiz(quiz.id, quiz.pass_mark, quiz.time_limit_minutes, layouts)
        rule = module.completion_rule
        plan.append(
            _Module(
                id=module.id,
                lessons=[(lesson.id, lesson.version) for lesson in active_lessons(module)],
                quiz=quiz_plan,
                quiz_needed=quiz_plan is not None and rule != CompletionRule.LESSONS,
            )
        )
    return plan


# --- learners and their progress ----------------------------------------------------------


class _Generator:
    """Turns the random stream into rows; one instance per run."""

    def __init__(self, rng: random.Random, plan: list[_Module], anchor: datetime) -> None:
        self.rng = rng
        self.plan = plan
        self.anchor = anchor
        self.family = _weighted(FAMILY_NAMES)
        self.male_middle = _weighted(MALE_MIDDLE)
        self.female_middle = _weighted(FEMALE_MIDDLE)

    def full_name(self) -> str:
        rng = self.rng
        family = rng.choices(self.family[0], cum_weights=self.family[1])[0]
        if rng.random() < MALE_SHARE:
            middle = rng.choices(self.male_middle[0], cum_weights=self.male_middle[1])[0]
            given = rng.choice(MALE_GIVEN)
        else:
            middle = rng.choices(self.female_middle[0], cum_weights=self.female_middle[1])[0]
            given = rng.choice(FEMALE_GIVEN)
        return f"{family} {middle} {given}"

    def _gaps(self, count: int) -> list[timedelta]:
        """Time between a learner's successive actions: same sitting, or days later."""
        rng = self.rng
        return [
            timedelta(minutes=rng.uniform(3, 25))
            if rng.random() < 0.5
            else timedelta(hours=rng.expovariate(1 / 40))
            for _ in range(count)
        ]

    def _times(self, busy: list[timedelta]) -> list[datetime]:
        """Start moments of successive actions, each taking its `busy` time, in the window.

        They begin on a random day and are squeezed (the pauses between them, never the
        actions) to end before a random moment of the last two days.
        """
        start = self.anchor - self.rng.uniform(0.02, 1.0) * WINDOW
        gaps = self._gaps(len(busy) - 1)
        span = sum(gaps, timedelta())
        room = (
            self.anchor
            - timedelta(minutes=self.rng.uniform(30, 2880))
            - start
            - sum(busy, timedelta())
        )
        scale = min(1.0, room / span) if span else 1.0
        times, moment = [start], start
        for gap, taken in zip(gaps, busy, strict=False):
            moment += taken + gap * scale
            times.append(moment)
        return times

    def _attempt(
        self, user_id: int, quiz: _Quiz, started: datetime, took: timedelta, passed: bool
    ) -> dict:
        rng = self.rng
        layout, max_score = rng.choice(quiz.layouts)
        # Scores move in half points; the smallest passing score by the service's own rule.
        passing = math.ceil((quiz.pass_mark * max_score / 100 - 1e-9) * 2) / 2
        if passed:
            score = round(rng.triangular(passing, max_score, 0.85 * max_score) * 2) / 2
            score = min(max_score, max(passing, score))
        else:
            score = round(rng.triangular(0.45 * max_score, passing, 0.62 * max_score) * 2) / 2
            score = max(0.0, min(passing - 0.5, score))
        submitted = started + took
        return {
            "user_id": user_id,
            "quiz_id": quiz.id,
            "status": AttemptStatus.SUBMITTED,
            "language": "vi",
            "layout": layout,
            "started_at": started,
            "deadline_at": started + timedelta(minutes=quiz.time_limit)
            if quiz.time_limit
            else None,
            "submitted_at": submitted,
            "score": score,
            "max_score": max_score,
            "percent": int(score * 100 // max_score) if max_score else 0,
            "passed": max_score > 0 and score * 100 >= quiz.pass_mark * max_score - 1e-9,
        }

    def progress(
        self, user_id: int, lessons: list[dict], attempts: list[dict], certificates: list[dict]
    ) -> datetime | None:
        """Append one learner's rows; return the moment of their last action (or None)."""
        rng = self.rng
        last: datetime | None = None
        for module in self.plan:
            draw = rng.random()
            total = len(module.lessons)
            if draw < 0.3:
                continue
            completed = draw >= 0.7
            if completed:
                done = total
                attempts_count = rng.choice((1, 1, 1, 2, 2, 3)) if module.quiz else 0
            else:
                # In progress: some lessons, maybe a failed try at the quiz; never complete.
                top = total if module.quiz_needed else total - 1
                if top < 1 and not module.quiz:
                    continue
                done = rng.randint(1, top) if top >= 1 else 0
                attempts_count = 0
                if module.quiz and (rng.random() < 0.25 or done == 0):
                    attempts_count = rng.choice((1, 1, 2))
            busy = [timedelta()] * done + [
                timedelta(minutes=rng.uniform(4, 20)) for _ in range(attempts_count)
            ]
            times = self._times(busy)
            for (lesson_id, version), moment in zip(module.lessons[:done], times, strict=False):
                lessons.append(
                    {
                        "user_id": user_id,
                        "lesson_id": lesson_id,
                        "lesson_version": version,
                        "completed_at": moment,
                    }
                )
            end = times[done - 1] if done else None
            for number, (started, took) in enumerate(
                zip(times[done:], busy[done:], strict=True), start=1
            ):
                row = self._attempt(
                    user_id,
                    module.quiz,
                    started,
                    took,
                    passed=completed and number == attempts_count,
                )
                attempts.append(row)
                end = row["submitted_at"]
            if completed:
                certificates.append(
                    {
                        # Random like a real one, so codes stay unguessable.
                        "code": certificate_codes.new_code(),
                        "user_id": user_id,
                        "module_id": module.id,
                        "issued_at": end,
                    }
                )
            if end is not None and (last is None or end > last):
                last = end
        return last


def _assign_modules(modules: list[Module], province_id: int, anchor: datetime) -> int:
    """Require every published module of the whole province; the first one is overdue."""
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    already = set(
        db.session.scalars(select(Assignment.module_id).where(Assignment.area_id == province_id))
    )
    offsets = [-14, 30, 75]
    missing = [module for module in modules if module.id not in already]
    rows = [
        {
            "module_id": module.id,
            "area_id": province_id,
            "due_on": (anchor + timedelta(days=offsets[i] if i < 3 else 45 * i)).date(),
            "created_by_id": admin_id,
            "created_at": anchor - WINDOW,
        }
        for i, module in enumerate(missing)
    ]
    _insert(Assignment, rows)
    return len(rows)


def seed_large(learners: int, *, seed: int = 1) -> dict:
    """Add a large province under the small demo's Tuyên Quang (call seed_demo first).

    Returns the counts of rows created: areas (and districts/communes/villages),
    learners, lesson_progress, attempts, certificates, assignments; `skipped` is True
    (and every count 0) when large-demo learners already exist, `existing_learners` says
    how many. Raises NoCourses when no module is published. The caller commits.
    """
    modules = require_courses()
    present = existing_learners()
    counts = dict.fromkeys(
        (
            "areas",
            "districts",
            "communes",
            "villages",
            "learners",
            "lesson_progress",
            "attempts",
            "certificates",
            "assignments",
        ),
        0,
    )
    if present or learners <= 0:
        return {**counts, "skipped": bool(present), "existing_learners": present}

    rng = random.Random(seed)
    now = utcnow()
    # Dates hang off the start of today (UTC), so a rerun the same day gives the same data.
    anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
    width = max(6, len(str(learners)))
    if learners > 9_999_999:
        raise DomainError("too_many_learners")

    village_ids, area_counts = _build_areas(rng, learners, now)
    counts.update(area_counts, areas=sum(area_counts.values()))
    plan = _course_plan(modules, rng)
    generator = _Generator(rng, plan, anchor)
    password_hash = hash_password(DEMO_PASSWORD)
    taken_phones = set(
        db.session.scalars(select(User.phone).where(User.phone.like(f"{PHONE_PREFIX}%")))
    )
    phones = (
        phone
        for phone in (f"{PHONE_PREFIX}{n:07d}" for n in range(1, 10_000_000))
        if phone not in taken_phones
    )

    # Learners per village: about 60, between about 35 and 85.
    per_village = _split(learners, [rng.uniform(0.6, 1.4) for _ in village_ids])
    homes = [vid for vid, count in zip(village_ids, per_village, strict=True) for _ in range(count)]

    for start in range(0, learners, BATCH):
        chunk = range(start, min(start + BATCH, learners))
        # Progress rows carry the learner's number until the account's id is known.
        user_rows, grants, lessons, attempts, certificates = [], [], [], [], []
        for i in chunk:
            created = anchor - WINDOW - timedelta(hours=rng.uniform(1, 240))
            full_name = generator.full_name()
            last = generator.progress(i, lessons, attempts, certificates)
            user_rows.append(
                {
                    "username": f"{USERNAME_PREFIX}{i + 1:0{width}d}",
                    "phone": next(phones),
                    "full_name": full_name,
                    "password_hash": password_hash,
                    "area_id": homes[i],
                    "locale": None,
                    "is_active": True,
                    "must_change_password": False,
                    "session_version": 1,
                    "is_demo": True,
                    "created_at": created,
                    "joined_area_on": vietnam_date(created),
                    "last_sign_in_at": last - timedelta(minutes=rng.uniform(1, 40))
                    if last
                    else None,
                    "last_active_at": last,
                }
            )
        _insert(User, user_rows)
        by_name = dict(
            db.session.execute(
                select(User.username, User.id).where(
                    User.username.between(user_rows[0]["username"], user_rows[-1]["username"])
                )
            ).all()
        )
        ids = {i: by_name[row["username"]] for i, row in zip(chunk, user_rows, strict=True)}
        for i, row in zip(chunk, user_rows, strict=True):
            grants.append(
                {
                    "user_id": ids[i],
                    "role": Role.LEARNER,
                    "area_id": row["area_id"],
                    "granted_by_id": None,
                    "created_at": row["created_at"],
                }
            )
        for rows in (lessons, attempts, certificates):
            for row in rows:
                row["user_id"] = ids[row["user_id"]]
        _insert(RoleGrant, grants)
        _insert(LessonProgress, lessons)
        _insert(QuizAttempt, attempts)
        _insert(Certificate, certificates)
        counts["learners"] += len(user_rows)
        counts["lesson_progress"] += len(lessons)
        counts["attempts"] += len(attempts)
        counts["certificates"] += len(certificates)

    province_id = db.session.scalar(
        select(Area.id).where(Area.parent_id.is_(None), Area.name == "Tuyên Quang")
    )
    counts["assignments"] = _assign_modules(modules, province_id, anchor)
    # The bulk inserts bypass the learner services, so the report rows are built here.
    counts["module_progress"] = progress.rebuild()
    return {**counts, "skipped": False, "existing_learners": 0}
