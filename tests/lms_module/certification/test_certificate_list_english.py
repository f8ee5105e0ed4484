"""The school's certificate list in English names the class in English and the school as is;
the certificate itself keeps the Vietnamese text it was printed with."""

from __future__ import annotations

from certification_support import complete


def test_the_english_certificate_list_says_class_and_keeps_the_schools_name(
    client, db, login, manager, student, student_course, tree
):
    certificate = complete(db, student, student_course)
    assert certificate is not None
    assert certificate.holder_unit_name == "Lớp 2A, Trường Tiểu học Tam Đường"
    login(manager)
    client.set_cookie("lms_lang", "en")
    page = client.get(f"/units/{tree['school'].id}/certificates").get_data(as_text=True)
    assert "Class 2A, Trường Tiểu học Tam Đường" in page
    assert "Lớp 2A" not in page
    client.set_cookie("lms_lang", "vi")
    page = client.get(f"/units/{tree['school'].id}/certificates").get_data(as_text=True)
    assert "Lớp 2A, Trường Tiểu học Tam Đường" in page
