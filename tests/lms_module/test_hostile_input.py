"""Hostile input on every route, as every role: never a 5xx, no logged error, no write on GET.

The routes come from the app's URL map and the query and form keys from the source (what the
views read from the request, the fields of the Flask-WTF forms), so a new route or a new field
is covered without editing this file. Each role first sends a
valid request to each route; where the access check refuses it (before the view parses
anything), a few hostile values suffice, elsewhere the view gets them all.
"""

from __future__ import annotations

import ast
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

import lms_module
from courses.content import SAMPLE_COURSE
from helpers import CSRF_PATTERN, sign_in
from lms_module.auth.access import ACCESS_ATTRIBUTE
from lms_module.certification.models import Certificate
from lms_module.core.inputs import MAX_ID
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockUsage
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
)
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User
from lms_module.roster.models import RosterKind
from lms_module.roster.uploads import store_upload
from lms_module.xblock_runtime.ids import BlockKey

#: Who visits: nobody signed in, then one person of each role (units from the ``tree``).
ROLES: dict[str, tuple[Role, str] | None] = {
    "anonymous": None,
    "student": (Role.STUDENT, "class"),
    "teacher": (Role.TEACHER, "school"),
    "school_manager": (Role.SCHOOL_MANAGER, "school"),
    "office_reviewer": (Role.OFFICE_REVIEWER, "province"),
    "admin": (Role.ADMIN, "province"),
}

#: Values for an ``int`` path argument: beyond 64 bits, negative, huge, not a number. The URL
#: converter refuses these before any view or access check, for every visitor alike.
HOSTILE_INTS = (str(2**64), str(2**63), "-1", str(10**30), "abc", "1.5", "1e3", "%201", "١٢")
#: Integers the converter lets through to the view: the smallest and the largest id.
EDGE_INTS = ("0", str(MAX_ID))
#: Values for text path arguments and for query and form fields.
HOSTILE_TEXT = (
    str(2**64), "-1", str(10**30), "abc", "a\nb\x00c\td", "x" * 10_000, "9999-0000",
    "9998-9999", "../../etc/passwd", "%ff'\"<>&", "",
)
#: Bodies for block handlers: JSON that is not an object, nested too deep, broken, huge.
HOSTILE_BODIES: tuple[tuple[str, bytes], ...] = (
    ("application/json", b"[]"),
    ("application/json", b'"x"'),
    ("application/json", b"null"),
    ("application/json", b"12"),
    ("application/json", b"[" * 100_000 + b"]" * 100_000),
    ("application/json", (b'{"a":' * 100_000) + b"1" + b"}" * 100_000),
    ("application/json", b'{"answers": ' + b"[" * 40 + b"]" * 40 + b"}"),
    ("application/json", b'{"answers": "' + b"x" * 2_000_000 + b'"}'),
    ("application/json", b"{not json"),
    ("application/json", b"\xff\xfe\x00"),
    ("application/json", b'{"answers": {"q1": [null, 1, {"x": []}]}, "choice": []}'),
    ("application/x-www-form-urlencoded", b"a=1&a=2&answers=%00"),
    ("text/plain", b"\x00\x01\x02"),
)
WRONG_METHODS = ("PUT", "DELETE", "PATCH")
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: Answers that mean "refused before the view ran" (sign-in redirect, JSON 401, 403).
REFUSED = frozenset({401, 403})

#: Keys the views read from ``request.args`` / ``request.form`` (found in their source).
FIELD_PATTERN = re.compile(
    r"""(?:args|form)(?:\.get|\.getlist)?\(\s*["']([\w-]+)["']|_int\(\s*["']([\w-]+)["']"""
)
#: A key nobody reads.
EXTRA_FIELDS = ("zzz-unknown",)

#: Tables any GET may write, and why.
ALLOWED_GET_WRITES = {
    # Views of personal data (class lists, uncovered people, downloads, exports) are audited
    # (DESIGN.md 3, AuditEvent): recording who looked is part of answering the request.
    "lms_audit_event",
}


