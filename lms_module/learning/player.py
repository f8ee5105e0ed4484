"""Render units and run block handlers for a learner (the course player's services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from web_fragments.fragment import Fragment
from xblock.exceptions import NoSuchHandlerError, NoSuchUsage

from courses.blocks.placeholder import PlaceholderBlock
from lms_module.core.errors import LMSError
from lms_module.learning.learner_state import SqlFieldStore, SqlLearnerProgress
from lms_module.learning.models import BlockUsage, Course
from lms_module.learning.services import (
    CourseProgress,
    CurrentAttempt,
    NoSuchBlockError,
    OutlineChapter,
    OutlinePage,
    check_may_take_course,
    complete_course_if_done,
    course_outline,
    course_progress,
    course_units,
    current_attempt,
    find_block,
    find_page,
    last_position,
    lock_learner_progress,
    record_block_completion,
    set_position,
    version_blocks,
)
from lms_module.xblock_runtime.failsafe import handle_or_error, load_block_class
from lms_module.xblock_runtime.fragment_resources import InlineResource, find_inline_resource
from lms_module.xblock_runtime.page_scripts import needs_jquery
from lms_module.xblock_runtime.runtime import LmsRuntime, RuntimeUrls

if TYPE_CHECKING:
    import webob

    from lms_module.people.models import User


class NoSuchHandlerInBlockError(LMSError):
    """The block has no handler of that name."""

    status_code = 404

    def __init__(self, handler_name: str) -> None:
        super().__init__(
            f"Nội dung này không có thao tác “{handler_name}”. Hãy tải lại trang và thử lại."
        )


@dataclass
class RenderedUnit:
    """A unit ready for the player page."""

    unit: BlockUsage
    fragment: Fragment
    previous: BlockUsage | None
    next: BlockUsage | None
    index: int
    count: int
    #: Digest of each inline css/js resource of the fragment -> the block that produced it.
    inline_origins: dict[str, str]
    #: The course version's blocks, loaded once and reused for the page's progress bar.
    blocks: list[BlockUsage]
    #: The plain content of the unit that viewing completes (recorded by :func:`record_view`).
    viewed: list[str]
    #: The learner's progress with ``viewed`` counted complete: what the page shows.
    progress: CourseProgress
    #: The unit's title in the learner's language: the page's one ``<h1>``.
    title: str
    #: The chapter the unit belongs to, and the unit as a page of it (numbered in it).
    chapter: OutlineChapter
    page: OutlinePage
    #: The page must load jQuery before the blocks' scripts: a block of the unit is not ours
    #: (``xblock_runtime.page_scripts``).
    needs_jquery: bool = False
    #: What the blocks stored while rendering (kept in memory: the page is a GET), for the
    #: view's POST to keep (:func:`record_view`), as Open edX keeps what a render stores.
    render_writes: list[dict[str, Any]] = field(default_factory=list)


def learner_runtime(
    session: Session,
    user: User | None,
    course: Course,
    urls: RuntimeUrls,
    *,
    language: str = "vi",
    settings: dict[str, Any] | None = None,
    read_only: bool = False,
    attempt: CurrentAttempt | None = None,
) -> LmsRuntime:
    """Return a runtime for ``user`` in ``course`` (content read-only; with ``read_only``,
    learner state too: nothing is written).

    Field values are kept in the database, grades and completion recorded through the learning
    services (for a signed-in ``user``; an anonymous preview records nothing).

    :param attempt: ``user``'s :func:`current_attempt` at the course, when the caller has read
        it already.
    """
    progress = SqlLearnerProgress(session, user, course) if user is not None else None
    if user is not None and attempt is None:
        attempt = current_attempt(session, user.id, course.id)
    since = attempt.since if attempt is not None else None
    return LmsRuntime(
        course_slug=course.slug,
        fields=SqlFieldStore(session, since=since),
        user=user,
        recorder=progress,
        progress=progress,
        urls=urls,
        language=language,
        settings=settings,
        read_only=read_only,
        # A database error is the LMS's to answer (503, rolled back), not a block's failure.
        host_errors=(SQLAlchemyError,),
    )


def _subtree(blocks: list[BlockUsage], root_id: str) -> list[str]:
    wanted = {root_id}
    for block in blocks:  # outline order: a parent comes before its children
        if block.parent_usage_id in wanted:
            wanted.add(block.usage_id)
    return [b.usage_id for b in blocks if b.usage_id in wanted]


def _open_unit(
    session: Session, user: User, course: Course, usage_id: str
) -> tuple[list[BlockUsage], list[BlockUsage], int]:
    """Return the course's blocks, its units and the index of unit ``usage_id`` among them.

    :raises CourseNotOpenError: when the course is not for ``user``.
    :raises NoSuchBlockError: when the unit is not in the course's current version.
    """
    check_may_take_course(session, user, course)
    assert course.current_version is not None
    blocks = version_blocks(session, course.current_version)
    units = course_units(blocks)
    index = next((i for i, u in enumerate(units) if u.usage_id == usage_id), None)
    if index is None:
        raise NoSuchBlockError(usage_id)
    return blocks, units, index


def render_unit(
    session: Session,
    user: User,
    course: Course,
    usage_id: str,
    urls: RuntimeUrls,
    *,
    language: str = "vi",
) -> RenderedUnit:
    """Render one unit of the course for ``user``, writing nothing (the page is a GET).

    The render is read-only: what a block stores while it is shown stays in memory, grade and
    completion events are dropped. The page's script then records the view
    (:func:`record_view`: the learner's place, the plain content completed on view); the
    progress the page shows already counts that content as complete.

    :raises CourseNotOpenError: when the course is not for ``user``.
    :raises NoSuchBlockError: when the unit is not in the course's current version.
    """
    blocks, units, index = _open_unit(session, user, course, usage_id)
    attempt = current_attempt(session, user.id, course.id)
    runtime = learner_runtime(
        session, user, course, urls, language=language, read_only=True, attempt=attempt
    )
    subtree = _subtree(blocks, usage_id)
    runtime.prefetch(subtree)
    viewed = runtime.blocks_completed_on_view(subtree)
    progress = course_progress(
        session, user, course, blocks, viewed=frozenset(viewed), attempt=attempt
    )
    runtime.show_completions(progress.completion)
    block = runtime.get_block(usage_id)
    title_of = getattr(block, "title", None)  # our containers' title in the learner's language
    title = str(title_of()) if callable(title_of) else units[index].display_name
    located = find_page(course_outline(blocks), usage_id)
    assert located is not None  # every unit is a page of the outline
    # The page shows the title (its h1) and the course's progress itself: the unit's block
    # repeats neither, and its children's headings come under the h1.
    context = {"title_shown": title, "heading_level": 2, "progress_shown": True}
    fragment = runtime.render(block, "student_view", context)
    in_unit = set(subtree)
    return RenderedUnit(
        unit=units[index],
        fragment=fragment,
        previous=units[index - 1] if index > 0 else None,
        next=units[index + 1] if index + 1 < len(units) else None,
        index=index,
        count=len(units),
        inline_origins=dict(runtime.inline_origins),
        blocks=blocks,
        viewed=viewed,
        progress=progress,
        title=title or units[index].display_name or "",
        chapter=located[0],
        page=located[1],
        needs_jquery=needs_jquery(
            runtime.load_block_type(b.block_type) for b in blocks if b.usage_id in in_unit
        ),
        render_writes=runtime.kvs.deferred_writes(),
    )


@dataclass
class RecordedView:
    """What :func:`record_view` recorded."""

    #: The plain content newly completed on view (empty when it was already).
    completed: list[str]
    #: The learner's progress afterwards.
    progress: CourseProgress


def record_view(
    session: Session,
    user: User,
    course: Course,
    usage_id: str,
    urls: RuntimeUrls,
    *,
    language: str = "vi",
    render_writes: list[dict[str, Any]] | None = None,
) -> RecordedView:
    """Record that ``user`` viewed unit ``usage_id``: their place in the course, and completion
    of the plain content under it (complete on view, as Open edX's player sends it from the
    browser once the unit is shown); then complete the course if that finished it.

    The unit is not rendered again: its blocks are loaded and asked whether viewing completes
    them, as :func:`render_unit` does. Idempotent: a second call writes nothing.

    :param render_writes: what the unit's blocks stored while the page rendered
        (:attr:`RenderedUnit.render_writes`, brought back by the page): each field is stored
        unless it changed since the render (``ScopedKeyValueStore.keep_deferred_writes``).

    :raises CourseNotOpenError: when the course is not for ``user``.
    :raises NoSuchBlockError: when the unit is not in the course's current version.
    """
    blocks, _units, _index = _open_unit(session, user, course, usage_id)
    lock_learner_progress(session, user, course)
    if render_writes:
        learner_runtime(session, user, course, urls).kvs.keep_deferred_writes(render_writes)
    if last_position(session, user, course) != usage_id:
        set_position(session, user, course, usage_id)
    # Read-only: the blocks are only asked what viewing does to them.
    runtime = learner_runtime(session, user, course, urls, language=language, read_only=True)
    viewed = runtime.blocks_completed_on_view(_subtree(blocks, usage_id))
    done = course_progress(session, user, course, blocks).completion
    completed = [u for u in viewed if done.get(u, 0.0) < 1.0]
    for viewed_id in completed:
        record_block_completion(session, user, course, viewed_id, 1.0)
    if completed:
        complete_course_if_done(session, user, course)
    progress = course_progress(session, user, course, blocks)
    return RecordedView(completed=completed, progress=progress)


def render_inline_resource(
    session: Session,
    user: User,
    usage_id: str,
    digest: str,
    urls: RuntimeUrls,
    *,
    language: str = "vi",
) -> InlineResource | None:
    """Render ``usage_id`` for ``user`` again and return its inline css/js named ``digest``.

    For a page whose inline resources this worker no longer remembers. The render is read-only:
    what a block would record (a view counter, complete-on-view, a grade) is dropped, so this
    GET writes nothing (two workers rendering at once cannot lock each other out on SQLite).

    :raises NoSuchBlockError: unknown usage id (or not in a current version).
    :raises CourseNotOpenError: the course is not for ``user``.
    """
    course, _usage = find_block(session, usage_id)
    check_may_take_course(session, user, course)
    runtime = learner_runtime(session, user, course, urls, language=language, read_only=True)
    try:
        block = runtime.get_block(usage_id)
    except NoSuchUsage as error:
        raise NoSuchBlockError(usage_id) from error
    fragment = runtime.render(block, "student_view", {})
    return find_inline_resource(fragment.resources, digest)


def handle_block_request(
    session: Session,
    user: User,
    usage_id: str,
    handler_name: str,
    request: webob.Request,
    urls: RuntimeUrls,
    *,
    suffix: str = "",
    language: str = "vi",
) -> webob.Response:
    """Run a block handler for ``user`` (always the signed-in user: state is theirs).

    :raises NoSuchBlockError: unknown usage id (or not in a current version).
    :raises CourseNotOpenError: the course is not for ``user``.
    :raises NoSuchHandlerInBlockError: the block has no such handler.
    :raises BlockHandlerFailedError: the handler raised (logged; the caller rolls back).
    """
    course, _usage = find_block(session, usage_id)
    check_may_take_course(session, user, course)
    # Before the block writes anything, so that every request of this learner in this course
    # takes the lock before any row lock (no deadlock with a block that saves, then publishes).
    lock_learner_progress(session, user, course)
    attempt = current_attempt(session, user.id, course.id)
    runtime = learner_runtime(session, user, course, urls, language=language, attempt=attempt)
    # The block's fields in one query (shared and the learner's), not one per scope asked.
    runtime.prefetch([usage_id])
    try:
        block = runtime.get_block(usage_id)
    except NoSuchUsage as error:
        raise NoSuchBlockError(usage_id) from error
    try:
        response = handle_or_error(runtime.handle, block, handler_name, request, suffix)
    except NoSuchHandlerError as error:
        raise NoSuchHandlerInBlockError(handler_name) from error
    if runtime.progress_changed:
        complete_course_if_done(session, user, course, attempt=attempt)
    return response


def handler_expects_json(session: Session, usage_id: str, handler_name: str) -> bool:
    """Tell whether the handler is an ``XBlock.json_handler`` (its body must be JSON)."""
    try:
        _course, usage = find_block(session, usage_id)
    except NoSuchBlockError:
        return False
    block_class = load_block_class(usage.block_type, default=PlaceholderBlock)
    handler = getattr(block_class, handler_name, None)
    # json_handler wraps the method (functools.wraps); a plain handler is the method itself.
    return bool(getattr(handler, "_is_xblock_handler", False)) and hasattr(handler, "__wrapped__")
