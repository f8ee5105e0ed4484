"""A class's QR login cards come in the order of the class list: by given name, in Vietnamese
order (ICU's vi collation), so the teacher hands them out as the list reads."""

from __future__ import annotations

import io

from pypdf import PdfReader

from lms_module.people.models import Role


def test_login_cards_follow_the_class_list_order(client, login, make_user, tree):
    names = ["Vũ Văn Bình", "Lê Thu Hoa", "Đặng Thị Chi", "Trần Thị Ánh", "Lê Thị Hoa",
             "Nguyễn Văn An"]
    for name in names:
        make_user(Role.STUDENT, tree["class"], full_name=name, password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"], full_name="Lò Thị Tâm"))
    response = client.get(f"/units/{tree['class'].id}/login-cards.pdf")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert sorted(names, key=text.index) == [
        "Nguyễn Văn An", "Trần Thị Ánh", "Vũ Văn Bình", "Đặng Thị Chi", "Lê Thị Hoa",
        "Lê Thu Hoa"]
