"""Org units: the ministry-province-commune-school-class tree."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Name, PathString, Timestamp, string_enum


class OrgKind(enum.StrEnum):
    """What an org unit is; the order is the usual top-to-bottom order."""

    MINISTRY = "ministry"
    PROVINCE = "province"
    LEGACY_DISTRICT = "legacy_district"
    COMMUNE = "commune"
    SCHOOL = "school"
    CLASS = "class"


class SchoolLevel(enum.StrEnum):
    """Level of a school (cấp học)."""

    PRESCHOOL = "mam_non"
    PRIMARY = "tieu_hoc"
    LOWER_SECONDARY = "thcs"
    UPPER_SECONDARY = "thpt"
    MULTI_LEVEL = "lien_cap"
    CONTINUING = "gdtx"


class OrgUnit(Base):
    """A node of the org tree; ``path`` holds the ids from the root, e.g. ``/1/7/42/``."""

    __tablename__ = "lms_org_unit"
    __table_args__ = (
        CheckConstraint("grade IS NULL OR (grade BETWEEN 1 AND 12)", name="grade_range"),
        Index("ix_lms_org_unit_path", "path", unique=True),
    )

    id: Mapped[IntPK]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    kind: Mapped[OrgKind] = mapped_column(string_enum(OrgKind, "org_kind"))
    #: Official code (mã đơn vị), unique; roster files and imports refer to units by it.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[Name]
    path: Mapped[str] = mapped_column(PathString, default="")
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)
    school_level: Mapped[SchoolLevel | None] = mapped_column(
        string_enum(SchoolLevel, "school_level")
    )
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    school_year: Mapped[str | None] = mapped_column(String(9))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.kind} {self.code!r}>"

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit (inclusive)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]
