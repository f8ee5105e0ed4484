"""Messages sent to people, and what a school (or office) has chosen to send."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User


class NoticeKind(enum.StrEnum):
    """Why a message is sent."""

    #: N days before a due date.
    DUE_SOON = "due_soon"
    #: On the due date.
    DUE_TODAY = "due_today"
    #: After the due date, not yet done.
    OVERDUE = "overdue"
    #: A certificate expires within the expiring window: take the course again.
    RENEWAL = "renewal"
    #: To a school manager: a teacher's or staff member's training is overdue by N days.
    ESCALATION_MANAGER = "escalation_manager"
    #: To an office reviewer: a school's share of overdue adults passed the threshold.
    ESCALATION_OFFICE = "escalation_office"
    #: Weekly, to school managers: who is overdue, by class and role.
    WEEKLY_DIGEST = "weekly_digest"
    #: Monthly, to office reviewers: their subtree's targets at risk (counts only).
    MONTHLY_DIGEST = "monthly_digest"


class Channel(enum.StrEnum):
    """How a message reaches its person."""

    IN_APP = "in_app"
    EMAIL = "email"


class DeliveryResult(enum.StrEnum):
    """What became of a message on its channel."""

    #: Recorded, being sent (an e-mail whose sending was cut off stays here: never re-sent).
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Base):
    """One message to one person on one channel, for one event: recorded before it is sent.

    ``(user_id, event_key, channel)`` is unique: the event key names what happened ("due soon,
    requirement 3, due 31/05/2027") so the same event never sends twice, however often the
    sweep runs or however many workers run it.
    """

    __tablename__ = "lms_notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", "channel"),
        Index("ix_lms_notification_user_created", "user_id", "created_at"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    kind: Mapped[NoticeKind] = mapped_column(string_enum(NoticeKind, "notice_kind"))
    event_key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "channel"))
    #: The language it was written in ("vi" or "en").
    language: Mapped[str] = mapped_column(String(5), default="vi")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: Where to act (a path inside the module, e.g. the course or the training-status page).
    link: Mapped[str] = mapped_column(String(500), default="")
    #: The unit it is about (the school of an escalation, the manager's school of a digest).
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"))
    #: The person it is about, for escalations (a teacher whose training is overdue).
    about_user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    #: Figures of a digest or escalation (counts only), for the to-do list and tests.
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    result: Mapped[DeliveryResult] = mapped_column(
        string_enum(DeliveryResult, "delivery_result"), default=DeliveryResult.PENDING
    )
    #: The e-mail address it went to, or why it failed.
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[Timestamp]
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: Read (in-app), or done/dismissed for a to-do.
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit | None] = relationship()


class NoticeSettings(Base):
    """What a school or office sends; the nearest unit up the tree with settings decides.

    Without any row, :data:`~lms_module.notifications.settings.DEFAULT_SETTINGS` apply.
    """

    __tablename__ = "lms_notice_settings"
    __table_args__ = (
        CheckConstraint("days_before >= 0 AND days_before <= 90", name="days_before_range"),
        CheckConstraint(
            "escalate_after_days >= 0 AND escalate_after_days <= 365", name="escalate_range"
        ),
        CheckConstraint(
            "office_share_percent > 0 AND office_share_percent <= 100", name="share_range"
        ),
    )

    id: Mapped[IntPK]
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"), unique=True)
    #: Kinds switched off here (values of :class:`NoticeKind`).
    disabled_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The "due soon" reminder goes this many days before the due date.
    days_before: Mapped[int] = mapped_column(SmallInteger, default=7)
    #: A school manager hears of an adult overdue by this many days.
    escalate_after_days: Mapped[int] = mapped_column(SmallInteger, default=14)
    #: The office reviewer hears of a school where this share of adults is overdue.
    office_share_percent: Mapped[float] = mapped_column(Float, default=20.0)
    #: E-mail also to students and parents who have an address (off: in-app only).
    email_learners: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    updated_at: Mapped[Timestamp]

    org_unit: Mapped[OrgUnit] = relationship()