#: Base classes of the module's Flask-WTF forms (core/csrf.py: masked CSRF token).
FORM_BASES = frozenset({"FlaskForm", "ModuleForm"})


def form_fields(source: str) -> set[str]:
    """The fields declared on the Flask-WTF forms of a module (``name = SomeField(...)``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef) or not any(
            isinstance(base, ast.Name) and base.id in FORM_BASES for base in node.bases
        ):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                called = statement.value.func
                name = called.id if isinstance(called, ast.Name) else ""
                if name.endswith("Field"):
                    names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return names


def field_names() -> list[str]:
    """Every query and form key a view reads or a form declares, found in the module's source."""
    names: set[str] = set(EXTRA_FIELDS)
    for path in Path(lms_module.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for match in FIELD_PATTERN.finditer(source):
            names.add(match.group(1) or match.group(2))
        names |= form_fields(source)
    names.discard("csrf_token")
    return sorted(names)


def test_the_field_list_holds_the_request_keys_and_the_form_fields():
    names = field_names()
    assert {"target", "sort", "next"} <= set(names)  # read from request.args / request.form
    assert {"username", "password", "kind", "file", "archive"} <= set(names)  # forms
    assert {"audience", "requirement", "percent", "school_year", "deadline", "source"} <= set(
        names
    )  # the coverage targets form


# ------------------------------------------------------------------------------- recording


class WriteCounter:
    """Note INSERT/UPDATE/DELETE statements sent while ``active`` (during a GET or HEAD)."""

    WRITE = re.compile(
        r"^\s*(INSERT|UPDATE|DELETE|REPLACE)(?:\s+OR\s+\w+)?(?:\s+(?:INTO|FROM))?\s+\"?(\w+)", re.I
    )

    def __init__(self) -> None:
        self.active = False
        self.allowed: set[str] = set()
        self.writes: list[str] = []

    def start(self, method: str, endpoint: str) -> None:
        self.active = method in SAFE_METHODS
        self.allowed = set(ALLOWED_GET_WRITES)
        self.writes.clear()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.active:
            return
        match = self.WRITE.match(statement)
        if match and match.group(2) not in self.allowed:
            self.writes.append(f"{match.group(1).upper()} {match.group(2)}")


@pytest.fixture
def write_counter(app: Flask, db: Session) -> Iterator[WriteCounter]:
    counter = WriteCounter()
    engine = app.extensions["lms"].engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


# ------------------------------------------------------------------------------- the world

TINY_COURSE = (
    '<course slug="tiny" display_name="Em an toàn" audience="student" grade_min="1"'
    ' grade_max="5"><chapter><sequential><vertical><html><p>Xin chào</p></html></vertical>'
    "</sequential></chapter></course>"
)


@pytest.fixture
def world(
    db: Session,
    tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
    tmp_path: Path,
    app: Flask,
) -> dict[str, Any]:
    """A person of every role, the sample course, a certificate and a stored roster upload."""
    users = {
        name: make_user(spec[0], tree[spec[1]], username=f"hostile.{name}")
        for name, spec in ROLES.items()
        if spec is not None
    }
    load_course(db, SAMPLE_COURSE)
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "course.xml").write_text(TINY_COURSE, encoding="utf-8")
    load_course(db, tmp_path / "tiny")
    db.flush()
    tiny = get_course(db, "tiny")
    student = users["student"]
    for usage_id in db.scalars(
        select(BlockUsage.usage_id).where(
            BlockUsage.course_version_id == tiny.current_version_id,
            BlockUsage.block_type == "html",
        )
    ):
        record_block_completion(db, student, tiny, usage_id, 1.0)
    complete_course_if_done(db, student, tiny)
    db.flush()
    certificate = db.scalars(select(Certificate).where(Certificate.user_id == student.id)).one()
    with app.test_request_context("/"):
        upload = store_upload(
            db, uploader=users["school_manager"], unit=tree["school"],
            kind=RosterKind.STUDENTS, filename="ds.csv",
            data="Mã định danh,Họ và tên,Lớp\r\n012345678901,Lò Thị Lan,2A\r\n".encode(),
        )
    db.flush()
    slug = "em-an-toan-lop-1-2"
    #: Second choices, for routes that answer 404 to the first (a class page, a unit page).
    alternatives = {
        "unit_id": str(tree["class"].id),
        "usage_id": BlockKey(slug, "vertical", "u1_quy_tac_dong_quan_ao").usage_id,
    }
    valid = {
        "unit_id": str(tree["school"].id),
        "upload_id": str(upload.id),
        "certificate_id": str(certificate.id),
        "user_id": str(student.id),
        "slug": slug,
        "usage_id": BlockKey(slug, "quiz", "q1_on_tap").usage_id,
        "handler_name": "submit",
        "suffix": "x",
        "digest": "0" * 64,
        "ext": "js",
        "fmt": "csv",
        "token": "abc",
        "code": certificate.code,
        "name": "regular",
        "filename": "css/lms.css",
        "path": "hinh.png",
        "block_type": "quiz",
        "uri": "static/js/quiz.js",
    }
    return {"users": users, "valid": valid, "alternatives": alternatives}


