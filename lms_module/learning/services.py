"""Who takes which course, learner progress, scores and course completion."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from blinker import Namespace
from sqlalchemy import (
    CompoundSelect,
    Float,
    Table,
    bindparam,
    event,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager

from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.db import dialect_insert, read_rows, utcnow, write_rows
from lms_module.learning.models import (
    ROLE_AUDIENCES,
    Attempt,
    Audience,
    BlockCompletion,
    BlockScore,
    BlockUsage,
    Completion,
    Course,
    CourseAttempt,
    CourseVersion,
    LearnerPosition,
)
from lms_module.people.models import ADULT_ROLES, Role, User
from lms_module.people.services import active_roles
from lms_module.xblock_runtime.ids import parse_block_id, safe_name
from lms_module.xblock_runtime.progress import check_completion, check_grade

_signals = Namespace()

#: Sent once when a learner completes a course version (sender: the new :class:`Completion`),
#: with keyword arguments ``session``, ``user`` and ``course_version``. Receivers run inside
#: the request's transaction: what they add to ``session`` is committed with the completion.
course_completed = _signals.signal("course-completed")

#: Block types whose blocks are the "units" a learner opens one at a time.
UNIT_TYPES = frozenset({"vertical"})


class NoSuchCourseError(LMSError):
    """No course (with a loaded version) has this slug."""

    status_code = 404

    def __init__(self, slug: str) -> None:
        super().__init__(f"Không tìm thấy khóa học “{slug}”. Hãy mở khóa học từ trang chủ.")


class NoSuchBlockError(LMSError):
    """The usage id names no block of any course's current version."""

    status_code = 404

    def __init__(self, usage_id: str) -> None:
        super().__init__(
            f"Không tìm thấy nội dung “{usage_id}”. Khóa học có thể vừa được cập nhật: "
            "hãy mở lại khóa học."
        )
        self.usage_id = usage_id


class CourseNotOpenError(AccessDeniedError):
    """The user is not among the course's learners."""

    def __init__(self) -> None:
        super().__init__(
            "Khóa học này không được giao cho tài khoản đang đăng nhập. Hãy mở khóa học từ "
            "trang chủ."
        )


# ------------------------------------------------------------------------------ who takes what


#: A course read with its current version, in one statement (without the import report).
_WITH_CURRENT_VERSION = contains_eager(Course.current_version).defer(CourseVersion.report)
# The statements every learner's page runs are built once per process, not per request.
_COURSE_BY_SLUG = (
    select(Course)
    .join(Course.current_version)
    .where(Course.slug == bindparam("slug"))
    .options(_WITH_CURRENT_VERSION)
)


def get_course(session: Session, slug: str) -> Course:
    """Return the course with ``slug`` that has a loaded version.

    :raises NoSuchCourseError: when there is none.
    """
    # Its current version comes with it (the version's blocks are looked up by it).
    course = session.scalar(_COURSE_BY_SLUG, {"slug": slug})
    if course is None:
        raise NoSuchCourseError(slug)
    return course


def _learner_profile(session: Session, user: User) -> tuple[set[int], set[Audience], bool]:
    """Return the user's class grades, staff audiences and whether they see every course."""
    grades: set[int] = set()
    audiences: set[Audience] = set()
    sees_all = False
    for role, grade in active_roles(session, user):
        if role is Role.STUDENT and grade is not None:
            grades.add(grade)
        elif role in ADULT_ROLES or role is Role.PARENT:
            # A parent membership (held while linked to a child of the school) offers the
            # parents' course.
            audiences.add(ROLE_AUDIENCES[role])
        elif role in (Role.ADMIN, Role.CONTENT_AUTHOR):
            sees_all = True
    return grades, audiences, sees_all


def addresses_as_child(session: Session, user: User) -> bool:
    """Tell whether pages speak to ``user`` as to a child ("em"): every role they hold is
    student. Everyone else reads the adults' wording."""
    roles = active_roles(session, user)
    return bool(roles) and all(role is Role.STUDENT for role, _grade in roles)


