"""Publish a loaded course: say who it is for, then offer it to them.

A course whose OLX root names its audience (``audience="student" grade_min="6"
grade_max="9"``: our own courses) is published as it loads. An Open edX export does not say
who it is for, so it loads as a draft (``Course.current_version_id`` empty: no learner,
list, assignment or report sees it) until an admin or content author chooses the audience
and, for students, the grade band, and publishes its newest version here. Later versions of a
published course are published as they load, keeping the choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lms_module.core.errors import LMSError
from lms_module.learning.course_loader import latest_version
from lms_module.learning.models import Audience, Course, CourseVersion

#: The grades a student course can be for (primary 1-5, lower secondary 6-9, upper 10-12).
GRADES = range(1, 13)


class PublishError(LMSError):
    """The audience or grade band chosen cannot be published."""


@dataclass(frozen=True)
class Audiences:
    """Who a course is for: an audience and, for students, a grade band."""

    audience: Audience
    grade_min: int | None = None
    grade_max: int | None = None

    def check(self) -> None:
        """Refuse a band that is missing, reversed or out of 1-12, or given to adults.

        :raises PublishError: naming what to fix.
        """
        if self.audience is not Audience.STUDENT:
            if self.grade_min is not None or self.grade_max is not None:
                raise PublishError(
                    "Chỉ khóa học cho học sinh có khối lớp; hãy để trống khối lớp."
                )
            return
        if self.grade_min is None or self.grade_max is None:
            raise PublishError(
                "Hãy chọn khối lớp (từ lớp … đến lớp …): mỗi khóa học cho học sinh dành cho "
                "một nhóm lớp, không dành cho mọi lớp cùng lúc."
            )
        if self.grade_min not in GRADES or self.grade_max not in GRADES:
            raise PublishError("Khối lớp phải từ lớp 1 đến lớp 12.")
        if self.grade_min > self.grade_max:
            raise PublishError("“Từ lớp” phải nhỏ hơn hoặc bằng “đến lớp”.")


def is_draft(course: Course) -> bool:
    """Tell whether the course is loaded but not yet offered to anyone."""
    return course.current_version_id is None


def publish_course(session: Session, course: Course, audiences: Audiences) -> CourseVersion:
    """Set who draft ``course`` is for and offer its newest version to them.

    A published course keeps its audience: learners' records and the coverage counted so far
    were made for it. The caller records the audit event and commits.

    :raises PublishError: when the course is already published, nothing was loaded, or the
        choice is not valid.
    """
    if not is_draft(course):
        raise PublishError("Khóa học này đã được công bố; đối tượng học không đổi được nữa.")
    audiences.check()
    version = latest_version(session, course)
    if version is None:
        raise PublishError("Khóa học chưa có phiên bản nào được nạp.")
    course.audience = audiences.audience
    course.grade_min = audiences.grade_min
    course.grade_max = audiences.grade_max
    course.current_version_id = version.id
    session.flush()
    session.refresh(course)
    return version
