"""Load and fault test: learners take a course on gunicorn + PostgreSQL while things break.

Builds everything it needs in a temporary folder and removes it afterwards (also on Ctrl+C):
a PostgreSQL 15 cluster (``initdb``, unix socket only; as root through ``runuser -u
postgres``), a Redis server (unix socket only) for the rate-limit counters, the schema
(``lms db-upgrade``), one school with a few classes of N students (grades 2-5: two courses),
a students' coverage target, and ``gunicorn -w 4 'lms_module:create_app()'`` on a free
loopback port. Then:

1. a burst of QR-card sign-ins (GET then POST ``/card/<token>``, 40 children) from one
   address (127.0.0.2) within a minute;
2. N simulated learners (threads, from 127.0.0.1) sign in with their password and take their
   course the way the browser does: home, my courses, outline, resume, every unit page in turn
   (``rel="next"``) with the POST its script sends to record the view, and the handler POSTs
   the course blocks' JavaScript makes (JSON body, ``X-CSRFToken``): the scenario choices, the
   quiz answers (a learner who knows them) and the reflection; then the results page. For a
   share of the learners the last two progress events (e.g. the last quiz and the reflection)
   are sent at the same moment from two connections;
3. mid-run one gunicorn worker is killed with SIGKILL, later PostgreSQL is stopped
   (``pg_ctl stop -m fast``), left down a few seconds and started again. A learner whose
   request failed waits (``Retry-After`` when given) and tries again, like a person would;
4. afterwards a school manager and a province reviewer fetch the coverage dashboard and its
   CSV export, compared with the figures computed straight from memberships and certificates
   (``direct_subtree_figures``, as ``bench/bench_coverage.py`` does); and the database is
   checked for every answer a learner got a 2xx JSON reply for.

It prints a table (acknowledged completions against completion rows, learners at 100% and
passed without a completion or certificate, duplicate certificates, lost answers, 5xx split
into bare / ours / 503 with Retry-After, recovery time after the database restart, the card
burst, dashboard == direct) and exits 0 when every figure meets its expectation, else 1.

    .venv/bin/python bench/load_fault.py                     # 200 learners, at most 600 s
    .venv/bin/python bench/load_fault.py --learners 20 --max-seconds 150
    .venv/bin/python bench/load_fault.py --login-rate-limit "1000 per minute"

Options: ``--learners N``, ``--workers 4``, ``--max-seconds 600`` (the learners' time
budget; setup and checks come on top; a learner still busy then has not finished),
``--db-down 4`` (seconds PostgreSQL stays stopped), ``--recovery-limit 5`` (seconds after
PostgreSQL is back within which requests must succeed again), ``--concurrent-share 0.5``,
``--card-burst 40``, ``--think 0.1`` (mean pause between a learner's requests),
``--login-rate-limit`` (default: the app's own ``LMS_LOGIN_RATE_LIMIT``), ``--keep`` (keep
the temporary folder and its logs), ``--seed``.

Needs ``/usr/lib/postgresql/15/bin`` (Debian package postgresql-15), ``redis-server`` and the
``requests`` package (installed with the test extra). Without the ``redis`` Python package
(limits' Redis storage needs it) the rate limits fall back to ``memory://`` (per worker) and
the summary says so. Only loopback addresses are used; nothing listens on TCP except gunicorn
on 127.0.0.1. Requests wait up to 60 s for an answer (a queue behind four busy workers is not
a fault). On two shared cores 200 learners take five to ten minutes.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import functools
import html
import importlib.util
import inspect
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
VENV_BIN = Path(sys.executable).parent
PASSWORD = "tai-va-loi-2026"  # a throwaway account in a throwaway database
#: The shipped student courses the classes take (grade 2 and grades 3-5).
COURSE_FOLDERS = ("an-toan-cua-em", "em-biet-tu-bao-ve")
GRADES = (2, 3, 4, 5)
LEARNER_ADDRESS = "127.0.0.1"
CARD_ADDRESS = "127.0.0.2"
STAFF_ADDRESS = "127.0.0.3"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # a queue behind busy workers is not a fault
#: After a worker is killed, failures within this many seconds are blamed on the kill (its
#: requests in flight get no answer; the master starts a new worker within a second).
KILL_WINDOW = 5.0
#: Interactive blocks and the handler each one's JavaScript calls.
INTERACTIVE = {"quiz": "submit", "reflection": "save_answer", "scenario": "choose"}
#: Blocks completed by being shown (complete on view, recorded by the page's POST).
VIEWED = frozenset({"lesson", "html"})

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HANDLER_TEMPLATE = re.compile(r'data-handler-template="([^"]+)"')
VIEWED_URL = re.compile(r'data-viewed-url="([^"]+)"')
BLOCK = re.compile(r'data-usage-id="([^"]+)" data-block-type="([^"]+)"')
NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')
COURSE_LINK = re.compile(r'href="/courses/([^"/?#]+)"')
COMPLETED_TEXT = "đã hoàn thành khóa học"
#: Our own error page shows the hotline; gunicorn's and Werkzeug's bare pages do not.
HOTLINE = "111"


class Stop(Exception):
    """The run's time is up or it was interrupted: a learner stops where it is."""


# ------------------------------------------------------------------------------ processes


def is_root() -> bool:
    return os.geteuid() == 0


def as_pg_owner(args: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres system user."""
    return ["runuser", "-u", "postgres", "--", *args] if is_root() else args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


class Cluster:
    """A throwaway PostgreSQL cluster in ``folder``, reachable through its unix socket only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.log = folder / "postgres.log"
        self.port = 5432  # names the socket file only: no TCP port is opened
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/lms_load?host={self.folder}&port={self.port}"

    def _run(self, args: list[str], timeout: float = 120) -> None:
        result = subprocess.run(
            as_pg_owner(args), capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")

    def create(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"{PG_BIN}/initdb not found: apt-get install postgresql-15")
        if is_root():
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o755)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        self.start()
        self._run([str(PG_BIN / "createdb"), "-h", str(self.folder), "-p", str(self.port),
                   "-U", "postgres", "lms_load"])

    def start(self) -> None:
        # Durability settings stay at PostgreSQL's defaults: "nothing lost" is measured.
        options = f"-k '{self.folder}' -p {self.port} -c listen_addresses=''"
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                   "-t", "60", "-o", options, "start"])
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
                   "stop"])
        self.started = False


class RedisServer:
    """redis-server on a unix socket in ``folder`` (no TCP port), without persistence."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "redis.log"

    @property
    def uri(self) -> str:
        return f"redis+unix://{self.socket}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: apt-get install redis-server")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm",
                 "700", "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Gunicorn:
    """gunicorn serving ``lms_module:create_app()`` on a loopback port."""

    def __init__(self, folder: Path, workers: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = env
        self.log = folder / "gunicorn.log"
        self.instance = folder / "instance"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # Its own instance folder: the checkout's instance/lms.cfg must not change the run.
        app = f"lms_module:create_app(instance_path={str(self.instance)!r})"
        options = ["--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout", "30", "--graceful-timeout", "5", "--capture-output"]
        if importlib.util.find_spec("lms_module.serving") is not None:
            # As in production: the access log must not hold QR card tokens.
            options += ["--logger-class", "lms_module.serving.RedactingLogger"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), *options, app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base_url + "/login", timeout=5).status_code == 200 and (
                    len(self.worker_pids()) == self.workers
                ):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process is not None else []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # graceful: the master stops its workers
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only ours
            self.process.wait(5)

    def exceptions_logged(self) -> collections.Counter[str]:
        """Count the exception lines (``SomeError: message``) in gunicorn's log."""
        pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$")
        found: collections.Counter[str] = collections.Counter()
        with contextlib.suppress(OSError):
            for line in self.log.read_text(errors="replace").splitlines():
                match = pattern.match(line.strip())
                if match:
                    found[match.group(1)[:160]] += 1
        return found