# ------------------------------------------------------------------------------- requests


def converter_of(rule: Rule, name: str) -> str:
    match = re.search(rf"<(\w+)(?:\([^)]*\))?:{name}>", rule.rule)
    return match.group(1) if match else "default"


def path_for(rule: Rule, values: dict[str, str]) -> str:
    """Fill the rule's placeholders with text as given, percent-encoded."""

    def fill(match: re.Match[str]) -> str:
        safe = "/" if match.group(1) == "path" else ""
        return quote(values[match.group(2)], safe=safe)

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


@dataclass
class Visitor:
    """A client signed in as one role, sending requests and noting what went wrong."""

    role: str
    client: FlaskClient
    user: User | None
    writes: WriteCounter
    csrf: str = ""
    findings: list[str] = field(default_factory=list)
    sent: int = 0
    location: str = ""

    def sign_in(self) -> None:
        if self.user is not None:
            assert sign_in(self.client, self.user.username).status_code == 302
        response = self.client.get("/login" if self.user is None else "/")
        match = CSRF_PATTERN.search(response.get_data(as_text=True))
        assert match, f"no CSRF token for {self.role} ({response.status_code})"
        self.csrf = match.group(1)

    def signed_in(self) -> bool:
        with self.client.session_transaction() as session:
            return "_user_id" in session

    def send(self, endpoint: str, method: str, url: str, **kwargs: Any) -> int:
        """Send one request; return its status (599 when it raised)."""
        if method not in SAFE_METHODS and method not in WRONG_METHODS:
            kwargs["headers"] = {"X-CSRFToken": self.csrf}
            if isinstance(kwargs.get("data"), list):
                kwargs["data"] = MultiDict([*kwargs["data"], ("csrf_token", self.csrf)])
        self.sent += 1
        self.writes.start(method, endpoint)
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # each failure is listed, not raised
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.note(method, url, f"{type(error).__name__}: {str(error)[:160]} "
                                   f"at {frame.filename}:{frame.lineno}")
            return 599
        finally:
            self.writes.active = False
        status = response.status_code
        self.location = response.headers.get("Location", "")
        response.close()
        if status >= 500:
            self.note(method, url, f"HTTP {status}")
        if self.writes.writes:
            self.note(method, url, f"a {method} wrote: {sorted(set(self.writes.writes))}")
        if self.user is not None and not self.signed_in():
            self.sign_in()  # the request signed this visitor out (POST /logout)
        return status

    def note(self, method: str, url: str, problem: str) -> None:
        shown = url if len(url) < 120 else f"{url[:110]}...({len(url)} chars)"
        self.findings.append(f"{self.role} {method} {shown!r}: {problem}")


