"""The area tree: closure rows at any depth, subtrees, moves, one query for "everything under"."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from learnapp import db
from learnapp.errors import DomainError
from learnapp.models import Area, AreaClosure, User
from learnapp.org.scope import ancestors, area_in_scope, is_under, subtree_ids
from learnapp.org.services import create_area, move_area


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def closure() -> set[tuple[int, int, int]]:
    rows = db.session.execute(
        select(AreaClosure.ancestor_id, AreaClosure.descendant_id, AreaClosure.distance)
    )
    return {tuple(row) for row in rows}


def closure_from_parents() -> set[tuple[int, int, int]]:
    """What the closure table must hold, worked out the slow way from parent links."""
    parent = dict(db.session.execute(select(Area.id, Area.parent_id)).all())
    expected = set()
    for area_id in parent:
        ancestor, distance = area_id, 0
        while ancestor is not None:
            expected.add((ancestor, area_id, distance))
            ancestor, distance = parent[ancestor], distance + 1
    return expected


def under(area: Area) -> set[int]:
    return set(db.session.scalars(subtree_ids(area.id)))


def depths() -> dict[int, int]:
    """Each area's depth as stored, to compare with its number of ancestors."""
    return dict(db.session.execute(select(Area.id, Area.depth)).all())


def depths_from_parents() -> dict[int, int]:
    return {
        descendant: max(d for _, desc, d in closure_from_parents() if desc == descendant)
        for descendant in depths()
    }


@pytest.fixture
def tree(ctx):
    """Tuyên Quang with two districts, and a province reorganised without districts."""
    a = {}
    a["province"] = create_area("Tuyên Quang", "province")
    a["son_duong"] = create_area("Sơn Dương", "district", a["province"])
    a["khang_nhat"] = create_area("Kháng Nhật", "commune", a["son_duong"])
    a["lem"] = create_area("Lềm", "village", a["khang_nhat"])
    a["tan_lap"] = create_area("Tân Lập", "village", a["khang_nhat"])
    a["son_nam"] = create_area("Sơn Nam", "commune", a["son_duong"])
    a["thac_nong"] = create_area("Thác Nông", "village", a["son_nam"])
    a["yen_son"] = create_area("Yên Sơn", "district", a["province"])
    a["tu_quan"] = create_area("Tứ Quận", "commune", a["yen_son"])
    a["cay_nhan"] = create_area("Cây Nhãn", "village", a["tu_quan"])
    a["reformed"] = create_area("Tỉnh Mới", "province")
    a["new_commune"] = create_area("Xã Mới", "commune", a["reformed"])
    a["new_village"] = create_area("Thôn Mới", "village", a["new_commune"])
    return a


def test_does_create_area_link_a_village_to_every_level_above_it(tree):
    lem = tree["lem"]
    rows = {(anc, dist) for anc, desc, dist in closure() if desc == lem.id}
    assert rows == {
        (lem.id, 0),
        (tree["khang_nhat"].id, 1),
        (tree["son_duong"].id, 2),
        (tree["province"].id, 3),
    }
    assert [a.name for a in ancestors(lem)] == ["Tuyên Quang", "Sơn Dương", "Kháng Nhật"]
    assert lem.depth == 3


def test_does_create_area_work_without_a_district_level(tree):
    village = tree["new_village"]
    rows = {(anc, dist) for anc, desc, dist in closure() if desc == village.id}
    assert rows == {(village.id, 0), (tree["new_commune"].id, 1), (tree["reformed"].id, 2)}
    assert village.depth == 2


def test_is_the_whole_closure_table_exactly_what_the_parent_links_imply(tree):
    assert closure() == closure_from_parents()
    assert depths() == depths_from_parents()


def test_can_the_tree_go_deeper_than_four_levels(ctx):
    area = create_area("Tỉnh", "province")
    chain = [area]
    for n in range(7):
        area = create_area(f"Cấp {n}", "village", area)
        chain.append(area)
    assert closure() == closure_from_parents()
    assert under(chain[0]) == {a.id for a in chain}
    assert chain[-1].depth == 7


def test_is_an_unknown_level_refused(ctx):
    with pytest.raises(DomainError):
        create_area("Somewhere", "galaxy")
    assert closure() == set()


