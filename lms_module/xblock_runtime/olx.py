"""Load a course from OLX: inline ``course.xml`` or the Open edX export layout.

Everything happens in the caller's transaction: on :class:`OlxError` the caller rolls back
and nothing is loaded.
"""

from __future__ import annotations

import hashlib
import mimetypes
import tarfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import ScopeIds
from xblock.plugin import PluginMissingError

from certificates.inert import starts_like_formula
from lms_module.errors import LMSError
from lms_module.learning.models import (
    Audience,
    BlockUsage,
    Course,
    CourseAsset,
    CourseVersion,
    SharedFieldValue,
)
from lms_module.xblock_runtime.ids import (
    DEFINITION_PREFIX,
    USAGE_PREFIX,
    BlockKey,
    safe_name,
)
from lms_module.xblock_runtime.runtime import LmsRuntime, RuntimeUrls

#: Largest course archive or folder accepted (all files together), in bytes.
MAX_COURSE_BYTES = 200 * 1024 * 1024
#: Attributes the loader adds to block nodes and removes before XBlock parsing.
SOURCE_ATTRIBUTE = "olx-source"
LINE_ATTRIBUTE = "olx-line"
#: Scopes (by name) that hold course content; they are replaced on every load.
CONTENT_SCOPES = ("content", "settings", "children", "parent")


class OlxError(LMSError):
    """The course files cannot be loaded; the message names the file and line."""


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
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


# ---------------------------------------------------------------------------------- files


def read_course_files(path: Path) -> dict[str, bytes]:
    """Read the files of a course folder or ``.tar.gz``, keyed by path from ``course.xml``'s
    folder.

    :raises OlxError: when there is no ``course.xml`` or the archive is unsafe or too big.
    """
    files: dict[str, bytes] = {}
    total = 0
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
                if total > MAX_COURSE_BYTES:
                    raise OlxError(f"Khóa học lớn hơn {MAX_COURSE_BYTES // 2**20} MB.")
                files[item.relative_to(path).as_posix()] = item.read_bytes()
    elif path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        try:
            with tarfile.open(path, "r:gz") as archive:
                for member in archive.getmembers():
                    name = PurePosixPath(member.name)
                    if not member.isfile() or name.is_absolute() or ".." in name.parts:
                        continue
                    total += member.size
                    if total > MAX_COURSE_BYTES:
                        raise OlxError(f"Khóa học lớn hơn {MAX_COURSE_BYTES // 2**20} MB.")
                    handle = archive.extractfile(member)
                    if handle is not None:
                        files[name.as_posix().removeprefix("./")] = handle.read()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise OlxError(f"Không đọc được tệp nén {path.name}: {error}") from error
    else:
        raise OlxError(
            f"Không tìm thấy khóa học ở {path}. Hãy chỉ đến một thư mục có course.xml "
            "hoặc một tệp .tar.gz."
        )
    roots = sorted(
        (name for name in files if PurePosixPath(name).name == "course.xml"),
        key=lambda n: n.count("/"),
    )
    if not roots:
        raise OlxError(f"Không có tệp course.xml trong {path.name}.")
    base = roots[0].removesuffix("course.xml")
    return {name.removeprefix(base): data for name, data in files.items() if name.startswith(base)}


