"""Factories: course folders written from Python dicts, imports, learners and answers.

A test describes a module as plain dicts; `write_module` turns them into the files a
trainer would write (module.yml, NN-slug.md lessons, quiz.yml per language), and
`import_into` runs the real importer on them. Any string may hold "@lang", replaced by
the language code of the file it is written to, so each language's text is told apart.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from learnapp import db
from learnapp.content.importer import ImportReport, import_courses
from learnapp.models import (
    AuditEvent,
    Choice,
    Module,
    Question,
    QuestionType,
    Quiz,
    QuizAttempt,
    User,
)

LANGS = ("vi", "en")

# 1x1 transparent PNG: a real image by its content.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def sample_lessons(count: int = 2) -> list[dict]:
    """`count` plain lessons: slugs lesson-1, lesson-2, ..."""
    return [
        {
            "slug": f"lesson-{n}",
            "minutes": 4,
            "title": f"Lesson {n} @lang",
            "objective": f"Objective {n} @lang",
            "body": f"## Part {n}\n\nBody of lesson {n} in @lang.\n\n- one\n- two\n",
        }
        for n in range(1, count + 1)
    ]


def sample_questions() -> list[dict]:
    """One question of each type, with feedback on a wrong choice."""
    return [
        {
            "id": "pick-one",
            "type": "single",
            "text": "Which one is right? @lang",
            "choices": [
                {"text": "Right choice @lang", "correct": True},
                {"text": "Wrong choice A @lang", "feedback": "Feedback on A @lang"},
                {"text": "Wrong choice B @lang"},
            ],
            "explanation": "Explanation of pick-one @lang",
        },
        {
            "id": "pick-many",
            "type": "multiple",
            "text": "Tick the right ones @lang",
            "choices": [
                {"text": "Good one @lang", "correct": True},
                {"text": "Good two @lang", "correct": True},
                {"text": "Bad one @lang", "feedback": "Feedback on bad one @lang"},
                {"text": "Bad two @lang"},
            ],
            "explanation": "Explanation of pick-many @lang",
        },
        {
            "id": "true-or-false",
            "type": "truefalse",
            "text": "The sky is green @lang",
            "answer": False,
            "explanation": "Explanation of true-or-false @lang",
        },
        {
            "id": "type-it",
            "type": "short",
            "text": "Type the name @lang",
            "answers": ["tin giả"],
            "match": "loose",
            "explanation": "Explanation of type-it @lang",
        },
    ]


def module_settings(**overrides: Any) -> dict:
    settings: dict[str, Any] = {
        "order": 1,
        "default_language": "vi",
        "title": {"vi": "Mô-đun thử", "en": "Test module"},
        "summary": {"vi": "Tóm tắt", "en": "Summary"},
        "completion": "lessons_and_quiz",
        "quiz": {"pass_mark": 70, "draw": 0, "max_attempts": 0, "time_limit_minutes": 0},
    }
    quiz = overrides.pop("quiz", None)
    settings.update(overrides)
    if quiz:
        settings["quiz"] = {**settings["quiz"], **quiz}
    return settings


def _localise(value: Any, lang: str) -> Any:
    if isinstance(value, str):
        return value.replace("@lang", lang)
    if isinstance(value, list):
        return [_localise(v, lang) for v in value]
    if isinstance(value, dict):
        return {k: _localise(v, lang) for k, v in value.items()}
    return value


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def lesson_file(lesson: dict, lang: str) -> str:
    """The text of one lesson file: front matter and Markdown body."""
    texts = lesson.get("texts", {}).get(lang, {})
    meta = {
        key: _localise(texts.get(key, lesson[key]), lang)
        for key in ("title", "minutes", "objective")
        if key in texts or key in lesson
    }
    body = _localise(texts.get("body", lesson.get("body", "Text.\n")), lang)
    return "---\n" + dump_yaml(meta) + "---\n" + body


def write_module(
    root: Path,
    slug: str = "test-module",
    *,
    settings: dict | None = None,
    lessons: list[dict] | None = None,
    questions: list[dict] | dict[str, list[dict]] | None = None,
    aids: list[dict] | None = None,
    images: dict[str, bytes] | None = None,
    languages: tuple[str, ...] = LANGS,
) -> Path:
    """Write one module folder under root from dicts; return the module folder.

    `questions` is one list written to every language, or {lang: list} to write each
    language's quiz.yml differently, or [] for no quiz.yml at all.
    """
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    meta = settings if settings is not None else module_settings()
    meta = copy.deepcopy(meta)
    for key in ("title", "summary"):
        if isinstance(meta.get(key), dict):
            meta[key] = {k: v for k, v in meta[key].items() if k in languages}
    (folder / "module.yml").write_text(dump_yaml(meta), encoding="utf-8")
    lessons = sample_lessons() if lessons is None else lessons
    questions = sample_questions() if questions is None else questions
    for lang in languages:
        lang_dir = folder / lang
        lang_dir.mkdir(exist_ok=True)
        for position, lesson in enumerate(lessons, start=1):
            name = lesson.get("file", f"{position:02d}-{lesson['slug']}.md")
            (lang_dir / name).write_text(lesson_file(lesson, lang), encoding="utf-8")
        for position, aid in enumerate(aids or [], start=1):
            (lang_dir / "aids").mkdir(exist_ok=True)
            text = "---\n" + dump_yaml({"title": _localise(aid["title"], lang)}) + "---\n"
            text += _localise(aid.get("body", "Fill in: ........\n"), lang)
            (lang_dir / "aids" / f"{position:02d}-{aid['slug']}.md").write_text(
                text, encoding="utf-8"
            )
        pool = questions.get(lang) if isinstance(questions, dict) else questions
        if pool:
            quiz = {"questions": _localise(copy.deepcopy(pool), lang)}
            (lang_dir / "quiz.yml").write_text(dump_yaml(quiz), encoding="utf-8")
    if images:
        (folder / "images").mkdir(exist_ok=True)
        for name, data in images.items():
            (folder / "images" / name).write_bytes(data)
    return folder


# Refused requests leave a line in the audit log; see row_counts.
REFUSALS_LOGGED = ("access_denied", "out_of_scope", "rate_limited")


def import_into(app, path: Path) -> ImportReport:
    """Import the courses folder at path into the app's database and commit.

    A ContentError propagates after a rollback, as the CLI does.
    """
    with app.app_context():
        try:
            report = import_courses(Path(path), Path(app.instance_path) / "media")
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return report


def row_counts(app) -> dict[str, int]:
    """Rows in every table, counted in one statement, to prove an operation changed nothing.
    The audit log's lines about refused requests are the log of a refusal, not a change the
    refused request made, so they are left out; so are import previews waiting for their
    confirmation (tests/test_admin_import.py counts those itself), and the cache's stamp
    row, which comes with the schema."""
    tables = [
        t for t in db.Base.metadata.sorted_tables if t.name not in ("pending_import", "cache_stamp")
    ]
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
    refusals = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.action.in_(REFUSALS_LOGGED))
        .scalar_subquery()
    )
    with app.app_context():
        *row, refused = db.session.execute(select(*counts, refusals)).one()
    found = {table.name: count for table, count in zip(tables, row, strict=True)}
    found["audit_event"] -= refused
    return found


def make_learner(app, username: str, *, full_name: str | None = None, locale=None) -> int:
    """A learner without an area, created straight in the database; returns the id."""
    with app.app_context():
        user = User(
            username=username,
            full_name=full_name or f"Learner {username}",
            password_hash="not-a-real-hash",
            locale=locale,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def quiz_of(slug: str) -> Quiz:
    """The module's quiz, inside an app context."""
    return db.session.scalar(select(Quiz).join(Module).where(Module.slug == slug))