def _course_fits(course: Course, grades: set[int], audiences: set[Audience]) -> bool:
    if course.audience is Audience.STUDENT:
        low = course.grade_min or 1
        high = course.grade_max or 12
        return any(low <= grade <= high for grade in grades)
    return course.audience in audiences


def courses_for_user(session: Session, user: User) -> list[Course]:
    """Return the courses ``user`` takes: their grade band's, their role's (admins: all)."""
    grades, audiences, sees_all = _learner_profile(session, user)
    courses = session.scalars(
        select(Course).where(Course.current_version_id.is_not(None)).order_by(Course.slug)
    ).all()
    return [c for c in courses if sees_all or _course_fits(c, grades, audiences)]


def may_take_course(session: Session, user: User, course: Course) -> bool:
    """Tell whether ``user`` is one of the course's learners (or an admin or author)."""
    if not user.is_active:
        return False
    grades, audiences, sees_all = _learner_profile(session, user)
    return sees_all or _course_fits(course, grades, audiences)


def check_may_take_course(session: Session, user: User, course: Course) -> None:
    """Refuse when ``user`` may not take ``course``.

    :raises CourseNotOpenError: when the course is not for this user.
    """
    if not may_take_course(session, user, course):
        raise CourseNotOpenError()


# ------------------------------------------------------------------------------ blocks


#: The blocks of the course versions this process read last, by :func:`_version_key`.
_VERSION_BLOCKS: OrderedDict[tuple[int, str, dt.datetime], tuple[BlockUsage, ...]] = (
    OrderedDict()
)
#: How many versions' blocks a process keeps (a few courses, each with a version or two).
VERSION_BLOCKS_KEPT = 64
_version_blocks_lock = threading.Lock()


def _version_key(version: CourseVersion) -> tuple[int, str, dt.datetime]:
    # The id alone could name another version in another database of the same process (the
    # tests), or after a rolled-back load: the OLX hash and load time tell them apart.
    return (version.id, version.olx_hash, version.loaded_at)


def version_blocks(session: Session, version: CourseVersion) -> list[BlockUsage]:
    """Return the blocks of ``version`` in outline order.

    Read from the database once per process: a version's blocks never change once it is loaded
    (a changed course is a new version). The blocks kept are copies attached to no session,
    shared by every request of the process: read them, never change them.
    """
    key = _version_key(version)
    with _version_blocks_lock:
        kept = _VERSION_BLOCKS.get(key)
        if kept is not None:
            _VERSION_BLOCKS.move_to_end(key)
            return list(kept)
    rows = session.execute(
        select(*BlockUsage.__table__.columns)
        .where(BlockUsage.course_version_id == version.id)
        .order_by(BlockUsage.position)
    ).mappings()
    blocks = tuple(BlockUsage(**row) for row in rows)
    with _version_blocks_lock:
        _VERSION_BLOCKS[key] = blocks
        while len(_VERSION_BLOCKS) > VERSION_BLOCKS_KEPT:
            _VERSION_BLOCKS.popitem(last=False)
    return list(blocks)


def find_block(session: Session, usage_id: str) -> tuple[Course, BlockUsage]:
    """Return the course and the block of its current version with ``usage_id``.

    The course is found by the slug the usage id carries, the block among the version's blocks
    this process keeps (:func:`version_blocks`): one query, for the course.

    :raises NoSuchBlockError: when no current version holds that block.
    """
    key = parse_block_id(usage_id)
    course = None if key is None else session.scalar(_COURSE_BY_SLUG, {"slug": key.course_slug})
    if course is not None and course.current_version is not None:
        for block in version_blocks(session, course.current_version):
            if block.usage_id == usage_id:
                return course, block
    raise NoSuchBlockError(usage_id)


