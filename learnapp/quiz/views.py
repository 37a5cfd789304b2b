"""Quiz pages: start, take, submit once, see the result with explanations."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from learnapp import db
from learnapp.cache.content import published
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language
from learnapp.models import AttemptStatus, Module, Quiz, QuizAttempt
from learnapp.models.base import utcnow
from learnapp.quiz import services
from learnapp.quiz.progress_hook import progress
from learnapp.quiz.types import kind_of

bp = Blueprint("quiz", __name__, template_folder="templates")

_ANSWER_FIELD = re.compile(r"q[0-9]{1,12}")


def _quiz_or_404(slug: str) -> tuple[Module, Quiz]:
    content = published()
    module = content.module(slug)
    quiz = content.quiz_of(module.id) if module else None
    if module is None or quiz is None or not services.active_questions(quiz):
        abort(404)
    return module, quiz


def _own_attempt_or_404(attempt_id: int) -> QuizAttempt:
    # Another learner's attempt does not exist as far as this learner can tell.
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.user_id == current_user.id
        )
    )
    if attempt is None:
        abort(404)
    return attempt


def _quiz_of(attempt: QuizAttempt) -> Quiz:
    """The attempt's quiz: from the published content in memory, else (a module archived
    since) from the database."""
    quiz = published().quiz_by_id(attempt.quiz_id)
    return quiz if quiz is not None else db.session.get(Quiz, attempt.quiz_id)


def _module_of(attempt: QuizAttempt) -> Module:
    return _quiz_of(attempt).module


@bp.get("/m/<slug>/quiz")
@login_required
def overview(slug: str):
    module, quiz = _quiz_or_404(slug)
    questions = services.active_questions(quiz)
    return render_template(
        "quiz/overview.html",
        module=module,
        quiz=quiz,
        question_count=min(quiz.draw_count or len(questions), len(questions)),
        summary=services.summary(current_user, quiz),
        open_attempt=services.open_attempt(current_user, quiz),
        form=ButtonForm(),
        language=content_language(),
    )


@bp.post("/m/<slug>/quiz/start")
@login_required
def start(slug: str):
    module, quiz = _quiz_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    # Only an expired attempt closed on the way changes the learner's report row: a
    # plain start leaves it alone, so "once per action" holds for the submit alone.
    current = services.open_attempt(current_user, quiz)
    closes_one = current is not None and services.is_expired(current, utcnow())
    try:
        attempt = services.start_attempt(current_user, quiz, content_language())
    except services.NoAttemptsLeft:
        # Keep what start_attempt did before refusing: it may have closed an expired attempt.
        if closes_one:
            progress().attempt_closed(current_user, module, None)
        db.session.commit()
        flash(_("You have used all the attempts for this quiz."), "error")
        return redirect(url_for("quiz.overview", slug=slug))
    if closes_one:
        progress().attempt_closed(current_user, module, None)
    db.session.commit()
    return redirect(url_for("quiz.take", attempt_id=attempt.id))


def _seconds_left(attempt: QuizAttempt) -> int | None:
    if attempt.deadline_at is None:
        return None
    return int((attempt.deadline_at - utcnow()).total_seconds())


@bp.get("/quiz/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.status != AttemptStatus.OPEN:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    return _take_page(attempt)


def _take_page(attempt: QuizAttempt, sent: dict[int, list[str]] | None = None):
    """The quiz page; with `sent`, the answers of a refused form shown back as given."""
    module = _module_of(attempt)
    # A GET never writes (its SQLite transaction is a deferred read): an attempt whose
    # time is up only offers a button, and the submit POST closes it.
    time_is_up = services.is_expired(attempt, utcnow())
    saved = {} if time_is_up else services.saved_answers(attempt)
    if sent is not None and not time_is_up:
        saved = sent
    return render_template(
        "quiz/take.html",
        attempt=attempt,
        module=module,
        items=[] if time_is_up else services.layout_questions(attempt),
        saved=saved,
        time_is_up=time_is_up,
        language=attempt.language,
        form=ButtonForm(),
        seconds_left=_seconds_left(attempt),
    )


def _two_steps_one_place(attempt: QuizAttempt, exc: services.TwoStepsOnePlace):
    """Back to the quiz with the form's answers as given, nothing saved, and why."""
    db.session.rollback()
    message = _(
        "Question %(n)s: two steps have the same place. Give each step its own place, "
        "then send again. Nothing was saved.",
        n=exc.number,
    )
    if _wants_json():
        return jsonify(saved=False, message=message), 400
    flash(message, "error")
    sent = {int(key[1:]): values for key, values in _form_values().items() if key[1:].isdigit()}
    return _take_page(attempt, sent), 400