# ------------------------------------------------------------------------------ data


@dataclass
class CoursePlan:
    """What a learner who knows the answers does in one course."""

    slug: str
    units: int
    #: usage id -> the JSON bodies of the handler calls, in order (the last one completes it).
    calls: dict[str, list[dict[str, Any]]]
    #: The interactive blocks in course order.
    interactive: list[str]
    #: The blocks whose last call the "concurrent" learners send together.
    last_two: set[str]

    @property
    def steps(self) -> int:
        """Acknowledged steps of a learner who takes the whole course."""
        return self.units + sum(len(c) for c in self.calls.values())


@dataclass
class LearnerAccount:
    index: int
    user_id: int
    username: str
    slug: str


@dataclass
class Setup:
    learners: list[LearnerAccount]
    plans: dict[str, CoursePlan]
    card_tokens: list[str]
    manager: str
    reviewer: str
    province_id: int
    school_id: int
    target_id: int
    seconds: float


def build_data(app: Any, learners: int, card_burst: int, secret: str) -> Setup:
    """Create the school, its classes and learners, load the courses and set a target."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from lms_module.auth.services import login_card_token
    from lms_module.db import db_session
    from lms_module.demo.services import CONTENT_DIR, FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES
    from lms_module.i18n import local_today
    from lms_module.learning.course_loader import load_course
    from lms_module.learning.models import Audience, Course, SharedFieldValue
    from lms_module.learning.services import version_blocks
    from lms_module.obligations.targets import create_requirement, set_target
    from lms_module.orgs.models import OrgKind, SchoolLevel
    from lms_module.orgs.services import create_unit
    from lms_module.people.models import Role
    from lms_module.people.services import PASSWORD_METHOD, add_membership, create_user
    from lms_module.school_years.year import SchoolYear

    started = time.monotonic()
    rng = random.Random(2026)
    with app.app_context():
        session = db_session()
        school_year = SchoolYear.containing(local_today())
        year = str(school_year)
        province = create_unit(session, kind=OrgKind.PROVINCE, code="LOAD-P",
                               name="Sở GD-ĐT Thử tải")
        commune = create_unit(session, kind=OrgKind.COMMUNE, code="LOAD-X", name="Xã Thử tải",
                              parent=province)
        school = create_unit(session, kind=OrgKind.SCHOOL, code="LOAD-TH",
                             name="Trường Tiểu học Thử tải", parent=commune,
                             school_level=SchoolLevel.PRIMARY)
        classes = [
            create_unit(session, kind=OrgKind.CLASS, code=f"LOAD-TH-{grade}A", name=f"{grade}A",
                        parent=school, grade=grade, school_year=year)
            for grade in GRADES
        ]
        for folder in COURSE_FOLDERS:
            load_course(session, CONTENT_DIR / folder)
        session.flush()
        courses = list(session.scalars(select(Course).where(Course.audience == Audience.STUDENT)))
        # One scrypt hash for every account: hashing 200 times would only slow the setup.
        password_hash = generate_password_hash(PASSWORD, method=PASSWORD_METHOD)
        users = []
        for index in range(learners):
            klass = classes[index % len(classes)]
            name = " ".join(rng.choice(names) for names in (FAMILY_NAMES, MIDDLE_NAMES,
                                                            GIVEN_NAMES))
            user = create_user(session, username=f"hs.load.{index:04d}", full_name=name,
                               student_code=f"0990{index:08d}")
            user.password_hash = password_hash
            add_membership(session, user, klass, Role.STUDENT, school_year=year)
            users.append((user, klass))
        manager = create_user(session, username="ql.load", full_name="Cán bộ Quản lý Thử",
                              staff_code="CB-QL-LOAD")
        manager.password_hash = password_hash
        add_membership(session, manager, school, Role.SCHOOL_MANAGER, school_year=year)
        reviewer = create_user(session, username="so.load", full_name="Cán bộ Sở Thử",
                               staff_code="CB-SO-LOAD")
        reviewer.password_hash = password_hash
        add_membership(session, reviewer, province, Role.OFFICE_REVIEWER)
        requirement = create_requirement(session, code="LOAD-KNS",
                                         title_vi="Kỹ năng sống và tự bảo vệ", courses=courses)
        target = set_target(session, unit=province, audience=Audience.STUDENT,
                            requirement=requirement, percent=95, school_year=year,
                            deadline=school_year.reporting_end)
        session.commit()

        def slug_for(grade: int) -> str:
            for course in courses:
                if (course.grade_min or 1) <= grade <= (course.grade_max or 12):
                    return course.slug
            raise RuntimeError(f"no student course for grade {grade}")

        accounts = [
            LearnerAccount(i, user.id, user.username, slug_for(klass.grade or 0))
            for i, (user, klass) in enumerate(users)
        ]
        card_options: dict[str, Any] = {}
        if "expires" in inspect.signature(login_card_token).parameters:
            from lms_module.auth.services import card_expiry

            card_options["expires"] = card_expiry(local_today())  # what a printed card holds
        tokens = [login_card_token(users[i % len(users)][0], secret, **card_options)
                  for i in range(card_burst)]
        # The answer key: the quizzes' questions and the scenarios' steps (course content).
        content_fields = {
            (row.block_scope_id, row.field_name): row.value
            for row in session.scalars(select(SharedFieldValue).where(
                SharedFieldValue.scope == "content",
                SharedFieldValue.field_name.in_(["questions", "steps"]),
            ))
        }
        plans = {}
        for course in courses:
            assert course.current_version is not None
            blocks = version_blocks(session, course.current_version)
            plans[course.slug] = plan_course(course.slug, blocks, content_fields)
        setup = Setup(accounts, plans, tokens, manager.username, reviewer.username,
                      province.id, school.id, target.id, time.monotonic() - started)
        session.close()
    return setup


def plan_course(slug: str, blocks: list[Any], content: dict[tuple[str, str], Any]) -> CoursePlan:
    """Work out the handler calls of a learner who knows every answer."""
    calls: dict[str, list[dict[str, Any]]] = {}
    for block in blocks:
        if block.block_type == "quiz":
            questions = content[(block.definition_id, "questions")]
            answers = {q["id"]: [o["id"] for o in q["options"] if o["correct"]]
                       for q in questions}
            calls[block.usage_id] = [{"answers": answers}]
        elif block.block_type == "scenario":
            steps = {s["id"]: s for s in content[(block.definition_id, "steps")]}
            step_id = next(iter(steps))
            path: list[dict[str, Any]] = []
            while len(path) <= len(steps):
                choice = next(c for c in steps[step_id]["choices"]
                              if c["good"] and c["next"] != "retry")
                path.append({"step": step_id, "choice": choice["id"]})
                if choice["next"] == "end":
                    break
                step_id = choice["next"]
            calls[block.usage_id] = path
        elif block.block_type == "reflection":
            calls[block.usage_id] = [{"answer": ""}]  # filled in per learner
    interactive = [b.usage_id for b in blocks if b.usage_id in calls]
    units = sum(1 for b in blocks if b.block_type == "vertical")
    return CoursePlan(slug, units, calls, interactive, set(interactive[-2:]))


# ------------------------------------------------------------------------------ requests


@dataclass
class Record:
    """One HTTP request as the client saw it."""

    start: float
    end: float
    method: str
    kind: str  # login, page, handler, card, staff, probe
    path: str
    status: int | None  # None: no response (connection refused or reset, timeout)
    category: str  # ok, redirect, 4xx, 429, 503-retry, ours-5xx, bare-5xx, no-response
    signed_in: bool


class Recorder:
    """Every request of the run, and the learners' progress (for the fault schedule)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.lock = threading.Lock()
        self.records: list[Record] = []
        self.steps_done = 0

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)

    def step(self) -> None:
        with self.lock:
            self.steps_done += 1