def olx_hash(files: dict[str, bytes]) -> str:
    """Return a SHA-256 over file names and contents (an unchanged course hashes the same)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _parse_file(files: dict[str, bytes], name: str) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
    )
    try:
        root = etree.fromstring(files[name], parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else "?")
        raise OlxError(
            f"Tệp {name}, dòng {line}: XML không hợp lệ ({error.msg}). "
            "Hãy sửa tệp rồi nạp lại; chưa có gì được nạp."
        ) from error
    _mark_source(root, name)
    return root


def _mark_source(node: Any, name: str) -> None:
    for element in node.iter():
        if isinstance(element.tag, str):
            element.set(SOURCE_ATTRIBUTE, name)
            element.set(LINE_ATTRIBUTE, str(element.sourceline or 0))


def _strip_source(node: Any) -> None:
    for element in node.iter():
        if isinstance(element.tag, str):
            element.attrib.pop(SOURCE_ATTRIBUTE, None)
            element.attrib.pop(LINE_ATTRIBUTE, None)


def _where(node: Any) -> str:
    return f"Tệp {node.get(SOURCE_ATTRIBUTE, '?')}, dòng {node.get(LINE_ATTRIBUTE, '?')}"


def _block_class(tag: str) -> type[XBlock] | None:
    try:
        cls: type[XBlock] = XBlock.load_class(tag)
    except PluginMissingError:
        return None
    return cls


# ---------------------------------------------------------------------------------- tree


def _resolve(node: Any, files: dict[str, bytes], depth: int = 0) -> Any:
    """Replace Open edX pointer nodes by their files, recursively, and read html files."""
    if depth > 20:
        raise OlxError(f"{_where(node)}: khóa học lồng nhau quá sâu.")
    tag = node.tag
    url_name = node.get("url_name")
    pointed = f"{tag}/{url_name}.xml" if url_name else None
    if pointed and len(node) == 0 and pointed in files:
        target = _parse_file(files, pointed)
        if target.tag != tag:
            raise OlxError(
                f"Tệp {pointed}, dòng {target.sourceline}: cần thẻ <{tag}>, gặp <{target.tag}>."
            )
        for name, value in node.attrib.items():
            if name not in target.attrib or name == "url_name":
                target.set(name, value)
        node = target
    if tag == "html" and node.get("filename") and len(node) == 0 and not (node.text or "").strip():
        filename = node.attrib.pop("filename")
        candidates = [f"html/{filename}", f"html/{filename}.html"]
        found = next((c for c in candidates if c in files), None)
        if found is None:
            raise OlxError(f"{_where(node)}: không tìm thấy tệp {candidates[-1]}.")
        node.text = files[found].decode("utf-8", errors="replace")
    cls = _block_class(tag)
    if cls is not None and getattr(cls, "has_children", False):
        for child in list(node):
            if not isinstance(child.tag, str):
                continue
            resolved = _resolve(child, files, depth + 1)
            if resolved is not child:
                node.replace(child, resolved)
    return node


def _assign_url_names(node: Any, url_name: str) -> None:
    """Give every block node a url_name; a missing one is derived from its place (stable)."""
    node.set("url_name", safe_name(url_name))
    cls = _block_class(node.tag)
    if cls is None or not getattr(cls, "has_children", False):
        return
    counts: Counter[str] = Counter()
    for child in node:
        if not isinstance(child.tag, str):
            continue
        counts[child.tag] += 1
        name = child.get("url_name") or f"{node.get('url_name')}_{child.tag}{counts[child.tag]}"
        _assign_url_names(child, name)


# ---------------------------------------------------------------------------------- runtime


class _NoUrls:
    """URLs are not needed while loading."""

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        return ""

    def block_resource(self, block_type: str, uri: str) -> str:
        return ""

    def resource(self, path: str) -> str:
        return ""

    def course_asset(self, path: str) -> str:
        return f"/static/{path}"


class LoaderRuntime(LmsRuntime):
    """The runtime the loader parses with: content writes allowed, ids from url_names."""

    def __init__(self, session: Session, course_slug: str, urls: RuntimeUrls) -> None:
        super().__init__(
            session,
            course_slug=course_slug,
            course=None,
            user=None,
            urls=urls,
            allow_content_writes=True,
        )
        self.usages: list[dict[str, Any]] = []
        self.unknown: dict[str, list[str]] = {}

    def _usage_id_from_node(self, node: Any, parent_id: str | None) -> str:
        block_type = node.tag
        where = _where(node)
        url_name = node.attrib.pop("url_name")
        node.attrib.pop("xblock-family", None)
        cls = _block_class(block_type)
        if cls is not None and getattr(cls, "has_children", False):
            # Child blocks keep their source marks until they are parsed themselves.
            node.attrib.pop(SOURCE_ATTRIBUTE, None)
            node.attrib.pop(LINE_ATTRIBUTE, None)
        else:
            _strip_source(node)
        key = BlockKey(self.course_slug, block_type, url_name)
        usage_id = key.usage_id
        if any(u["usage_id"] == usage_id for u in self.usages):
            raise OlxError(f"{where}: url_name “{url_name}” của <{block_type}> bị trùng.")
        entry: dict[str, Any] = {
            "usage_id": usage_id,
            "definition_id": key.definition_id,
            "block_type": block_type,
            "url_name": url_name,
            "parent_usage_id": parent_id,
            "position": len(self.usages),
            "depth": 0 if parent_id is None else self._depth(parent_id) + 1,
        }
        self.usages.append(entry)
        if cls is None:
            self.unknown.setdefault(block_type, []).append(usage_id)
            cls = self.default_class
        keys = ScopeIds(None, block_type, key.definition_id, usage_id)
        try:
            block = self.mixologist.mix(cls).parse_xml(node, self, keys)
        except OlxError:
            raise
        except (ValueError, TypeError, KeyError, SyntaxError, etree.XMLSyntaxError) as error:
            raise OlxError(f"{where}: <{block_type}> không hợp lệ: {error}") from error
        if parent_id is not None:
            block.parent = parent_id
        block.save()
        mode = XBlockCompletionMode.get_mode(block)
        entry.update(
            display_name=str(getattr(block, "display_name", "") or "")[:200],
            completion_mode=mode,
            has_score=bool(getattr(block, "has_score", False)),
            weight=float(getattr(block, "weight", 1.0) or 0.0)
            if getattr(block, "has_score", False)
            else 0.0,
            is_placeholder=cls is self.default_class,
        )
        self._blocks[usage_id] = block
        return usage_id

    def _depth(self, usage_id: str) -> int:
        return next(int(u["depth"]) for u in self.usages if u["usage_id"] == usage_id)


# ---------------------------------------------------------------------------------- loading


def _course_metadata(root: Any) -> dict[str, Any]:
    where = _where(root)

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

    audience = root.get("audience", "student")
    if audience not in {a.value for a in Audience}:
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
        "audience": Audience(audience),
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
    top = _parse_file(files, "course.xml")
    if top.tag != "course":
        raise OlxError(f"Tệp course.xml, dòng {top.sourceline}: thẻ gốc phải là <course>.")
    root_url_name = top.get("url_name") or "course"
    root = _resolve(top, files)
    course_slug = safe_name(slug or _default_slug(root, path)).lower().replace(".", "-")[:60]
    metadata = _course_metadata(root)

    course = session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        course = Course(slug=course_slug, **metadata)
        session.add(course)
        session.flush()
    else:
        for name, value in metadata.items():
            setattr(course, name, value)
    current = course.current_version
    if current is not None and current.olx_hash == digest:
        session.flush()
        return ImportReport(**{**current.report, "new_version": False})

    _assign_url_names(root, root_url_name)
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
    runtime = LoaderRuntime(session, course_slug, urls or _NoUrls())
    root_usage_id = runtime._usage_id_from_node(root, None)

    number = (
        session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    version = CourseVersion(
        course_id=course.id, number=number, olx_hash=digest, root_usage_id=root_usage_id
    )
    session.add(version)
    session.flush()
    for usage in runtime.usages:
        session.add(BlockUsage(course_version_id=version.id, **usage))
    assets = 0
    for name, data in files.items():
        if name.startswith("static/") and not name.endswith("/"):
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            session.add(
                CourseAsset(
                    course_version_id=version.id,
                    path=name.removeprefix("static/"),
                    content_type=content_type,
                    data=data,
                )
            )
            assets += 1
    report = ImportReport(
        course_slug,
        number,
        new_version=True,
        blocks=len(runtime.usages),
        block_types=dict(Counter(u["block_type"] for u in runtime.usages)),
        unknown_types=runtime.unknown,
        assets=assets,
    )
    report.warnings = [
        f"Loại nội dung <{tag}> chưa được hỗ trợ: hiển thị thay thế ở {len(ids)} chỗ."
        for tag, ids in runtime.unknown.items()
    ]
    version.report = report.as_dict()
    course.current_version_id = version.id
    session.flush()
    session.refresh(course)
    return report
