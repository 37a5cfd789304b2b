"""Admin areas: the tree in scope, add, rename, move (source and destination checked), cards."""

from __future__ import annotations

import segno
from sqlalchemy import select

from learnapp import db
from learnapp.models import Area, AreaClosure, Role
from learnapp.org.scope import area_in_scope
from tests.admin_support import (
    PASSWORD,
    area_id,
    audit_actions,
    make_admin,
    person,
    row_counts,
    send,
    text,
    user_id,
)

EN = {"Accept-Language": "en"}


def parent_of(app, area: int) -> str:
    with app.app_context():
        return db.session.get(Area, area).parent.name


def ancestors_of(app, area: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Area.name)
                .join(AreaClosure, AreaClosure.ancestor_id == Area.id)
                .where(AreaClosure.descendant_id == area, AreaClosure.distance > 0)
            )
        )


def test_does_the_tree_show_only_the_admins_areas_with_their_levels(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    page = text(client.get("/admin/areas", headers=EN))
    assert "Kháng Nhật" in page and "Lềm" in page and "Đồng Tâm" in page
    assert "Village" in page and "1 person" in page
    for outside in ("Tứ Quận", "Cây Nhãn", "Sơn Dương", "Tuyên Quang", "Sơn Nam"):
        assert outside not in page


def test_does_the_province_admin_see_the_whole_tree_in_order(demo, client, auth):
    auth.sign_in("admin")
    page = text(client.get("/admin/areas"))
    assert page.index("Tuyên Quang") < page.index("Sơn Dương") < page.index("Kháng Nhật")
    assert page.index("Kháng Nhật") < page.index("Lềm") < page.index("Sơn Nam")


def test_can_an_admin_add_a_village_under_a_commune_of_their_scope(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    commune = area_id(demo, "Kháng Nhật")
    response = send(
        client, f"/admin/areas/{commune}/children", {"name": "  Bản  Mới ", "level": "village"}
    )
    assert response.status_code == 302
    new = area_id(demo, "Bản Mới")
    assert ancestors_of(demo, new) == {"Kháng Nhật", "Sơn Dương", "Tuyên Quang"}
    assert ("area_create", "village Bản Mới in Kháng Nhật") in audit_actions(demo, "area_create")
    # It is in the admin's scope at once: they can open it and put people in it.
    assert client.get(f"/admin/areas/{new}").status_code == 200


def test_is_a_bad_new_area_refused_with_a_message(demo, client, auth):
    auth.sign_in("admin")
    commune = area_id(demo, "Kháng Nhật")
    village = area_id(demo, "Lềm")
    before = row_counts(demo)
    cases = [
        (commune, {"name": "", "level": "village"}, "Enter the area&#39;s name."),
        (commune, {"name": "Lềm", "level": "village"}, "already an area with this name"),
        (commune, {"name": "lềm", "level": "village"}, "already an area with this name"),
        (commune, {"name": "X", "level": "district"}, "under an area of a higher level"),
        (commune, {"name": "X", "level": "hamlet"}, "Choose a level from the list."),
        (commune, {"name": "X" * 121, "level": "village"}, "at most 120 characters"),
    ]
    for parent, form, message in cases:
        response = send(client, f"/admin/areas/{parent}/children", form)
        assert response.status_code == 200
        assert message.replace("&#39;", "'") in text(response), form
    # A village holds no areas: the page offers no form, and a post is refused.
    assert "/children" not in text(client.get(f"/admin/areas/{village}"))
    response = send(client, f"/admin/areas/{village}/children", {"name": "X", "level": "village"})
    assert "under an area of a higher level" in text(response)
    assert row_counts(demo) == before


def test_is_a_rename_saved_and_recorded_and_a_clash_refused(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    response = send(client, f"/admin/areas/{lem}/rename", {"name": "Lềm Mới"})
    assert response.status_code == 302
    assert ("area_rename", "Lềm -> Lềm Mới") in audit_actions(demo, "area_rename")
    response = send(client, f"/admin/areas/{lem}/rename", {"name": "Tân Lập"})
    assert "already an area with this name" in text(response)
    assert area_id(demo, "Lềm Mới") == lem


def test_does_moving_a_village_take_its_people_and_history_along(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    tu_thinh = area_id(demo, "Tú Thịnh")
    learner = user_id(demo, "learner")
    response = send(client, f"/admin/areas/{lem}/move", {"parent_id": tu_thinh})
    assert response.status_code == 302
    assert parent_of(demo, lem) == "Tú Thịnh"
    assert ancestors_of(demo, lem) == {"Tú Thịnh", "Sơn Dương", "Tuyên Quang"}
    assert person(demo, "learner")["area"] == "Lềm"
    assert ("area_move", "Lềm: Kháng Nhật -> Tú Thịnh") in audit_actions(demo, "area_move")
    # The learner now belongs to Tú Thịnh's scope and no longer to Kháng Nhật's.
    with demo.app_context():
        from learnapp.models import User

        committee = db.session.scalar(select(User).where(User.username == "committee"))
        assert not area_in_scope(committee, Role.COMMITTEE, lem)
    make_admin(demo, "tt-admin", "Tú Thịnh")
    auth.sign_out()
    auth.sign_in("tt-admin")
    assert client.get(f"/admin/people/{learner}").status_code == 200


def test_is_a_move_to_a_destination_outside_the_scope_refused(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    lem = area_id(demo, "Lềm")
    before = row_counts(demo)
    for outside in ("Tứ Quận", "Tú Thịnh", "Sơn Dương"):
        response = send(client, f"/admin/areas/{lem}/move", {"parent_id": area_id(demo, outside)})
        assert response.status_code == 200
        assert "This area is not one you manage." in text(response), outside
    assert parent_of(demo, lem) == "Kháng Nhật"
    assert row_counts(demo) == before
    # The page offers only the admin's own places to move to.
    form = text(client.get(f"/admin/areas/{lem}"))
    assert "Tứ Quận" not in form


def grant_admin(app, username: str, area: int) -> None:
    """One more admin grant for an existing account."""
    from learnapp.models import RoleGrant

    with app.app_context():
        db.session.add(RoleGrant(user_id=user_id(app, username), role=Role.ADMIN, area_id=area))
        db.session.commit()


def test_can_an_admin_of_a_village_alone_not_pull_it_out_of_its_commune(demo, client, auth):
    """Grants on Tú Thịnh and on Lềm (in Kháng Nhật) do not reach Kháng Nhật itself."""
    make_admin(demo, "tt-admin", "Tú Thịnh")
    lem = area_id(demo, "Lềm")
    grant_admin(demo, "tt-admin", lem)
    auth.sign_in("tt-admin")
    before = row_counts(demo)
    # The page offers no move...
    assert "/move" not in text(client.get(f"/admin/areas/{lem}", headers=EN))
    # ...and a hand-made post is refused, with a message, changing nothing.
    response = send(client, f"/admin/areas/{lem}/move", {"parent_id": area_id(demo, "Tú Thịnh")})
    assert response.status_code == 200
    assert "only an administrator of that place can move it out" in text(response)
    assert parent_of(demo, lem) == "Kháng Nhật"
    assert ancestors_of(demo, lem) == {"Kháng Nhật", "Sơn Dương", "Tuyên Quang"}
    assert row_counts(demo) == before


def test_is_a_move_recorded_where_the_admins_of_both_old_and_new_parent_see_it(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    send(client, f"/admin/areas/{lem}/move", {"parent_id": area_id(demo, "Tú Thịnh")})
    auth.sign_out()
    make_admin(demo, "kn-admin", "Kháng Nhật")
    make_admin(demo, "tt-admin", "Tú Thịnh")
    for admin in ("kn-admin", "tt-admin"):
        auth.sign_in(admin)
        page = text(client.get("/admin/audit?action=area_move", headers=EN))
        assert "Lềm: Kháng Nhật -&gt; Tú Thịnh" in page, admin
        assert "1 event" in page, admin
        auth.sign_out()
    # An admin of neither place sees nothing of it.
    make_admin(demo, "tq-admin", "Tứ Quận")
    auth.sign_in("tq-admin")
    assert "No event matches." in text(client.get("/admin/audit?action=area_move", headers=EN))


def test_is_a_move_of_an_area_outside_the_scope_a_404(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    cay_nhan = area_id(demo, "Cây Nhãn")
    kn = area_id(demo, "Kháng Nhật")
    before = row_counts(demo)
    assert send(client, f"/admin/areas/{cay_nhan}/move", {"parent_id": kn}).status_code == 404
    assert parent_of(demo, cay_nhan) == "Tứ Quận"
    tu_quan = area_id(demo, "Tứ Quận")
    assert client.get(f"/admin/areas/{tu_quan}").status_code == 404
    assert client.get(f"/admin/areas/{cay_nhan}/cards").status_code == 404
    assert send(client, f"/admin/areas/{tu_quan}/rename", {"name": "X"}).status_code == 404
    response = send(client, f"/admin/areas/{tu_quan}/children", {"name": "X", "level": "village"})
    assert response.status_code == 404
    assert row_counts(demo) == before


def test_can_an_area_not_move_under_itself_or_a_lower_level(demo, client, auth):
    auth.sign_in("admin")
    son_duong = area_id(demo, "Sơn Dương")
    kn = area_id(demo, "Kháng Nhật")
    lem = area_id(demo, "Lềm")
    response = send(client, f"/admin/areas/{son_duong}/move", {"parent_id": kn})
    assert "cannot be moved under itself" in text(response)
    response = send(client, f"/admin/areas/{kn}/move", {"parent_id": kn})
    assert "cannot be moved under itself" in text(response)
    tan_lap = area_id(demo, "Tân Lập", parent="Kháng Nhật")
    response = send(client, f"/admin/areas/{lem}/move", {"parent_id": tan_lap})
    assert "under an area of a higher level" in text(response)
    # Tân Lập already exists in Tứ Quận: two villages of one name in a commune would be
    # impossible to tell apart in an import.
    response = send(client, f"/admin/areas/{tan_lap}/move", {"parent_id": area_id(demo, "Tứ Quận")})
    assert "already an area with this name" in text(response)
    assert parent_of(demo, kn) == "Sơn Dương" and parent_of(demo, lem) == "Kháng Nhật"


def test_is_a_move_refused_without_a_csrf_token(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    response = client.post(
        f"/admin/areas/{lem}/move", data={"parent_id": area_id(demo, "Tú Thịnh")}
    )
    assert response.status_code == 400
    assert parent_of(demo, lem) == "Kháng Nhật"


# --- sign-in cards -----------------------------------------------------------------------


def test_do_the_sign_in_cards_carry_name_username_and_qr_but_no_password(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    response = client.get(f"/admin/areas/{lem}/cards", headers=EN)
    assert response.status_code == 200
    page = text(response)
    assert "Hoàng Văn An" in page and ">learner<" in page
    url = "http://localhost/sign-in?u=learner"
    assert segno.make(url, error="m").svg_data_uri(scale=3, border=2) in page
    cards = page.split('<div class="signin-cards">', 1)[1]
    assert "password" not in cards.lower() and PASSWORD not in page
    # Nobody of another village is on the cards.
    assert "Ma Thị Bình" not in page
    # The QR code's link really opens the sign-in page with the username filled in.
    auth.sign_out()
    form = text(client.get("/sign-in?u=learner"))
    assert 'value="learner"' in form


def test_are_cards_only_for_villages(demo, client, auth):
    auth.sign_in("admin")
    assert client.get(f"/admin/areas/{area_id(demo, 'Kháng Nhật')}/cards").status_code == 404


def test_do_deactivated_people_get_no_card(demo, client, auth):
    auth.sign_in("admin")
    send(client, f"/admin/people/{user_id(demo, 'learner')}/deactivate")
    page = text(client.get(f"/admin/areas/{area_id(demo, 'Lềm')}/cards", headers=EN))
    assert 'class="signin-card"' not in page and "No active learner" in page
