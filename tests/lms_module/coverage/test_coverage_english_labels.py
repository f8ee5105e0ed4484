"""English pages translate the labels the product builds (kinds of unit, levels, grades,
classes) and keep the proper names of schools and communes as they are."""

from __future__ import annotations

import re


def _text(response) -> str:
    assert response.status_code == 200
    html = re.sub(r"<(script|style).*?</\1>", "", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_english_drill_down_names_kinds_and_levels_in_english(db, small, login):
    client = login(small.users["reviewer"])
    client.set_cookie("lms_lang", "en")
    page = _text(client.get(f"/units/{small.units['province'].id}/coverage"))
    assert "Trường THPT Lai Châu School · Upper secondary" in page
    assert "Phường Tân Phong Commune/ward" in page
    assert "Huyện Tam Đường (cũ) District (before 1 July 2025)" in page
    assert "Trường ·" not in page and "Xã/phường" not in page


def test_the_english_school_report_names_grades_and_classes_in_english(db, small, login):
    client = login(small.users["m1"])
    client.set_cookie("lms_lang", "en")
    page = _text(client.get(f"/units/{small.units['primary'].id}/coverage"))
    assert "Grade 2 4 2 50.0%" in page and "Grade 3 3 2 66.7%" in page
    assert "Khối" not in page and "Lớp" not in page
    response = client.get(f"/units/{small.units['primary'].id}/coverage/report.csv")
    csv_text = response.data.decode("utf-8-sig")
    assert "Grade 2," in csv_text and "Khối" not in csv_text
