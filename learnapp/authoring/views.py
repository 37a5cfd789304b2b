"""The trainer's editor: modules, lessons, questions, GIFT import, preview, publish."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnapp import db, site_settings
from learnapp.authoring import services
from learnapp.authoring.forms import (
    GIFT_MAX_BYTES,
    LANGUAGE_LABELS,
    AudioForm,
    GiftForm,
    ImageForm,
    LessonForm,
    NewModuleForm,
    PreviewForm,
    SettingsForm,
    choice_rows,
    question_form_class,
)
from learnapp.config import LANGUAGES
from learnapp.content import markdown, quiz_bias, trainer_notes
from learnapp.content import sources as s
from learnapp.content.snapshot import source_from_db
from learnapp.errors import DomainError, commit_or_flash, message_for
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language, in_language
from learnapp.models import ModuleStatus, Role
from learnapp.quiz import types as question_types
from learnapp.security import roles_required

bp = Blueprint("authoring", __name__, url_prefix="/authoring", template_folder="templates")
AUTHORS = (Role.TRAINER, Role.ADMIN)


# What a DomainError code from the authoring services means, in the person's words.
ERROR_MESSAGES = {
    "bad_slug": _l("Use lower-case letters without accents, digits and hyphens."),
    "slug_taken": _l("A module with this short name already exists."),
    "lesson_slug_taken": _l("Another lesson in this module already has this short name."),
    "question_key_taken": _l("Another question in this module already has this id."),
    "draft_out_of_date": _l(
        "The module was changed by someone else since this draft was started. "
        "Discard the draft and start again from the new version."
    ),
    "draft_changed": _l(
        "Someone else saved this draft since you opened this page, so nothing was saved. "
        "Reload the page to see their changes, then make yours again."
    ),
    "not_published": _l("Only a published module can be archived."),
    "not_archived": _l("This module is not archived."),
}
NOT_SAVED = _l("This could not be saved.")


def _message(code: str) -> str:
    return message_for(code, ERROR_MESSAGES, NOT_SAVED)


@bp.before_request
def _authors_only():
    # Signed-out visitors are sent to sign in by roles_required; everyone else needs an
    # authoring grant on a top-level area (services.AUTHOR_ROLES).
    if current_user.is_authenticated and not services.may_author(current_user):
        abort(403)


@bp.errorhandler(services.NotAnAuthor)
def _not_an_author(exc: services.NotAnAuthor):
    db.session.rollback()
    return render_template("errors/403.html", code=403), 403


def _module_and_draft(slug: str, *, create: bool = True):  # noqa: ANN202
    module = services.module_by_slug(slug)
    if module is None or module.status == ModuleStatus.ARCHIVED:
        abort(404)
    if not services.may_author(current_user, module):
        abort(403)
    # A save locks the draft first: two trainers saving at once queue, neither loses.
    lock = request.method == "POST"
    # A GET never writes: until the first save, pages show the published version.
    if create and lock:
        draft = services.start_draft(module, current_user, for_update=lock)
    else:
        draft = services.draft_of(module, for_update=lock)
    return module, draft


def _media_dir() -> Path:
    return Path(current_app.instance_path) / "media"


@bp.get("/")
@roles_required(*AUTHORS)
def index():
    return render_template(
        "authoring/index.html",
        rows=services.modules_for_authoring(),
        archived=services.archived_modules(),
        button=ButtonForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_module():
    form = NewModuleForm()
    if form.validate_on_submit():
        titles = {lang: (getattr(form, f"title_{lang}").data or "").strip() for lang in LANGUAGES}
        titles = {lang: title for lang, title in titles.items() if title}
        if form.default_language.data not in titles:
            form.title_vi.errors.append(_("Give a title in the main language."))
        else:
            try:
                module = services.create_module(
                    form.slug.data, titles, form.default_language.data, current_user
                )
            except DomainError as exc:
                db.session.rollback()
                form.slug.errors.append(_message(str(exc)))
            else:
                db.session.commit()
                return redirect(url_for("authoring.module", slug=module.slug))
    return render_template("authoring/new_module.html", form=form)


@bp.route("/m/<slug>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def module(slug: str):
    module, draft = _module_and_draft(slug, create=request.method == "POST")
    source = _source_of(module, draft)
    form = (
        SettingsForm(
            data={
                **{f"title_{lang}": source.titles.get(lang, "") for lang in LANGUAGES},
                **{f"summary_{lang}": source.summaries.get(lang, "") for lang in LANGUAGES},
                "order": source.position,
                "completion": source.completion,
                "pass_mark": source.pass_mark,
                "draw": source.draw,
                "max_attempts": source.max_attempts,
                "time_limit_minutes": source.time_limit_minutes,
                "revision": services.revision(services.settings_of(source)),
            }
        )
        if request.method == "GET"
        else SettingsForm()
    )
    stale = _is_stale(form, services.settings_of(source))
    if not stale and form.validate_on_submit():
        titles = {lang: (getattr(form, f"title_{lang}").data or "").strip() for lang in LANGUAGES}
        titles = {lang: t for lang, t in titles.items() if t}
        if source.default_language not in titles:
            form.title_vi.errors.append(_("Give a title in the main language."))
        else:
            source.titles = titles
            source.summaries = {
                lang: (getattr(form, f"summary_{lang}").data or "").strip() for lang in titles
            }
            source.position = form.order.data
            source.completion = form.completion.data
            source.pass_mark = form.pass_mark.data
            source.draw = form.draw.data
            source.max_attempts = form.max_attempts.data
            source.time_limit_minutes = form.time_limit_minutes.data
            services.save(draft, source, current_user)
            db.session.commit()
            flash(_("Settings saved in the draft."), "success")
            if services.draws_more_than_pool(source):
                flash(_draw_warning(source), "info")
            return redirect(url_for("authoring.module", slug=slug))
    return render_template(
        "authoring/module.html",
        module=module,
        draft=draft,
        source=source,
        form=form,
        stale=_message("draft_changed") if stale else None,
        draw_warning=_draw_warning(source) if services.draws_more_than_pool(source) else None,
        button=ButtonForm(),
        missing=services.missing_translations(source),
        bias_warnings=[_bias_message(source, w) for w in quiz_bias.module_warnings(source)],
        languages=services.languages(source),
        versions=services.versions(module),
    )


def _is_stale(form, part: object) -> bool:  # noqa: ANN001
    """A save from a page that showed something else than the draft now holds.

    Nothing is then saved; the page is shown again with what was typed and the reason.
    """
    return request.method == "POST" and form.revision.data != services.revision(part)


def _bias_message(source: s.ModuleSource, warning: quiz_bias.BiasWarning) -> str:
    """The warning in the trainer's language, naming the module, language and questions."""
    values = {
        "module": source.titles.get(source.default_language, source.slug),
        "lang": LANGUAGE_LABELS.get(warning.language, warning.language),
        "questions": ", ".join(warning.questions),
    }
    if warning.kind == quiz_bias.LONGEST:
        return _(
            "%(module)s, %(lang)s: the right answer is the longest choice in %(share)s%% of "
            "the single-choice questions, so a learner who picks the longest choice passes "
            "without reading. Rewrite some right answers shorter or some wrong ones longer: "
            "%(questions)s.",
            share=round(warning.share * 100),
            **values,
        )
    return _(
        "%(module)s, %(lang)s: a right choice is more than twice as long as every other "
        "choice, which gives it away: %(questions)s.",
        **values,
    )


