"""What a school or office sends: the nearest unit up the tree with settings decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.notifications.models import NoticeKind, NoticeSettings
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import User


@dataclass(frozen=True)
class EffectiveSettings:
    """The settings that apply at a unit, and the unit they come from (``None``: defaults)."""

    disabled_kinds: frozenset[str]
    days_before: int
    escalate_after_days: int
    office_share_percent: float
    email_learners: bool
    from_unit_id: int | None = None

    def sends(self, kind: NoticeKind) -> bool:
        """Tell whether messages of ``kind`` are switched on."""
        return kind.value not in self.disabled_kinds


#: What applies where no unit up the tree has settings.
DEFAULT_SETTINGS = EffectiveSettings(
    disabled_kinds=frozenset(), days_before=7, escalate_after_days=14,
    office_share_percent=20.0, email_learners=False,
)

#: Units whose settings an office reviewer sets (the office threshold lives there).
OFFICE_KINDS = (OrgKind.MINISTRY, OrgKind.PROVINCE, OrgKind.LEGACY_DISTRICT, OrgKind.COMMUNE)


def _effective(row: NoticeSettings | None, office_row: NoticeSettings | None) -> EffectiveSettings:
    base = DEFAULT_SETTINGS if row is None else EffectiveSettings(
        disabled_kinds=frozenset(row.disabled_kinds or ()),
        days_before=row.days_before,
        escalate_after_days=row.escalate_after_days,
        office_share_percent=DEFAULT_SETTINGS.office_share_percent,
        email_learners=row.email_learners,
        from_unit_id=row.org_unit_id,
    )
    share = office_row.office_share_percent if office_row is not None else (
        DEFAULT_SETTINGS.office_share_percent
    )
    return EffectiveSettings(
        base.disabled_kinds, base.days_before, base.escalate_after_days, share,
        base.email_learners, base.from_unit_id,
    )


def settings_for_units(
    session: Session, units: Iterable[OrgUnit]
) -> dict[int, EffectiveSettings]:
    """Return the settings that apply at each of ``units`` (one query for all of them).

    The nearest unit up the tree (the unit itself included) with a row decides, except for
    the office threshold, which only an office unit's row sets (a school cannot raise the bar
    its office is warned at).
    """
    units = list(units)
    ancestor_ids = {unit_id for unit in units for unit_id in unit.ancestor_ids}
    rows = {
        row.org_unit_id: row
        for row in session.scalars(
            select(NoticeSettings).where(NoticeSettings.org_unit_id.in_(ancestor_ids))
        )
    }
    office_units = set(session.scalars(
        select(OrgUnit.id).where(OrgUnit.id.in_(rows), OrgUnit.kind.in_(OFFICE_KINDS))
    )) if rows else set()
    found = {}
    for unit in units:
        nearest = reversed(unit.ancestor_ids)
        chain = [rows[i] for i in nearest if i in rows]
        office = next((row for row in chain if row.org_unit_id in office_units), None)
        found[unit.id] = _effective(chain[0] if chain else None, office)
    return found


def settings_for(session: Session, unit: OrgUnit) -> EffectiveSettings:
    """Return the settings that apply at ``unit`` (see :func:`settings_for_units`)."""
    return settings_for_units(session, [unit])[unit.id]


def save_settings(
    session: Session,
    unit: OrgUnit,
    actor: User,
    *,
    enabled_kinds: Iterable[NoticeKind],
    days_before: int,
    escalate_after_days: int,
    email_learners: bool,
    office_share_percent: float | None = None,
    ip: str | None = None,
) -> NoticeSettings:
    """Store what ``unit`` sends (from now on, for its subtree) and audit the change.

    :param office_share_percent: the office threshold; ``None`` keeps it as it is (only an
        office reviewer at an office unit sets it).
    """
    row = session.scalar(select(NoticeSettings).where(NoticeSettings.org_unit_id == unit.id))
    if row is None:
        row = NoticeSettings(org_unit_id=unit.id)
        session.add(row)
    enabled = {kind.value for kind in enabled_kinds}
    row.disabled_kinds = sorted(kind.value for kind in NoticeKind if kind.value not in enabled)
    row.days_before = days_before
    row.escalate_after_days = escalate_after_days
    row.email_learners = email_learners
    if office_share_percent is not None:
        row.office_share_percent = office_share_percent
    elif row.office_share_percent is None:
        row.office_share_percent = DEFAULT_SETTINGS.office_share_percent
    row.updated_by_id = actor.id
    session.flush()
    record_event(
        session, "notice_settings_changed", actor_id=actor.id, org_unit_id=unit.id, ip=ip,
        disabled_kinds=row.disabled_kinds, days_before=days_before,
        escalate_after_days=escalate_after_days, email_learners=email_learners,
        office_share_percent=row.office_share_percent,
    )
    return row
