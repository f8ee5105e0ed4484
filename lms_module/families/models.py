"""Families: who is linked to which child, the letters that link them, and consent."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, DateTime, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum
from lms_module.people.models import User


class Family(Base):
    """A household as the system knows it: the children and the adults linked to them.

    Linking an adult to a child puts both in one family (merging two families when each
    already had one), so siblings linked to the same parent are one family.
    """

    __tablename__ = "lms_family"

    id: Mapped[IntPK]
    created_at: Mapped[Timestamp]


class Kinship(enum.StrEnum):
    """How an adult is related to the child (as the adult says)."""

    MOTHER = "mother"
    FATHER = "father"
    GRANDPARENT = "grandparent"
    CAREGIVER = "caregiver"
    OTHER = "other"


class LinkSource(enum.StrEnum):
    """How a link came to be."""

    #: The parent used the code of a parent letter the school printed.
    LETTER = "letter"
    #: A teacher recorded the adult at a parents' meeting (an adult without a sign-in).
    MEETING = "meeting"


class ParentLink(Base):
    """An adult linked to a child (a child may have several adults, an adult several
    children). Ended, not deleted, when consent is withdrawn or the school unlinks."""

    __tablename__ = "lms_parent_link"
    __table_args__ = (UniqueConstraint("adult_user_id", "child_user_id"),)

    id: Mapped[IntPK]
    adult_user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    child_user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"), index=True)
    kinship: Mapped[Kinship] = mapped_column(string_enum(Kinship, "kinship"))
    source: Mapped[LinkSource] = mapped_column(string_enum(LinkSource, "link_source"))
    #: The letter whose code made the link (``None`` for a meeting).
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("lms_parent_letter.id"))
    linked_at: Mapped[Timestamp]
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    adult: Mapped[User] = relationship(foreign_keys=[adult_user_id])
    child: Mapped[User] = relationship(foreign_keys=[child_user_id])


class ParentLetter(Base):
    """A printed parent letter's code: it links up to ``max_uses`` adults to the child until it
    expires or is revoked (printing the class's letters again revokes the older ones)."""

    __tablename__ = "lms_parent_letter"
    __table_args__ = (Index("ix_lms_parent_letter_child", "child_user_id", "revoked_at"),)

    id: Mapped[IntPK]
    #: The short code typed or read from the QR code, without separators, in capitals.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    child_user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("lms_org_unit.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    created_at: Mapped[Timestamp]
    expires_on: Mapped[dt.date] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    uses: Mapped[int] = mapped_column(SmallInteger, default=0)
    max_uses: Mapped[int] = mapped_column(SmallInteger, default=2)

    child: Mapped[User] = relationship(foreign_keys=[child_user_id])


class ConsentAnswer(enum.StrEnum):
    """A parent's answer to the privacy notice."""

    GIVEN = "given"
    REFUSED = "refused"


class ConsentRecord(Base):
    """A parent's answer to one version of the privacy notice for one child, and its
    withdrawal. A new answer is a new row; the latest row is the standing answer."""

    __tablename__ = "lms_consent_record"
    __table_args__ = (Index("ix_lms_consent_record_child", "child_user_id", "answered_at"),)

    id: Mapped[IntPK]
    #: The adult who answered; ``None`` for a refusal given with a letter's code by someone
    #: who made no account (``letter_id`` says which letter).
    adult_user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"), index=True)
    child_user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("lms_parent_letter.id"))
    notice_version: Mapped[str] = mapped_column(String(20))
    answer: Mapped[ConsentAnswer] = mapped_column(string_enum(ConsentAnswer, "consent_answer"))
    answered_at: Mapped[Timestamp]
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DataRequestKind(enum.StrEnum):
    """What a parent asked the school to do with their child's data."""

    EXPORT = "export"
    ERASE = "erase"


class DataRequest(Base):
    """A request about a child's data (an export, an erasure) and when the school acted on it.

    Decree 356/2025 asks for withdrawal and erasure requests to be handled within 15 days, so
    pending requests stay on the school manager's list until they are done or refused.
    """

    __tablename__ = "lms_data_request"
    __table_args__ = (Index("ix_lms_data_request_child", "child_user_id", "done_at"),)

    id: Mapped[IntPK]
    kind: Mapped[DataRequestKind] = mapped_column(string_enum(DataRequestKind, "data_request"))
    child_user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id"))
    #: The school that must act (the child's school when the request was made).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    requested_at: Mapped[Timestamp]
    note: Mapped[str | None] = mapped_column(String(500))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"))
    #: "done" or "refused" (with the reason in ``note``).
    outcome: Mapped[str | None] = mapped_column(String(20))
