"""Read OLX into XBlocks: inline ``course.xml`` or the Open edX export layout.

Reads the files, resolves ``url_name`` pointers, gives every block a stable id and parses it
with the runtime, whose content fields go to a :class:`FieldStore`. It writes no rows of its
own: the course loader (``lms_module.learning.course_loader``) stores the course, its versions
and blocks, and passes an SQL field store.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lxml import etree
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import Scope, ScopeIds
from xblock.plugin import PluginMissingError

from courses.blocks.placeholder import PlaceholderBlock
from lms_module.core.errors import LMSError
from lms_module.xblock_runtime.failsafe import load_block_class
from lms_module.xblock_runtime.field_data import FieldStore
from lms_module.xblock_runtime.ids import BlockKey, safe_name
from lms_module.xblock_runtime.runtime import LmsRuntime, MemoryUrls, RuntimeUrls
from lms_module.xblock_runtime.services import find_course_links

if TYPE_CHECKING:
    from fs.base import FS

#: Largest course archive or folder accepted (all files together), in bytes.
MAX_COURSE_BYTES = 200 * 1024 * 1024
#: Attributes the parser adds to block nodes and removes before XBlock parsing.
SOURCE_ATTRIBUTE = "olx-source"
LINE_ATTRIBUTE = "olx-line"
#: Scopes (by name) that hold course content: a course loader replaces them on every load.
CONTENT_SCOPES = ("content", "settings", "children", "parent")
#: Attributes of a container that the import reads itself (not settings that a field keeps).
_IMPORT_ATTRIBUTES = {"url_name", "graded", "slug", "filename", "xblock-family",
                      SOURCE_ATTRIBUTE, LINE_ATTRIBUTE}


class OlxError(LMSError):
    """The course files cannot be loaded; the message names the file and line."""


@dataclass
class ParsedBlock:
    """One block of a parsed course, in outline order (what the loader stores of it)."""

    usage_id: str
    definition_id: str
    block_type: str
    url_name: str
    parent_usage_id: str | None
    position: int
    depth: int
    display_name: str = ""
    #: The English title, where the block has one (our blocks' ``display_name_en``).
    display_name_en: str = ""
    completion_mode: str = XBlockCompletionMode.COMPLETABLE
    has_score: bool = False
    weight: float = 0.0
    #: An unknown OLX tag, shown as a placeholder.
    is_placeholder: bool = False


@dataclass
class ParsedCourse:
    """The blocks :func:`parse_course_blocks` found."""

    root_usage_id: str
    #: Every block, parents before their children.
    blocks: list[ParsedBlock]
    #: Unknown OLX tags (shown as placeholders) and the usage ids where they occur.
    unknown: dict[str, list[str]] = field(default_factory=dict)
    #: What blocks said of their import (``olx_import_notes()``: ``removed_elements``,
    #: ``unsupported_responses``, ``answerable``), by usage id; blocks without notes are absent.
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``/static/`` paths linked from each block's content (as written, URL-decoded).
    static_links: dict[str, set[str]] = field(default_factory=dict)
    #: ``/jump_to_id/`` targets (url_names) linked from each block's content.
    jump_links: dict[str, set[str]] = field(default_factory=dict)
    #: Attributes of containers that nothing keeps, as "<tag> <attribute>": how many blocks.
    dropped_attributes: dict[str, int] = field(default_factory=dict)
    #: Usage ids of the containers marked ``graded="true"`` (Open edX graded subsections).
    graded: list[str] = field(default_factory=list)

    def block_types(self) -> dict[str, int]:
        """Return how many blocks there are of each type."""
        return dict(Counter(b.block_type for b in self.blocks))


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


def parse_olx_file(files: dict[str, bytes], name: str) -> Any:
    """Parse file ``name`` of ``files`` safely (no entities, no network), marking each node
    with its file and line.

    :raises OlxError: for malformed XML, naming the file and line.
    """
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


def source_position(node: Any) -> str:
    """Return "Tệp <file>, dòng <line>" of an OLX node (for error messages)."""
    return f"Tệp {node.get(SOURCE_ATTRIBUTE, '?')}, dòng {node.get(LINE_ATTRIBUTE, '?')}"


def _block_class(tag: str) -> type[XBlock] | None:
    try:
        # A package that fails to import gives a placeholder class, not a failed import.
        cls: type[XBlock] = load_block_class(tag)
    except PluginMissingError:
        return None
    return cls


# ---------------------------------------------------------------------------------- tree


def _resolve(node: Any, files: dict[str, bytes], depth: int = 0) -> Any:
    """Replace Open edX pointer nodes by their files, recursively, and read html files."""
    if depth > 20:
        raise OlxError(f"{source_position(node)}: khóa học lồng nhau quá sâu.")
    tag = node.tag
    url_name = node.get("url_name")
    pointed = f"{tag}/{url_name}.xml" if url_name else None
    if pointed and len(node) == 0 and pointed in files:
        target = parse_olx_file(files, pointed)
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
            raise OlxError(f"{source_position(node)}: không tìm thấy tệp {candidates[-1]}.")
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


def _uses_default_parse(cls: type[XBlock]) -> bool:
    """Tell whether ``cls`` parses OLX with XBlock's own ``parse_xml``."""
    return getattr(cls.parse_xml, "__func__", None) is getattr(XBlock.parse_xml, "__func__", 0)


