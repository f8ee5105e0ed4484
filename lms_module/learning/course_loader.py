"""Load a course from OLX into the course tables: the course, a new version, its blocks, files.

The LMS's course loader (the authors' upload page, ``lms load-course``, the demo call it). The
runtime parses the OLX (:mod:`lms_module.xblock_runtime.olx`), writing the blocks' content
fields through :class:`~lms_module.learning.learner_state.SqlFieldStore`; this module keeps the
rules of the course rows. Everything happens in the caller's transaction: on
:class:`~lms_module.xblock_runtime.olx.OlxError` the caller rolls back and nothing is loaded.
"""

from __future__ import annotations

import mimetypes
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from certificates.inert import starts_like_formula
from lms_module.learning.learner_state import SqlFieldStore
from lms_module.learning.models import (
    Audience,
    BlockUsage,
    Course,
    CourseAsset,
    CourseVersion,
    SharedFieldValue,
)
from lms_module.learning.talk_cards import read_talk_cards, store_talk_cards
from lms_module.xblock_runtime.ids import DEFINITION_PREFIX, USAGE_PREFIX, safe_name
from lms_module.xblock_runtime.olx import (
    CONTENT_SCOPES,
    CoursePolicies,
    OlxError,
    ParsedCourse,
    apply_course_policies,
    olx_hash,
    parse_course_blocks,
    read_course_files,
    read_course_tree,
    source_position,
)
from lms_module.xblock_runtime.runtime import RuntimeUrls
from lms_module.xblock_runtime.services import course_asset_name

#: Longest name a course file is stored under (``CourseAsset.path``).
ASSET_NAME_LENGTH = 300

#: The course fields that say who a course is for: from the OLX root, or chosen on publishing.
AUDIENCE_FIELDS = ("audience", "grade_min", "grade_max")


