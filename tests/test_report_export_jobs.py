"""Report exports made as background jobs: one job per request, the same file as the
export code makes for the member, only for the member who asked, gone after a day."""

from __future__ import annotations

import re
from datetime import timedelta

from flask_login import login_user
from sqlalchemy import func, select

from learnapp import daily, db
from learnapp.models.base import utcnow
from learnapp.reports import views
from learnapp.reports.models import ExportJob
from tests.reports_support import read_csv, the_area, the_user


def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ExportJob))


def post_export(client, url: str):
    """Press a download button: a POST with the token of the page that shows it."""
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(url, data={"csrf_token": token})


def ask(client, url: str) -> str:
    response = post_export(client, url)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.search(r"/reports/exports/\d+$", location)
    return location


def test_does_an_export_request_make_one_job_and_offer_the_same_file(demo, client, auth):
    with demo.app_context():
        kn = the_area("Kháng Nhật").id
    auth.sign_in("committee")
    before = job_count(demo)
    status_url = ask(client, f"/reports/areas/{kn}/learners.csv?sort=name&dir=desc")
    assert job_count(demo) == before + 1
    page = client.get(status_url).get_data(as_text=True)
    assert "http-equiv" not in page  # ready: nothing left to wait for
    assert f"{status_url}/file" in page
    download = client.get(f"{status_url}/file")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert 'filename="learners-' in download.headers["Content-Disposition"]
    # The export code run directly as the same member gives the very same bytes.
    with demo.test_request_context(
        f"/reports/areas/{kn}/learners.csv", query_string="sort=name&dir=desc"
    ):
        login_user(the_user("committee"))
        direct = views.export_file(kn, "learners", "csv").get_data()
    assert download.get_data() == direct
    assert len(read_csv(download)) > 1


def test_is_another_members_file_refused(demo, client, auth):
    with demo.app_context():
        kn = the_area("Kháng Nhật").id
    auth.sign_in("committee")
    status_url = ask(client, f"/reports/areas/{kn}/learners.xlsx")
    assert client.get(f"{status_url}/file").status_code == 200
    auth.sign_out()
    auth.sign_in("admin")  # the province committee: sees Kháng Nhật, but did not ask
    assert client.get(status_url).status_code == 404
    assert client.get(f"{status_url}/file").status_code == 404


def test_does_an_export_of_another_area_make_no_job(demo, client, auth):
    with demo.app_context():
        tu_quan = the_area("Tứ Quận").id
    auth.sign_in("committee")
    before = job_count(demo)
    assert client.get(f"/reports/areas/{tu_quan}/learners.csv").status_code == 404
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(f"/reports/areas/{kn_of(demo)}").text
    ).group(1)
    response = client.post(f"/reports/areas/{tu_quan}/learners.csv", data={"csrf_token": token})
    assert response.status_code == 404
    assert job_count(demo) == before


def kn_of(app) -> int:
    with app.app_context():
        return the_area("Kháng Nhật").id


def test_does_asking_for_a_file_by_get_only_ask(demo, client, auth):
    """A GET (an old link, a bookmark, a browser's prefetch) makes no job: the page asks
    with a button, and a POST without the token is refused."""
    kn = kn_of(demo)
    auth.sign_in("committee")
    before = job_count(demo)
    page = client.get(f"/reports/areas/{kn}/learners.csv?sort=name")
    assert page.status_code == 200
    assert f'action="/reports/areas/{kn}/learners.csv?sort=name"' in page.text
    assert job_count(demo) == before
    assert client.post(f"/reports/areas/{kn}/learners.csv").status_code == 400
    assert job_count(demo) == before


def test_does_a_job_whose_member_lost_the_area_make_no_file(demo, client, auth):
    """Scope is checked again when the file is made, not only when it was asked for."""
    from learnapp.reports import jobs

    with demo.app_context():
        tu_quan = the_area("Tứ Quận").id
        job = ExportJob(
            user_id=the_user("committee").id, area_id=tu_quan, table="learners", fmt="csv"
        )
        db.session.add(job)
        db.session.commit()
        jobs.run_job(job.id)
        job = db.session.get(ExportJob, job.id)
        assert (job.status, job.data) == ("failed", None)


def test_does_a_waiting_job_page_refresh_itself(demo, client, auth):
    with demo.app_context():
        job = ExportJob(
            user_id=the_user("committee").id,
            area_id=the_area("Kháng Nhật").id,
            table="learners",
            fmt="csv",
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    auth.sign_in("committee")
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert client.get(f"/reports/exports/{job_id}/file").status_code == 404


def test_is_a_file_older_than_a_day_gone(demo, client, auth):
    with demo.app_context():
        kn = the_area("Kháng Nhật").id
    auth.sign_in("committee")
    status_url = ask(client, f"/reports/areas/{kn}/sub-areas.csv")
    job_id = int(status_url.rsplit("/", 1)[1])
    with demo.app_context():
        db.session.get(ExportJob, job_id).created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    assert client.get(status_url).status_code == 404
    assert client.get(f"{status_url}/file").status_code == 404
    with demo.app_context():
        daily.run()
        db.session.commit()
        assert db.session.get(ExportJob, job_id) is None


def test_does_the_consumers_entry_point_load_the_export_task_and_the_sender():
    """The worker's systemd unit runs `huey_consumer learnapp.tasks.huey`: both must be
    registered on that one queue, or exports would wait for ever."""
    from learnapp import tasks
    from learnapp.notify import worker

    assert tasks.huey is worker.huey
    names = set(tasks.huey._registry._registry)
    assert any(name.endswith("build_export") for name in names), names
    assert any(name.endswith("send_notifications") for name in names), names


def test_does_a_job_that_crashes_say_so_instead_of_waiting_for_ever(
    demo, client, auth, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(views, "export_file", broken)
    with demo.app_context():
        kn = the_area("Kháng Nhật").id
    auth.sign_in("committee")
    response = post_export(client, f"/reports/areas/{kn}/learners.csv")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert client.get(response.headers["Location"] + "/file").status_code == 404
