"""Learner pages: home ("what next"), module, lesson, job aid, progress, certificates."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from learnapp import db, page_parts
from learnapp.cache.content import published
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language, current_locale
from learnapp.learn import services
from learnapp.models import (
    AttemptStatus,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    User,
)
from learnapp.models.base import vietnam_today
from learnapp.org.scope import help_contact_for
from learnapp.qr import qr_data_uri

bp = Blueprint("learn", __name__, template_folder="templates")


def _module_or_404(slug: str) -> Module:
    module = published().module(slug)
    if module is None:
        abort(404)
    return module


def _lesson_or_404(module: Module, lesson_slug: str) -> Lesson:
    lesson = next((x for x in services.active_lessons(module) if x.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/help")
def help_page():
    # Open to everyone: "how to sign in" is for people who cannot yet.
    contact = None
    if current_user.is_authenticated:
        contact = help_contact_for(current_user.area_id)
    return render_template("learn/help.html", contact=contact)


@bp.get("/")
@login_required
def home():
    content = published()
    modules = list(content.modules)
    states = services.ordered_for_learner(services.module_states(current_user, modules))
    done = services.done_lesson_ids(current_user, modules)
    continue_to = None
    for state in states:
        if state.is_complete:
            continue
        lesson = services.next_lesson(state.module, done)
        if lesson is not None:
            continue_to = (state.module, lesson, None)
            break
        if state.quiz is not None and not state.quiz_passed:
            continue_to = (state.module, None, state.quiz)
            break
    required = [st for st in states if st.is_required]
    return render_template(
        "learn/home.html",
        states=states,
        continue_to=continue_to,
        required_total=len(required),
        required_done=sum(st.is_complete for st in required),
        completed=services.is_completed(states),
        language=content_language(),
        today=vietnam_today(),
    )


@bp.get("/m/<slug>")
@login_required
def module(slug: str):
    module = _module_or_404(slug)
    content = published()
    state = services.module_states(current_user, [module])[0]
    done = services.done_lesson_ids(current_user, [module])
    aids = content.aids.get(module.id, ())
    quiz_summary = None
    if state.quiz is not None:
        from learnapp.quiz.services import summary

        quiz_summary = summary(current_user, state.quiz)
    return render_template(
        "learn/module.html",
        module=module,
        state=state,
        lessons=services.active_lessons(module),
        done=done,
        aids=aids,
        quiz_summary=quiz_summary,
        language=content_language(),
        today=vietnam_today(),
    )


@bp.get("/m/<slug>/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    module = _module_or_404(slug)
    lesson = _lesson_or_404(module, lesson_slug)
    lessons = services.active_lessons(module)
    index = lessons.index(lesson)
    done = services.done_lesson_ids(current_user, [module])
    language = content_language()
    text = lesson.text(language)
    article = page_parts.once(
        published().rendered,
        ("lesson", lesson.id, language, current_locale()),
        lambda: render_template(
            "learn/_lesson_article.html",
            module=module,
            lesson=lesson,
            text=text,
            position=index + 1,
            count=len(lessons),
            language=language,
        ),
    )
    return render_template(
        "learn/lesson.html",
        module=module,
        lesson=lesson,
        text=text,
        article=article,
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        is_done=lesson.id in done,
    )


@bp.post("/m/<slug>/<lesson_slug>/done")
@login_required
def mark_done(slug: str, lesson_slug: str):
    module = _module_or_404(slug)
    lesson = _lesson_or_404(module, lesson_slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    services.record_lesson_done(user, lesson)
    certificate = services.check_completion(user, module)
    db.session.commit()
    if certificate is not None:
        flash(_("Well done! You have completed this module."), "success")
        return redirect(url_for("learn.certificate", code=certificate.code))
    lessons = services.active_lessons(module)
    index = lessons.index(lesson)
    flash(_("Lesson marked as done."), "success")
    if index + 1 < len(lessons):
        return redirect(url_for("learn.lesson", slug=slug, lesson_slug=lessons[index + 1].slug))
    return redirect(url_for("learn.module", slug=slug))


@bp.get("/m/<slug>/aids/<aid_slug>")
@login_required
def job_aid(slug: str, aid_slug: str):
    module = _module_or_404(slug)
    aid = published().aid(module.id, aid_slug)
    if aid is None:
        abort(404)
    language = content_language()
    by_lang = {t.language: t for t in aid.texts}
    text = by_lang.get(language) or by_lang.get(module.default_language) or aid.texts[0]
    return render_template(
        "learn/job_aid.html", module=module, aid=aid, text=text, language=language
    )


@bp.get("/m/<slug>/progress")
@login_required
def progress(slug: str):
    module = _module_or_404(slug)
    state = services.module_states(current_user, [module])[0]
    completed = dict(
        db.session.execute(
            select(LessonProgress.lesson_id, LessonProgress.completed_at).where(
                LessonProgress.user_id == current_user.id
            )
        ).all()
    )
    attempts = []
    if state.quiz is not None:
        attempts = db.session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == current_user.id,
                QuizAttempt.quiz_id == state.quiz.id,
                QuizAttempt.status == AttemptStatus.SUBMITTED,
            )
            .order_by(QuizAttempt.submitted_at)
        ).all()
    return render_template(
        "learn/progress.html",
        module=module,
        state=state,
        lessons=services.active_lessons(module),
        completed=completed,
        attempts=attempts,
        language=content_language(),
    )


@bp.get("/certificates/<code>")
@login_required
def certificate(code: str):
    cert = services.certificate_by_code(code)
    # Someone else's certificate is not found, not forbidden: codes must not be probed.
    if cert is None or cert.user_id != current_user.id:
        abort(404)
    module = db.session.get(Module, cert.module_id)
    verify_url = url_for("learn.verify", code=cert.code, _external=True)
    return render_template(
        "learn/certificate.html",
        certificate=cert,
        module=module,
        person=current_user,
        verify_url=verify_url,
        qr=qr_data_uri(verify_url, scale=4),
        language=content_language(),
    )


@bp.get("/verify", defaults={"code": None})
@bp.get("/verify/<code>")
def verify(code: str | None):
    """Check a certificate: from its QR code's link, or a code typed from paper (the form
    on this page sends it as ?code=), in any case, with or without dashes."""
    if code is None:
        code = request.args.get("code", "").strip()
        if not code:
            return render_template("learn/verify.html", certificate=None, searched=False)
    return _verify_page(code)


def _verify_page(code: str):
    cert = services.certificate_by_code(code)
    if cert is None:
        return render_template(
            "learn/verify.html", certificate=None, searched=True, typed=code[:60]
        ), 404
    module = db.session.get(Module, cert.module_id)
    person = db.session.get(User, cert.user_id)
    return render_template(
        "learn/verify.html",
        certificate=cert,
        module=module,
        person=person,
        language=content_language(),
        searched=True,
    )


@bp.get("/media/<name>")
@login_required
def media(name: str):
    from learnapp.content.media import CONTENT_TYPES

    ext = name.rsplit(".", 1)[-1].lower()
    if ext not in CONTENT_TYPES or "/" in name:
        abort(404)
    folder = Path(current_app.instance_path) / "media"
    response = send_from_directory(folder, name, mimetype=CONTENT_TYPES[ext], max_age=31536000)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
