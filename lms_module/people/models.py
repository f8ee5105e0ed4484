"""People: login identities and their memberships (role at an org unit in a school year)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Name, Timestamp, string_enum
from lms_module.orgs.models import OrgUnit


class Role(enum.StrEnum):
    """What a person does at an org unit."""

    STUDENT = "student"
    TEACHER = "teacher"
    STAFF = "staff"
    SCHOOL_MANAGER = "school_manager"
    OFFICE_REVIEWER = "office_reviewer"
    CONTENT_AUTHOR = "content_author"
    ADMIN = "admin"
    #: A parent or caregiver linked to a child (``families``): a membership at the child's
    #: school, held while a link to a child of that school lasts.
    PARENT = "parent"


#: Roles of the adults who work in a school: they take the adults' courses, keep their
#: memberships from one school year to the next and hold certificates issued by their school.
ADULT_ROLES = (Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER)
#: Roles held in an education office (or for the whole system): certificates issued there.
OFFICE_ROLES = (Role.OFFICE_REVIEWER, Role.ADMIN, Role.CONTENT_AUTHOR)


class User(Base):
    """A login identity. Deliberately no date of birth: a class's grade is enough."""

    __tablename__ = "lms_user"
    __table_args__ = (
        # A national code (the sector database's student code, a citizen ID) is unique in the
        # whole system; a code the school made up is unique within its school only.
        Index(
            "uq_lms_user_national_student_code",
            "student_code",
            unique=True,
            sqlite_where=text("student_code_school_id IS NULL"),
            postgresql_where=text("student_code_school_id IS NULL"),
        ),
        Index("uq_lms_user_school_student_code", "student_code_school_id", "student_code",
              unique=True),
    )

    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[Name]
    #: Student code, stored normalized (upper case). National codes (mã định danh from the
    #: sector database, citizen IDs) have no school; codes a school made up, or the system
    #: made for a list without codes, belong to ``student_code_school_id``.
    student_code: Mapped[str | None] = mapped_column(String(20))
    student_code_school_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"))
    staff_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    #: The language the person reads messages in ("vi", "en"); ``None``: the default (Vietnamese).
    language: Mapped[str | None] = mapped_column(String(5))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Bumped to revoke every printed QR login card of this user at once.
    login_card_version: Mapped[int] = mapped_column(default=1)
    #: Every signed-in session carries the version it started with; bumping it (sign-out, card
    #: revocation, new password, deactivation) ends every session of this user at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    active: Mapped[bool] = mapped_column(default=True)
    #: The family (children and the adults linked to them) this person belongs to; ``None``
    #: for a child no adult is linked to (a family of one) and for adults without children.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("lms_family.id"), index=True)
    created_at: Mapped[Timestamp]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Membership(Base):
    """A role held by a user at an org unit (for students and staff: in a school year)."""

    __tablename__ = "lms_membership"
    __table_args__ = (
        Index("ix_lms_membership_unit_role", "org_unit_id", "role", "active"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    school_year: Mapped[str | None] = mapped_column(String(9))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    #: The day the person joined the unit (a due date "N days after joining" counts from it);
    #: ``None``: the day the membership was recorded.
    started_on: Mapped[dt.date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="memberships")
    org_unit: Mapped[OrgUnit] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} {self.role} at {self.org_unit_id}>"


class ClassDuty(enum.StrEnum):
    """Why a teacher sees a class: homeroom teacher (GVCN) or a teacher of one of its subjects."""

    HOMEROOM = "homeroom"
    SUBJECT = "subject"


class TeachingAssignment(Base):
    """A teacher's duty for a class in a school year (imported from the staff roster)."""

    __tablename__ = "lms_teaching_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "class_unit_id", "school_year", "duty"),
        Index("ix_lms_teaching_assignment_class", "class_unit_id", "school_year"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    class_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    duty: Mapped[ClassDuty] = mapped_column(string_enum(ClassDuty, "class_duty"))
    created_at: Mapped[Timestamp]

    user: Mapped[User] = relationship()
    class_unit: Mapped[OrgUnit] = relationship()

    def __repr__(self) -> str:
        return f"<TeachingAssignment user={self.user_id} {self.duty} of {self.class_unit_id}>"
