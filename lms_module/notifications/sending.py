"""Deliver messages: record each one first (once per person, event and channel), then send.

A message is written to ``lms_notification`` with ``INSERT ... ON CONFLICT DO NOTHING`` on
``(user_id, event_key, channel)`` and committed *before* anything leaves: a row that already
existed means the message went (or was being sent) before, so nothing is sent again, however
often the sweep runs or however many workers run it. The in-app notice is the row itself
(``sent`` at once). An e-mail is recorded ``pending``, then handed to the SMTP server and
marked ``sent`` or ``failed``; one whose sending was cut off (a worker killed between the two
commits) stays ``pending`` and is never sent again: a missed e-mail is better than a double.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.core.urls import public_url
from lms_module.db import dialect_insert, utcnow
from lms_module.notifications.models import Channel, DeliveryResult, NoticeKind, Notification

#: Seconds to wait for the SMTP server.
SMTP_TIMEOUT = 30


@dataclass(frozen=True)
class Message:
    """One message for one person, already written in their language."""

    user_id: int
    kind: NoticeKind
    event_key: str
    language: str
    subject: str
    body: str
    #: A path inside the module (the e-mail carries it as an absolute link).
    link: str = ""
    #: The e-mail address to send to as well (``None``: in-app only).
    email: str | None = None
    org_unit_id: int | None = None
    about_user_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Delivered:
    """What :func:`deliver` did."""

    recorded: int = 0
    emailed: int = 0
    failed: int = 0
    #: Messages whose event had been recorded before (not sent again).
    skipped: int = 0


def mail_enabled(config: Mapping[str, Any]) -> bool:
    """Tell whether e-mail is configured (``LMS_SMTP_HOST``)."""
    return bool(config.get("LMS_SMTP_HOST"))


def deliver(session: Session, messages: Iterable[Message], config: Mapping[str, Any]) -> Delivered:
    """Record ``messages`` (committing), then send the e-mails among the new ones.

    Commits ``session`` (the record must be durable before an e-mail leaves).
    """
    done = Delivered()
    to_send: list[tuple[int, Message]] = []
    now = utcnow()
    messages = list(messages)
    recorded = _recorded(session, messages)
    table = Notification.__table__
    for message in messages:
        channels = [Channel.IN_APP]
        if message.email and mail_enabled(config):
            channels.append(Channel.EMAIL)
        for channel in channels:
            email = channel is Channel.EMAIL
            if (message.user_id, message.event_key, channel) in recorded:
                done.skipped += 1  # the usual case of an hourly sweep: no INSERT tried
                continue
            new_id = session.scalar(
                dialect_insert(session, table)
                .values(
                    user_id=message.user_id, kind=message.kind, event_key=message.event_key,
                    channel=channel, language=message.language, subject=message.subject[:300],
                    body=message.body, link=message.link[:500],
                    org_unit_id=message.org_unit_id, about_user_id=message.about_user_id,
                    data=dict(message.data),
                    result=DeliveryResult.PENDING if email else DeliveryResult.SENT,
                    detail=(message.email or "")[:500] if email else "",
                    sent_at=None if email else now, created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["user_id", "event_key", "channel"])
                .returning(table.c.id)
            )
            if new_id is None:
                done.skipped += 1
                continue
            done.recorded += 1
            if email:
                to_send.append((new_id, message))
    session.commit()
    for notification_id, message in to_send:
        assert message.email is not None
        row = session.get_one(Notification, notification_id)
        try:
            send_email(config, message.email, message.subject, _email_text(message))
        except (OSError, smtplib.SMTPException) as error:
            row.result = DeliveryResult.FAILED
            row.detail = f"{message.email}: {error}"[:500]
            done.failed += 1
        else:
            row.result = DeliveryResult.SENT
            row.sent_at = utcnow()
            done.emailed += 1
        session.commit()
    return done


def _recorded(session: Session, messages: list[Message]) -> set[tuple[int, str, Channel]]:
    """The (person, event, channel) of ``messages`` recorded before, in one query."""
    if not messages:
        return set()
    rows = session.execute(
        select(Notification.user_id, Notification.event_key, Notification.channel).where(
            Notification.user_id.in_({m.user_id for m in messages}),
            Notification.event_key.in_({m.event_key for m in messages}),
        )
    ).all()
    return {(user_id, key, Channel(channel)) for user_id, key, channel in rows}


def recorded_events(
    session: Session, events: Iterable[tuple[int, str]]
) -> set[tuple[int, str]]:
    """The (person, event key) pairs of ``events`` recorded before on any channel."""
    events = list(events)
    if not events:
        return set()
    wanted = set(events)
    rows = session.execute(
        select(Notification.user_id, Notification.event_key).where(
            Notification.user_id.in_({user_id for user_id, _key in events}),
            Notification.event_key.in_({key for _user_id, key in events}),
        ).distinct()
    ).all()
    return {(user_id, key) for user_id, key in rows if (user_id, key) in wanted}


def _email_text(message: Message) -> str:
    """The e-mail's body: the message and its absolute link."""
    if not message.link:
        return message.body
    return f"{message.body}\n\n{public_url(message.link)}\n"


def send_email(config: Mapping[str, Any], to: str, subject: str, text: str) -> None:
    """Send one plain-text e-mail through the configured SMTP server (``LMS_SMTP_*``)."""
    host = str(config["LMS_SMTP_HOST"])
    port = int(config.get("LMS_SMTP_PORT") or 25)
    security = str(config.get("LMS_SMTP_SECURITY") or "starttls").lower()
    sender = config.get("LMS_MAIL_FROM") or formataddr(("Trường học an toàn", f"no-reply@{host}"))
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Message-ID"] = make_msgid(domain=host)
    email.set_content(text)
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        username = config.get("LMS_SMTP_USERNAME")
        if username:
            smtp.login(str(username), str(config.get("LMS_SMTP_PASSWORD") or ""))
        smtp.send_message(email)

