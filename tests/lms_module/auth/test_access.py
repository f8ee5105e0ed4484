"""Role and org-scope checks on every route."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from lms_module.audit.models import AuditEvent
from lms_module.auth.access import ACCESS_ATTRIBUTE
from lms_module.people.models import Role

#: Views that take no sign-in; everything else must carry @requires or @signed_in.
PUBLIC_ENDPOINTS = {
    "lms.core.static",
    "lms.core.favicon",
    "lms.coverage.static",
    "lms.core.set_language",
    "lms.core.health",
    "lms.auth.login",
    "lms.auth.card_login",
    "lms.auth.quick_exit",  # anyone may leave; signs out only the visitor's own session
    "lms.certification.verify_form",
    "lms.certification.verify",
    # A parent with a printed letter: the code (rate-limited per address and per code), the
    # privacy notice and its answer, making or signing in to the account that is then linked.
    "lms.families.link_start",
    "lms.families.notice",
    "lms.families.account",
    "lms.families.account_sign_in",
}


def test_every_route_declares_its_access_rule(app: Flask):
    unchecked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # Flask's own static route of the standalone app (serves no data)
        view = app.view_functions[rule.endpoint]
        marker = getattr(view, ACCESS_ATTRIBUTE, None)
        if marker is None and not rule.endpoint.endswith(".static"):
            unchecked.append(rule.rule)
        if marker == "public" and rule.endpoint not in PUBLIC_ENDPOINTS:
            unchecked.append(f"{rule.rule} (public but not on the reviewed public list)")
    assert unchecked == []


def test_every_non_public_route_refuses_anonymous_visitors(app: Flask, client):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, ACCESS_ATTRIBUTE, "public") == "public":
            continue
        url = rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, url
                assert "/login" in response.headers["Location"]
            else:
                # No session means no CSRF token either: refused before the view runs
                # (block handlers answer fetch() calls with a 401 JSON error instead).
                assert response.status_code in (302, 400, 401), (method, url)


def test_office_reviewer_sees_own_province_subtree(client, login, make_user, tree):
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["province"])
    login(reviewer)
    assert client.get(f"/units/{tree['province'].id}").status_code == 200
    assert client.get(f"/units/{tree['school'].id}").status_code == 200
    assert client.get(f"/units/{tree['high_school'].id}").status_code == 200


def test_office_reviewer_is_refused_a_neighbouring_province(client, login, make_user, tree):
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["province"])
    login(reviewer)
    assert client.get(f"/units/{tree['other_province'].id}").status_code == 403
    assert client.get(f"/units/{tree['other_school'].id}").status_code == 403


def test_commune_reviewer_is_refused_the_province_level(client, login, make_user, tree):
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["commune"])
    login(reviewer)
    assert client.get(f"/units/{tree['commune'].id}").status_code == 200
    assert client.get(f"/units/{tree['province'].id}").status_code == 403
    assert client.get(f"/units/{tree['high_school'].id}").status_code == 403


def test_office_reviewer_never_sees_childrens_names(client, login, make_user, tree):
    make_user(Role.STUDENT, tree["class"], full_name="Giàng Thị Mỷ", password=None)
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["province"])
    login(reviewer)
    school_page = client.get(f"/units/{tree['school'].id}").get_data(as_text=True)
    assert "Giàng Thị Mỷ" not in school_page
    assert client.get(f"/units/{tree['class'].id}").status_code == 403
    assert client.get(f"/classes/{tree['class'].id}").status_code == 403


def test_school_manager_sees_class_list_and_the_view_is_audited(client, login, make_user, tree, db):
    make_user(Role.STUDENT, tree["class"], full_name="Giàng Thị Mỷ", password=None)
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"])
    login(manager)
    page = client.get(f"/classes/{tree['class'].id}").get_data(as_text=True)
    assert "Giàng Thị Mỷ" in page
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "view_class_roster")).one()
    assert event.actor_id == manager.id
    assert event.org_unit_id == tree["class"].id


def test_school_manager_is_refused_another_school(client, login, make_user, tree):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"])
    login(manager)
    assert client.get(f"/classes/{tree['other_class'].id}").status_code == 403
    assert client.get(f"/units/{tree['other_class'].id}/login-cards.pdf").status_code == 403


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.STAFF])
def test_school_people_cannot_print_login_cards(client, login, make_user, tree, role):
    person = make_user(role, tree["class"] if role is Role.STUDENT else tree["school"])
    login(person)
    assert client.get(f"/units/{tree['class'].id}/login-cards.pdf").status_code == 403


def test_student_cannot_open_the_class_list(client, login, make_user, tree):
    student = make_user(Role.STUDENT, tree["class"])
    login(student)
    assert client.get(f"/classes/{tree['class'].id}").status_code == 403


#: Pages that list children (or staff) by name or hand out QR cards: the listed school roles
#: only, never an admin by virtue of the admin role (data minimisation), refusals audited.
PERSONAL_DATA_ENDPOINTS = {
    "lms.home.class_detail",
    "lms.home.class_teachers_update",
    "lms.auth.class_login_cards",
    "lms.auth.revoke_cards",
    "lms.certification.school_certificates",
    "lms.certification.revoke",
    "lms.certification.reissue",
    "lms.certification.school_zip",
    "lms.certification.training_status",
    "lms.certification.in_service",
    "lms.certification.in_service_xlsx",
    "lms.coverage.uncovered",
    "lms.data_rights.school_requests",
    "lms.data_rights.carry_out",
    "lms.data_rights.refuse",
    "lms.in_person.record",  # the family list (children and their adults) or the staff list
    "lms.in_person.sheet",  # the signed attendance sheet
    "lms.in_person.attendance_sheet",  # the printed sheet: who attended, to sign
    "lms.in_person.blank_attendance_sheet",  # the printed sheet before: everyone eligible
    "lms.families.class_page",  # the class's consent status: who has not answered
    "lms.families.print_letters",  # the class's parent letters (children's names, codes)
    "lms.families.revoke_letters",
}


def test_pages_with_names_are_exactly_the_reviewed_list(app: Flask):
    marked = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if (marker := getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE, None))
        and isinstance(marker, tuple)
        and marker[3]
    }
    assert marked == PERSONAL_DATA_ENDPOINTS


def test_admin_sees_head_counts_but_never_a_childs_name(client, login, make_user, tree, db):
    make_user(Role.STUDENT, tree["class"], full_name="Giàng Thị Mỷ", password=None)
    admin = make_user(Role.ADMIN, tree["province"])
    login(admin)
    school_page = client.get(f"/units/{tree['school'].id}")
    assert school_page.status_code == 200
    assert "Giàng Thị Mỷ" not in school_page.get_data(as_text=True)
    class_id, school_id = tree["class"].id, tree["school"].id
    refused = [
        f"/classes/{class_id}",
        f"/units/{class_id}",
        f"/units/{class_id}/login-cards.pdf",
        f"/units/{school_id}/certificates",
        f"/units/{school_id}/certificates.zip",
        f"/units/{school_id}/training-status",
        f"/units/{school_id}/coverage/uncovered",
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Giàng Thị Mỷ" not in response.get_data(as_text=True)
    denials = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert len(denials) == len(refused)
    assert {d.actor_id for d in denials} == {admin.id}
    assert {d.detail["endpoint"] for d in denials} >= {
        "lms.home.class_detail", "lms.auth.class_login_cards"
    }


def test_admin_is_refused_the_neighbours_too(client, login, make_user, tree):
    admin = make_user(Role.ADMIN, tree["province"])
    login(admin)
    assert client.get(f"/units/{tree['school'].id}").status_code == 200
    assert client.get(f"/units/{tree['other_school'].id}").status_code == 403


def test_unknown_unit_gives_a_vietnamese_not_found(client, login, make_user, tree):
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["province"])
    login(reviewer)
    response = client.get("/units/999999")
    assert response.status_code == 404
    assert "Không tìm thấy đơn vị số 999999." in response.get_data(as_text=True)


def test_inactive_membership_grants_nothing(client, login, make_user, tree, db):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"])
    manager.memberships[0].active = False
    db.flush()
    login(manager)
    assert client.get(f"/classes/{tree['class'].id}").status_code == 403
