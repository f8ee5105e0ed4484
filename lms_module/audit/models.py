"""Audit trail: who did what to whom, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms_module.db import Base, IntPK, Timestamp


class AuditEvent(Base):
    """One recorded action: sign-ins, imports, views of personal data, revocations."""

    __tablename__ = "lms_audit_event"

    id: Mapped[IntPK]
    at: Mapped[Timestamp] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