def course_units(blocks: Iterable[BlockUsage]) -> list[BlockUsage]:
    """Return the units (verticals) among ``blocks``, in order."""
    return [b for b in blocks if b.block_type in UNIT_TYPES]


@dataclass(frozen=True)
class OutlinePage:
    """A unit as the outline lists it: a page of its chapter, numbered within the chapter."""

    unit: BlockUsage
    #: 1 for the chapter's first page.
    number: int


@dataclass
class OutlineSection:
    """The pages of one sequential (``block``; ``None``: pages not inside one)."""

    block: BlockUsage | None
    pages: list[OutlinePage] = field(default_factory=list)


@dataclass
class OutlineChapter:
    """A chapter of the curriculum (a "Bài", Open edX's ``chapter``) and its pages.

    ``block`` is ``None`` for the pages of a course that puts them outside any chapter.
    """

    block: BlockUsage | None
    sections: list[OutlineSection] = field(default_factory=list)

    @property
    def pages(self) -> list[OutlinePage]:
        """Return the chapter's pages, in order."""
        return [page for section in self.sections for page in section.pages]

    @property
    def titled_sections(self) -> bool:
        """Tell whether the sections get headings of their own (a chapter of several)."""
        return len(self.sections) > 1


def _nearest(
    block: BlockUsage, block_type: str, by_id: dict[str, BlockUsage]
) -> BlockUsage | None:
    parent_id = block.parent_usage_id
    while parent_id is not None:
        parent = by_id.get(parent_id)
        if parent is None:
            return None
        if parent.block_type == block_type:
            return parent
        parent_id = parent.parent_usage_id
    return None


def course_outline(blocks: list[BlockUsage]) -> list[OutlineChapter]:
    """Return the course's structure as the curriculum has it: chapters, then their pages.

    Each unit belongs to its nearest ``chapter`` and ``sequential`` ancestors; pages are
    numbered from 1 within their chapter, across its sequentials.

    :param blocks: a version's blocks in outline order (:func:`version_blocks`).
    """
    by_id = {b.usage_id: b for b in blocks}
    chapters: list[OutlineChapter] = []
    for unit in course_units(blocks):
        chapter = _nearest(unit, "chapter", by_id)
        sequential = _nearest(unit, "sequential", by_id)
        if not chapters or chapters[-1].block is not chapter:
            chapters.append(OutlineChapter(chapter))
        current = chapters[-1]
        if not current.sections or current.sections[-1].block is not sequential:
            current.sections.append(OutlineSection(sequential))
        current.sections[-1].pages.append(OutlinePage(unit, len(current.pages) + 1))
    return chapters


def find_page(
    outline: list[OutlineChapter], usage_id: str
) -> tuple[OutlineChapter, OutlinePage] | None:
    """Return the chapter and the page of unit ``usage_id`` in ``outline``, if it is there."""
    for chapter in outline:
        for page in chapter.pages:
            if page.unit.usage_id == usage_id:
                return chapter, page
    return None


# ------------------------------------------------------------------------------ events


