"""Courses, their loaded versions and blocks, and what each learner did in them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum, utcnow
from lms_module.people.models import Role

#: Longest usage or definition id (``block-v1:<slug>+type@<type>+block@<url_name>``).
BLOCK_ID_LENGTH = 255


class Audience(enum.StrEnum):
    """Who a course is written for."""

    STUDENT = "student"
    TEACHER = "teacher"
    STAFF = "staff"
    MANAGER = "manager"
    PARENT = "parent"


#: The role whose members make up each audience (of a target, an assignment, a course).
#: A target for parents counts families, not parents (``coverage.families``).
AUDIENCE_ROLES: dict[Audience, Role] = {
    Audience.STUDENT: Role.STUDENT,
    Audience.TEACHER: Role.TEACHER,
    Audience.STAFF: Role.STAFF,
    Audience.MANAGER: Role.SCHOOL_MANAGER,
    Audience.PARENT: Role.PARENT,
}
#: The audience each of those roles belongs to (the same mapping, read the other way).
ROLE_AUDIENCES: dict[Role, Audience] = {role: audience for audience, role in AUDIENCE_ROLES.items()}


class Course(Base):
    """A course: its metadata comes from the root of its OLX; its body from the current version."""

    __tablename__ = "lms_course"
    __table_args__ = (
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 1", name="pass_mark_range"),
        CheckConstraint(
            "grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max",
            name="grade_band",
        ),
    )

    id: Mapped[IntPK]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "audience"))
    grade_min: Mapped[int | None] = mapped_column(SmallInteger)
    grade_max: Mapped[int | None] = mapped_column(SmallInteger)
    #: In-service training periods (tiết) a completion earns; 0 for student courses.
    credit_periods: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: Weighted score (0..1) a learner needs to complete the course.
    pass_mark: Mapped[float] = mapped_column(Float, default=0.0)
    #: How long a completion (and its certificate) stays valid; ``None``: no expiry.
    validity_months: Mapped[int | None] = mapped_column(SmallInteger)
    #: Completions stay valid until the end of the school year they fall in (31 July): the
    #: student courses, which a learner takes again each year at their new grade.
    valid_for_school_year: Mapped[bool] = mapped_column(default=False, server_default=false())
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_course_version.id", use_alter=True)
    )
    created_at: Mapped[Timestamp]

    current_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.slug!r}>"

    def title(self, language: str) -> str:
        """Return the title in ``language`` ("en" or Vietnamese), falling back to Vietnamese."""
        return self.title_en if language == "en" and self.title_en else self.title_vi


class CourseVersion(Base):
    """One load of a course's OLX; a changed re-load makes a new version."""

    __tablename__ = "lms_course_version"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    number: Mapped[int]
    #: SHA-256 of the OLX files (names and bytes): an unchanged re-load adds no version.
    olx_hash: Mapped[str] = mapped_column(String(64))
    root_usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    loaded_at: Mapped[Timestamp]
    #: The import report: block counts, unknown block types, warnings.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    course: Mapped[Course] = relationship(foreign_keys=[course_id])

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.number}>"


class BlockUsage(Base):
    """A block of a course version, in outline order; its usage id is stable across versions."""

    __tablename__ = "lms_block_usage"
    __table_args__ = (
        UniqueConstraint("course_version_id", "usage_id"),
        Index("ix_lms_block_usage_usage_id", "usage_id"),
    )

    id: Mapped[IntPK]
    course_version_id: Mapped[int] = mapped_column(ForeignKey("lms_course_version.id"))
    usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    definition_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    block_type: Mapped[str] = mapped_column(String(64))
    url_name: Mapped[str] = mapped_column(String(120))
    parent_usage_id: Mapped[str | None] = mapped_column(String(BLOCK_ID_LENGTH))
    #: Pre-order position in the course tree (the outline and previous/next order).
    position: Mapped[int]
    depth: Mapped[int] = mapped_column(SmallInteger)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    display_name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Open edX completion mode: "completable", "aggregator" or "excluded".
    completion_mode: Mapped[str] = mapped_column(String(20))
    has_score: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    #: The OLX tag was not a known block type: shown as a placeholder.
    is_placeholder: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<BlockUsage {self.usage_id!r}>"

    def title(self, language: str) -> str:
        """Return the block's title in ``language`` ("en" or Vietnamese), falling back to
        Vietnamese (the outline, the breadcrumb and the results name blocks by it)."""
        return self.display_name_en if language == "en" and self.display_name_en else (
            self.display_name
        )


class CourseAsset(Base):
    """A file of the course's ``static/`` folder, served to learners of that version."""

    __tablename__ = "lms_course_asset"
    __table_args__ = (UniqueConstraint("course_version_id", "path"),)

    id: Mapped[IntPK]
    course_version_id: Mapped[int] = mapped_column(ForeignKey("lms_course_version.id"))
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SharedFieldValue(Base):
    """XBlock field data not tied to one learner: content, settings, children, summaries.

    ``block_scope_id`` is a usage id, a definition id or a block type (by the field's block
    scope), or "" for fields shared by every block.
    """

    __tablename__ = "lms_xblock_shared_field"
    __table_args__ = (UniqueConstraint("scope", "block_scope_id", "field_name"),)

    id: Mapped[IntPK]
    scope: Mapped[str] = mapped_column(String(40))
    block_scope_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    field_name: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)


