"""The families target ("95% of families with children"): counted by hand on the small tree.

Parents linked on top of coverage_support.build_small_tree (students there):

    F1  P1 (mother) -> a1 (2A) and b2 (3A): siblings, one school; P1 holds a valid certificate
        of the parents' course issued 40 days ago (covered now and 4 weeks ago)
    F2  P2 -> a2 (2A, TH Bình Lư) and e1 (6A, THCS Tân Phong): two schools in two communes;
        no certificate
    F3  P3 and P4 -> f1 (10A): two parents of one child; P4, with no account, attended the
        class's parents' meeting 5 days ago (recorded in person: a certificate like any other)
    F5  P5 -> b3 (3A); P5's certificate expired yesterday (valid 4 weeks ago)
    --  P6 -> f2 (10A), certificate valid, then P6 withdraws consent: the link ends, f2 is a
        family of one again, not covered
    --  P7 -> a4 (2A), certificate valid, then a4's data is erased (anonymised, inactive): a4
        and P7's family leave the population
    a3, b1, e2, f3: no adult linked (a family of one child each)

    TH Bình Lư (= commune = legacy district): F1, F2, a3, b1, F5      -> 5 families, 1 covered
        (2 covered 4 weeks ago: F1, F5)
        2A: F1, F2, a3 -> 3 / 1 / 1      3A: b1, F1, F5 -> 3 / 1 / 2
    THCS Tân Phong (= ward): F2, e2                                    -> 2 / 0
    THPT Lai Châu: F3, f2, f3                                          -> 3 / 1
    Province: 5 + 2 + 3 families, F2 counted once: 9 families, 2 covered (F1, F3), 2 covered
    4 weeks ago (F1, F5). Ministry: the other province's h1 too: 10 / 2 / 2.
"""

from __future__ import annotations

import pytest
from coverage_support import DEADLINE, TODAY, SmallTree, days, give_certificate
from sqlalchemy.orm import Session

from helpers import SCHOOL_YEAR, make_course
from lms_module.coverage.figures import (
    Figures,
    ReportScope,
    children_figures,
    direct_subtree_figures,
    school_class_figures,
    subtree_figures,
    uncovered_people,
)
from lms_module.coverage.rollup import ensure_rollup, refresh_all
from lms_module.families.consent import withdraw
from lms_module.families.data_rights import erase_child
from lms_module.families.models import Kinship, LinkSource
from lms_module.families.services import link_adult
from lms_module.in_person.services import Clock, add_meeting_attendee, record_session
from lms_module.learning.models import Audience
from lms_module.obligations.models import Requirement
from lms_module.obligations.targets import set_target
from lms_module.people.models import User
from lms_module.people.services import create_user

HAND_COUNTS = {
    "primary": Figures(5, 1, 2),
    "commune": Figures(5, 1, 2),
    "district": Figures(5, 1, 2),
    "thcs": Figures(2, 0, 0),
    "ward": Figures(2, 0, 0),
    "thpt": Figures(3, 1, 0),
    "province": Figures(9, 2, 2),
    "bo": Figures(10, 2, 2),
}


@pytest.fixture
def families(db: Session, small: SmallTree) -> SmallTree:
    """Link the parents above after the families' rollup was first built (so every figure
    below comes from the incremental path, as on a live system)."""
    course = make_course(db, "st-parent", Audience.PARENT)
    small.courses["parent"] = course
    requirement = Requirement(code="ST-GD", title_vi="Kiến thức bảo vệ trẻ em cho gia đình")
    requirement.courses = [course]
    db.add(requirement)
    db.flush()
    small.targets["parent"] = set_target(
        db, unit=small.units["province"], audience=Audience.PARENT, requirement=requirement,
        percent=95, school_year=SCHOOL_YEAR, deadline=DEADLINE, source="Kế hoạch 675/KH-UBND")
    db.flush()
    ensure_rollup(db, requirement.id, SCHOOL_YEAR, Audience.PARENT, TODAY)

    def parent(key: str, *children: str, certificate: int | None = None,
               expires: int = 300) -> User:
        adult = create_user(db, username=f"st.{key}", full_name=f"Phụ huynh {key}")
        db.flush()
        for child in children:
            link_adult(db, adult, small.users[child], kinship=Kinship.MOTHER,
                       source=LinkSource.LETTER)
        if certificate is not None:
            give_certificate(db, adult, course, issued=days(certificate),
                             expires=days(expires))
        small.users[key] = adult
        return adult

    parent("P1", "a1", "b2", certificate=-40)
    parent("P2", "a2", "e1")
    parent("P3", "f1")
    p6 = parent("P6", "f2", certificate=-10)
    parent("P5", "b3", certificate=-400, expires=-1)
    parent("P7", "a4", certificate=-10)
    # P4 came to the class's parents' meeting 5 days ago: the teacher ticked them in.
    p4 = add_meeting_attendee(db, child=small.users["f1"], recorded_by=small.users["m3"],
                              name="Phụ huynh P4")
    record_session(db, unit=small.units["10A"], course=course, held_on=days(-5),
                   place="Phòng học 10A", facilitator="GVCN 10A", recorded_by=small.users["m3"],
                   attendee_ids=[p4.id], clock=Clock(TODAY, SCHOOL_YEAR, "Asia/Ho_Chi_Minh"))
    small.users["P4"] = p4
    withdraw(db, adult=p6, child=small.users["f2"], mode="unlink")
    erase_child(db, small.users["a4"], actor=small.users["m1"], request=None)
    db.flush()
    return small


