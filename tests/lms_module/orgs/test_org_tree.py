"""The org tree: placement rules, materialized paths, subtree queries."""

from __future__ import annotations

import pytest

from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import InvalidOrgUnitError, create_unit, subtree


def test_paths_are_built_from_ancestor_ids(tree):
    school, commune, province = tree["school"], tree["commune"], tree["province"]
    assert school.path == f"{commune.path}{school.id}/"
    assert school.ancestor_ids[-3:] == [province.id, commune.id, school.id]
    assert school.depth == 3


def test_subtree_holds_descendants_and_nothing_of_a_neighbour(db, tree):
    inside = {unit.id for unit in subtree(db, tree["province"])}
    expected = {tree[name].id for name in ("commune", "school", "class", "high_school")}
    assert expected <= inside
    assert tree["other_school"].id not in inside
    assert tree["other_province"].id not in inside


def test_subtree_is_not_fooled_by_ids_sharing_a_prefix(db, make_unit, tree):
    # Unit 1 and unit 12: "/1/" must not match "/12/" when looking for the subtree of 1.
    units = [make_unit(OrgKind.COMMUNE, tree["province"]) for _ in range(12)]
    first = units[0]
    school_of_first = make_unit(OrgKind.SCHOOL, first)
    found = {unit.id for unit in subtree(db, first)}
    assert found == {first.id, school_of_first.id}


def test_child_segment_names_the_child_each_descendant_hangs_under(db, make_unit, tree):
    from sqlalchemy import select

    from lms_module.db import child_segment, subtree_condition
    from lms_module.orgs.models import OrgUnit

    province = tree["province"]
    for _ in range(12):  # ids of two digits and more, so that no id is a prefix of another
        make_unit(OrgKind.COMMUNE, province)
    segment = child_segment(OrgUnit.path, province.path, db.get_bind().dialect.name)
    rows = db.execute(
        select(OrgUnit.id, segment)
        .where(subtree_condition(OrgUnit.path, province.path), OrgUnit.path > province.path)
    ).all()
    expected = {unit.id: str(unit.ancestor_ids[province.depth + 1])
                for unit in subtree(db, province) if unit.id != province.id}
    assert dict(rows) == expected
    assert expected[tree["class"].id] == str(tree["commune"].id)


def test_subtree_can_keep_only_schools(db, tree):
    schools = subtree(db, tree["province"], kinds=[OrgKind.SCHOOL])
    assert {s.name for s in schools} == {"Trường Tiểu học Tam Đường", "Trường THPT Lai Châu"}


def test_thpt_school_hangs_directly_under_the_province(tree):
    assert tree["high_school"].parent_id == tree["province"].id


def test_a_class_cannot_hang_under_a_commune(db, tree):
    with pytest.raises(InvalidOrgUnitError, match="Không thể đặt đơn vị loại class"):
        create_unit(db, kind=OrgKind.CLASS, code="X", name="1A", parent=tree["commune"],
                    grade=1, school_year="2026-2027")


def test_a_class_needs_a_grade_and_a_school_year(db, tree):
    with pytest.raises(InvalidOrgUnitError, match="khối lớp"):
        create_unit(db, kind=OrgKind.CLASS, code="X", name="1A", parent=tree["school"])


def test_a_legacy_district_keeps_its_communes_and_schools(db, make_unit, tree):
    district = make_unit(OrgKind.LEGACY_DISTRICT, tree["province"], name="Huyện Tam Đường (cũ)")
    commune = make_unit(OrgKind.COMMUNE, district)
    school = make_unit(OrgKind.SCHOOL, commune, school_level=SchoolLevel.PRESCHOOL)
    assert {u.id for u in subtree(db, district)} == {district.id, commune.id, school.id}