def answer_values(attempt: QuizAttempt, *, right: bool) -> dict[str, list[str]]:
    """Form values answering every question of the attempt all right or all wrong."""
    values: dict[str, list[str]] = {}
    for question_id, choice_ids in attempt.layout:
        question = db.session.get(Question, question_id)
        choices = [db.session.get(Choice, cid) for cid in choice_ids]
        good = [str(c.id) for c in choices if c.is_correct]
        bad = [str(c.id) for c in choices if not c.is_correct]
        key = f"q{question_id}"
        if question.type == QuestionType.SHORT:
            accepted = [a for t in question.texts for a in t.accepted_answers]
            values[key] = [accepted[0] if right else "certainly not the answer"]
        elif question.type == QuestionType.MULTIPLE:
            values[key] = good if right else bad
        else:
            values[key] = good[:1] if right else bad[:1]
    return values


# --- a four-level province ---------------------------------------------------------------

# Tuyên Quang as it was before 1 July 2025: province > district > commune > village. The
# demo follows today's two tiers; the tree allows any depth, so role and scope tests run
# on this deeper one, with a district committee member in the middle.
FOUR_LEVEL_TREE = {
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

FOUR_LEVEL_ASSIGNMENTS = [
    ("cell-meetings", "Tuyên Quang", "province", 45),
    ("countering-misinformation", "Sơn Dương", "district", -7),
]


def build_four_level_tree() -> dict:
    """Create (or find) the four-level areas; villages keyed "commune/village"."""
    from learnapp.demo.province import _area

    province = _area("Tuyên Quang", "province", None)
    named = {"Tuyên Quang": province}
    for district_name, communes in FOUR_LEVEL_TREE.items():
        district = _area(district_name, "district", province)
        named[district_name] = district
        for commune_name, villages in communes.items():
            commune = _area(commune_name, "commune", district)
            named[commune_name] = commune
            for village_name in villages:
                named[f"{commune_name}/{village_name}"] = _area(village_name, "village", commune)
    return named


def seed_four_level_world() -> list[tuple[str, str, str]]:
    """The four-level province with the demo's accounts, and `district`: a committee
    member of Sơn Dương district. The same usernames and password as the demo."""
    from learnapp.demo.province import create_accounts, demo_accounts
    from learnapp.models import Role

    areas = build_four_level_tree()
    province, district = areas["Tuyên Quang"], areas["Sơn Dương"]
    accounts = demo_accounts(areas, "Kháng Nhật/Lềm", "Tứ Quận/Cây Nhãn")
    accounts[4:4] = [
        ("district", "Lê Thị Dương", district, [(Role.COMMITTEE, district)], None),
        (
            "admin",
            "Phạm Quốc Tuấn",
            province,
            [(Role.ADMIN, province), (Role.COMMITTEE, province)],
            None,
        ),
    ]
    return create_accounts(accounts)


def seed_four_level_assignments() -> list:
    """The requirements the four-level world's reports show (one past due, in Sơn Dương)."""
    from learnapp.demo.province import seed_demo_assignments

    return seed_demo_assignments(FOUR_LEVEL_ASSIGNMENTS)
