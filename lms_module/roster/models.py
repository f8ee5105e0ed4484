"""Roster uploads kept between preview and confirmation (the app holds no state in memory)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lms_module.db import Base, IntPK, Timestamp, string_enum


class RosterKind(enum.StrEnum):
    """What a roster file lists."""

    STUDENTS = "students"
    STAFF = "staff"
    UNITS = "units"


class UploadStatus(enum.StrEnum):
    """Where an upload stands: waiting for confirmation, imported, or given up."""

    PENDING = "pending"
    IMPORTED = "imported"
    CANCELLED = "cancelled"


class RosterUpload(Base):
    """An uploaded roster file, re-read at confirmation; its bytes are erased once done."""

    __tablename__ = "lms_roster_upload"
    __table_args__ = (Index("ix_lms_roster_upload_status_created", "status", "created_at"),)

    id: Mapped[IntPK]
    uploader_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    kind: Mapped[RosterKind] = mapped_column(string_enum(RosterKind, "roster_kind"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    #: The file as uploaded; emptied after import or cancellation (children's personal data).
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]
    status: Mapped[UploadStatus] = mapped_column(
        string_enum(UploadStatus, "upload_status"), default=UploadStatus.PENDING
    )

    def __repr__(self) -> str:
        return f"<RosterUpload {self.id} {self.kind} {self.status}>"