def lock_learner_progress(session: Session, user: User, course: Course) -> None:
    """Serialise recording ``user``'s progress in ``course`` and checking for its completion.

    Two requests of one learner (two tabs, a double click) may bring the course's last two
    events at once; each would see only its own new row when it checks the course, and neither
    would record the completion. So every step that records progress or checks completion
    takes this lock first, in the caller's transaction:

    - PostgreSQL: a transaction-scoped advisory lock keyed on the learner and the course,
      released at commit or rollback. The second request waits here until the first commits;
      under READ COMMITTED its later statements then see the first one's rows. Taking it again
      in the same transaction is allowed; the session remembers it holds the lock until the
      transaction (or a savepoint) ends, so a request asks PostgreSQL once.
    - SQLite needs no lock: one writer at a time, and a transaction can only write once it
      sees every earlier commit, so the check that follows the write (same transaction) counts
      the other request's progress.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.setdefault(_PROGRESS_LOCKS_HELD, set())
    if (user.id, course.id) in held:
        return
    session.execute(select(func.pg_advisory_xact_lock(_progress_lock_key(user.id, course.id))))
    held.add((user.id, course.id))


#: ``Session.info`` key of the (user id, course id) progress locks the transaction holds.
_PROGRESS_LOCKS_HELD = "lms.learning.progress_locks"


@event.listens_for(Session, "after_transaction_end")
def _forget_progress_locks(session: Session, _transaction: Any) -> None:
    session.info.pop(_PROGRESS_LOCKS_HELD, None)


def _progress_lock_key(user_id: int, course_id: int) -> int:
    """Return the signed 64-bit advisory lock key of one learner's progress in one course.

    Hashed with a name so that it cannot meet another feature's advisory lock numbers.
    """
    digest = hashlib.blake2b(f"lms-progress:{user_id}:{course_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


_INSERT_ATTEMPT = insert(cast(Table, Attempt.__table__))


def record_grade(
    session: Session, user: User, course: Course, usage_id: str, score: float, max_score: float
) -> None:
    """Store a ``grade`` event: an attempt in the history, and the block's current score.

    Takes :func:`lock_learner_progress` first: the caller checks the course afterwards.
    """
    check_grade(score, max_score)
    lock_learner_progress(session, user, course)
    row = {
        "user_id": user.id,
        "course_id": course.id,
        "usage_id": usage_id,
        "score": score,
        "max_score": max_score,
        "at": utcnow(),
    }
    write_rows(session, _INSERT_ATTEMPT, row)
    write_rows(
        session,
        _learner_block_upsert(
            session.get_bind().dialect.name, BlockScore, ("course_id", "score", "max_score", "at")
        ),
        row,
    )


def record_block_completion(
    session: Session, user: User, course: Course, usage_id: str, completion: float
) -> None:
    """Store a ``completion`` event (0..1) for one block; it may go down, as in Open edX.

    Takes :func:`lock_learner_progress` first: the caller checks the course afterwards.
    """
    check_completion(completion)
    lock_learner_progress(session, user, course)
    write_rows(
        session,
        _learner_block_upsert(
            session.get_bind().dialect.name, BlockCompletion, ("completion", "updated_at")
        ),
        {
            "user_id": user.id,
            "course_id": course.id,
            "usage_id": usage_id,
            "completion": completion,
            "updated_at": utcnow(),
        },
    )


@functools.cache
def _learner_block_upsert(dialect: str, model: Any, replaced: tuple[str, ...]) -> Any:
    """Return the INSERT of ``model``'s row for one learner and block that replaces the
    ``replaced`` columns of the row already there (built once per process, database kind and
    table): a block's completion, a block's current score."""
    dialect_insert_of = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert_of(cast(Table, model.__table__))
    return statement.on_conflict_do_update(
        index_elements=["user_id", "usage_id"],
        set_={column: statement.excluded[column] for column in replaced},
    )


def set_position(session: Session, user: User, course: Course, usage_id: str) -> None:
    """Remember the unit ``user`` opened last in ``course``."""
    now = utcnow()
    statement = dialect_insert(session, LearnerPosition).values(
        user_id=user.id, course_id=course.id, usage_id=usage_id, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "course_id"],
            set_={"usage_id": usage_id, "updated_at": now},
        )
    )


def last_position(session: Session, user: User, course: Course) -> str | None:
    """Return the usage id of the unit ``user`` opened last in ``course``, if any."""
    return session.scalar(
        select(LearnerPosition.usage_id).where(
            LearnerPosition.user_id == user.id, LearnerPosition.course_id == course.id
        )
    )


# ------------------------------------------------------------------------------ attempts


@dataclass(frozen=True)
class CurrentAttempt:
    """The attempt at a course a learner's progress counts for (see :class:`CourseAttempt`)."""

    #: 1 until the course is opened again (renewal, re-training), then 2, 3...
    number: int
    #: Progress counts from this moment (``None``: the first attempt, everything counts).
    since: dt.datetime | None