def classify(response: requests.Response | None, kind: str) -> str:
    if response is None:
        return "no-response"
    status = response.status_code
    if status < 300:
        return "ok"
    if status < 400:
        return "redirect"
    if status == 429:
        return "429"
    if status < 500:
        return "4xx"
    if kind == "handler":
        # The blocks' JavaScript reads a JSON {"error": ...}; anything else is bare to it.
        try:
            ours = "error" in response.json()
        except ValueError:
            ours = False
    else:
        body = response.text
        ours = "text/html" in response.headers.get("Content-Type", "") and HOTLINE in body
    if not ours:
        return "bare-5xx"
    if status == 503 and response.headers.get("Retry-After"):
        return "503-retry"
    return "ours-5xx"


class SourceAddressAdapter(HTTPAdapter):
    """Connect from a given loopback address (127.0.0.0/8 is all loopback on Linux)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A browser's cookies and requests; every request is recorded."""

    def __init__(self, base_url: str, recorder: Recorder, address: str, agent: str) -> None:
        self.base_url = base_url
        self.recorder = recorder
        self.http = requests.Session()
        self.http.mount("http://", SourceAddressAdapter(address))
        self.http.headers.update({"User-Agent": agent, "Accept-Language": "vi"})
        self.address = address
        self.signed_in = False

    def twin(self) -> Browser:
        """Another connection of the same browser (a second tab): same cookies."""
        other = Browser(self.base_url, self.recorder, self.address,
                        self.http.headers["User-Agent"])
        other.http.cookies.update(self.http.cookies)
        other.signed_in = self.signed_in
        return other

    def request(self, method: str, path: str, kind: str, **kwargs: Any
                ) -> requests.Response | None:
        start = time.monotonic()
        response = None
        try:
            response = self.http.request(method, self.base_url + path, allow_redirects=False,
                                         timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), **kwargs)
        except requests.RequestException:
            response = None
        self.recorder.add(Record(start, time.monotonic(), method, kind, path,
                                 response.status_code if response is not None else None,
                                 classify(response, kind), self.signed_in))
        return response


def retry_delay(response: requests.Response | None, attempt: int) -> float:
    """How long a person would wait before trying again."""
    if response is not None:
        with contextlib.suppress(ValueError, TypeError):
            return min(float(response.headers.get("Retry-After", "")), 30.0)
    return min(0.5 * 2.0 ** attempt, 3.0)


# ------------------------------------------------------------------------------ learners


@dataclass
class Ack:
    """A step the server acknowledged (2xx): a handler's JSON reply or a unit's view."""

    kind: str  # quiz, reflection, scenario, view
    usage_id: str
    body: dict[str, Any] = field(default_factory=dict)
    final: bool = False


@dataclass(frozen=True)
class Call:
    """A block handler call; the final one of a block completes it."""

    url: str
    usage_id: str
    block_type: str
    body: dict[str, Any]
    final: bool


class Run:
    """Shared state of the learners: deadline, stop flag, recorder, plans."""

    def __init__(self, base_url: str, recorder: Recorder, plans: dict[str, CoursePlan],
                 deadline: float, think: float, seed: int) -> None:
        self.base_url = base_url
        self.recorder = recorder
        self.plans = plans
        self.deadline = deadline
        self.think = think
        self.stop = threading.Event()
        self.seed = seed

    def check(self) -> None:
        if self.stop.is_set() or time.monotonic() > self.deadline:
            raise Stop()