@dataclass
class ImportReport:
    """What a load did; also stored on the course version."""

    course_slug: str
    version: int
    new_version: bool
    blocks: int = 0
    block_types: dict[str, int] = field(default_factory=dict)
    #: Unknown OLX tags (shown as placeholders) and the usage ids where they occur.
    unknown_types: dict[str, list[str]] = field(default_factory=dict)
    assets: int = 0
    #: "Cùng con trò chuyện" cards stored (:mod:`lms_module.learning.talk_cards`).
    talk_cards: int = 0
    #: Blocks by type that an installed XBlock shows, and those shown as a placeholder.
    supported_types: dict[str, int] = field(default_factory=dict)
    placeholder_types: dict[str, int] = field(default_factory=dict)
    #: ``<problem>`` blocks a learner can answer here, and those they cannot (their text is
    #: shown; they count neither for completion nor the score).
    problems_answerable: int = 0
    problems_not_answerable: int = 0
    #: Problem response types not answerable here (e.g. "customresponse"): how many.
    unsupported_responses: dict[str, int] = field(default_factory=dict)
    #: What sanitising drops: {tag or "@attribute": {"count": n, "blocks": [url_name, ...]}}.
    removed_elements: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Course settings kept, and where they went ("pass_mark": "0.6 (grading_policy.json ...)").
    kept_settings: dict[str, str] = field(default_factory=dict)
    #: Settings nothing here keeps ("policy.json tabs", "sequential format"...): how many.
    dropped_settings: dict[str, int] = field(default_factory=dict)
    #: ``/static/`` files linked but not in the course: {linked name: [url_name, ...]}.
    missing_assets: dict[str, list[str]] = field(default_factory=dict)
    #: ``/jump_to_id/`` links to no block: {"/jump_to_id/<url_name>": [url_name, ...]}.
    broken_links: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: False: the course waits for an admin to choose its audience and grade band and publish
    #: it (:func:`lms_module.learning.publishing.publish_course`); learners do not see it yet.
    published: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)

    def detail_lines(self) -> list[str]:
        """Return the report's account of the import as lines (``lms load-course`` prints
        them; the courses page shows the same fields)."""

        def where(blocks: list[str]) -> str:
            return ", ".join(blocks[:10]) + ("…" if len(blocks) > 10 else "")

        lines = [f"Khối hiển thị được: {count} <{name}>"
                 for name, count in sorted(self.supported_types.items())]
        lines += [f"Khối hiện thành ô giữ chỗ (chưa hỗ trợ): {count} <{name}>"
                  for name, count in sorted(self.placeholder_types.items())]
        if self.problems_answerable or self.problems_not_answerable:
            lines.append(
                f"Bài tập: {self.problems_answerable} bài làm được, "
                f"{self.problems_not_answerable} bài không làm được ở đây."
            )
        lines += [f"Kiểu câu trả lời chưa hỗ trợ: {count} <{name}>"
                  for name, count in sorted(self.unsupported_responses.items())]
        lines += [f"Bị bỏ khi làm sạch nội dung: {entry['count']} {tag} (trong "
                  f"{where(entry['blocks'])})"
                  for tag, entry in sorted(self.removed_elements.items())]
        lines += [f"Tệp bị thiếu: {name} (trong {where(blocks)})"
                  for name, blocks in sorted(self.missing_assets.items())]
        lines += [f"Liên kết hỏng: {link} (trong {where(blocks)})"
                  for link, blocks in sorted(self.broken_links.items())]
        lines += [f"Thiết lập được giữ: {name} = {value}"
                  for name, value in sorted(self.kept_settings.items())]
        lines += [f"Thiết lập bị bỏ: {name}" + (f" ×{count}" if count > 1 else "")
                  for name, count in sorted(self.dropped_settings.items())]
        return lines

    @classmethod
    def from_stored(cls, data: dict[str, Any], **changes: Any) -> ImportReport:
        """Return the report stored on a version (``as_dict``); keys a report of an older
        release lacks take their defaults, keys no longer known are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in {**data, **changes}.items() if k in known})


def _course_metadata(root: Any) -> dict[str, Any]:
    where = source_position(root)

    def integer(name: str, low: int, high: int) -> int | None:
        value = root.get(name)
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except ValueError:
            raise OlxError(f"{where}: {name}=“{value}” phải là số nguyên.") from None
        if not low <= number <= high:
            raise OlxError(f"{where}: {name} phải từ {low} đến {high}.")
        return number

    audience = root.get("audience", "")
    if audience and audience not in {a.value for a in Audience}:
        choices = ", ".join(a.value for a in Audience)
        raise OlxError(f"{where}: audience=“{audience}” không hợp lệ; chọn một trong: {choices}.")
    try:
        pass_mark = float(root.get("pass_mark", "0") or 0)
    except ValueError:
        raise OlxError(f"{where}: pass_mark phải là số từ 0 đến 1, ví dụ 0.7.") from None
    if not 0 <= pass_mark <= 1:
        raise OlxError(f"{where}: pass_mark phải là số từ 0 đến 1, ví dụ 0.7.")
    title = root.get("display_name", "").strip()
    if not title:
        raise OlxError(f"{where}: khóa học cần display_name (tên tiếng Việt).")
    title_en = root.get("title_en", root.get("display_name_en", "")).strip()
    for name, value in (("display_name", title), ("title_en", title_en)):
        if starts_like_formula(value):
            # The title is printed in the reports offices open in Excel (the BDTX sheet).
            raise OlxError(f"{where}: {name}=“{value}” không được bắt đầu bằng dấu = + - @ "
                           "(Excel sẽ hiểu tên khóa học là công thức).")
    validity = root.get("validity", "").strip()
    if validity not in ("", "school_year"):
        raise OlxError(f"{where}: validity=“{validity}” không hợp lệ; dùng validity=“school_year” "
                       "hoặc validity_months=“12”.")
    if validity and root.get("validity_months"):
        raise OlxError(f"{where}: chỉ đặt một trong hai: validity=“school_year” hoặc "
                       "validity_months.")
    grade_min, grade_max = integer("grade_min", 1, 12), integer("grade_max", 1, 12)
    if grade_min and grade_max and grade_min > grade_max:
        raise OlxError(f"{where}: grade_min lớn hơn grade_max.")
    return {
        "title_vi": title[:200],
        "title_en": title_en[:200],
        "audience": Audience(audience) if audience else None,
        "grade_min": grade_min,
        "grade_max": grade_max,
        "credit_periods": integer("credit_periods", 0, 120) or 0,
        "pass_mark": pass_mark,
        "validity_months": integer("validity_months", 1, 120),
        "valid_for_school_year": validity == "school_year",
    }


def _default_slug(root: Any, path: Path) -> str:
    if root.get("slug"):
        return str(root.get("slug"))
    if root.get("org") and root.get("course"):
        return f"{root.get('org')}-{root.get('course')}-{root.get('url_name', 'course')}"
    return path.name.removesuffix(".tar.gz").removesuffix(".tgz")


def latest_version(session: Session, course: Course) -> CourseVersion | None:
    """Return the course's newest version (the published one, or the one waiting to be)."""
    return session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def _store_assets(
    session: Session, version: CourseVersion, files: dict[str, bytes]
) -> tuple[set[str], list[str]]:
    """Store the files of ``static/`` under the names Open edX serves them by
    (:func:`~lms_module.xblock_runtime.services.course_asset_name`: ``thank you.png`` as
    ``thank_you.png``); return the names stored and warnings (two files, one name)."""
    stored: dict[str, str] = {}
    warnings: list[str] = []
    for name in sorted(files):
        if not name.startswith("static/") or name.endswith("/"):
            continue
        original = name.removeprefix("static/")
        stored_name = course_asset_name(original)
        if stored_name in stored:
            warnings.append(
                f"Hai tệp “{stored[stored_name]}” và “{original}” cùng mang tên "
                f"“{stored_name}” (tên tệp Open edX): chỉ giữ tệp đầu."
            )
            continue
        if len(stored_name) > ASSET_NAME_LENGTH:
            warnings.append(f"Tên tệp “{original}” dài quá {ASSET_NAME_LENGTH} ký tự: bỏ qua.")
            continue
        stored[stored_name] = original
        session.add(
            CourseAsset(
                course_version_id=version.id,
                path=stored_name,
                content_type=mimetypes.guess_type(original)[0] or "application/octet-stream",
                data=files[name],
            )
        )
    return set(stored), warnings


