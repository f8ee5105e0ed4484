"""Record audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms_module.audit.models import AuditEvent


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    subject_user_id: int | None = None,
    org_unit_id: int | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable with its work."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_user_id=subject_user_id,
        org_unit_id=org_unit_id,
        ip=ip,
        detail=detail,
    )
    session.add(event)
    return event