class Learner:
    """A student taking their course in a browser."""

    def __init__(self, run: Run, account: LearnerAccount, concurrent: bool) -> None:
        self.run = run
        self.account = account
        self.plan = run.plans[account.slug]
        self.concurrent = concurrent
        self.browser = Browser(run.base_url, run.recorder, LEARNER_ADDRESS,
                               f"load-fault learner {account.index}")
        self.rng = random.Random(run.seed * 100_003 + account.index)
        self.lock = threading.Lock()
        self.acks: list[Ack] = []
        self.signed_in = False
        self.sign_outs = 0
        self.login_refusals = 0
        self.all_acknowledged = False
        self.told_completed = False
        self.pairs_sent = 0
        self.problem = ""
        self.token = ""
        self.path = ""

    # -------------------------------------------------------------------- helpers

    def pause(self) -> None:
        if self.run.think > 0:
            time.sleep(self.rng.uniform(0, 2 * self.run.think))

    def _wait(self, seconds: float) -> None:
        self.run.check()
        end = min(time.monotonic() + seconds, self.run.deadline)
        while time.monotonic() < end:
            if self.run.stop.wait(min(0.2, max(0.0, end - time.monotonic()))):
                break
        self.run.check()

    def until(self, send: Callable[[], requests.Response | None],
              accept: Callable[[requests.Response], bool],
              refresh: Callable[[requests.Response], None] | None = None) -> requests.Response:
        """Send until accepted; wait and retry after failures as a person would.

        ``refresh`` handles a 400 or 401 (new CSRF token, sign in again) up to three times.
        """
        attempt = refreshed = 0
        while True:
            self.run.check()
            response = send()
            if response is not None and accept(response):
                return response
            status = response.status_code if response is not None else 0
            if refresh is not None and status in (400, 401) and refreshed < 3:
                assert response is not None
                refreshed += 1
                refresh(response)
                continue
            if response is not None and 400 <= status < 500 and status != 429:
                raise LearnerProblem(f"{status} {response.request.method} "
                                     f"{urlsplit(response.url).path}: {response.text[:200]!r}")
            self._wait(retry_delay(response, attempt))
            attempt += 1

    def get_page(self, path: str, kind: str = "page") -> tuple[str, requests.Response]:
        """GET like a browser: follow redirects; sent to the sign-in page, sign in again.

        :returns: the path finally shown and its response.
        """
        for _ in range(6):
            response = self.until(functools.partial(self.browser.request, "GET", path, kind),
                                  lambda r: r.status_code < 400)
            location = response.headers.get("Location")
            if not 300 <= response.status_code < 400 or location is None:
                return path, response
            target = urlsplit(location).path or "/"
            if target.startswith("/login") and self.browser.signed_in and kind != "login":
                self.sign_outs += 1  # the session ended under the learner's feet
                self.sign_in()
                continue
            path = target
        raise LearnerProblem(f"too many redirects, last to {path}")

    # -------------------------------------------------------------------- the journey

    def take_course(self) -> None:
        try:
            self.sign_in()
            self.learn()
        except Stop:
            self.problem = self.problem or "time is up"
        except LearnerProblem as problem:
            self.problem = str(problem)
        except Exception as error:  # a bug in this script must not hide the others' figures
            self.problem = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    def sign_in(self) -> None:
        self.browser.signed_in = False
        while True:
            shown, page = self.get_page("/login", "login")
            if not shown.startswith("/login"):
                break  # still signed in after all
            token = CSRF_FIELD.search(page.text)
            if token is None:
                raise LearnerProblem("no CSRF token on the sign-in page")
            form = {"username": self.account.username, "password": PASSWORD,
                    "csrf_token": html.unescape(token.group(1))}
            response = self.until(
                functools.partial(self.browser.request, "POST", "/login", "login", data=form),
                lambda r: r.status_code in (200, 302, 429),
            )
            if response.status_code == 429:
                self.login_refusals += 1
                self._wait(retry_delay(response, 3))
                continue
            if response.status_code != 302:
                raise LearnerProblem("sign-in refused (wrong password?)")
            self.browser.signed_in = True
            if not self.signed_in:
                self.signed_in = True
                self.run.recorder.step()
            self.pause()
            self.get_page(urlsplit(response.headers["Location"]).path or "/")
            break
        self.browser.signed_in = True

    def learn(self) -> None:
        slug = self.plan.slug
        self.pause()
        _shown, listing = self.get_page("/courses")
        if slug not in COURSE_LINK.findall(listing.text):
            raise LearnerProblem(f"course {slug} not in 'Khóa học của tôi'")
        self.pause()
        self.get_page(f"/courses/{slug}")
        self.pause()
        path, response = self.get_page(f"/courses/{slug}/resume")
        deferred: list[Call] = []
        missing = 0
        while True:
            if "/units/" not in path:
                raise LearnerProblem(f"expected a unit page, got {path}")
            self.path, page = path, response.text
            self.run.recorder.step()
            token = CSRF_META.search(page)
            template = HANDLER_TEMPLATE.search(page)
            viewed_url = VIEWED_URL.search(page)
            if token is None or template is None or viewed_url is None:
                raise LearnerProblem(f"unit page without CSRF token or handler URLs: {path}")
            self.token = html.unescape(token.group(1))
            blocks = [(html.unescape(u), t) for u, t in BLOCK.findall(page)]
            self.pause()
            self.record_view(html.unescape(viewed_url.group(1)),
                             [u for u, t in blocks if t in VIEWED])
            for usage_id, block_type in blocks:
                calls = self.plan.calls.get(usage_id)
                if block_type not in INTERACTIVE or calls is None:
                    continue
                url = (html.unescape(template.group(1))
                       .replace("__usage__", quote(usage_id, safe=""))
                       .replace("__handler__", INTERACTIVE[block_type]))
                bodies = [self.body_for(block_type, body) for body in calls]
                for number, body in enumerate(bodies, start=1):
                    call = Call(url, usage_id, block_type, body, number == len(bodies))
                    if call.final and self.concurrent and usage_id in self.plan.last_two:
                        deferred.append(call)
                        continue
                    self.pause()
                    self.post(self.browser, call)
            following = NEXT_LINK.search(page)
            if following is None:
                break
            self.pause()
            path, response = self.get_page(urlsplit(html.unescape(following.group(1))).path)
        if deferred:
            missing += self.post_together(deferred)
        self.pause()
        _shown, results = self.get_page(f"/courses/{slug}/results")
        self.told_completed = COMPLETED_TEXT in results.text.lower()
        self.all_acknowledged = missing == 0

    def body_for(self, block_type: str, body: dict[str, Any]) -> dict[str, Any]:
        if block_type == "reflection":
            return {"answer": f"Em kể với mẹ và cô giáo ({self.account.username})."}
        return body

    def post(self, browser: Browser, call: Call) -> None:
        """Make a block's handler call as its JavaScript does; record the acknowledgement."""
        reply = self.send_json(browser, call.url, call.body)
        self.acks.append(Ack(call.block_type, call.usage_id, call.body, call.final))
        self.run.recorder.step()
        if call.block_type == "quiz" and reply.get("score") != 1.0:
            raise LearnerProblem(f"quiz {call.usage_id} scored {reply.get('score')} with the key")

    def record_view(self, url: str, viewed: list[str]) -> None:
        """Send the POST the unit page's script sends once shown (the learner's place, the
        plain content ``viewed`` completes); record the acknowledgement."""
        self.send_json(self.browser, url, {})
        self.acks.extend(Ack("view", usage_id) for usage_id in viewed)

    def send_json(self, browser: Browser, url: str, body: dict[str, Any]) -> Any:
        """POST ``body`` as the page's JavaScript does until acknowledged; return the reply."""
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": self.token, "X-Requested-With": "XMLHttpRequest"}
        payload = json.dumps(body)

        def acknowledged(response: requests.Response) -> bool:
            if not 200 <= response.status_code < 300:
                return False
            try:
                response.json()
            except ValueError:
                return False
            return True

        def refresh(response: requests.Response) -> None:
            # What the learner does after "Hãy tải lại trang": reload (sign in if asked).
            with self.lock:
                if response.status_code == 401:
                    self.sign_outs += 1
                    self.sign_in()
                _shown, page = self.get_page(self.path)
                token = CSRF_META.search(page.text)
                if token is not None:
                    self.token = html.unescape(token.group(1))
                headers["X-CSRFToken"] = self.token
                if browser is not self.browser:
                    browser.http.cookies.update(self.browser.http.cookies)

        response = self.until(
            lambda: browser.request("POST", url, "handler", data=payload, headers=headers),
            acknowledged, refresh,
        )
        return response.json()

    def post_together(self, calls: list[Call]) -> int:
        """Send the last progress events at the same moment, each from its own connection."""
        barrier = threading.Barrier(len(calls))
        failures: list[str] = []

        def send(call: Call, browser: Browser) -> None:
            try:
                barrier.wait(timeout=30)
                self.post(browser, call)
            except (Stop, LearnerProblem, threading.BrokenBarrierError) as error:
                failures.append(str(error) or type(error).__name__)

        threads = [threading.Thread(target=send, args=(call, self.browser.twin()), daemon=True)
                   for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(READ_TIMEOUT * 3 + 60)
        self.pairs_sent += 1
        if failures:
            self.problem = self.problem or "; ".join(failures)
        return len(failures)


class LearnerProblem(Exception):
    """Something a learner cannot get past (not a transient failure)."""


# ------------------------------------------------------------------------------ faults


@dataclass
class Faults:
    """When the faults happened (monotonic seconds) and what came of them."""

    killed_pid: int | None = None
    kill_at: float | None = None
    respawned_after: float | None = None
    db_stop_at: float | None = None
    db_down_at: float | None = None
    db_up_at: float | None = None
    errors: list[str] = field(default_factory=list)


def inject_faults(run: Run, server: Gunicorn, cluster: Cluster, faults: Faults,
                  planned_steps: int, db_down: float, started: float, budget: float,
                  probe: Browser, aborting: threading.Event) -> None:
    """Kill a worker at a quarter of the learners' steps, restart PostgreSQL at half.

    While PostgreSQL restarts, ``probe`` (a signed-in browser) asks for a page every 0.1 s
    without waiting for Retry-After: its first success is the server's recovery, which the
    learners (who wait as told) see later. ``aborting`` (Ctrl+C): leave PostgreSQL stopped.
    """

    def wait_for(share: float, latest: float, not_before: float = 0.0) -> bool:
        while not run.stop.is_set():
            progress = run.recorder.steps_done / max(planned_steps, 1)
            now = time.monotonic()
            if now >= not_before and (progress >= share or now - started >= latest * budget):
                return True
            time.sleep(0.2)
        return False

    probing = threading.Event()

    def poll() -> None:
        while probing.is_set():
            sent = time.monotonic()
            response = probe.request("GET", "/courses", "probe")
            if (response is not None and response.status_code == 200
                    and faults.db_down_at is not None and sent >= faults.db_down_at):
                break
            time.sleep(max(0.0, 0.1 - (time.monotonic() - sent)))

    try:
        if not wait_for(0.25, 0.35):
            return
        workers = server.worker_pids()
        if workers:
            victim = random.Random(run.seed).choice(workers)
            faults.kill_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            faults.killed_pid = victim
            while time.monotonic() - faults.kill_at < 60 and not run.stop.is_set():
                pids = server.worker_pids()
                if victim not in pids and len(pids) >= server.workers:
                    faults.respawned_after = time.monotonic() - faults.kill_at
                    break
                time.sleep(0.1)
        else:
            faults.errors.append("no gunicorn worker found to kill")
        # Far enough from the kill that each fault's failures are told apart.
        if not wait_for(0.5, 0.55, (faults.kill_at or 0.0) + KILL_WINDOW + 1):
            return
        probing.set()
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        faults.db_stop_at = time.monotonic()
        cluster.stop("fast")
        faults.db_down_at = time.monotonic()
        if aborting.wait(db_down):
            return
        cluster.start()
        faults.db_up_at = time.monotonic()
        poller.join(60)
    except Exception as error:
        faults.errors.append(f"{type(error).__name__}: {error}")
        if not cluster.started and not aborting.is_set():
            with contextlib.suppress(Exception):
                cluster.start()
                faults.db_up_at = time.monotonic()
    finally:
        probing.clear()


# ------------------------------------------------------------------------------ card burst


@dataclass
class CardBurst:
    tried: int = 0
    signed_in: int = 0
    seconds: float = 0.0
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)