_CURRENT_ATTEMPT = (
    select(CourseAttempt.number, CourseAttempt.opened_at)
    .where(
        CourseAttempt.user_id == bindparam("user_id"),
        CourseAttempt.course_id == bindparam("course_id"),
    )
    .order_by(CourseAttempt.number.desc())
    .limit(1)
)


def current_attempt(session: Session, user_id: int, course_id: int) -> CurrentAttempt:
    """Return the learner's current attempt at the course: the latest :class:`CourseAttempt`,
    or the first attempt when the course was never opened again."""
    row = read_rows(session, _CURRENT_ATTEMPT, {"user_id": user_id, "course_id": course_id}).first()
    return CurrentAttempt(1, None) if row is None else CurrentAttempt(row[0], row[1])


# ------------------------------------------------------------------------------ progress


@dataclass
class CourseProgress:
    """A learner's progress in one course version."""

    #: Completion (0..1) of every block that counts (aggregators: from their children).
    completion: dict[str, float] = field(default_factory=dict)
    #: Latest score (0..1) of every scored block attempted.
    scores: dict[str, float] = field(default_factory=dict)
    #: Weighted score over the scored blocks (1.0 when the course has none).
    score: float = 0.0
    #: Share of the required blocks completed.
    fraction: float = 0.0
    #: The course's units (pages) and how many of them are done (:meth:`unit_done`): what
    #: every progress bar shows and the outline ticks, so that they always agree.
    units_total: int = 0
    units_done: int = 0
    #: Every required block is complete.
    all_complete: bool = False
    passed: bool = False
    completed_at: dt.datetime | None = None
    #: :func:`progress_for_page` recorded the completion just now (the caller commits).
    completion_recorded: bool = False

    @property
    def percent(self) -> int:
        """Return the share of the units done as a whole percentage (for progress bars)."""
        if not self.units_total:
            return 100 if self.all_complete else 0
        return round(100 * self.units_done / self.units_total)

    def unit_done(self, usage_id: str) -> bool:
        """Tell whether the learner has done the unit (or container) ``usage_id``."""
        return self.completion.get(usage_id, 0.0) >= 1.0


def _progress_events(*, since: bool) -> CompoundSelect[bool, str, float, float | None]:
    """Return the statement :func:`course_progress` reads a learner's events with, in one
    read: the completion of each block (rows led by ``False``) and the latest score of each
    scored block (led by ``True``: the score and its maximum)."""
    completions = select(
        literal(False).label("scored"),
        BlockCompletion.usage_id,
        BlockCompletion.completion,
        null().cast(Float).label("max_score"),
    ).where(
        BlockCompletion.user_id == bindparam("user_id"),
        BlockCompletion.course_id == bindparam("course_id"),
    )
    graded = select(
        literal(True).label("scored"), BlockScore.usage_id, BlockScore.score, BlockScore.max_score
    ).where(
        BlockScore.user_id == bindparam("user_id"), BlockScore.course_id == bindparam("course_id")
    )
    if since:
        completions = completions.where(BlockCompletion.updated_at >= bindparam("since"))
        # The latest attempt is before the course was opened again: no score yet.
        graded = graded.where(BlockScore.at >= bindparam("since"))
    return union_all(completions, graded)


_ALL = _progress_events(since=False)
_SINCE = _progress_events(since=True)
_COMPLETED_AT = select(Completion.completed_at).where(
    Completion.user_id == bindparam("user_id"),
    Completion.course_version_id == bindparam("version_id"),
    Completion.attempt == bindparam("attempt"),
)


