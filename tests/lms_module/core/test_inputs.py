"""Input at the edge: ids, school years and characters the database cannot take are refused
with a clear answer (404 or a Vietnamese 400), before any query runs."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.core.inputs import MAX_ID, bounded_int
from lms_module.obligations.models import CoverageTarget
from lms_module.people.models import Role

#: Until lms_module/web.py installs the converters and the NUL check of lms_module.core.inputs.

#: Ids no database row can have: past a 32-bit INTEGER column, past 64 bits, negative.
OUT_OF_RANGE = (str(MAX_ID + 1), str(2**64), str(10**30), "-1")


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def converters_of(rule) -> set[str]:
    return {match.group(1) or "default" for match in PLACEHOLDER.finditer(rule.rule)}


def fill(rule, value: str, *, into: set[str]) -> str:
    """The rule's URL with ``value`` for arguments of the ``into`` converters, valid elsewhere."""

    def replace(match: re.Match[str]) -> str:
        converter = match.group(1) or "default"
        if converter in into:
            return value
        return "1" if converter == "int" else "x"

    return PLACEHOLDER.sub(replace, rule.rule)


def test_ids_beyond_the_database_are_not_found_on_every_route_of_every_blueprint(app, client):
    rules = [rule for rule in app.url_map.iter_rules() if "int" in converters_of(rule)]
    blueprints = {rule.endpoint.split(".")[1] for rule in rules}
    assert {"home", "roster", "certification", "coverage", "auth"} <= blueprints
    for rule in rules:
        for value in OUT_OF_RANGE:
            url = fill(rule, value, into={"int"})
            for method in rule.methods - {"OPTIONS"}:
                assert client.open(url, method=method).status_code == 404, (method, url)


def test_the_largest_id_reaches_the_view(client, login, make_user, tree):
    login(make_user(Role.OFFICE_REVIEWER, tree["province"]))
    response = client.get(f"/units/{MAX_ID}")
    assert response.status_code == 404
    assert f"Không tìm thấy đơn vị số {MAX_ID}." in page_text(response)


def test_control_characters_in_a_url_are_not_found(app, client):
    text = {"default", "string", "path"}
    rules = [
        rule for rule in app.url_map.iter_rules()
        if converters_of(rule) & text and rule.endpoint.startswith("lms.")
    ]
    assert len({rule.endpoint.split(".")[1] for rule in rules}) >= 4
    for rule in rules:
        method = sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
        for value in ("a%00b", "a%0Ab", "a%09b", "a%7Fb"):
            url = fill(rule, value, into=text)
            assert client.open(url, method=method).status_code == 404, (method, url)


def test_a_nul_in_the_query_string_or_a_form_is_a_400_in_vietnamese(client):
    for response in (
        client.get("/verify", query_string={"code": "AB\x00CD"}),
        client.post("/login", data={"username": "a\x00", "password": "x"}),
    ):
        assert response.status_code == 400
        assert "ký tự không hợp lệ" in page_text(response)


@pytest.mark.parametrize("value", [*OUT_OF_RANGE, "abc", "1.5", "1e3"])
def test_a_target_id_that_is_no_number_is_a_400_in_vietnamese(client, login, make_user, tree,
                                                             value):
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    response = client.get(
        f"/units/{tree['school'].id}/coverage/uncovered", query_string={"target": value}
    )
    assert response.status_code == 400
    assert "Giá trị “target” trong đường dẫn hoặc biểu mẫu không hợp lệ" in page_text(response)


@pytest.mark.parametrize("value", [str(2**64), "abc", "-1"])
def test_a_requirement_that_is_no_number_is_asked_again_and_nothing_is_stored(
    client, login, make_user, tree, db, value
):
    login(make_user(Role.OFFICE_REVIEWER, tree["province"]))
    url = f"/units/{tree['province'].id}/coverage/targets"
    response = client.post(url, data={
        "csrf_token": csrf_token_from(client, url), "audience": "student", "requirement": value,
        "percent": "95", "school_year": SCHOOL_YEAR, "deadline": "31/05/2027",
    })
    assert response.status_code == 400
    assert "Hãy chọn yêu cầu (các khóa học được tính)." in page_text(response)
    assert db.scalar(select(func.count()).select_from(CoverageTarget)) == 0


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("9999-0000", "Năm học “9999-0000” phải gồm hai năm liền nhau, ví dụ 2026-2027."),
        ("9998-9999", "Năm học “9998-9999” nằm ngoài khoảng hệ thống quản lý (từ 2000-2001 "
                      "đến 2099-2100)."),
        ("0000-0001", "nằm ngoài khoảng hệ thống quản lý"),
        ("２０２６-２０２７", "không hợp lệ: hãy viết dạng 2026-2027."),
        ("x" * 10_000, "Năm học “xxxxxxxxxxxxxxxxxxxx…” không hợp lệ"),
    ],
)
@pytest.mark.parametrize("page", ["in-service", "in-service.xlsx"])
def test_a_school_year_out_of_range_is_a_400_that_says_how_to_write_it(
    client, login, make_user, tree, year, message, page
):
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    response = client.get(f"/units/{tree['school'].id}/{page}", query_string={"year": year})
    assert response.status_code == 400
    assert message in page_text(response)


def test_the_in_service_page_still_takes_a_school_year(client, login, make_user, tree):
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    for year in ("", "2025-2026"):
        response = client.get(f"/units/{tree['school'].id}/in-service", query_string={"year": year})
        assert response.status_code == 200
        assert (year or SCHOOL_YEAR) in page_text(response)


def test_the_coverage_report_falls_back_to_this_school_year(client, login, make_user, tree):
    login(make_user(Role.OFFICE_REVIEWER, tree["province"]))
    for year in ("9998-9999", "9999-0000", "abc"):
        response = client.get(
            f"/units/{tree['province'].id}/coverage", query_string={"year": year}
        )
        assert response.status_code == 200
        assert f"Năm học {SCHOOL_YEAR}." in page_text(response)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None),
     ("-3", None), ("", None), (None, None), ("1e3", None), ("1.5", None), ("١٢", None),
     ("9" * 1000, None)],
)
def test_bounded_int_takes_plain_digits_within_bounds(text, expected):
    assert bounded_int(text) == expected