def _draw_warning(source: s.ModuleSource) -> str:
    return _(
        "Each attempt is to draw %(draw)s questions, but the pool has only %(pool)s: "
        "learners get those %(pool)s. Add questions, or set the number to 0 (all) or lower.",
        draw=source.draw,
        pool=len(source.questions),
    )


def _lesson_from_form(form: LessonForm) -> s.LessonSource:
    texts = {}
    for lang in LANGUAGES:
        title = (getattr(form, f"title_{lang}").data or "").strip()
        body = (getattr(form, f"body_{lang}").data or "").replace("\r\n", "\n").strip()
        if title or body:
            texts[lang] = s.LessonText(
                title, (getattr(form, f"objective_{lang}").data or "").strip(), body + "\n"
            )
    return s.LessonSource(slug=form.slug.data, position=0, minutes=form.minutes.data, texts=texts)


@bp.route("/m/<slug>/lessons/new", methods=["GET", "POST"], defaults={"lesson_slug": None})
@bp.route("/m/<slug>/lessons/<lesson_slug>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def lesson(slug: str, lesson_slug: str | None):
    module, draft = _module_and_draft(slug)
    source = _source_of(module, draft)
    existing = next((x for x in source.lessons if x.slug == lesson_slug), None)
    if lesson_slug is not None and existing is None:
        abort(404)
    form = LessonForm()
    if request.method == "GET":
        form.revision.data = services.revision(existing)
    if request.method == "GET" and existing is not None:
        form.slug.data, form.minutes.data = existing.slug, existing.minutes
        for lang, text in existing.texts.items():
            getattr(form, f"title_{lang}").data = text.title
            getattr(form, f"objective_{lang}").data = text.objective
            getattr(form, f"body_{lang}").data = text.body_md
    previews = {}
    stale = None
    if form.validate_on_submit():
        lesson = _lesson_from_form(form)
        if request.form.get("action") == "preview":
            previews = {
                lang: trainer_notes.for_trainers(markdown.render(t.body_md, shift_headings=True))
                for lang, t in lesson.texts.items()
            }
        elif _is_stale(form, existing):
            stale = _message("draft_changed")
        elif (
            source.default_language not in lesson.texts
            or not lesson.texts[source.default_language].title
        ):
            getattr(form, f"title_{source.default_language}").errors.append(
                _("Give the lesson a title and text in the main language.")
            )
        else:
            try:
                services.upsert_lesson(source, lesson_slug, lesson)
            except DomainError as exc:
                form.slug.errors.append(_message(str(exc)))
            else:
                services.save(draft, source, current_user)
                db.session.commit()
                flash(_("Lesson saved in the draft."), "success")
                return redirect(url_for("authoring.lesson", slug=slug, lesson_slug=lesson.slug))
    return render_template(
        "authoring/lesson.html",
        module=module,
        source=source,
        form=form,
        lesson=existing,
        stale=stale,
        previews=previews,
        languages=LANGUAGES,
        labels=LANGUAGE_LABELS,
        preview_form=PreviewForm(),
        audio_form=AudioForm(),
        button=ButtonForm(),
    )


def _question_from_form(form, rows: int) -> tuple[s.QuestionSource | None, list[str]]:  # noqa: ANN001
    """The question the form describes, or the reasons it cannot be one."""
    qtype = form.type.data
    problems: list[str] = []
    texts = {}
    for lang in LANGUAGES:
        text = (form[f"text_{lang}"].data or "").strip()
        if not text:
            continue
        answers = [
            a.strip() for a in (form[f"answers_{lang}"].data or "").splitlines() if a.strip()
        ]
        texts[lang] = s.QuestionText(
            text, (form[f"explanation_{lang}"].data or "").strip(), answers
        )
    if not texts:
        problems.append(_("Write the question."))
    kind = question_types.kind_named(qtype)
    choices, type_problems = kind.from_form(form, rows, texts) if kind else ([], [])
    problems.extend(type_problems)
    for lang, text in texts.items():
        if not text.explanation:
            problems.append(_("Write the explanation (%(lang)s).", lang=lang))
    question = s.QuestionSource(
        key=form.key.data,
        type=qtype,
        points=form.points.data,
        match=form.match.data,
        position=0,
        choices=choices,
        texts=texts,
        lesson=form.lesson.data or "",
    )
    return (None if problems else question), problems


def _lesson_label(source: s.ModuleSource, lesson: s.LessonSource) -> str:
    text = lesson.texts.get(source.default_language) or next(iter(lesson.texts.values()), None)
    return f"{lesson.position}. {text.title}" if text and text.title else lesson.slug


@bp.route("/m/<slug>/questions/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/m/<slug>/questions/<key>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question(slug: str, key: str | None):
    module, draft = _module_and_draft(slug)
    source = _source_of(module, draft)
    existing = next((q for q in source.questions if q.key == key), None)
    if key is not None and existing is None:
        abort(404)
    rows = choice_rows(len(existing.choices) if existing else 0)
    form = question_form_class(rows)()
    form.lesson.choices = [("", _("(none)"))] + [
        (x.slug, _lesson_label(source, x)) for x in source.lessons
    ]
    if request.method == "GET":
        form.revision.data = services.revision(existing)
        if existing is None:
            form.key.data = services.unique_key(source, "question")
            form.type.data = request.args.get("type", "single")
        else:
            form.key.data, form.type.data = existing.key, existing.type
            form.points.data, form.match.data = existing.points, existing.match
            form.lesson.data = existing.lesson
            for lang, text in existing.texts.items():
                form[f"text_{lang}"].data = text.text
                form[f"explanation_{lang}"].data = text.explanation
                form[f"answers_{lang}"].data = "\n".join(text.answers)
            kind = question_types.kind_named(existing.type)
            if kind is not None:
                kind.fill_form(form, existing)
    problems: list[str] = []
    if _is_stale(form, existing):
        problems = [_message("draft_changed")]
    elif form.validate_on_submit():
        question, problems = _question_from_form(form, rows)
        if question is not None:
            try:
                services.upsert_question(source, key, question)
            except DomainError as exc:
                problems = [_message(str(exc))]
            else:
                services.save(draft, source, current_user)
                db.session.commit()
                flash(_("Question saved in the draft."), "success")
                return redirect(url_for("authoring.module", slug=slug) + "#questions")
    return render_template(
        "authoring/question.html",
        module=module,
        source=source,
        form=form,
        question=existing,
        problems=problems,
        languages=LANGUAGES,
        labels=LANGUAGE_LABELS,
        choice_rows=rows,
    )


@bp.post("/m/<slug>/<any(lessons,questions):kind>/<item>/move/<any(up,down):direction>")
@roles_required(*AUTHORS)
def move(slug: str, kind: str, item: str, direction: str):
    module, draft = _module_and_draft(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    source = services.load(draft)
    items = source.lessons if kind == "lessons" else source.questions
    index = next(
        (
            i
            for i, x in enumerate(items)
            if getattr(x, "slug", None) == item or getattr(x, "key", None) == item
        ),
        None,
    )
    if index is None:
        abort(404)
    services.move(items, index, -1 if direction == "up" else 1)
    services.save(draft, source, current_user)
    db.session.commit()
    return redirect(url_for("authoring.module", slug=slug) + f"#{kind}")


@bp.route("/m/<slug>/<any(lessons,questions):kind>/<item>/delete", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def delete(slug: str, kind: str, item: str):
    module, draft = _module_and_draft(slug)
    source = _source_of(module, draft)
    items = source.lessons if kind == "lessons" else source.questions
    found = next(
        (x for x in items if getattr(x, "slug", None) == item or getattr(x, "key", None) == item),
        None,
    )
    if found is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        items.remove(found)
        services.move(items, 0, 0)
        if kind == "lessons":
            services.forget_lesson(source, found.slug)
        services.save(draft, source, current_user)
        db.session.commit()
        flash(
            _("Deleted from the draft. Learners keep what they did until you publish."), "success"
        )
        return redirect(url_for("authoring.module", slug=slug) + f"#{kind}")
    return render_template(
        "authoring/delete.html", module=module, kind=kind, item=found, form=form, source=source
    )


@bp.post("/m/<slug>/publish")
@roles_required(*AUTHORS)
def publish(slug: str):
    module, draft = _module_and_draft(slug, create=False)
    if draft is None or not ButtonForm().validate_on_submit():
        abort(400 if draft is not None else 404)
    try:
        services.publish(module, draft, current_user, _media_dir())
    except services.PublishProblems as exc:
        db.session.rollback()
        return render_template("authoring/problems.html", module=module, problems=exc.problems), 422
    except DomainError as exc:
        db.session.rollback()
        flash(_message(str(exc)), "error")
        return redirect(url_for("authoring.module", slug=slug))
    db.session.commit()
    flash(_("Published: learners now see version %(v)s.", v=module.version), "success")
    return redirect(url_for("authoring.module", slug=slug))


@bp.route("/m/<slug>/discard", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def discard(slug: str):
    module, draft = _module_and_draft(slug, create=False)
    form = ButtonForm()
    if request.method == "POST":
        if draft is None or not form.validate_on_submit():
            abort(400 if draft is not None else 404)
        was_published = module.published_at is not None
        services.discard(draft, current_user)
        db.session.commit()
        flash(_("The draft was discarded."), "success")
        return redirect(
            url_for("authoring.module", slug=slug) if was_published else url_for("authoring.index")
        )
    return render_template(
        "authoring/discard.html",
        module=module,
        draft=draft,
        form=form,
        source=_source_of(module, draft),
    )


@bp.route("/m/<slug>/archive", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def archive(slug: str):
    module, draft = _module_and_draft(slug, create=False)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if not commit_or_flash(lambda: services.archive(module, current_user), ERROR_MESSAGES):
            return redirect(url_for("authoring.module", slug=slug))
        flash(_("The module was archived: learners no longer see it."), "success")
        return redirect(url_for("authoring.index"))
    return render_template(
        "authoring/archive.html",
        module=module,
        draft=draft,
        form=form,
        source=_source_of(module, draft),
    )


@bp.post("/m/<slug>/restore")
@roles_required(*AUTHORS)
def restore(slug: str):
    module = services.module_by_slug(slug)
    if module is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not services.may_author(current_user, module):
        abort(403)
    if not commit_or_flash(lambda: services.restore(module, current_user), ERROR_MESSAGES):
        return redirect(url_for("authoring.index"))
    flash(_("The module is back: learners see version %(v)s again.", v=module.version), "success")
    return redirect(url_for("authoring.module", slug=slug))


def _source_of(module, draft=None) -> s.ModuleSource:  # noqa: ANN001
    """What the draft says, else what the published module says."""
    return services.load(draft) if draft is not None else source_from_db(module)


def _preview_language(source: s.ModuleSource) -> str:
    language = content_language()
    return language if language in source.titles else source.default_language


@bp.get("/m/<slug>/preview", defaults={"lesson_slug": None})
@bp.get("/m/<slug>/preview/<lesson_slug>")
@roles_required(*AUTHORS)
def preview(slug: str, lesson_slug: str | None):
    module, draft = _module_and_draft(slug, create=False)
    source = _source_of(module, draft)
    language = _preview_language(source)
    lesson = None
    html = ""
    if lesson_slug is not None:
        lesson = next((x for x in source.lessons if x.slug == lesson_slug), None)
        if lesson is None:
            abort(404)
        text = in_language(lesson.texts, language, source.default_language)
        html = trainer_notes.for_trainers(
            markdown.render(text.body_md if text else "", shift_headings=True)
        )
    return render_template(
        "authoring/preview.html",
        module=module,
        source=source,
        lesson=lesson,
        html=html,
        language=language,
        has_draft=draft is not None,
    )


@bp.get("/m/<slug>/preview-quiz")
@roles_required(*AUTHORS)
def preview_quiz(slug: str):
    """The whole question pool as a learner's quiz page shows it, then the answers."""
    module, draft = _module_and_draft(slug, create=False)
    source = _source_of(module, draft)
    language = _preview_language(source)
    return render_template(
        "authoring/preview_quiz.html",
        module=module,
        source=source,
        questions=services.rendered_questions(source, language),
        language=language,
        has_draft=draft is not None,
    )


@bp.post("/render")
@roles_required(*AUTHORS)
def render_preview():
    """Live preview: the sanitised HTML of posted Markdown, exactly as a lesson shows it."""
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    return Response(
        trainer_notes.for_trainers(markdown.render(form.markdown.data or "", shift_headings=True)),
        mimetype="text/html",
    )


@bp.get("/m/<slug>/export.zip")
@roles_required(*AUTHORS)
def export_zip(slug: str):
    module = services.module_by_slug(slug)
    if module is None or module.status != ModuleStatus.PUBLISHED:
        abort(404)
    from learnapp.content.export import module_zip

    return Response(
        module_zip(module, _media_dir()),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{slug}.zip"'},
    )


@bp.route("/m/<slug>/gift", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def gift(slug: str):
    from learnapp.authoring.gift_import import questions_from_gift

    module, draft = _module_and_draft(slug)
    source = _source_of(module, draft)
    form = GiftForm()
    if request.method == "GET":
        form.language.data = source.default_language
    result = None
    if form.validate_on_submit():
        text = form.text.data or ""
        if form.upload.data:
            raw = form.upload.data.read(GIFT_MAX_BYTES + 1)
            if len(raw) > GIFT_MAX_BYTES:
                # Never a cut file: its last question would be imported half written.
                form.upload.errors.append(
                    _(
                        "The file is larger than %(n)s KB. Split it into smaller files "
                        "and import them one by one.",
                        n=GIFT_MAX_BYTES // 1000,
                    )
                )
            else:
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    form.upload.errors.append(_("The file is not UTF-8 text."))
        if not text.strip() and not form.upload.errors:
            form.text.errors.append(_("Paste GIFT questions or choose a file."))
        elif not form.upload.errors:
            result = questions_from_gift(text, source, form.language.data)
            if request.form.get("action") == "save" and result.questions:
                for question in result.questions:
                    services.upsert_question(source, None, question)
                services.save(draft, source, current_user)
                db.session.commit()
                flash(_("%(n)s questions added to the draft.", n=len(result.questions)), "success")
                return redirect(url_for("authoring.module", slug=slug) + "#questions")
            form.text.data = text
    from learnapp.authoring.gift_import import types_not_in_gift

    return render_template(
        "authoring/gift.html",
        module=module,
        source=source,
        form=form,
        result=result,
        not_in_gift=types_not_in_gift(),
    )


@bp.route("/images", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def images():
    from learnapp.authoring.images import ImageRefused, store_upload

    form = ImageForm()
    stored = None
    if form.validate_on_submit():
        if not form.image.data:
            form.image.errors.append(_("Choose a picture."))
        else:
            try:
                stored = store_upload(form.image.data, _media_dir(), current_user)
            except ImageRefused as exc:
                form.image.errors.append(str(exc))
            else:
                db.session.commit()
    return render_template("authoring/images.html", form=form, stored=stored)


@bp.post("/m/<slug>/lessons/<lesson_slug>/audio/<lang>", defaults={"action": "upload"})
@bp.post("/m/<slug>/lessons/<lesson_slug>/audio/<lang>/remove", defaults={"action": "remove"})
@roles_required(*AUTHORS)
def lesson_audio(slug: str, lesson_slug: str, lang: str, action: str):
    """Upload or remove the lesson's recording in one language, in the draft."""
    from learnapp.authoring import audio

    if lang not in LANGUAGES:
        abort(404)
    module, draft = _module_and_draft(slug)
    source = services.load(draft)
    lesson = next((x for x in source.lessons if x.slug == lesson_slug), None)
    form = AudioForm() if action == "upload" else ButtonForm()
    if lesson is None or not form.validate_on_submit():
        db.session.rollback()  # not even the draft a first save would start
        abort(404 if lesson is None else 400)
    back = url_for("authoring.lesson", slug=slug, lesson_slug=lesson_slug) + "#audio"
    try:
        if action == "upload":
            audio.attach(lesson, lang, form.audio.data, _media_dir())
        elif not audio.remove(lesson, lang):
            db.session.rollback()
            return redirect(back)
    except audio.AudioRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    services.save(draft, source, current_user)
    db.session.commit()
    if action == "upload":
        flash(_("Recording saved in the draft: learners hear it once you publish."), "success")
    else:
        flash(_("Recording removed from the draft."), "success")
    return redirect(back)


@bp.get("/m/<slug>/stats")
@roles_required(*AUTHORS)
def stats(slug: str):
    from learnapp.quiz import statistics as stats_queries

    module = services.module_by_slug(slug)
    if module is None or module.quiz is None:
        abort(404)
    language = content_language()
    questions = {q.id: q for q in module.quiz.questions}
    min_answers = site_settings.stats_min_answers()
    return render_template(
        "authoring/stats.html",
        module=module,
        rows=stats_queries.question_stats(module.quiz.id, min_answers),
        summary=stats_queries.module_stats(module.quiz.id),
        min_answers=min_answers,
        questions=questions,
        language=language,
        source=source_from_db(module),
    )


@bp.app_context_processor
def _authoring_nav() -> dict:
    return {
        "can_author": current_user.is_authenticated
        and current_user.has_role(*AUTHORS)
        and services.may_author(current_user)
    }
