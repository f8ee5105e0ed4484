"""A certificate's PDF is rendered from its record alone: the same bytes every time."""

from __future__ import annotations

import io

from certification_support import complete
from pypdf import PdfReader

from lms_module.certification.services import certificate_pdf, verification_url
from lms_module.people.models import Role


def test_regenerating_a_certificate_gives_the_same_bytes(db, student, student_course):
    certificate = complete(db, student, student_course)
    first = certificate_pdf(certificate, base_url="https://hoc.example.edu.vn")
    second = certificate_pdf(certificate, base_url="https://hoc.example.edu.vn")
    assert first == second
    db.expire_all()  # read the record back from the database, as a later download would
    assert certificate_pdf(certificate, base_url="https://hoc.example.edu.vn") == first


def test_vietnamese_names_read_back_intact(db, make_user, student_course, tree):
    name = "Phùng Thị Ưng Ỹ Đơ"
    holder = make_user(Role.STUDENT, tree["class"], full_name=name)
    certificate = complete(db, holder, student_course)
    pdf = certificate_pdf(certificate, base_url="https://hoc.example.edu.vn")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in (name, certificate.serial, "Em an toàn ở trường", "Lớp 2A",
                     "Trường Tiểu học Tam Đường".upper(), "HIỆU TRƯỞNG"):
        assert expected in text, expected


def test_the_qr_url_points_at_the_verification_page_under_the_prefix():
    assert verification_url("ABC", base_url="https://x.vn/", url_prefix="/lms/") == (
        "https://x.vn/lms/verify/ABC"
    )
