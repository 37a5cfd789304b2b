"""Between the database, drafts (JSON) and ModuleSource records."""

from __future__ import annotations

from dataclasses import asdict

from learnapp.content import sources as s
from learnapp.models import Module


def source_from_db(module: Module) -> s.ModuleSource:
    """What the published module says now, as a source record."""
    quiz = module.quiz
    source = s.ModuleSource(
        slug=module.slug,
        position=module.position,
        default_language=module.default_language,
        completion=module.completion_rule.value,
        pass_mark=quiz.pass_mark if quiz else 70,
        draw=quiz.draw_count if quiz else 0,
        max_attempts=quiz.max_attempts if quiz else 0,
        time_limit_minutes=quiz.time_limit_minutes if quiz else 0,
        titles={t.language: t.title for t in module.texts},
        summaries={t.language: t.summary for t in module.texts},
        source_hash="",
    )
    for lesson in module.lessons:
        if lesson.is_retired:
            continue
        source.lessons.append(
            s.LessonSource(
                slug=lesson.slug,
                position=lesson.position,
                minutes=lesson.minutes,
                texts={
                    t.language: s.LessonText(t.title, t.objective, t.body_md, t.audio_url)
                    for t in lesson.texts
                },
            )
        )
    from sqlalchemy import select

    from learnapp import db
    from learnapp.models import JobAid

    aids = db.session.scalars(
        select(JobAid)
        .where(JobAid.module_id == module.id, JobAid.is_retired.is_(False))
        .order_by(JobAid.position)
    )
    for aid in aids:
        source.aids.append(
            s.AidSource(
                slug=aid.slug,
                position=aid.position,
                texts={t.language: s.AidText(t.title, t.body_md) for t in aid.texts},
            )
        )
    if quiz is not None:
        for question in quiz.questions:
            if question.is_retired:
                continue
            source.questions.append(
                s.QuestionSource(
                    key=question.key,
                    type=question.type.value,
                    points=question.points,
                    match=question.match_mode.value,
                    position=question.position,
                    lesson=question.lesson_slug,
                    choices=[
                        s.ChoiceSource(
                            is_correct=c.is_correct,
                            texts={
                                t.language: s.ChoiceText(t.text_md, t.feedback_md) for t in c.texts
                            },
                        )
                        for c in question.choices
                    ],
                    texts={
                        t.language: s.QuestionText(
                            t.text_md, t.explanation_md, list(t.accepted_answers)
                        )
                        for t in question.texts
                    },
                )
            )
    source.source_hash = s.content_hash(source)
    return source


def to_data(source: s.ModuleSource) -> dict:
    """A JSON-safe dict of the source (images and audio are referenced, not carried)."""
    data = asdict(source)
    data.pop("images")
    data.pop("audio")
    # A lesson text without a recording is stored as before recordings existed.
    for lesson in data["lessons"]:
        for text in lesson["texts"].values():
            if not text["audio"]:
                del text["audio"]
    return data


def from_data(data: dict) -> s.ModuleSource:
    """Rebuild a source record from to_data's dict."""
    source = s.ModuleSource(
        **{k: v for k, v in data.items() if k not in ("lessons", "aids", "questions")}
    )
    source.lessons = [
        s.LessonSource(
            slug=x["slug"],
            position=x["position"],
            minutes=x["minutes"],
            texts={lang: s.LessonText(**t) for lang, t in x["texts"].items()},
        )
        for x in data.get("lessons", [])
    ]
    source.aids = [
        s.AidSource(
            slug=x["slug"],
            position=x["position"],
            texts={lang: s.AidText(**t) for lang, t in x["texts"].items()},
        )
        for x in data.get("aids", [])
    ]
    source.questions = [
        s.QuestionSource(
            key=x["key"],
            type=x["type"],
            points=x["points"],
            match=x["match"],
            position=x["position"],
            # Drafts and versions saved before questions named their lesson have none.
            lesson=x.get("lesson", ""),
            choices=[
                s.ChoiceSource(
                    is_correct=c["is_correct"],
                    texts={lang: s.ChoiceText(**t) for lang, t in c["texts"].items()},
                )
                for c in x["choices"]
            ],
            texts={lang: s.QuestionText(**t) for lang, t in x["texts"].items()},
        )
        for x in data.get("questions", [])
    ]
    return source