def card_burst(base_url: str, recorder: Recorder, tokens: list[str]) -> CardBurst:
    """Sign children in from their QR cards, one class behind one address, all at once."""
    result = CardBurst(tried=len(tokens))
    lock = threading.Lock()

    def one(number: int, token: str) -> None:
        browser = Browser(base_url, recorder, CARD_ADDRESS, f"load-fault card {number}")
        outcome = "ok"
        page = browser.request("GET", f"/card/{token}", "card")
        csrf = CSRF_FIELD.search(page.text) if page is not None else None
        if page is None or page.status_code != 200 or csrf is None:
            outcome = f"GET {page.status_code if page is not None else 'no response'}"
        else:
            sent = browser.request("POST", f"/card/{token}", "card",
                                   data={"csrf_token": html.unescape(csrf.group(1))})
            if sent is None or sent.status_code != 302:
                outcome = f"POST {sent.status_code if sent is not None else 'no response'}"
            else:
                browser.signed_in = True
                home = browser.request("GET", urlsplit(sent.headers["Location"]).path or "/",
                                       "card")
                if home is None or home.status_code != 200:
                    outcome = f"home {home.status_code if home is not None else 'no response'}"
        with lock:
            result.statuses[outcome] += 1
            result.signed_in += outcome == "ok"

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(n, t), daemon=True)
               for n, t in enumerate(tokens)]
    for number, thread in enumerate(threads):
        thread.start()
        if number % 8 == 7:  # a class files past the phone: a few at a time
            time.sleep(0.2)
    for thread in threads:
        thread.join(90)
    result.seconds = time.monotonic() - started
    return result


# ------------------------------------------------------------------------------ dashboard


def staff_browser(base_url: str, recorder: Recorder, username: str) -> Browser:
    browser = Browser(base_url, recorder, STAFF_ADDRESS, f"load-fault staff {username}")
    for attempt in range(20):
        page = browser.request("GET", "/login", "staff")
        token = CSRF_FIELD.search(page.text) if page is not None else None
        if token is not None:
            sent = browser.request("POST", "/login", "staff", data={
                "username": username, "password": PASSWORD,
                "csrf_token": html.unescape(token.group(1))})
            if sent is not None and sent.status_code == 302:
                browser.signed_in = True
                return browser
            time.sleep(retry_delay(sent, attempt))
        else:
            time.sleep(retry_delay(page, attempt))
    raise RuntimeError(f"{username} could not sign in")


def dashboard_rows(browser: Browser, unit_id: int, target_id: int) -> list[list[str]]:
    """The coverage page must render; its CSV export gives the same figures as rows.

    :returns: rows of (label, level, population, covered).
    """
    page = browser.request("GET", f"/units/{unit_id}/coverage?target={target_id}", "staff")
    if page is None or page.status_code != 200:
        raise RuntimeError(f"coverage page of unit {unit_id}: "
                           f"{page.status_code if page is not None else 'no response'}")
    export = browser.request("GET", f"/units/{unit_id}/coverage/report.csv?target={target_id}",
                             "staff")
    if export is None or export.status_code != 200:
        raise RuntimeError(f"coverage CSV of unit {unit_id}: "
                           f"{export.status_code if export is not None else 'no response'}")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header = rows[0]
    wanted = [header.index(name) for name in ("Đơn vị", "Cấp", "Cần đào tạo",
                                              "Đã có chứng nhận")]
    return [[row[i].lstrip("'") for i in wanted] for row in rows[1:]]


@dataclass
class DashboardCheck:
    """The dashboard's figures compared with the direct ones."""

    compared: int = 0
    mismatches: list[str] = field(default_factory=list)
    #: The school's direct figures, to show what was compared.
    school: str = ""


def compare_dashboard(app: Any, setup: Setup, csv_rows: dict[int, list[list[str]]]
                      ) -> DashboardCheck:
    """Compare the dashboard's figures (CSV, and the rollup report in process) with direct."""
    from sqlalchemy import select

    from lms_module.coverage.figures import direct_subtree_figures, scope_of
    from lms_module.coverage.report import build_report
    from lms_module.db import db_session
    from lms_module.i18n import local_today
    from lms_module.obligations.models import CoverageTarget
    from lms_module.orgs.models import OrgUnit

    mismatches: list[str] = []
    compared = 0
    with app.app_context():
        session = db_session()
        today = local_today()
        target = session.get_one(CoverageTarget, setup.target_id)
        scope = scope_of(target)
        units = {u.name: u for u in session.scalars(select(OrgUnit).where(
            OrgUnit.code.like("LOAD-%")))}
        direct = {name: direct_subtree_figures(session, unit, scope, today)
                  for name, unit in units.items()}
        by_grade: dict[str, tuple[int, int]] = {}
        for unit in units.values():
            if unit.grade is not None:
                population, covered = by_grade.get(f"Khối {unit.grade}", (0, 0))
                figures = direct[unit.name]
                by_grade[f"Khối {unit.grade}"] = (population + figures.population,
                                                 covered + figures.covered)
        session.rollback()

        def check(where: str, label: str, population: int, covered: int,
                  expected: tuple[int, int] | None) -> None:
            nonlocal compared
            compared += 1
            if expected is None:
                mismatches.append(f"{where}: {label}: no direct figures")
            elif (population, covered) != expected:
                mismatches.append(f"{where}: {label}: shows {covered}/{population}, "
                                  f"direct {expected[1]}/{expected[0]}")

        def expected_for(label: str) -> tuple[int, int] | None:
            if label in by_grade:
                return by_grade[label]
            figures = direct.get(label)
            return (figures.population, figures.covered) if figures is not None else None

        for unit_id, rows in csv_rows.items():
            unit = session.get_one(OrgUnit, unit_id)
            for row in rows:
                label, level = row[0], row[1]
                if level == "Toàn đơn vị":
                    label = unit.name
                check(f"CSV of {unit.name}", f"{level} {label}", int(row[2]), int(row[3]),
                      expected_for(label))
        for unit_id in csv_rows:
            unit = session.get_one(OrgUnit, unit_id)
            report = build_report(session, unit, school_year=target.school_year, today=today,
                                  target_id=target.id, with_classes=True)
            session.commit()
            for item in report.targets:
                check(f"report of {unit.name}", "whole unit", item.figures.population,
                      item.figures.covered, expected_for(unit.name))
            for drill in (*report.children, *report.grades, *report.classes):
                check(f"report of {unit.name}", drill.label, drill.figures.population,
                      drill.figures.covered, expected_for(drill.label))
        school = direct.get(session.get_one(OrgUnit, setup.school_id).name)
        session.close()
    summary = f"school: {school.covered}/{school.population} covered" if school else ""
    return DashboardCheck(compared, mismatches, summary)


# ------------------------------------------------------------------------------ database checks