def course_progress(
    session: Session,
    user: User,
    course: Course,
    blocks: list[BlockUsage] | None = None,
    *,
    viewed: Collection[str] = (),
    attempt: CurrentAttempt | None = None,
) -> CourseProgress:
    """Compute ``user``'s progress in the course's current version (Open edX semantics).

    Completable blocks count with their own completion, aggregators (containers) with the
    mean completion of the completable blocks under them, excluded blocks not at all.

    :param viewed: blocks to count as complete although that is not recorded yet: the plain
        content of the unit being shown, which the page's script records once it has loaded
        (so the page shows the progress its own view makes).
    :param attempt: the learner's :func:`current_attempt` at the course, when the caller has
        read it in this transaction already.
    """
    version = course.current_version
    assert version is not None
    if blocks is None:
        blocks = version_blocks(session, version)
    if attempt is None:
        attempt = current_attempt(session, user.id, course.id)
    # A course opened again counts afresh: earlier rows stay as history.
    counted = _SINCE if attempt.since is not None else _ALL
    learner = {"user_id": user.id, "course_id": course.id, "since": attempt.since}
    done: dict[str, float] = {}
    scores: dict[str, float] = {}
    for scored, usage_id, value, max_score in read_rows(session, counted, learner):
        if scored:
            scores[usage_id] = value / max_score
        else:
            done[usage_id] = value

    children: dict[str | None, list[BlockUsage]] = defaultdict(list)
    for block in blocks:
        children[block.parent_usage_id].append(block)

    progress = CourseProgress(scores={k: v for k, v in scores.items()})

    def leaves(block: BlockUsage) -> list[float]:
        if block.completion_mode == "completable":
            value = 1.0 if block.usage_id in viewed else float(done.get(block.usage_id, 0.0))
            progress.completion[block.usage_id] = value
            return [value]
        if block.completion_mode == "excluded":
            return []
        values = [v for child in children[block.usage_id] for v in leaves(child)]
        progress.completion[block.usage_id] = sum(values) / len(values) if values else 1.0
        return values

    required = [v for root in children[None] for v in leaves(root)]
    progress.fraction = sum(required) / len(required) if required else 1.0
    progress.all_complete = all(v >= 1.0 for v in required)
    units = course_units(blocks)
    progress.units_total = len(units)
    progress.units_done = sum(1 for unit in units if progress.unit_done(unit.usage_id))
    scored = [b for b in blocks if b.has_score and b.weight > 0]
    total_weight = sum(b.weight for b in scored)
    progress.score = (
        sum(b.weight * scores.get(b.usage_id, 0.0) for b in scored) / total_weight
        if total_weight
        else 1.0
    )
    progress.passed = progress.all_complete and progress.score + 1e-9 >= course.pass_mark
    progress.completed_at = read_rows(
        session,
        _COMPLETED_AT,
        {"user_id": user.id, "version_id": version.id, "attempt": attempt.number},
    ).scalar()
    return progress


def complete_course_if_done(
    session: Session, user: User, course: Course, *, attempt: CurrentAttempt | None = None
) -> Completion | None:
    """Record that ``user`` completed the current version, once, when they have.

    Runs under :func:`lock_learner_progress`, so that of two requests bringing the last two
    events at once the second sees the first one's progress. Idempotent under double
    submission: the row is inserted with ON CONFLICT DO NOTHING, and only the request that
    inserted it sends :data:`course_completed` (whose receivers issue the certificate).

    :param attempt: the learner's :func:`current_attempt` at the course, when the caller has
        read it in this transaction already.
    :returns: the new completion, or ``None`` (not done yet, or completed before).
    """
    lock_learner_progress(session, user, course)
    progress = course_progress(session, user, course, attempt=attempt)
    version = course.current_version
    if not progress.passed or progress.completed_at is not None or version is None:
        return None
    return record_completion(session, user, version, score=round(progress.score, 4),
                             completed_at=utcnow())


