"""How far each obliged person has got (finished, in progress, not started) and what a school
or a class should do next, read from the one obligations query.

*Finished* is *covered* (:func:`~lms_module.obligations.query.obligations`: a valid certificate
on the reporting date, the rule the coverage figures count with), so a class's finished
students are exactly its covered population. *In progress* is not covered but begun: the
person opened a unit, completed a block or answered a question in one of the courses that
meet the obligation (:func:`started_courses`). *Not started* is everything else.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from lms_module.learning.models import (
    Attempt,
    BlockCompletion,
    Completion,
    CourseVersion,
    LearnerPosition,
)
from lms_module.obligations.query import Obligation, obligations
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import ADULT_ROLES, Role

#: User ids per statement when looking up who started what.
USERS_PER_STATEMENT = 500


class Progress(enum.StrEnum):
    """How far a person has got with one obligation."""

    FINISHED = "finished"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"


#: The order the groups are shown in, and "least advanced" first for a person's overall state.
PROGRESS_ORDER = (Progress.NOT_STARTED, Progress.IN_PROGRESS, Progress.FINISHED)


@dataclass(frozen=True)
class ObligationProgress:
    """An obligation and how far its person has got."""

    obligation: Obligation
    progress: Progress


def obligation_progress(
    session: Session, *, school_year: str, today: dt.date, within: OrgUnit
) -> list[ObligationProgress]:
    """Return every obligation in ``within``'s subtree with its progress (the order of
    :func:`~lms_module.obligations.query.obligations`)."""
    rows = obligations(session, school_year=school_year, today=today, within=within)
    pending = [o for o in rows if not o.covered]
    started = started_courses(
        session,
        {o.user_id for o in pending},
        {course_id for o in pending for course_id in o.course_ids},
    )
    result = []
    for row in rows:
        if row.covered:
            progress = Progress.FINISHED
        elif any((row.user_id, course_id) in started for course_id in row.course_ids):
            progress = Progress.IN_PROGRESS
        else:
            progress = Progress.NOT_STARTED
        result.append(ObligationProgress(row, progress))
    return result


def started_courses(
    session: Session, user_ids: Iterable[int], course_ids: Iterable[int]
) -> set[tuple[int, int]]:
    """Return the (user, course) pairs, among those given, where the user has begun the course:
    a unit opened, a block completed (even partly), an answer given or a completion recorded."""
    courses = sorted(set(course_ids))
    users = sorted(set(user_ids))
    found: set[tuple[int, int]] = set()
    if not courses:
        return found
    for start in range(0, len(users), USERS_PER_STATEMENT):
        chunk = users[start:start + USERS_PER_STATEMENT]
        evidence = [
            select(LearnerPosition.user_id, LearnerPosition.course_id).where(
                LearnerPosition.user_id.in_(chunk), LearnerPosition.course_id.in_(courses)
            ),
            select(BlockCompletion.user_id, BlockCompletion.course_id).where(
                BlockCompletion.user_id.in_(chunk), BlockCompletion.course_id.in_(courses),
                BlockCompletion.completion > 0,
            ),
            select(Attempt.user_id, Attempt.course_id).where(
                Attempt.user_id.in_(chunk), Attempt.course_id.in_(courses)
            ),
            select(Completion.user_id, CourseVersion.course_id)
            .join(CourseVersion, CourseVersion.id == Completion.course_version_id)
            .where(Completion.user_id.in_(chunk), CourseVersion.course_id.in_(courses)),
        ]
        found.update((int(row[0]), int(row[1])) for row in session.execute(union(*evidence)))
    return found


# ------------------------------------------------------------------------- per requirement


@dataclass
class RequirementProgress:
    """The people obliged to one thing (a requirement or a course), by how far they got."""

    #: The first of the obligations: what must be met (``title()``, requirement, course).
    example: Obligation
    people: dict[Progress, list[Obligation]] = field(
        default_factory=lambda: {progress: [] for progress in PROGRESS_ORDER}
    )

    @property
    def total(self) -> int:
        """How many people must meet it."""
        return sum(len(people) for people in self.people.values())


def by_requirement(rows: Sequence[ObligationProgress]) -> list[RequirementProgress]:
    """Group obligations by what must be met, each group split by progress (order kept)."""
    groups: dict[tuple[str, int], RequirementProgress] = {}
    for row in rows:
        obligation = row.obligation
        key = (
            ("requirement", obligation.requirement.id) if obligation.requirement is not None
            else ("course", obligation.course.id if obligation.course is not None else 0)
        )
        group = groups.setdefault(key, RequirementProgress(obligation))
        group.people[row.progress].append(obligation)
    return list(groups.values())


# ------------------------------------------------------------------------------ next steps


class StepKind(enum.StrEnum):
    """What a next step asks for."""

    #: Students of a class who have not begun: hand out their login cards.
    NOT_STARTED = "not_started"
    #: Students of a class who began but have not finished: encourage them to go on.
    IN_PROGRESS = "in_progress"
    #: Adults of a role (teachers, staff, managers) not yet covered.
    ADULTS_NOT_DONE = "adults_not_done"


@dataclass(frozen=True)
class NextStep:
    """One line of "what to do next": how many people of a class (or role) need what."""

    kind: StepKind
    count: int
    role: Role
    #: The class (students) or the unit of the adults' memberships (their school).
    unit_id: int
    unit_name: str


def next_steps(rows: Sequence[ObligationProgress]) -> list[NextStep]:
    """Return what to do next: adults of each role not covered, then, class by class, the
    students who have not started and those in progress.

    A person counts once, by their least advanced obligation among those they have not met.
    """
    state: dict[tuple[int, Role, int], Progress] = {}
    names: dict[int, str] = {}
    for row in rows:
        obligation = row.obligation
        if row.progress is Progress.FINISHED or obligation.role not in (Role.STUDENT, *ADULT_ROLES):
            continue
        key = (obligation.user_id, obligation.role, obligation.unit_id)
        names[obligation.unit_id] = obligation.unit_name
        known = state.get(key)
        if known is None or PROGRESS_ORDER.index(row.progress) < PROGRESS_ORDER.index(known):
            state[key] = row.progress
    counts: dict[tuple[StepKind, Role, int], int] = {}
    for (_user_id, role, unit_id), progress in state.items():
        if role is Role.STUDENT:
            kind = (
                StepKind.NOT_STARTED if progress is Progress.NOT_STARTED
                else StepKind.IN_PROGRESS
            )
        else:
            kind = StepKind.ADULTS_NOT_DONE
        step_key = (kind, role, unit_id)
        counts[step_key] = counts.get(step_key, 0) + 1
    # Adults first (few lines, by role), then the classes in the obligations' order.
    unit_order = {unit_id: index for index, unit_id in enumerate(dict.fromkeys(
        row.obligation.unit_id for row in rows))}
    role_order = {role: index for index, role in enumerate(ADULT_ROLES)}
    kind_order = {StepKind.NOT_STARTED: 0, StepKind.IN_PROGRESS: 1}
    steps = [NextStep(kind, count, role, unit_id, names[unit_id])
             for (kind, role, unit_id), count in counts.items()]
    return sorted(
        steps,
        key=lambda s: (
            (0, role_order[s.role], unit_order[s.unit_id], 0) if s.role is not Role.STUDENT
            else (1, 0, unit_order[s.unit_id], kind_order[s.kind])
        ),
    )