class _ParsingRuntime(LmsRuntime):
    """The runtime OLX is parsed with: content writes allowed, ids from url_names."""

    def __init__(
        self,
        course_slug: str,
        fields: FieldStore,
        urls: RuntimeUrls,
        files: Mapping[str, bytes] | None = None,
    ) -> None:
        super().__init__(
            course_slug=course_slug, fields=fields, urls=urls, allow_content_writes=True
        )
        self.files: Mapping[str, bytes] = files or {}
        self._resources_fs: FS | None = None
        self.parsed: dict[str, ParsedBlock] = {}
        self.unknown: dict[str, list[str]] = {}
        self.notes: dict[str, dict[str, Any]] = {}
        self.static_links: dict[str, set[str]] = {}
        self.jump_links: dict[str, set[str]] = {}
        self.dropped_attributes: Counter[str] = Counter()
        self.graded: list[str] = []

    @property
    def resources_fs(self) -> FS:
        """The course's files, read-only, as Open edX's import gives them to ``parse_xml``
        (markdown-xblock reads ``markdown/<url_name>.md`` there); made when a block asks."""
        if self._resources_fs is None:
            from fs.memoryfs import MemoryFS

            memory = MemoryFS()
            for name, data in self.files.items():
                folder = PurePosixPath(name).parent.as_posix()
                if folder != ".":
                    memory.makedirs(folder, recreate=True)
                memory.writebytes(name, data)
            self._resources_fs = memory
        return self._resources_fs

    def _usage_id_from_node(self, node: Any, parent_id: str | None) -> str:
        block_type = node.tag
        where = source_position(node)
        cls = _block_class(block_type)
        # The url_name stays on the node: Open edX blocks read it in parse_xml (XBlock's own
        # parse_xml would only log that no field keeps it).
        if cls is not None and _uses_default_parse(cls):
            url_name = node.attrib.pop("url_name")
        else:
            url_name = node.get("url_name")
        node.attrib.pop("xblock-family", None)
        graded = node.attrib.pop("graded", "").strip().lower() == "true"
        if cls is not None and getattr(cls, "has_children", False):
            for name in list(node.attrib):
                if name not in _IMPORT_ATTRIBUTES and name not in cls.fields:
                    # Listed in the report; removed, so XBlock's parser does not log it too.
                    self.dropped_attributes[f"{block_type} {name}"] += 1
                    del node.attrib[name]
            # Child blocks keep their source marks until they are parsed themselves.
            node.attrib.pop(SOURCE_ATTRIBUTE, None)
            node.attrib.pop(LINE_ATTRIBUTE, None)
        else:
            _strip_source(node)
        key = BlockKey(self.course_slug, block_type, url_name)
        usage_id = key.usage_id
        if usage_id in self.parsed:
            raise OlxError(f"{where}: url_name “{url_name}” của <{block_type}> bị trùng.")
        entry = ParsedBlock(
            usage_id=usage_id,
            definition_id=key.definition_id,
            block_type=block_type,
            url_name=url_name,
            parent_usage_id=parent_id,
            position=len(self.parsed),
            depth=0 if parent_id is None else self.parsed[parent_id].depth + 1,
        )
        self.parsed[usage_id] = entry
        if graded:
            self.graded.append(usage_id)
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
        has_score = bool(getattr(block, "has_score", False))
        entry.display_name = str(getattr(block, "display_name", "") or "")[:200]
        entry.display_name_en = str(getattr(block, "display_name_en", "") or "")[:200]
        entry.completion_mode = XBlockCompletionMode.get_mode(block)
        entry.has_score = has_score
        entry.weight = float(getattr(block, "weight", 1.0) or 0.0) if has_score else 0.0
        # Unknown, or installed but not importable (failsafe.UnavailableBlock): a placeholder.
        entry.is_placeholder = issubclass(cls, PlaceholderBlock)
        self._blocks[usage_id] = block
        self._note_import(usage_id, block)
        return usage_id

    def _note_import(self, usage_id: str, block: Any) -> None:
        """Keep what the report needs of a parsed block: its notes and its course links."""
        notes = getattr(block, "olx_import_notes", None)
        if callable(notes):
            said = notes()
            if said:
                self.notes[usage_id] = dict(said)
        if getattr(block, "has_children", False):
            return
        static: set[str] = set()
        jumps: set[str] = set()
        for name, block_field in block.fields.items():
            if block_field.scope not in (Scope.content, Scope.settings):
                continue
            value = getattr(block, name)
            if isinstance(value, str) and "/" in value:
                links = find_course_links(value)
                static |= links.static
                jumps |= links.jump_to_id
        if static:
            self.static_links[usage_id] = static
        if jumps:
            self.jump_links[usage_id] = jumps