@dataclass
class DatabaseFigures:
    completion_rows: int = 0
    acknowledged_with_row: int = 0
    passed_without_completion: int = 0
    passed_without_certificate: int = 0
    duplicate_certificates: int = 0
    lost: collections.Counter[str] = field(default_factory=collections.Counter)
    acknowledged: collections.Counter[str] = field(default_factory=collections.Counter)
    lost_examples: list[str] = field(default_factory=list)


def check_database(app: Any, learners: list[Learner]) -> DatabaseFigures:
    """Look for every acknowledged answer, and at completions and certificates."""
    from sqlalchemy import func, select

    from lms_module.certification.models import Certificate
    from lms_module.db import db_session
    from lms_module.learning.models import (
        Attempt,
        BlockCompletion,
        Completion,
        Course,
        LearnerFieldValue,
    )
    from lms_module.learning.services import course_progress
    from lms_module.people.models import User

    figures = DatabaseFigures()
    ids = [learner.account.user_id for learner in learners]
    with app.app_context():
        session = db_session()
        state: dict[tuple[int, str], dict[str, Any]] = collections.defaultdict(dict)
        for row in session.execute(select(
            LearnerFieldValue.user_id, LearnerFieldValue.block_scope_id,
            LearnerFieldValue.field_name, LearnerFieldValue.value,
        ).where(LearnerFieldValue.user_id.in_(ids), LearnerFieldValue.scope == "user_state")):
            state[(row[0], row[1])][row[2]] = row[3]
        done = {(u, b): c for u, b, c in session.execute(select(
            BlockCompletion.user_id, BlockCompletion.usage_id, BlockCompletion.completion,
        ).where(BlockCompletion.user_id.in_(ids)))}
        attempts = {(u, b): n for u, b, n in session.execute(select(
            Attempt.user_id, Attempt.usage_id, func.count()).where(Attempt.user_id.in_(ids))
            .group_by(Attempt.user_id, Attempt.usage_id))}

        def lost(kind: str, learner: Learner, usage_id: str, how: str, count: int = 1) -> None:
            figures.lost[kind] += count
            if len(figures.lost_examples) < 8:
                figures.lost_examples.append(
                    f"{learner.account.username} {kind} {usage_id.rsplit('@', 1)[-1]}: {how}")

        for learner in learners:
            uid = learner.account.user_id
            quiz_acks: collections.Counter[str] = collections.Counter()
            choices: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(
                collections.Counter)
            for ack in learner.acks:
                figures.acknowledged[ack.kind] += 1
                key = (uid, ack.usage_id)
                fields = state.get(key, {})
                if ack.kind == "view" and done.get(key, 0.0) < 1.0:
                    lost("view", learner, ack.usage_id, "shown, but not complete")
                elif ack.kind == "quiz":
                    quiz_acks[ack.usage_id] += 1
                elif ack.kind == "reflection":
                    if fields.get("answer") != ack.body["answer"]:
                        lost("reflection", learner, ack.usage_id, "answer not stored")
                    elif done.get(key, 0.0) < 1.0:
                        lost("reflection", learner, ack.usage_id, "saved, but not complete")
                elif ack.kind == "scenario":
                    choices[ack.usage_id][(ack.body["step"], ack.body["choice"])] += 1
                    if ack.final and (not fields.get("finished") or done.get(key, 0.0) < 1.0):
                        lost("scenario", learner, ack.usage_id, "ending reached, not stored")
            for usage_id, count in quiz_acks.items():
                key = (uid, usage_id)
                stored = min(attempts.get(key, 0), int(state.get(key, {}).get("attempts", 0)))
                if stored < count:
                    lost("quiz", learner, usage_id, f"{count} answered, {stored} stored",
                         count - stored)
                elif done.get(key, 0.0) < 1.0:
                    lost("quiz", learner, usage_id, "answered, but not complete")
            for usage_id, wanted in choices.items():
                path = collections.Counter(
                    tuple(p) for p in state.get((uid, usage_id), {}).get("path", []))
                missing = sum((wanted - path).values())
                if missing:
                    lost("scenario", learner, usage_id, f"{missing} choices not stored", missing)

        completions = {(u, v) for u, v in session.execute(select(
            Completion.user_id, Completion.course_version_id).where(Completion.user_id.in_(ids)))}
        certified = {c for (c,) in session.execute(select(Certificate.completion_id).where(
            Certificate.user_id.in_(ids)))}
        completion_ids = dict(session.execute(select(
            Completion.user_id, Completion.id).where(Completion.user_id.in_(ids))).all())
        figures.completion_rows = len(completions)
        courses = {c.slug: c for c in session.scalars(select(Course))}
        for learner in learners:
            course = courses[learner.account.slug]
            has_row = (learner.account.user_id, course.current_version_id) in completions
            figures.acknowledged_with_row += learner.all_acknowledged and has_row
            user = session.get_one(User, learner.account.user_id)
            progress = course_progress(session, user, course)
            if progress.passed and progress.fraction >= 1.0:
                if not has_row:
                    figures.passed_without_completion += 1
                elif completion_ids.get(user.id) not in certified:
                    figures.passed_without_certificate += 1
        figures.duplicate_certificates = duplicate_certificates(session)
        session.rollback()
        session.close()
    return figures


def duplicate_certificates(session: Any) -> int:
    """Certificates beyond the first for the same holder and course version (re-issues aside)."""
    from sqlalchemy import func, select

    from lms_module.certification.models import Certificate

    counts = session.execute(
        select(func.count())
        .where(Certificate.replaces_id.is_(None))
        .group_by(Certificate.user_id, Certificate.course_version_id)
    ).scalars()
    return sum(count - 1 for count in counts)


# ------------------------------------------------------------------------------ summary


@dataclass
class Line:
    label: str
    value: str
    expected: str = ""
    ok: bool | None = None


def phase_of(record: Record, faults: Faults, recovery_limit: float) -> str:
    if record.kind == "probe":
        return "restart probe"
    if faults.kill_at is not None and record.end >= faults.kill_at and (
        record.start <= faults.kill_at + KILL_WINDOW
    ):
        return "worker kill"
    if faults.db_stop_at is not None and record.end >= faults.db_stop_at and (
        faults.db_up_at is None or record.start <= faults.db_up_at + recovery_limit
    ):
        return "database restart"
    return "normal"


@dataclass
class Recovery:
    """Seconds after the database restart (``None``: did not happen)."""

    #: PostgreSQL back -> the probe's first success (a request sent while it was down or after).
    server: float | None = None
    #: Restart command -> a learner's first success (learners wait as Retry-After says).
    learners: float | None = None
    #: PostgreSQL back -> the end of the last failed request sent after it came back.
    last_failure: float | None = None


def recovery(records: list[Record], faults: Faults) -> Recovery:
    """Measure how soon signed-in requests succeed again after the database restart."""
    result = Recovery()
    if faults.db_down_at is None or faults.db_up_at is None or faults.db_stop_at is None:
        return result
    down, up = faults.db_down_at, faults.db_up_at

    def first_success(kinds: set[str]) -> float | None:
        ends = [r.end for r in records if r.kind in kinds and r.signed_in
                and r.category == "ok" and r.start >= down]
        return min(ends) if ends else None

    probe = first_success({"probe"})
    learner = first_success({"page", "handler"})
    result.server = max(probe - up, 0.0) if probe is not None else None
    result.learners = learner - faults.db_stop_at if learner is not None else None
    failures = [r.end for r in records if r.signed_in and r.start >= up
                and r.category in ("bare-5xx", "ours-5xx", "503-retry", "no-response")]
    result.last_failure = max(failures) - up if failures else 0.0
    return result