class LearnerFieldValue(Base):
    """XBlock field data of one learner: user state, preferences, user info."""

    __tablename__ = "lms_xblock_learner_field"
    __table_args__ = (UniqueConstraint("user_id", "scope", "block_scope_id", "field_name"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    scope: Mapped[str] = mapped_column(String(40))
    block_scope_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    field_name: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Attempt(Base):
    """A graded submission (an XBlock ``grade`` event), kept as history; the latest one is the
    block's score (:class:`BlockScore`)."""

    __tablename__ = "lms_attempt"
    __table_args__ = (Index("ix_lms_attempt_user_usage", "user_id", "usage_id", "at"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    at: Mapped[Timestamp]


class BlockScore(Base):
    """A learner's current score in one block: their latest attempt's (Open edX keeps it on
    ``StudentModule``, the history apart). What progress reads, one row per block, however
    many times the learner tried; :class:`Attempt` keeps every try."""

    __tablename__ = "lms_block_score"
    __table_args__ = (UniqueConstraint("user_id", "usage_id"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    #: When the attempt was made (a course opened again counts only scores since).
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BlockCompletion(Base):
    """How far (0..1) a learner has completed one block (an XBlock ``completion`` event)."""

    __tablename__ = "lms_block_completion"
    __table_args__ = (
        UniqueConstraint("user_id", "usage_id"),
        CheckConstraint("completion >= 0 AND completion <= 1", name="completion_range"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    completion: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Completion(Base):
    """A learner completed a course version with a passing score: one row, ever."""

    __tablename__ = "lms_completion"
    __table_args__ = (UniqueConstraint("user_id", "course_version_id", "attempt"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("lms_course_version.id"), index=True)
    #: The learner's attempt at the course (:class:`CourseAttempt`) this completes: 1 the first
    #: time, 2 after a renewal or re-training opened the course again...
    attempt: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    score: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[Timestamp]
    #: Set when attending a session held in person (``in_person``) was the completion.
    in_person_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_in_person_session.id"), index=True
    )

    course_version: Mapped[CourseVersion] = relationship()


class AttemptReason(enum.StrEnum):
    """Why a course was opened again for a learner."""

    #: Their certificate expires (or is about to): take it again for a new one.
    RENEWAL = "renewal"
    #: A corrected course version requires re-training of people certified before a date.
    RETRAINING = "retraining"


class CourseAttempt(Base):
    """A course opened again for one learner (attempt 2, 3...); attempt 1 has no row.

    The learner's progress in the course counts from ``opened_at``: earlier block completions,
    answers and scores stay as history but no longer count, and completing the course again
    records a completion of this attempt, which issues a new certificate.
    """

    __tablename__ = "lms_course_attempt"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "number"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    number: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[AttemptReason] = mapped_column(string_enum(AttemptReason, "attempt_reason"))
    #: The certificate being renewed or replaced by re-training, if any.
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificate.id"))
    opened_at: Mapped[Timestamp]


class RetrainingRule(Base):
    """"Everyone certified in this course before <date> must take it again by <date>".

    Set per course when a version changes what matters; certificates issued before
    ``issued_before`` stop counting after ``retrain_by`` (their ``retrain_by``), the others keep
    theirs.
    """

    __tablename__ = "lms_retraining_rule"

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    #: The version that made the change (for the record).
    course_version_id: Mapped[int | None] = mapped_column(ForeignKey("lms_course_version.id"))
    issued_before: Mapped[dt.date] = mapped_column(Date)
    retrain_by: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    created_at: Mapped[Timestamp]


class LearnerPosition(Base):
    """The unit a learner last opened in a course ("resume where I left")."""

    __tablename__ = "lms_learner_position"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class TalkCard(Base):
    """A "Cùng con trò chuyện" card: for one unit of a student course version, what the child
    learned and two questions to ask at home (loaded with the course, read by parents)."""

    __tablename__ = "lms_talk_card"
    __table_args__ = (UniqueConstraint("course_version_id", "unit_usage_id"),)

    id: Mapped[IntPK]
    course_version_id: Mapped[int] = mapped_column(ForeignKey("lms_course_version.id"))
    #: The unit (chapter) of the student course the card goes with.
    unit_usage_id: Mapped[str] = mapped_column(String(BLOCK_ID_LENGTH))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    learned_vi: Mapped[str] = mapped_column(String(1000))
    learned_en: Mapped[str] = mapped_column(String(1000), default="")
    questions_vi: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions_en: Mapped[list[str]] = mapped_column(JSON, default=list)