# ---------------------------------------------------------------------------------- parsing


def read_course_tree(files: dict[str, bytes]) -> tuple[Any, str]:
    """Parse ``course.xml`` with every ``url_name`` pointer resolved.

    :return: the ``<course>`` element and the root's url_name (default "course").
    :raises OlxError: for malformed XML (naming file and line) or a root that is not
        ``<course>``.
    """
    top = parse_olx_file(files, "course.xml")
    if top.tag != "course":
        raise OlxError(f"Tệp course.xml, dòng {top.sourceline}: thẻ gốc phải là <course>.")
    root_url_name = top.get("url_name") or "course"
    return _resolve(top, files), root_url_name


def parse_course_blocks(
    root: Any,
    root_url_name: str,
    course_slug: str,
    fields: FieldStore,
    urls: RuntimeUrls | None = None,
    files: Mapping[str, bytes] | None = None,
) -> ParsedCourse:
    """Parse the resolved ``<course>`` tree into blocks, writing their content to ``fields``.

    Blocks without a url_name get one from their place, so the same OLX gives the same ids.
    Unknown tags become placeholders, listed in :attr:`ParsedCourse.unknown`. Blocks read the
    course's ``files`` through ``runtime.resources_fs``.

    Graded subsections (Open edX ``graded="true"``): when the course has any, only problems
    inside one count toward the score; the others keep counting for completion, with weight 0.

    :raises OlxError: for an invalid block or a url_name used twice (naming file and line).
    """
    _assign_url_names(root, root_url_name)
    runtime = _ParsingRuntime(course_slug, fields, urls or MemoryUrls(), files)
    root_usage_id = runtime._usage_id_from_node(root, None)
    blocks = list(runtime.parsed.values())
    if runtime.graded:
        _weigh_graded_only(blocks, set(runtime.graded))
    return ParsedCourse(
        root_usage_id,
        blocks,
        runtime.unknown,
        notes=runtime.notes,
        static_links=runtime.static_links,
        jump_links=runtime.jump_links,
        dropped_attributes=dict(runtime.dropped_attributes),
        graded=runtime.graded,
    )