def _form_values() -> dict[str, list[str]]:
    return {key: request.form.getlist(key) for key in request.form if _ANSWER_FIELD.fullmatch(key)}


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _save_refused(attempt: QuizAttempt, status: int, message: str):
    if _wants_json():
        return jsonify(saved=False, message=message), status
    if status == 409:
        flash(message, "error")
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    heading = _("Your answers were not saved")
    return render_template("errors/_page.html", heading=heading, message=message), status


@bp.post("/quiz/attempts/<int:attempt_id>/answers")
@login_required
def save(attempt_id: int):
    """Save answers as they are given: one question (field `question`, sent by the page's
    script on each change) or the whole form (the "Save answers" button)."""
    attempt = _own_attempt_or_404(attempt_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    question = request.form.get("question")
    try:
        if question is not None and not (question.isascii() and question.isdigit()):
            raise services.BadAnswer("unknown_question")
        answers = services.answers_from_form(
            attempt,
            _form_values(),
            question_ids=None if question is None else [int(question)],
            strict=True,
        )
        services.save_answers(attempt, answers)
    except services.TwoStepsOnePlace as exc:
        return _two_steps_one_place(attempt, exc)
    except services.BadAnswer:
        db.session.rollback()
        return _save_refused(
            attempt, 400, _("This answer could not be saved: it is not one of the choices.")
        )
    except services.AlreadySubmitted:
        db.session.rollback()
        return _save_refused(
            attempt,
            409,
            _("This attempt was already submitted, so answers can no longer be changed."),
        )
    except services.TimeIsUp:
        db.session.rollback()
        return _save_refused(
            attempt, 409, _("The time for this attempt is up, so no more answers can be saved.")
        )
    db.session.commit()
    if _wants_json():
        return jsonify(saved=True)
    flash(_("Your answers are saved. You can come back to them later."), "success")
    return redirect(url_for("quiz.take", attempt_id=attempt.id))


@bp.post("/quiz/attempts/<int:attempt_id>")
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt_or_404(attempt_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    values = _form_values()
    # The take page marks its form; the confirmation page sends no answers, so what was
    # saved is submitted as it is.
    sent = values if request.form.get("answers") == "1" or values else None
    now = utcnow()
    try:
        blank, saved = services.save_before_submit(attempt, sent, now=now)
        if blank and request.form.get("confirm_blank") != "1":
            db.session.commit()
            return redirect(url_for("quiz.confirm", attempt_id=attempt_id))
        services.submit_attempt(attempt, now=now, saved=saved)
    except services.TwoStepsOnePlace as exc:
        return _two_steps_one_place(attempt, exc)
    except services.AlreadySubmitted:
        db.session.rollback()
        flash(_("This attempt was already submitted; it was counted once."), "info")
        return redirect(url_for("quiz.result", attempt_id=attempt_id))
    if services.is_expired(attempt, attempt.submitted_at):
        if values:
            flash(
                _(
                    "The time was up, so the answers sent late were not counted; "
                    "the answers saved in time were."
                ),
                "error",
            )
        else:
            flash(_("The time for this attempt ran out before it was submitted."), "error")
    certificate = progress().attempt_closed(current_user, _module_of(attempt), attempt)
    db.session.commit()
    if certificate is not None:
        flash(_("Well done! You have completed this module."), "success")
    return redirect(url_for("quiz.result", attempt_id=attempt_id))


@bp.get("/quiz/attempts/<int:attempt_id>/confirm")
@login_required
def confirm(attempt_id: int):
    """Asks before submitting with questions unanswered: a page, so it works without
    JavaScript."""
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.status != AttemptStatus.OPEN:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    if services.is_expired(attempt, utcnow()):
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    return render_template(
        "quiz/confirm.html",
        attempt=attempt,
        module=_module_of(attempt),
        unanswered=services.unanswered_positions(attempt),
        total=len(attempt.layout),
        language=attempt.language,
        form=ButtonForm(),
        seconds_left=_seconds_left(attempt),
    )


@bp.get("/quiz/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.status != AttemptStatus.SUBMITTED:
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    quiz = _quiz_of(attempt)
    module = quiz.module
    answers = {a.question_id: a for a in attempt.answers}
    certificate = progress().certificate_for(current_user, module)
    to_review, right = services.review_items(attempt, answers)
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        quiz=quiz,
        module=module,
        to_review=to_review,
        right=right,
        lessons={x.slug: x for x in module.lessons if not x.is_retired},
        answers=answers,
        summary=services.summary(current_user, quiz),
        certificate=certificate,
        language=attempt.language,
        form=ButtonForm(),
    )


@bp.app_template_global()
def question_template(question) -> str:  # noqa: ANN001
    """The input partial of the question's type."""
    return kind_of(question).take_template


@bp.app_template_global()
def review_template(question) -> str:  # noqa: ANN001
    """The result partial of the question's type: what was answered, what is right."""
    return kind_of(question).result_template


@bp.app_template_global()
def question_kind(question):  # noqa: ANN001, ANN201
    """The question's type, for partials that need its helpers."""
    return kind_of(question)