def latencies(records: list[Record]) -> dict[str, tuple[float, float]]:
    """Median and p95 seconds of the successful requests of each kind."""
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for record in records:
        if record.category in ("ok", "redirect") and record.kind in ("page", "handler"):
            by_kind[record.kind].append(record.end - record.start)
    result = {}
    for kind, values in sorted(by_kind.items()):
        values.sort()
        result[kind] = (values[len(values) // 2], values[min(len(values) - 1,
                                                             int(len(values) * 0.95))])
    return result


def print_table(title: str, lines: list[Line]) -> None:
    print(f"\n{title}")
    width = max(len(line.label) for line in lines)
    value_width = max(len(line.value) for line in lines)
    expected_width = max(len(line.expected) for line in lines)
    print(f"  {'figure':{width}}  {'measured':>{value_width}}  {'expected':{expected_width}}")
    for line in lines:
        verdict = "" if line.ok is None else ("OK" if line.ok else "FAIL")
        print(f"  {line.label:{width}}  {line.value:>{value_width}}  "
              f"{line.expected:{expected_width}}  {verdict}".rstrip())


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


# ------------------------------------------------------------------------------ main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="time budget of the learners (setup and checks come on top)")
    parser.add_argument("--db-down", type=float, default=4.0,
                        help="seconds PostgreSQL stays stopped")
    parser.add_argument("--recovery-limit", type=float, default=5.0,
                        help="seconds after PostgreSQL is back within which requests succeed")
    parser.add_argument("--concurrent-share", type=float, default=0.5,
                        help="share of learners who send their last two events at once")
    parser.add_argument("--card-burst", type=int, default=40,
                        help="QR-card sign-ins in the burst (fewer learners: cards repeat)")
    parser.add_argument("--think", type=float, default=0.1,
                        help="mean pause between a learner's requests, in seconds")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the learners start")
    parser.add_argument("--login-rate-limit", default=None,
                        help="LMS_LOGIN_RATE_LIMIT for the server (default: the app's own)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (logs, cluster) and print its path")
    args = parser.parse_args()
    if args.learners < 1 or args.workers < 1 or args.max_seconds <= 0:
        parser.error("--learners, --workers and --max-seconds must be positive")
    return args