def family_scope(small: SmallTree) -> ReportScope:
    return ReportScope(small.targets["parent"].requirement_id, SCHOOL_YEAR, Audience.PARENT)


def family_figures(db: Session, small: SmallTree, key: str) -> Figures:
    ensure_rollup(db, small.targets["parent"].requirement_id, SCHOOL_YEAR, Audience.PARENT,
                  TODAY)
    return subtree_figures(db, small.units[key], family_scope(small))


def test_family_figures_equal_the_hand_count_at_every_level(db, families):
    assert {key: family_figures(db, families, key) for key in HAND_COUNTS} == HAND_COUNTS


def test_siblings_and_two_parents_are_one_family(db, families):
    assert families.users["a1"].family_id == families.users["b2"].family_id is not None
    assert families.users["P3"].family_id == families.users["P4"].family_id == (
        families.users["f1"].family_id)
    ensure_rollup(db, families.targets["parent"].requirement_id, SCHOOL_YEAR, Audience.PARENT,
                  TODAY)
    classes = {row.unit.name: row.figures
               for row in school_class_figures(db, families.units["primary"],
                                               family_scope(families))}
    assert classes == {"2A": Figures(3, 1, 1), "3A": Figures(3, 1, 2)}


def test_a_family_in_two_schools_counts_in_each_school_and_once_above(db, families):
    ensure_rollup(db, families.targets["parent"].requirement_id, SCHOOL_YEAR, Audience.PARENT,
                  TODAY)
    below_province = {
        row.unit.name: row.figures.population
        for row in children_figures(db, families.units["province"], family_scope(families))
    }
    assert below_province["Huyện Tam Đường (cũ)"] == 5  # F2 counted here...
    assert below_province["Phường Tân Phong"] == 2  # ...and here...
    assert family_figures(db, families, "province").population == 9  # ...once above both


def test_a_withdrawn_consent_and_an_erased_child_leave_the_figures_at_once(db, families):
    thpt = family_figures(db, families, "thpt")
    assert thpt == Figures(3, 1, 0)  # f2's family lost its covered parent with the link
    link_adult(db, families.users["P6"], families.users["f2"], kinship=Kinship.FATHER,
               source=LinkSource.LETTER)  # consent given again
    assert family_figures(db, families, "thpt") == Figures(3, 2, 0)
    assert family_figures(db, families, "primary") == Figures(5, 1, 2)  # a4 stays out


def test_the_rollup_equals_the_direct_count_and_a_full_rebuild(db, families):
    scope = family_scope(families)
    incremental = {key: family_figures(db, families, key) for key in HAND_COUNTS}
    direct = {key: direct_subtree_figures(db, families.units[key], scope, TODAY)
              for key in HAND_COUNTS}
    refresh_all(db, TODAY)
    rebuilt = {key: subtree_figures(db, families.units[key], scope) for key in HAND_COUNTS}
    assert incremental == direct == rebuilt == HAND_COUNTS


def test_linking_a_second_child_merges_the_families_without_a_refresh(db, families):
    before = family_figures(db, families, "primary")
    link_adult(db, families.users["P1"], families.users["b1"], kinship=Kinship.MOTHER,
               source=LinkSource.LETTER)
    # b1 joins F1: one family fewer in the school, and it is covered.
    assert family_figures(db, families, "primary") == Figures(
        before.population - 1, before.covered, before.covered_before)
    assert family_figures(db, families, "province") == Figures(8, 2, 2)


def test_a_certificate_of_a_parent_covers_the_family_in_every_school_of_its_children(
    db, families
):
    give_certificate(db, families.users["P2"], families.courses["parent"], issued=days(-1),
                     expires=days(300))
    db.flush()
    assert family_figures(db, families, "primary") == Figures(5, 2, 2)
    assert family_figures(db, families, "thcs") == Figures(2, 1, 0)
    assert family_figures(db, families, "province") == Figures(9, 3, 2)


def test_the_uncovered_list_names_families_by_their_children(app, db, families):
    with app.test_request_context():
        listed = uncovered_people(db, families.units["primary"], family_scope(families), TODAY)
    names = sorted(person.full_name for person in listed)
    assert len(names) == 4  # F2, a3, b1, F5: F1 is covered
    assert "Gia đình em Tòng Văn Bình" in names  # F2 seen from this school: a2 only
    assert not any("Lò Thị An" in name for name in names)  # a1's family is covered


def test_the_dashboard_and_the_exports_show_the_families_target(db, families, login):
    target = families.targets["parent"]
    client = login(families.users["reviewer"])
    url = f"/units/{families.units['province'].id}/coverage"
    html = client.get(url, query_string={"target": target.id}).get_data(as_text=True)
    assert "Gia đình có trẻ em" in html
    assert "2/9" in html  # covered / families, F2 counted once
    csv = client.get(url + "/report.csv", query_string={"target": target.id})
    text = csv.data.decode("utf-8-sig")
    assert "Sở GD-ĐT Lai Châu;Toàn đơn vị;Gia đình có trẻ em" in text
    for name in ("Lò Thị An", "Tòng Văn Bình", "Phụ huynh P1"):
        assert name not in html and name not in text  # figures only, never a name


def test_the_school_manager_lists_the_families_not_reached(db, families, login):
    target = families.targets["parent"]
    client = login(families.users["m1"])
    page = client.get(f"/units/{families.units['primary'].id}/coverage/uncovered",
                      query_string={"target": target.id})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 gia đình chưa có người lớn hoàn thành khóa học hoặc dự buổi họp" in html
    assert "Gia đình em Tòng Văn Bình" in html
    assert "Lò Thị An" not in html  # a1's family is covered