def field_requests(method: str, url: str, fields: list[str], values: tuple[str, ...]
                   ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every field set to each value in turn, then repeated fields (``a=1&a=2``)."""
    where = "query_string" if method in SAFE_METHODS else "data"
    for value in values:
        yield method, url, {where: [(name, value) for name in fields]}
    yield method, url, {where: [(name, v) for name in fields for v in ("1", "2", str(2**64))]}


def probe(rule: Rule, valid: dict[str, str]) -> tuple[str, str]:
    """The valid request of a rule: its first method and a URL of valid values."""
    method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    return method, path_for(rule, {name: valid.get(name, "x") for name in rule.arguments})


def hostile_requests(rule: Rule, valid: dict[str, str], fields: list[str], *, full: bool,
                     routing: bool) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (method, url, client arguments) of the hostile requests for ``rule``.

    :param full: the view runs for this visitor: send every value (else a sample).
    :param routing: also send what routing refuses for everyone (bad ints, wrong methods).
    """
    methods = sorted(rule.methods - {"OPTIONS", "HEAD"})
    values = {name: valid.get(name, "x") for name in rule.arguments}
    base = path_for(rule, values)
    texts = HOSTILE_TEXT if full else HOSTILE_TEXT[:2]
    for name in sorted(rule.arguments):
        if converter_of(rule, name) == "int":
            hostile: tuple[str, ...] = EDGE_INTS + (HOSTILE_INTS if routing else ())
        else:
            hostile = tuple(t for t in texts if t)  # an empty segment is another URL
        for value in hostile:
            for method in methods:
                yield method, path_for(rule, {**values, name: value}), {}
    for method in methods:
        yield from field_requests(method, base, fields, texts)
    if "GET" in methods:
        yield "HEAD", base, {"query_string": [("zzz", "1")]}
    if routing:
        for method in WRONG_METHODS:
            yield method, base, {}
    if "handler_name" in rule.arguments and full:
        for content_type, body in HOSTILE_BODIES:
            yield "POST", base, {"data": body, "content_type": content_type}


@pytest.mark.parametrize("role", list(ROLES))
def test_hostile_input_never_errors_and_gets_never_write(
    role, app, client, world, write_counter, caplog, monkeypatch
):
    for limiter in app.extensions.get("limiter", ()):
        monkeypatch.setattr(limiter, "enabled", False)  # a 429 would hide what the view does
    fields = field_names()
    visitor = Visitor(role, client, world["users"].get(role), write_counter)
    visitor.sign_in()
    caplog.set_level(logging.WARNING)
    for rule in app.url_map.iter_rules():
        valid = world["valid"]
        method, url = probe(rule, valid)
        status = visitor.send(
            rule.endpoint, method, url, **({"data": []} if method == "POST" else {})
        )
        if status == 404 and set(world["alternatives"]) & rule.arguments:
            valid = {**valid, **world["alternatives"]}
            method, url = probe(rule, valid)
            status = visitor.send(
                rule.endpoint, method, url, **({"data": []} if method == "POST" else {})
            )
        refused = status in REFUSED or (status == 302 and "/login" in visitor.location)
        # A public view runs the same code for everyone: the anonymous visitor sends it all.
        public = getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE, "public") == "public"
        full = not refused and (role == "anonymous" or not public)
        for method, url, kwargs in hostile_requests(
            rule, valid, fields, full=full, routing=role == "anonymous"
        ):
            visitor.send(rule.endpoint, method, url, **kwargs)
    logged = [
        f"{r.levelname} {r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info
    ]
    assert visitor.sent > 300
    assert visitor.findings == [] and logged == [], "\n".join(visitor.findings + logged)