def server_env(cluster: Cluster, secret: str, storage: str, base_url: str,
               login_limit: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update({
        "LMS_DATABASE_URL": cluster.url,
        "FLASK_SECRET_KEY": secret,
        "LMS_SECURE_COOKIES": "false",
        "LMS_PUBLIC_BASE_URL": base_url,
        "LMS_RATELIMIT_STORAGE_URI": storage,
        "PYTHONUNBUFFERED": "1",
    })
    if login_limit:
        env["LMS_LOGIN_RATE_LIMIT"] = login_limit
    return env


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so that the cleanup runs for it too."""
    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Started:
    """What the run started and must stop, whatever happens."""

    cluster: Cluster
    redis: RedisServer
    server: Gunicorn | None = None
    run: Run | None = None
    faults: threading.Thread | None = None
    aborting: threading.Event = field(default_factory=threading.Event)


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lms-load-"))
    cluster = Cluster(folder)
    started = Started(cluster, RedisServer(folder))
    try:
        with interruptible():
            return run_test(args, folder, started)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        started.aborting.set()
        if started.run is not None:
            started.run.stop.set()
        if started.faults is not None:
            started.faults.join(130)  # a pg_ctl call under way ends within its own timeout
        if started.server is not None:
            started.server.stop()
        started.redis.stop()
        if (cluster.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                cluster.stop("immediate")
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run_test(args: argparse.Namespace, folder: Path, started_: Started) -> int:
    from lms_module import create_app

    cluster, redis_server = started_.cluster, started_.redis
    secret = os.urandom(24).hex()
    print(f"temporary folder: {folder}")
    cluster.create()
    print("PostgreSQL 15 cluster ready (unix socket only)")
    if importlib.util.find_spec("redis") is not None:
        redis_server.start()
        storage = redis_server.uri
        storage_note = "Redis (unix socket), shared by the workers"
    else:
        storage = "memory://"
        storage_note = ("memory:// per worker: the Python package 'redis' is missing, so the "
                        "limits library cannot use the Redis server")
    print(f"rate-limit storage: {storage_note}")
    migrate = subprocess.run(
        [str(VENV_BIN / "lms"), "db-upgrade"], cwd=ROOT, capture_output=True, text=True,
        env=server_env(cluster, secret, storage, "http://127.0.0.1", None), timeout=300,
        check=False,
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"lms db-upgrade failed:\n{migrate.stdout}{migrate.stderr}")
    app = create_app({"LMS_DATABASE_URL": cluster.url, "SECRET_KEY": secret},
                     instance_path=str(folder / "instance"))
    setup = build_data(app, args.learners, args.card_burst, secret)
    app.extensions["lms"].engine.dispose()
    print(f"data: {len(setup.learners)} learners in {len(GRADES)} classes, "
          f"courses {', '.join(sorted(setup.plans))} ({setup.seconds:.1f} s)")

    server = Gunicorn(folder, args.workers, {})
    server.env = server_env(cluster, secret, storage, f"http://127.0.0.1:{server.port}",
                            args.login_rate_limit)
    started_.server = server
    server.start()
    print(f"gunicorn: {args.workers} workers on {server.base_url}")

    started = time.monotonic()
    recorder = Recorder(started)
    burst = card_burst(server.base_url, recorder, setup.card_tokens)
    print(f"card burst: {burst.signed_in}/{burst.tried} signed in in {burst.seconds:.1f} s")

    # The school manager signs in now: their browser probes the restart, then reads the
    # dashboard at the end.
    manager = staff_browser(server.base_url, recorder, setup.manager)
    started = time.monotonic()
    run = Run(server.base_url, recorder, setup.plans, started + args.max_seconds, args.think,
              args.seed)
    started_.run = run
    share_rng = random.Random(args.seed)
    learners = [Learner(run, account, share_rng.random() < args.concurrent_share)
                for account in setup.learners]
    planned = sum(1 + learner.plan.steps for learner in learners)
    faults = Faults()
    fault_thread = threading.Thread(
        target=inject_faults,
        args=(run, server, cluster, faults, planned, args.db_down, started, args.max_seconds,
              manager, started_.aborting),
        daemon=True,
    )
    started_.faults = fault_thread
    threads = [threading.Thread(target=learner.take_course, daemon=True) for learner in learners]
    print(f"learners: {len(learners)} taking their course ({planned} steps planned), "
          f"at most {args.max_seconds:.0f} s")
    fault_thread.start()
    for thread in threads:
        thread.start()
        time.sleep(args.ramp / len(threads))
    last_report = time.monotonic()
    while any(t.is_alive() for t in threads) and time.monotonic() < run.deadline + 5:
        time.sleep(0.5)
        if time.monotonic() - last_report >= 15:
            last_report = time.monotonic()
            done = sum(1 for learner in learners if learner.all_acknowledged)
            print(f"  {time.monotonic() - started:5.0f} s: {recorder.steps_done}/{planned} "
                  f"steps, {done} learners done, {len(recorder.records)} requests")
    run.stop.set()
    for thread in threads:
        thread.join(READ_TIMEOUT + CONNECT_TIMEOUT + 5)
    learner_seconds = time.monotonic() - started
    fault_thread.join(90)
    if not cluster.started:
        cluster.start()

    csv_rows: dict[int, list[list[str]]] = {}
    dashboard_error = ""
    try:
        csv_rows[setup.school_id] = dashboard_rows(manager, setup.school_id, setup.target_id)
        reviewer = staff_browser(server.base_url, recorder, setup.reviewer)
        csv_rows[setup.province_id] = dashboard_rows(reviewer, setup.province_id,
                                                     setup.target_id)
    except RuntimeError as error:
        dashboard_error = str(error)
    server.stop()
    exceptions = server.exceptions_logged()

    database = check_database(app, learners)
    dashboard = compare_dashboard(app, setup, csv_rows)
    app.extensions["lms"].engine.dispose()
    if dashboard_error:
        dashboard.mismatches.insert(0, dashboard_error)

    return report(args, learners, recorder, faults, burst, database, dashboard, exceptions,
                  storage_note, learner_seconds)


def report(args: argparse.Namespace, learners: list[Learner], recorder: Recorder,
           faults: Faults, burst: CardBurst, database: DatabaseFigures,
           dashboard: DashboardCheck, exceptions: collections.Counter[str], storage_note: str,
           learner_seconds: float) -> int:
    records = recorder.records
    signed_in = sum(learner.signed_in for learner in learners)
    finished = sum(learner.all_acknowledged for learner in learners)
    told = sum(learner.told_completed for learner in learners)
    pairs = sum(learner.pairs_sent for learner in learners)
    concurrent_learners = [lr for lr in learners if lr.concurrent and lr.pairs_sent]
    by_category = collections.Counter(r.category for r in records)
    by_phase: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for record in records:
        by_phase[phase_of(record, faults, args.recovery_limit)][record.category] += 1
    failures = ("bare-5xx", "ours-5xx", "503-retry", "no-response")
    unexpected = sum(by_phase["normal"][c] for c in failures)
    recovered = recovery(records, faults)
    restarted = (faults.db_up_at - faults.db_down_at
                 if faults.db_up_at is not None and faults.db_down_at is not None else None)
    ok_latency = latencies(records)
    lost_total = sum(database.lost.values())
    acknowledged_answers = sum(n for k, n in database.acknowledged.items() if k != "view")
    duration = max((r.end for r in records), default=recorder.started) - recorder.started

    lines = [
        Line("learners signed in", f"{signed_in}/{len(learners)}", "all",
             signed_in == len(learners)),
        Line("learners who finished (every step acknowledged)", f"{finished}/{len(learners)}",
             "all", finished == len(learners)),
        Line("acknowledged completions with a completion row",
             f"{database.acknowledged_with_row}/{finished}", "all",
             database.acknowledged_with_row == finished),
        Line("completion rows (all learners)", str(database.completion_rows)),
        Line("results page said 'completed'", f"{told}/{finished}"),
        Line("(1) learners sending the last two events at once", str(len(concurrent_learners))),
        Line("(1) 100% and passed, but no completion row",
             str(database.passed_without_completion), "0",
             database.passed_without_completion == 0),
        Line("(1) 100% and passed, but no certificate",
             str(database.passed_without_certificate), "0",
             database.passed_without_certificate == 0),
        Line("duplicate certificates", str(database.duplicate_certificates), "0",
             database.duplicate_certificates == 0),
        Line("acknowledged answers (handler JSON 2xx)", str(acknowledged_answers)),
        Line("lost answers", str(lost_total - database.lost["view"]), "0",
             lost_total - database.lost["view"] == 0),
        Line("lost page-view completions", f"{database.lost['view']}/"
             f"{database.acknowledged['view']}", "0", database.lost["view"] == 0),
        Line(f"(2) dashboard == direct, figures ({dashboard.school})",
             f"{dashboard.compared - len(dashboard.mismatches)}/{dashboard.compared}", "all",
             not dashboard.mismatches and dashboard.compared > 0),
        Line("(3) bare 5xx (no hotline page / no JSON)", str(by_category["bare-5xx"]), "0",
             by_category["bare-5xx"] == 0),
        Line("(3) our 5xx page or JSON, not a 503 Retry-After", str(by_category["ours-5xx"])),
        Line("(3) 503 with Retry-After (wanted while DB away)", str(by_category["503-retry"])),
        Line("requests without a response", str(by_category["no-response"])),
        Line("5xx or no response outside the fault windows", str(unexpected), "0",
             unexpected == 0),
        Line("worker killed (SIGKILL) mid-run, replaced after",
             "not done" if faults.kill_at is None else fmt(faults.respawned_after), "done",
             faults.respawned_after is not None),
        Line("PostgreSQL stopped mid-run, for",
             "not done" if restarted is None else fmt(restarted), "done", restarted is not None),
        Line("recovery: PostgreSQL back -> first success (probe)", fmt(recovered.server),
             f"<= {args.recovery_limit:g} s", None if restarted is None else (
                 recovered.server is not None and recovered.server <= args.recovery_limit)),
        Line("recovery: restart command -> a learner's success", fmt(recovered.learners)),
        Line("last failure sent after PostgreSQL is back", fmt(recovered.last_failure),
             f"<= {args.recovery_limit:g} s", None if restarted is None else (
                 recovered.last_failure is not None
                 and recovered.last_failure <= args.recovery_limit)),
        Line("(4) QR card sign-ins from one address",
             f"{burst.signed_in}/{burst.tried} in {burst.seconds:.0f} s",
             "all within 60 s", burst.signed_in == burst.tried and burst.seconds <= 60),
        Line("sign-in refusals (429) met by learners",
             str(sum(lr.login_refusals for lr in learners))),
        Line("learners signed out mid-course (signed in again)",
             str(sum(lr.sign_outs for lr in learners)), "0",
             all(lr.sign_outs == 0 for lr in learners)),
    ]
    print(f"\nLoad and fault test: {len(learners)} learners, {args.workers} gunicorn workers, "
          f"PostgreSQL 15; {len(records)} requests in {duration:.0f} s "
          f"(learners: {learner_seconds:.0f} s, {len(records) / max(duration, 1):.0f}/s)")
    print(f"rate-limit storage: {storage_note}; login limit: "
          f"{args.login_rate_limit or 'the app default'}; "
          f"{pairs} pairs of last events sent together")
    print("latency of successful requests, median / p95: " + ", ".join(
        f"{kind} {median * 1000:.0f} / {p95 * 1000:.0f} ms"
        for kind, (median, p95) in ok_latency.items()))
    print_table("Figures", lines)

    print("\nRequests by phase (fault windows: worker kill + "
          f"{KILL_WINDOW:g} s; database stop until back + {args.recovery_limit:g} s)")
    categories = ["ok", "redirect", "4xx", "429", "503-retry", "ours-5xx", "bare-5xx",
                  "no-response"]
    print(f"  {'phase':18}" + "".join(f"{c:>12}" for c in categories))
    for phase in ("normal", "worker kill", "database restart", "restart probe"):
        counts = by_phase.get(phase, collections.Counter())
        print(f"  {phase:18}" + "".join(f"{counts[c]:>12}" for c in categories))
    if dashboard.mismatches:
        print("\nDashboard differences:")
        for line in dashboard.mismatches[:10]:
            print(f"  {line}")
    if database.lost_examples:
        print("\nLost (examples): " + "; ".join(database.lost_examples))
    problems = collections.Counter(lr.problem.split(":")[0][:90] for lr in learners
                                   if lr.problem)
    if problems:
        print("\nLearners stopped by: " + "; ".join(f"{n} x {p}" for p, n in
                                                     problems.most_common(5)))
    if burst.statuses and burst.signed_in != burst.tried:
        print("Card burst outcomes: " + ", ".join(f"{k}: {n}" for k, n in
                                                  burst.statuses.most_common()))
    if faults.errors:
        print("Fault injection errors: " + "; ".join(faults.errors))
    if exceptions:
        print("\nExceptions in the server log (most frequent):")
        for line, count in exceptions.most_common(5):
            print(f"  {count:5} x {line}")
    failed = [line.label for line in lines if line.ok is False]
    print("\nRESULT: " + ("all expectations met" if not failed else
                          f"{len(failed)} expectation(s) not met"))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