def test_does_subtree_ids_return_exactly_the_subtree(tree):
    ids = {name: area.id for name, area in tree.items()}
    assert under(tree["son_duong"]) == {
        ids[n] for n in ("son_duong", "khang_nhat", "lem", "tan_lap", "son_nam", "thac_nong")
    }
    assert under(tree["khang_nhat"]) == {ids["khang_nhat"], ids["lem"], ids["tan_lap"]}
    assert under(tree["lem"]) == {ids["lem"]}
    assert under(tree["province"]) == {
        ids[n] for n in ids if n not in ("reformed", "new_commune", "new_village")
    }
    assert under(tree["reformed"]) == {ids["reformed"], ids["new_commune"], ids["new_village"]}


def test_does_moving_a_village_to_another_commune_rewrite_its_closure_rows(tree):
    lem = tree["lem"]
    move_area(lem, tree["tu_quan"])
    assert closure() == closure_from_parents()
    assert lem.parent_id == tree["tu_quan"].id
    assert {(anc, dist) for anc, desc, dist in closure() if desc == lem.id} == {
        (lem.id, 0),
        (tree["tu_quan"].id, 1),
        (tree["yen_son"].id, 2),
        (tree["province"].id, 3),
    }
    assert lem.id not in under(tree["khang_nhat"])
    assert lem.id not in under(tree["son_duong"])
    assert lem.id in under(tree["yen_son"])
    assert lem.depth == 3


def test_does_moving_a_commune_carry_its_villages_and_fix_their_depths(tree):
    # The 2025 reform: a commune hangs straight under a province.
    commune = tree["khang_nhat"]
    move_area(commune, tree["reformed"])
    assert closure() == closure_from_parents()
    assert depths() == depths_from_parents()
    assert under(tree["reformed"]) >= {commune.id, tree["lem"].id, tree["tan_lap"].id}
    assert not under(tree["province"]) & {commune.id, tree["lem"].id, tree["tan_lap"].id}
    assert (commune.depth, tree["lem"].depth) == (1, 2)


def test_is_an_area_refused_as_its_own_parent_or_under_its_own_subtree(tree):
    before = closure()
    for area, new_parent in [
        (tree["khang_nhat"], tree["khang_nhat"]),
        (tree["khang_nhat"], tree["lem"]),
        (tree["province"], tree["thac_nong"]),
    ]:
        with pytest.raises(DomainError):
            move_area(area, new_parent)
    assert closure() == before
    assert tree["khang_nhat"].parent_id == tree["son_duong"].id


def test_does_is_under_agree_with_the_tree(tree):
    assert is_under(tree["lem"].id, tree["son_duong"].id)
    assert not is_under(tree["lem"].id, tree["yen_son"].id)
    assert not is_under(tree["son_duong"].id, tree["lem"].id)


def _statements(app):
    """Record the SQL statements the app's engine sends from here on."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.strip())

    engine = db.engine_of(app)
    event.listen(engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(engine, "before_cursor_execute", before)


def test_is_everything_under_a_district_one_select_however_deep(ctx, tree):
    village = tree["lem"]
    for depth in range(5):  # make the tree deeper than the question
        village = create_area(f"Tổ {depth}", "village", village)
    for n, area in enumerate([tree["lem"], village, tree["cay_nhan"], tree["thac_nong"]]):
        db.session.add(User(username=f"p{n}", full_name=f"P {n}", password_hash="x", area=area))
    db.session.flush()

    seen, stop = _statements(ctx)
    try:
        people = db.session.scalars(
            select(User.username).where(User.area_id.in_(subtree_ids(tree["son_duong"].id)))
        ).all()
    finally:
        stop()
    assert sorted(people) == ["p0", "p1", "p3"]
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "SAVEPOINT"))]
    assert len(queries) == 1
    assert queries[0].upper().startswith("SELECT")


def test_is_the_scope_check_one_select_too(ctx, tree):
    from learnapp.models import Role, RoleGrant

    viewer = User(username="viewer", full_name="V", password_hash="x", area=tree["son_duong"])
    viewer.grants.append(RoleGrant(role=Role.COMMITTEE, area=tree["son_duong"]))
    db.session.add(viewer)
    db.session.flush()

    seen, stop = _statements(ctx)
    try:
        inside = area_in_scope(viewer, Role.COMMITTEE, tree["thac_nong"].id)
        outside = area_in_scope(viewer, Role.COMMITTEE, tree["cay_nhan"].id)
    finally:
        stop()
    assert (inside, outside) == (True, False)
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "SAVEPOINT"))]
    assert len(queries) == 2