def record_completion(
    session: Session,
    user: User,
    version: CourseVersion,
    *,
    score: float,
    completed_at: dt.datetime,
    in_person_session_id: int | None = None,
) -> Completion | None:
    """Insert ``user``'s completion of ``version`` in their current attempt
    (:func:`current_attempt`) unless one exists, and send :data:`course_completed` (whose
    receivers issue the certificate) for a new one only.

    The one way a completion is written: online (:func:`complete_course_if_done`) or by
    attending a session held in person (``in_person``). A course opened again (renewal,
    re-training) is a new attempt: its completion is a new row, and so a new certificate.

    :returns: the new completion, or ``None`` when the attempt completed the version before.
    """
    attempt = current_attempt(session, user.id, version.course_id)
    # RETURNING gives a row only to the request whose INSERT won: rowcount is not reliable
    # for ON CONFLICT DO NOTHING on every driver (psycopg reports -1).
    completion_id = session.scalar(
        dialect_insert(session, Completion)
        .values(
            user_id=user.id,
            course_version_id=version.id,
            attempt=attempt.number,
            score=score,
            completed_at=completed_at,
            in_person_session_id=in_person_session_id,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "course_version_id", "attempt"])
        .returning(Completion.id)
    )
    if completion_id is None:
        return None
    completion = session.get_one(Completion, completion_id)
    course_completed.send(completion, session=session, user=user, course_version=version)
    return completion


def progress_for_page(
    session: Session, user: User, course: Course, blocks: list[BlockUsage] | None = None
) -> CourseProgress:
    """Return ``user``'s progress for a page that shows it, recording a missed completion.

    The pages that show progress (my courses, the outline, the results) are GETs that write
    nothing, with this one deliberate exception, and only in this state: the learner has
    passed the course's current version but no completion is recorded (lost before
    completions were serialised by :func:`lock_learner_progress`, or rows removed by hand).
    Then the page records it through :func:`complete_course_if_done`, the same idempotent
    insert (ON CONFLICT DO NOTHING) that sends :data:`course_completed` and so issues the
    certificate. When it wrote, ``completion_recorded`` is set and the caller commits.
    """
    progress = course_progress(session, user, course, blocks)
    if not progress.passed or progress.completed_at is not None:
        return progress
    recorded = complete_course_if_done(session, user, course) is not None
    progress = course_progress(session, user, course, blocks)
    progress.completion_recorded = recorded
    return progress


class NoSuchJumpTargetError(LMSError):
    """A course link ``/jump_to_id/<url_name>`` names no block of the course."""

    status_code = 404

    def __init__(self, url_name: str) -> None:
        super().__init__(
            f"Liên kết trong bài học chỉ đến nội dung “{url_name}”, nhưng khóa học không có "
            "nội dung này. Hãy quay lại trang trước và báo cho người soạn khóa học."
        )


def jump_target(blocks: list[BlockUsage], url_name: str) -> BlockUsage:
    """Return the unit that shows the block with ``url_name`` (Open edX's ``jump_to_id``):
    the unit itself, the unit around a block, or the first unit of a chapter or section.

    :param blocks: the course version's blocks, in outline order.
    :raises NoSuchJumpTargetError: when no block has that url_name, or it holds no unit.
    """
    wanted = safe_name(url_name)
    by_id = {b.usage_id: b for b in blocks}
    target = next((b for b in blocks if b.url_name == wanted), None)
    if target is None:
        raise NoSuchJumpTargetError(url_name)
    ancestor: BlockUsage | None = target
    while ancestor is not None:
        if ancestor.block_type in UNIT_TYPES:
            return ancestor
        ancestor = by_id.get(ancestor.parent_usage_id or "")
    for unit in course_units(blocks[blocks.index(target) :]):
        parent = by_id.get(unit.parent_usage_id or "")
        while parent is not None and parent is not target:
            parent = by_id.get(parent.parent_usage_id or "")
        if parent is target:
            return unit
    raise NoSuchJumpTargetError(url_name)
