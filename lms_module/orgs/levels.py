"""The grades each level of school teaches, and the grades one school may hold classes of."""

from __future__ import annotations

import re
import unicodedata

from lms_module.orgs.models import OrgUnit, SchoolLevel

#: Every grade of general education.
ALL_GRADES = range(1, 13)

#: The grades (khối) a school of each level teaches: tiểu học 1-5, THCS 6-9, THPT 10-12; a
#: preschool (mầm non) has no grade 1-12. A liên cấp school teaches the levels it combines
#: (see :func:`school_grades`); a continuing-education centre (GDTX) is not limited here.
LEVEL_GRADES: dict[SchoolLevel, range] = {
    SchoolLevel.PRESCHOOL: range(0),
    SchoolLevel.PRIMARY: range(1, 6),
    SchoolLevel.LOWER_SECONDARY: range(6, 10),
    SchoolLevel.UPPER_SECONDARY: range(10, 13),
    SchoolLevel.MULTI_LEVEL: ALL_GRADES,
    SchoolLevel.CONTINUING: ALL_GRADES,
}

#: How a school's official name names the levels it combines ("Trường TH và THCS Sìn Hồ",
#: "Trường PTDTNT THCS và THPT"), matched on the name without diacritics.
_NAMED_LEVELS = (
    (re.compile(r"\b(mn|mam non|mau giao)\b"), SchoolLevel.PRESCHOOL),
    (re.compile(r"\b(th|tieu hoc)\b"), SchoolLevel.PRIMARY),
    (re.compile(r"\b(thcs|trung hoc co so)\b"), SchoolLevel.LOWER_SECONDARY),
    (re.compile(r"\b(thpt|trung hoc pho thong)\b"), SchoolLevel.UPPER_SECONDARY),
)


def school_grades(school: OrgUnit) -> range:
    """Return the grades ``school`` may have classes of.

    A school's level is the one stored on the unit. A liên cấp school teaches the levels its
    name combines (at least two, e.g. "Tiểu học và THCS" → 1-9); a liên cấp school whose name
    does not say, a GDTX centre and a school without a level may hold any grade 1-12.
    """
    level = school.school_level
    if level is None:
        return ALL_GRADES
    if level is SchoolLevel.MULTI_LEVEL:
        plain = _plain(school.name)
        named = [LEVEL_GRADES[lvl] for pattern, lvl in _NAMED_LEVELS if pattern.search(plain)]
        taught = [grades for grades in named if grades]
        if len(named) >= 2 and taught:
            return range(min(g.start for g in taught), max(g.stop for g in taught))
    return LEVEL_GRADES[level]


def _plain(text: str) -> str:
    """Lower-case ``text`` without diacritics, punctuation as spaces ("TH&THCS" → "th thcs")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())
