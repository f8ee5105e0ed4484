"""Which grades a school may have classes of, from its level (and a liên cấp school's name)."""

from __future__ import annotations

import pytest

from lms_module.orgs.levels import school_grades
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel


def school(level: SchoolLevel | None, name: str = "Trường Tam Đường") -> OrgUnit:
    return OrgUnit(kind=OrgKind.SCHOOL, code="T", name=name, school_level=level)


@pytest.mark.parametrize(
    ("level", "grades"),
    [
        (SchoolLevel.PRIMARY, [1, 2, 3, 4, 5]),
        (SchoolLevel.LOWER_SECONDARY, [6, 7, 8, 9]),
        (SchoolLevel.UPPER_SECONDARY, [10, 11, 12]),
        (SchoolLevel.PRESCHOOL, []),
        (SchoolLevel.CONTINUING, list(range(1, 13))),
        (None, list(range(1, 13))),
    ],
)
def test_each_level_teaches_its_grades(level, grades):
    assert list(school_grades(school(level))) == grades


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Trường PTDTBT Tiểu học và THCS Sìn Hồ", 1, 9),
        ("Trường TH&THCS Nậm Tăm", 1, 9),
        ("Trường PTDTNT THCS và THPT Tân Uyên", 6, 12),
        ("Trường Phổ thông Tiểu học, THCS và THPT Ngôi Sao", 1, 12),
        ("Trường Mầm non và Tiểu học Hoa Sen", 1, 5),
        ("Trường Liên cấp Ngôi Sao", 1, 12),
    ],
)
def test_a_multi_level_school_teaches_the_levels_its_name_combines(name, first, last):
    grades = school_grades(school(SchoolLevel.MULTI_LEVEL, name))
    assert (grades[0], grades[-1]) == (first, last)
