"""Committee reports: dashboard by area, drill-down to one learner, exports, call list."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnapp import db
from learnapp.content.published import published_modules
from learnapp.i18n import content_language
from learnapp.learn import services as learn_services
from learnapp.models import (
    Area,
    AttemptStatus,
    Certificate,
    LessonProgress,
    Module,
    Quiz,
    QuizAttempt,
    Role,
)
from learnapp.models.base import vietnam_today
from learnapp.name_search import ascii_slug
from learnapp.org.scope import ancestors
from learnapp.paging import page_arg
from learnapp.reports import exports, jobs, services
from learnapp.reports.forms import STATUS_LABELS, FilterForm
from learnapp.reports.queries import Filters
from learnapp.security import load_area, load_person, roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


def _filter_form(modules: list[Module]) -> tuple[FilterForm, Filters]:
    form = FilterForm(request.args)
    form.module.choices = [("", _("All modules"))] + [
        (m.slug, m.text(content_language()).title) for m in modules
    ]
    if request.args and not form.validate():
        flash(_("Some filters were not understood and were ignored."), "error")
        form = FilterForm(formdata=None)
        form.module.choices = [("", _("All modules"))] + [
            (m.slug, m.text(content_language()).title) for m in modules
        ]
    module_id = next((m.id for m in modules if m.slug == form.module.data), None)
    return form, Filters(
        module_id=module_id, status=form.status.data or None, search=(form.q.data or "").strip()
    )


def _breadcrumbs(area: Area) -> list[Area]:
    """The path down to the area, starting at the highest area the viewer may open."""
    chain = [*ancestors(area), area]
    # An area is in scope when a granted area lies on its own path from the root, and
    # that path is a prefix of this chain: the first granted area found opens the rest,
    # with no query per level.
    granted = set(current_user.scopes(Role.COMMITTEE))
    for depth, step in enumerate(chain):
        if step.id in granted:
            return chain[depth:]
    return []


@bp.get("/")
@roles_required(Role.COMMITTEE)
def index():
    scopes = current_user.scopes(Role.COMMITTEE)
    if len(scopes) == 1:
        return redirect(url_for("reports.area", area_id=scopes[0]))
    areas = db.session.scalars(select(Area).where(Area.id.in_(scopes)).order_by(Area.name)).all()
    return render_template("reports/index.html", areas=areas)


@bp.get("/areas/<int:area_id>")
@roles_required(Role.COMMITTEE)
def area(area_id: int):
    area = load_area(area_id, Role.COMMITTEE)
    modules = published_modules()
    form, filters = _filter_form(modules)
    today = vietnam_today()
    data = services.dashboard(
        area,
        filters,
        today,
        page=form.page.data or 1,
        sort=form.sort.data or "name",
        descending=form.dir.data == "desc",
        area_sort=form.asort.data or "name",
        area_descending=form.adir.data == "desc",
    )
    return render_template(
        "reports/area.html",
        data=data,
        area=area,
        form=form,
        breadcrumbs=_breadcrumbs(area),
        breakdown=(
            services.module_breakdown(area, today, modules) if filters.module_id is None else []
        ),
        # Translated once here rather than once per row of the learner table.
        status_labels={status: str(label) for status, label in STATUS_LABELS.items()},
        language=content_language(),
        args={k: v for k, v in request.args.items() if v},
    )


def _learner_headers() -> list[str]:
    return [
        _("Name"),
        _("Username"),
        _("Phone"),
        _("Village"),
        _("Status"),
        _("Required modules"),
        _("Required completed"),
        _("Optional completed"),
        _("Certificates"),
        _("Best score (%)"),
        _("Overdue modules"),
        _("Last active (Vietnam time, UTC+7)"),
    ]


def _area_headers() -> list[str]:
    return [
        _("Area"),
        _("Learners"),
        _("Completed"),
        _("Completion (%)"),
        _("Average best score (%)"),
        _("Overdue"),
    ]


def _module_headers() -> list[str]:
    return [
        _("Module"),
        _("Required for"),
        _("Completed"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
    ]


@bp.route(
    "/areas/<int:area_id>/<any(learners,'sub-areas',modules):table>.<any(csv,xlsx):fmt>",
    methods=["GET", "POST"],
)
@roles_required(Role.COMMITTEE)
def export(area_id: int, table: str, fmt: str):
    """POST queues the file and sends the member to a page that offers it when ready; a
    GET (an old link or a bookmark) only asks, since making a file writes a job row."""
    return _queue_export(load_area(area_id, Role.COMMITTEE), table, fmt)


def _queue_export(area: Area, table: str, fmt: str):
    if request.method != "POST":
        return render_template("reports/export_ask.html", area=area)
    job_id = jobs.request_export(
        current_user,
        area.id,
        table,
        fmt,
        request.query_string.decode("utf-8", "replace"),
        str(get_locale()),
    )
    return redirect(url_for("reports.export_status", job_id=job_id), 303)


@bp.get("/exports/<int:job_id>")
@roles_required(Role.COMMITTEE)
def export_status(job_id: int):
    job = jobs.owned_job(job_id, current_user)
    if job is None:
        abort(404)
    return render_template("reports/export_status.html", job=job)


@bp.get("/exports/<int:job_id>/file")
@roles_required(Role.COMMITTEE)
def export_download(job_id: int):
    job = jobs.owned_job(job_id, current_user)
    if job is None or job.status != "ready" or job.data is None:
        abort(404)
    return Response(
        job.data,
        mimetype=job.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{job.filename}"'},
    )


def export_file(area_id: int, table: str, fmt: str):
    """The file itself, built in the export job as the member who asked."""
    area = load_area(area_id, Role.COMMITTEE)
    if table == "overdue":
        return _overdue_file(area, fmt)
    modules = published_modules()
    form, filters = _filter_form(modules)
    today = vietnam_today()
    name = f"{table}-{ascii_slug(area.name)}-{today.isoformat()}"
    if table == "modules":
        language = content_language()
        return exports.respond(
            fmt,
            name,
            _module_headers(),
            (
                [
                    module.text(language).title,
                    row.required,
                    row.completed,
                    row.in_progress,
                    row.not_started,
                    row.overdue,
                ]
                for module, row in services.module_breakdown(area, today)
            ),
        )
    if table == "sub-areas":
        rows = services.sub_area_rows(
            area, filters.module_id, form.asort.data or "name", form.adir.data == "desc"
        )
        return exports.respond(
            fmt,
            name,
            _area_headers(),
            (
                [
                    r.name,
                    r.learners,
                    r.completed,
                    r.completion if r.completion is not None else _("nothing required"),
                    r.average_best,
                    r.overdue,
                ]
                for r in rows
            ),
        )
    rows = services.all_learner_rows(
        area, filters, today, form.sort.data or "name", form.dir.data == "desc"
    )
    return exports.respond(
        fmt,
        name,
        _learner_headers(),
        (
            [
                r.full_name,
                r.username,
                r.phone,
                r.village,
                str(STATUS_LABELS[r.status]),
                r.required,
                r.required_done,
                r.optional_done,
                r.certs,
                round(r.best) if r.best is not None else None,
                r.overdue,
                r.last_active_at,
            ]
            for r in rows
        ),
    )


@bp.get("/areas/<int:area_id>/overdue")
@bp.route("/areas/<int:area_id>/overdue.<any(csv,xlsx):fmt>", methods=["GET", "POST"])
@roles_required(Role.COMMITTEE)
def overdue(area_id: int, fmt: str | None = None):
    area = load_area(area_id, Role.COMMITTEE)
    today = vietnam_today()
    if fmt:
        return _queue_export(area, "overdue", fmt)
    titles = {m.id: m.text(content_language()).title for m in published_modules()}
    rows, page, pages = services.overdue_page(area, today, page_arg())
    return render_template(
        "reports/overdue.html",
        area=area,
        rows=rows,
        page=page,
        pages=pages,
        titles=titles,
        today=today,
        breadcrumbs=_breadcrumbs(area),
    )


def _overdue_file(area: Area, fmt: str):
    today = vietnam_today()
    titles = {m.id: m.text(content_language()).title for m in published_modules()}
    rows = services.overdue_rows(area, today)
    return exports.respond(
        fmt,
        f"overdue-{ascii_slug(area.name)}-{today.isoformat()}",
        [
            _("Name"),
            _("Phone"),
            _("Village"),
            _("Module"),
            _("Due"),
            _("Lessons done"),
            _("Lessons in the module"),
            _("Quiz passed"),
        ],
        (
            [
                r.full_name,
                r.phone,
                r.village,
                titles.get(r.module_id, ""),
                r.due_on,
                r.lessons_done,
                r.lessons_total,
                _("yes") if r.quiz_passed else _("no"),
            ]
            for r in rows
        ),
    )


@bp.get("/people/<int:user_id>")
@roles_required(Role.COMMITTEE)
def person(user_id: int):
    person = load_person(user_id, Role.COMMITTEE)
    modules = published_modules()
    states = learn_services.module_states(person, modules)
    done = dict(
        db.session.execute(
            select(LessonProgress.lesson_id, LessonProgress.completed_at).where(
                LessonProgress.user_id == person.id
            )
        ).all()
    )
    attempts = db.session.execute(
        select(QuizAttempt, Quiz.module_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == person.id, QuizAttempt.status == AttemptStatus.SUBMITTED)
        .order_by(QuizAttempt.submitted_at.desc())
    ).all()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == person.id)
    ).all()
    if person.area is None:
        abort(404)
    today = vietnam_today()
    return render_template(
        "reports/person.html",
        person=person,
        status=services.learner_status(person, today),
        status_labels=STATUS_LABELS,
        states=states,
        done=done,
        attempts=attempts,
        certificates=certificates,
        titles=_titles({module_id for _attempt, module_id in attempts}, modules),
        breadcrumbs=_breadcrumbs(person.area),
        language=content_language(),
        today=today,
    )


def _titles(module_ids: set[int], published: list[Module]) -> dict[int, str]:
    """Module titles for a learner's history, archived modules included."""
    language = content_language()
    titles = {m.id: m.text(language).title for m in published}
    missing = module_ids - set(titles)
    if missing:
        for module in db.session.scalars(select(Module).where(Module.id.in_(missing))):
            titles[module.id] = _("%(title)s (archived)", title=module.text(language).title)
    return titles


@bp.app_context_processor
def _report_nav() -> dict:
    return {"can_report": current_user.is_authenticated and current_user.has_role(Role.COMMITTEE)}