def _describe_import(
    report: ImportReport, parsed: ParsedCourse, policies: CoursePolicies, asset_names: set[str]
) -> None:
    """Fill the report's account of the import: what is shown, answerable, dropped or broken."""
    url_names = {b.usage_id: b.url_name for b in parsed.blocks}
    for block in parsed.blocks:
        counts = report.placeholder_types if block.is_placeholder else report.supported_types
        counts[block.block_type] = counts.get(block.block_type, 0) + 1
        notes = parsed.notes.get(block.usage_id, {})
        if block.block_type == "problem":
            if notes.get("answerable", block.has_score):
                report.problems_answerable += 1
            else:
                report.problems_not_answerable += 1
        for response, count in dict(notes.get("unsupported_responses") or {}).items():
            name = str(response)
            report.unsupported_responses[name] = (
                report.unsupported_responses.get(name, 0) + int(count)
            )
        for tag, count in dict(notes.get("removed_elements") or {}).items():
            entry = report.removed_elements.setdefault(str(tag), {"count": 0, "blocks": []})
            entry["count"] += int(count)
            entry["blocks"].append(block.url_name)
    known = set(url_names.values())
    for usage_id, paths in parsed.static_links.items():
        for linked in sorted(paths):
            if course_asset_name(linked) not in asset_names:
                report.missing_assets.setdefault(linked, []).append(url_names[usage_id])
    for usage_id, targets in parsed.jump_links.items():
        for target in sorted(targets):
            if safe_name(target) not in known:
                report.broken_links.setdefault(f"/jump_to_id/{target}", []).append(
                    url_names[usage_id]
                )
    report.kept_settings = dict(policies.kept)
    if parsed.graded:
        scored_out = sum(1 for b in parsed.blocks if b.has_score and b.weight == 0)
        report.kept_settings["graded"] = (
            f"{len(parsed.graded)} phần được chấm điểm; {scored_out} bài tập ngoài các phần "
            "đó vẫn phải làm để hoàn thành nhưng không tính vào điểm"
        )
    report.dropped_settings = {**policies.dropped, **parsed.dropped_attributes}


