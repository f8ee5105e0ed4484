"""Learners' and school managers' certificate pages: lists, PDFs, revocation, ZIP, access."""

from __future__ import annotations

import io
import re
import zipfile

from certification_support import complete, download_school_zip, zip_names
from pypdf import PdfReader
from sqlalchemy import select

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.jobs.models import Job, JobStatus
from lms_module.people.models import Role


def _pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_a_learner_lists_and_downloads_their_certificate(
    client, db, login, student, student_course
):
    certificate = complete(db, student, student_course)
    login(student)
    page = client.get("/certificates").get_data(as_text=True)
    assert certificate.serial in page
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "Đặng Thị Ưng Ỹ" in text
    assert "Chứng nhận em:" in text  # lower case mid-sentence
    assert "tiết" not in text  # no credit periods on a student's certificate
    assert f"/verify/{certificate.code}" in text
    assert "certificate_downloaded" not in db.scalars(select(AuditEvent.action)).all()


def test_a_student_cannot_download_another_students_certificate(
    client, db, login, student, student_course, make_user, tree
):
    certificate = complete(db, student, student_course)
    classmate = make_user(Role.STUDENT, tree["class"], full_name="Hoàng Văn Đức")
    login(classmate)
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    assert certificate.serial not in client.get("/certificates").get_data(as_text=True)


def test_an_adults_pdf_has_credit_periods_and_english_labels_on_request(
    client, db, login, teacher, teacher_course
):
    certificate = complete(db, teacher, teacher_course)
    login(teacher)
    text = _pdf_text(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert "Chứng nhận ông/bà:" in text  # lower case mid-sentence, no gender needed
    assert "Số tiết bồi dưỡng: 10 tiết" in text and "HIỆU TRƯỞNG" in text
    english = _pdf_text(
        client.get(
            f"/certificates/{certificate.id}.pdf", headers={"Accept-Language": "en"}
        ).data
    )
    assert "CERTIFICATE" in english and "Preventing school violence" in english
    assert "PRINCIPAL" in english


def test_the_manager_sees_filters_and_downloads_with_an_audit_event(
    client, db, login, student, teacher, student_course, teacher_course, manager, tree
):
    mine = complete(db, student, student_course)
    theirs = complete(db, teacher, teacher_course)
    login(manager)
    school = tree["school"].id
    page = client.get(f"/units/{school}/certificates").get_data(as_text=True)
    assert mine.serial in page and theirs.serial in page
    by_class = client.get(
        f"/units/{school}/certificates", query_string={"class": tree["class"].id}
    ).get_data(as_text=True)
    assert mine.serial in by_class and theirs.serial not in by_class
    by_course = client.get(
        f"/units/{school}/certificates", query_string={"course": teacher_course.id}
    ).get_data(as_text=True)
    assert theirs.serial in by_course and mine.serial not in by_course
    assert client.get(f"/certificates/{mine.id}.pdf").status_code == 200
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate_downloaded")
    ).one()
    assert event.actor_id == manager.id and event.subject_user_id == student.id


def test_a_manager_of_another_school_is_refused(
    client, db, login, student, student_course, other_manager, tree
):
    certificate = complete(db, student, student_course)
    login(other_manager)
    assert client.get(f"/units/{tree['school'].id}/certificates").status_code == 403
    assert client.get(f"/units/{tree['school'].id}/certificates.zip").status_code == 403
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    token = csrf_token_from(client, f"/units/{tree['other_school'].id}/certificates")
    refused = client.post(
        f"/units/{tree['school'].id}/certificates/{certificate.id}/revoke",
        data={"reason": "thử", "csrf_token": token},
    )
    assert refused.status_code == 403
    via_own_school = client.post(
        f"/units/{tree['other_school'].id}/certificates/{certificate.id}/revoke",
        data={"reason": "thử", "csrf_token": token},
    )
    assert via_own_school.status_code == 404
    db.refresh(certificate)
    assert not certificate.revoked


def test_the_manager_revokes_with_a_reason(
    client, db, login, student, student_course, manager, tree
):
    certificate = complete(db, student, student_course)
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    token = csrf_token_from(client, url)
    empty = client.post(f"{url}/{certificate.id}/revoke", data={"reason": "", "csrf_token": token})
    assert empty.status_code == 400
    assert not certificate.revoked
    done = client.post(
        f"{url}/{certificate.id}/revoke", data={"reason": "Cấp nhầm", "csrf_token": token}
    )
    assert done.status_code == 302
    db.refresh(certificate)
    assert certificate.revoked and certificate.revoked_reason == "Cấp nhầm"
    assert "đã bị thu hồi" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_the_manager_reissues_after_a_name_correction(
    client, db, login, student, student_course, manager, tree
):
    old = complete(db, student, student_course)
    student.full_name = "Đặng Thị Ưng Ỹ Nhi"
    db.flush()
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    token = csrf_token_from(client, url)
    assert client.post(f"{url}/{old.id}/reissue", data={"csrf_token": token}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Đặng Thị Ưng Ỹ Nhi" in page
    assert "cấp lại" in page


def test_the_school_zip_holds_one_pdf_per_certificate_and_a_class_zip_only_its_class(
    client, db, login, make_user, student_course, teacher, teacher_course, manager, tree
):
    names = ["Phạm Thị Thơ", "Vũ Văn Ưng", "Lò Thị Đào"]
    for name in names:
        complete(db, make_user(Role.STUDENT, tree["class"], full_name=name), student_course)
    complete(db, teacher, teacher_course)
    login(manager)
    data = download_school_zip(client, tree["school"].id)
    entries = zip_names(data)
    assert len(entries) == 4 and all(name.endswith(".pdf") for name in entries)
    class_zip = download_school_zip(client, tree["school"].id, {"class": tree["class"].id})
    class_entries = zip_names(class_zip)
    assert len(class_entries) == 3
    archive = zipfile.ZipFile(io.BytesIO(class_zip))
    texts = [_pdf_text(archive.read(name)) for name in class_entries]
    for name in names:
        assert any(name in text for text in texts), name
    assert all(re.match(r"lop-2a-.+/\d{5}-\d{4}-cn-.+_.+\.pdf$", n) for n in class_entries)


def test_the_export_command_writes_a_provinces_certificates_to_one_zip(
    runner, db, make_user, student_course, tree, tmp_path
):
    for name in ("Phạm Thị Thơ", "Vũ Văn Ưng"):
        complete(db, make_user(Role.STUDENT, tree["class"], full_name=name), student_course)
    complete(db, make_user(Role.STUDENT, tree["other_class"], full_name="Ở Tỉnh Khác"),
             student_course)
    output = tmp_path / "tinh.zip"
    result = runner.invoke(
        args=["lms", "export-certificates", "--unit", tree["province"].code,
              "--base-url", "https://hoc.example.edu.vn", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "Đã ghi 2 giấy chứng nhận" in result.output
    assert "[100%] 2/2" in result.output  # the job's progress, printed as it goes
    assert len(zip_names(output.read_bytes())) == 2
    job = db.scalars(select(Job).where(Job.kind == "certificates.zip")).one()
    assert job.status is JobStatus.DONE and job.requested_by_id is None


def test_the_demo_certificates_come_from_completions(db, make_user, student_course, tree):
    from lms_module.certification.demo import finish_course

    learner = make_user(Role.STUDENT, tree["class"], username="hs.thtp.4", full_name="Lò Thị Ỹ")
    finish_course(db, learner, student_course)
    from lms_module.certification.demo import issue_demo_certificates

    certificates = issue_demo_certificates(db)
    assert [c.holder_name for c in certificates] == ["Lò Thị Ỹ"]