def _weigh_graded_only(blocks: list[ParsedBlock], graded: set[str]) -> None:
    """Give weight 0 to scored blocks outside every graded container (Open edX grades only
    graded subsections; such problems still count for completion)."""
    parents = {b.usage_id: b.parent_usage_id for b in blocks}
    for block in blocks:
        if not block.has_score:
            continue
        ancestor = block.parent_usage_id
        while ancestor is not None and ancestor not in graded:
            ancestor = parents.get(ancestor)
        if ancestor is None:
            block.weight = 0.0


# ---------------------------------------------------------------------------------- policies


@dataclass
class CoursePolicies:
    """What :func:`apply_course_policies` kept of an Open edX export's course settings, and
    what it dropped."""

    #: Setting -> where it went (e.g. "pass_mark" -> "0.6 (grading_policy.json GRADE_CUTOFFS)").
    kept: dict[str, str] = field(default_factory=dict)
    #: Settings nothing here keeps, by name: how many times they occur.
    dropped: dict[str, int] = field(default_factory=dict)


def _policy_json(files: Mapping[str, bytes], name: str) -> dict[str, Any]:
    if name not in files:
        return {}
    try:
        data = json.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise OlxError(
            f"Tệp {name}: JSON không hợp lệ ({error}). Hãy sửa tệp rồi nạp lại; "
            "chưa có gì được nạp."
        ) from error
    if not isinstance(data, dict):
        raise OlxError(f"Tệp {name}: cần một đối tượng JSON {{...}}.")
    return data


def apply_course_policies(
    files: Mapping[str, bytes], root: Any, root_url_name: str
) -> CoursePolicies:
    """Apply an export's ``policies/<url_name>/policy.json`` and ``grading_policy.json`` to
    the resolved ``<course>`` tree, before it is parsed.

    ``policy.json`` holds settings by block ("course/<url_name>", "sequential/<url_name>"...):
    each plain value becomes an attribute of that block's node unless the OLX already sets
    it (then it is a setting like any attribute: kept by a field, or listed as dropped by
    the parse); lists and objects (tabs, discussion topics...) are listed as dropped. The
    lowest of ``GRADE_CUTOFFS`` becomes the course's ``pass_mark`` (unless the OLX sets one);
    the ``GRADER`` (assignment types and their weights) is listed as dropped.

    :raises OlxError: for a policy file that is not a JSON object.
    """
    result = CoursePolicies()
    folder = f"policies/{root_url_name}"
    policy = _policy_json(files, f"{folder}/policy.json")
    nodes: dict[str, Any] = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("url_name"):
            nodes.setdefault(f"{node.tag}/{node.get('url_name')}", node)
    nodes.setdefault(f"course/{root_url_name}", root)
    for key, settings in policy.items():
        target = nodes.get(str(key))
        if target is None or not isinstance(settings, dict):
            continue
        for name, value in settings.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, (str, int, float)):
                if target.get(name) is None:
                    target.set(str(name), str(value))
            else:
                entry = f"policy.json {name}"
                result.dropped[entry] = result.dropped.get(entry, 0) + 1
    grading = _policy_json(files, f"{folder}/grading_policy.json")
    cutoffs = grading.get("GRADE_CUTOFFS")
    if isinstance(cutoffs, dict):
        marks = [float(v) for v in cutoffs.values() if isinstance(v, (int, float))]
        if marks and not root.get("pass_mark"):
            lowest = min(marks)
            if 0 <= lowest <= 1:
                root.set("pass_mark", str(lowest))
                result.kept["pass_mark"] = f"{lowest:g} (grading_policy.json GRADE_CUTOFFS)"
    for name, value in grading.items():
        if name == "GRADE_CUTOFFS":
            continue
        if name == "GRADER" and isinstance(value, list):
            types = [str(g.get("type")) for g in value if isinstance(g, dict) and g.get("type")]
            name = f"GRADER ({', '.join(types)})" if types else "GRADER"
        result.dropped[f"grading_policy.json {name}"] = 1
    return result