def load_course(
    session: Session, path: Path, *, slug: str | None = None, urls: RuntimeUrls | None = None
) -> ImportReport:
    """Load the course at ``path`` (folder or ``.tar.gz``) as a new version if it changed.

    Learner state is keyed by usage id, so it carries over to the new version for every block
    that still exists. The caller commits (or rolls back on error).

    :param slug: the course's slug; default: the root's ``slug`` attribute, else
        ``org-course-url_name`` (Open edX exports), else the folder name.
    :raises OlxError: for malformed XML (naming file and line) or invalid course metadata.
    """
    files = read_course_files(path)
    digest = olx_hash(files)
    root, root_url_name = read_course_tree(files)
    policies = apply_course_policies(files, root, root_url_name)
    course_slug = safe_name(slug or _default_slug(root, path)).lower().replace(".", "-")[:60]
    metadata = _course_metadata(root)
    cards = read_talk_cards(files, metadata["audience"])

    course = session.scalar(select(Course).where(Course.slug == course_slug))
    if metadata["audience"] is None:
        # Who the course is for is chosen on publishing (an Open edX export does not say);
        # a course already published keeps its choice.
        for name in AUDIENCE_FIELDS:
            del metadata[name]
    if course is None:
        course = Course(slug=course_slug, **{"audience": Audience.STUDENT, **metadata})
        session.add(course)
        session.flush()
    else:
        for name, value in metadata.items():
            setattr(course, name, value)
    # Published at once when the course says who it is for, or was published before.
    publish = "audience" in metadata or course.current_version_id is not None
    latest = latest_version(session, course)
    if latest is not None and latest.olx_hash == digest:
        session.flush()
        return ImportReport.from_stored(latest.report, new_version=False)

    root.attrib.pop("slug", None)
    # Content fields come only from this load: values of attributes since removed must go.
    session.execute(
        delete(SharedFieldValue).where(
            SharedFieldValue.scope.in_(CONTENT_SCOPES),
            or_(
                SharedFieldValue.block_scope_id.startswith(f"{USAGE_PREFIX}{course_slug}+"),
                SharedFieldValue.block_scope_id.startswith(f"{DEFINITION_PREFIX}{course_slug}+"),
            ),
        )
    )
    parsed = parse_course_blocks(
        root, root_url_name, course_slug, SqlFieldStore(session), urls, files=files
    )

    number = (
        session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    version = CourseVersion(
        course_id=course.id, number=number, olx_hash=digest, root_usage_id=parsed.root_usage_id
    )
    session.add(version)
    session.flush()
    for block in parsed.blocks:
        session.add(BlockUsage(course_version_id=version.id, **asdict(block)))
    asset_names, asset_warnings = _store_assets(session, version, files)
    assets = len(asset_names)
    talk_cards = store_talk_cards(session, version, cards, parsed.blocks)
    report = ImportReport(
        course_slug,
        number,
        new_version=True,
        blocks=len(parsed.blocks),
        block_types=parsed.block_types(),
        unknown_types=parsed.unknown,
        assets=assets,
        talk_cards=talk_cards,
    )
    report.warnings = [
        f"Loại nội dung <{tag}> chưa được hỗ trợ: hiển thị thay thế ở {len(ids)} chỗ."
        for tag, ids in parsed.unknown.items()
    ]
    report.warnings += asset_warnings
    _describe_import(report, parsed, policies, asset_names)
    report.published = publish
    version.report = report.as_dict()
    if publish:
        course.current_version_id = version.id
    session.flush()
    session.refresh(course)
    return report
