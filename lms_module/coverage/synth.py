"""Synthetic provinces for load tests: org tree, students, staff, families and certificates,
in bulk SQL.

Units get explicit consecutive ids so that the people of each class or school follow by
arithmetic, and people, completions and certificates are made by ``INSERT ... SELECT`` over a
number series (``generate_series`` on PostgreSQL, a recursive CTE on SQLite): no Python loop
over people. Families follow by arithmetic on the student number too (:func:`_family_rows`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    column,
    func,
    insert,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from lms_module.certification.models import Certificate
from lms_module.coverage.demo import ADULT_AUDIENCES
from lms_module.coverage.invalidation import MARKED, mark_units_dirty
from lms_module.coverage.rollup import refresh_all
from lms_module.db import utcnow
from lms_module.families.models import Family
from lms_module.i18n import local_today
from lms_module.learning.models import Audience, Completion, Course, CourseVersion
from lms_module.obligations.models import Requirement
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import User
from lms_module.school_years.year import SchoolYear

CLASS_SIZE = 30
#: Per commune: 2 primary schools (grades 1-5, 4 classes a grade between them), 1 THCS
#: (grades 6-9, 3 classes a grade); per 3 communes, 1 THPT under the province (3 classes a grade).
COMMUNE_CLASSES = 4 * 5 + 3 * 4 + 3  # the THPT share of a commune: 9 classes / 3 communes
#: Share of students and adults holding a certificate, and the issue dates used (days ago).
ISSUE_DAYS = (0, 6, 13, 20, 35, 60, 90, 150, 200, 400)
#: One adult in this many also teaches at a second school (counted once above the schools).
SECOND_SCHOOL_EVERY = 50
#: The national size (``lms synth --national``): the 34 provinces of the two-tier administration,
#: 25 million students (the load-test size asked for) and a synthetic 1.5 million adults.
NATIONAL_PROVINCES = 34
NATIONAL_STUDENTS = 25_000_000
NATIONAL_STAFF = 1_500_000
#: Siblings. Student ``n`` sits at place ``(n - 1) % 30`` of class number ``(n - 1) / 30``
#: (classes numbered school by school). The students at places 1 and 4 of every class have a
#: sibling two classes on in the same school (places 2 and 5 there), the student at place 11 one
#: in another school of the commune (:data:`OTHER_SCHOOL`, places 12 and on), and in one class in
#: three the student at place 1 also one in the same school of the next commune (place 22, or 23
#: in its THCS for a THPT): about one student in five shares a family, a few of them across two
#: communes. No place is both a sibling's and a first child's, so families are well formed.
SAME_SCHOOL_PLACES = ((1, 2), (4, 5))  # (first child's place, sibling's place)
OTHER_SCHOOL_PLACE = 11
NEXT_COMMUNE_PLACES = (1, 22, 23)  # (first child's, sibling's, sibling's in a THCS for a THPT)
#: The school of the commune where a student at place 11 has a sibling, and the sibling's place
#: (plus 3 for each time the other school's classes run out).
OTHER_SCHOOL = {"TH": ("THCS", 12), "TH2-": ("THCS", 13), "THPT": ("THCS", 14),
                "THCS": ("TH", 12)}
#: Households (numbered by their first child) with a linked adult:
#: ``((household - 1) / 30 + household) % 10 < 7``, about 70%.
LINKED_SHARE = 7
#: One linked family in three has a second adult (``(household / 7) % 3 = 0``).
SECOND_ADULT_EVERY = 3
#: Parents holding a certificate of the parents' course: three in five (dates as ISSUE_DAYS).
PARENT_HOLDS = 3


@dataclass(frozen=True)
class SynthResult:
    """What was made."""

    provinces: int
    units: int
    students: int
    adults: int
    certificates: int
    families: int = 0
    parents: int = 0


def _numbers(session: Session, count: int) -> Any:
    """A FROM item with one column ``n`` = 1..count."""
    if session.get_bind().dialect.name == "postgresql":
        return func.generate_series(1, count).table_valued("n").render_derived(name="g")
    series = select(literal(1).label("n")).cte("g", recursive=True)
    return series.union_all(select(series.c.n + 1).where(series.c.n < count))


def _next_id(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _fix_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in ("lms_org_unit", "lms_user", "lms_membership", "lms_completion",
                 "lms_certificate", "lms_family"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 1) FROM {name}))"
        ))


def _course(session: Session, slug: str, audience: Audience, title: str) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        course = Course(slug=slug, title_vi=title, audience=audience, validity_months=12)
        session.add(course)
        session.flush()
        version = CourseVersion(course_id=course.id, number=1, olx_hash=slug.ljust(64, "0"),
                                root_usage_id=f"block-v1:{slug}+type@course+block@root")
        session.add(version)
        session.flush()
        course.current_version_id = version.id
        session.flush()
    return course


def _requirement(session: Session, code: str, title: str, course: Course) -> Requirement:
    requirement = session.scalar(select(Requirement).where(Requirement.code == code))
    if requirement is None:
        requirement = Requirement(code=code, title_vi=title)
        requirement.courses = [course]
        session.add(requirement)
        session.flush()
    return requirement


def synthesize(
    session: Session,
    *,
    provinces: int = 1,
    students_per_province: int = 200_000,
    staff_per_province: int = 15_000,
    up_to: int | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] = lambda _message: None,
    checkpoint: Callable[[], None] = lambda: None,
) -> SynthResult:
    """Make ``provinces`` synthetic provinces with their people and certificates.

    With ``up_to``, make only as many as the synthetic ministry still lacks to have ``up_to``
    provinces, so that an interrupted run can be started again. ``checkpoint`` is called after
    each province (the CLI commits there: a province is all or nothing).
    """
    today = today or local_today()
    school_year = SchoolYear.containing(today)
    year = str(school_year)
    now = utcnow()
    student_course = _course(session, "synth-hoc-sinh", Audience.STUDENT,
                             "Kỹ năng sống và tự bảo vệ (tổng hợp)")
    adult_course = _course(session, "synth-can-bo", Audience.TEACHER,
                           "Trường học an toàn (cán bộ, tổng hợp)")
    student_requirement = _requirement(session, "SYNTH-KNS", "Kỹ năng sống và tự bảo vệ",
                                       student_course)
    adult_requirement = _requirement(session, "SYNTH-CB", "Trường học an toàn (cán bộ)",
                                     adult_course)
    parent_course = _course(session, "synth-phu-huynh", Audience.PARENT,
                            "Cùng con an toàn (phụ huynh, tổng hợp)")
    family_requirement = _requirement(session, "SYNTH-GD",
                                      "Kiến thức bảo vệ trẻ em cho gia đình", parent_course)
    ministry = session.scalar(select(OrgUnit).where(OrgUnit.code == "SYN-BO"))
    if ministry is None:
        ministry = OrgUnit(kind=OrgKind.MINISTRY, code="SYN-BO", name="Bộ GD-ĐT (tổng hợp)")
        session.add(ministry)
        session.flush()
        ministry.path = f"/{ministry.id}/"
        session.flush()
    first = session.scalar(select(func.count()).where(
        OrgUnit.parent_id == ministry.id, OrgUnit.kind == OrgKind.PROVINCE)) or 0
    if up_to is not None:
        provinces = max(0, up_to - first)
    communes = max(1, math.ceil(students_per_province / CLASS_SIZE / COMMUNE_CLASSES))
    total_units = total_students = total_adults = total_certificates = 0
    total_families = total_parents = 0
    for p in range(first, first + provinces):
        prefix = f"SYN{p:02d}"
        next_unit = _next_id(session, OrgUnit)
        rows: list[dict[str, Any]] = []

        def add(kind: OrgKind, parent: dict[str, Any] | None, code: str, name: str,
                level: SchoolLevel | None = None, grade: int | None = None,
                rows: list[dict[str, Any]] = rows, first_id: int = next_unit) -> dict[str, Any]:
            unit_id = first_id + len(rows)
            parent_path = parent["path"] if parent else ministry.path
            row = {"id": unit_id, "parent_id": parent["id"] if parent else ministry.id,
                   "kind": kind.value, "code": code, "name": name,
                   "path": f"{parent_path}{unit_id}/", "depth": parent_path.count("/") - 1,
                   "school_level": level.value if level else None, "grade": grade,
                   "school_year": year if grade else None, "active": True, "created_at": now}
            rows.append(row)
            return row

        province = add(OrgKind.PROVINCE, None, prefix, f"Sở GD-ĐT Tỉnh tổng hợp {p + 1}")
        classes: list[dict[str, Any]] = []
        schools: list[dict[str, Any]] = []
        #: (commune, school short name) -> the numbers of its classes (places in ``classes``)
        school_classes: dict[tuple[int, str], list[int]] = {}
        legacy = add(OrgKind.LEGACY_DISTRICT, province, f"{prefix}-H", "Huyện cũ (trước 2025)")
        for c in range(communes):
            commune = add(OrgKind.COMMUNE, legacy if c % 10 == 0 else province, f"{prefix}-X{c}",
                          f"Xã {c + 1}")
            plan: list[tuple[SchoolLevel, str, range, int]] = [
                (SchoolLevel.PRIMARY, "TH", range(1, 6), 2),
                (SchoolLevel.PRIMARY, "TH2-", range(1, 6), 2),
                (SchoolLevel.LOWER_SECONDARY, "THCS", range(6, 10), 3),
            ]
            if c % 3 == 0:
                plan.append((SchoolLevel.UPPER_SECONDARY, "THPT", range(10, 13), 3))
            for level, short, grades, per_grade in plan:
                parent = province if level is SchoolLevel.UPPER_SECONDARY else commune
                school = add(OrgKind.SCHOOL, parent, f"{prefix}-X{c}-{short}",
                             f"Trường {short.rstrip('-')} số {c + 1}", level)
                schools.append(school)
                for grade in grades:
                    for letter in "ABC"[:per_grade]:
                        school_classes.setdefault((c, short), []).append(len(classes))
                        classes.append(add(OrgKind.CLASS, school,
                                           f"{prefix}-X{c}-{short}-{grade}{letter}",
                                           f"{grade}{letter}", grade=grade))
        for start in range(0, len(rows), 5000):
            session.execute(insert(OrgUnit), rows[start:start + 5000])
        total_units += len(rows)
        progress(f"{prefix}: {len(rows)} đơn vị ({len(classes)} lớp, {len(schools)} trường)")
        # Classes were added school by school; their ids are not contiguous across schools, so
        # map a class number to its id through a small table of (number, id) pairs.
        _class_index(session, classes)
        students = min(students_per_province, len(classes) * CLASS_SIZE)
        adults = staff_per_province
        total_students += students
        total_adults += adults
        user_base = _next_id(session, User)
        family_base = _next_id(session, Family) - 1
        families = _family_rows(session, kin=_kin_rows(school_classes, communes),
                                students=students, family_base=family_base, now=now)
        numbers = _numbers(session, students + adults)
        n = numbers.c.n
        is_student = n <= students
        household = table("lms_synth_family", column("child", Integer),
                          column("household", Integer))
        session.execute(insert(User).from_select(
            ["id", "username", "full_name", "login_card_version", "active", "created_at",
             "family_id"],
            select(
                literal(user_base - 1) + n,
                literal(f"{prefix.lower()}-") + cast(n, String),
                case((is_student, literal("Học sinh ") + cast(n, String)),
                     else_=literal("Cán bộ ") + cast(n, String)),
                literal(1), literal(True), literal(now),
                literal(family_base) + household.c.household,  # NULL: no linked adult
            ).select_from(numbers.outerjoin(household, household.c.child == n)),
        ))
        progress(f"{prefix}: {students} học sinh, {adults} cán bộ")
        # The province's classes and schools get members and certificates below, in SQL text
        # and bulk statements: their rollup rows are queued here, once.
        mark_units_dirty(session, [unit["id"] for unit in (*classes, *schools)])
        session.execute(text(
            "INSERT INTO lms_membership (user_id, org_unit_id, role, school_year, active, "  # noqa: S608
            "created_at) SELECT :base - 1 + g.n, i.unit_id, 'student', :year, :yes, :now "
            f"FROM ({_series_sql(session, students)}) AS g "
            "JOIN lms_synth_class_index i ON i.number = (g.n - 1) / :size"
        ), {"base": user_base, "year": year, "yes": True, "now": now, "size": CLASS_SIZE},
            execution_options={MARKED: True})
        parents = _parents(session, prefix=prefix, user_base=user_base,
                           parent_base=user_base + students + adults, family_base=family_base,
                           now=now)
        total_families += families
        total_parents += parents
        progress(f"{prefix}: {families} gia đình có người lớn liên kết, {parents} phụ huynh")
        school_ids = [s["id"] for s in schools]
        _school_index(session, school_ids)
        session.execute(text(
            "INSERT INTO lms_membership (user_id, org_unit_id, role, school_year, active, "  # noqa: S608
            "created_at) SELECT :base - 1 + :students + g.n, i.unit_id, "
            "CASE WHEN g.n % 20 < 2 THEN 'school_manager' WHEN g.n % 20 < 5 THEN 'staff' "
            "ELSE 'teacher' END, :year, :yes, :now "
            f"FROM ({_series_sql(session, adults)}) AS g "
            "JOIN lms_synth_class_index i ON i.number = (g.n - 1) % :schools"
        ), {"base": user_base, "students": students, "year": year, "yes": True, "now": now,
            "schools": len(school_ids)}, execution_options={MARKED: True})
        # One adult in 50 (all teachers: n % 20 is 7 or 17) also teaches at the next school of
        # the list: mostly another school of the same commune, sometimes the next commune's or
        # the province's THPT. They are counted once above their schools.
        session.execute(text(
            "INSERT INTO lms_membership (user_id, org_unit_id, role, school_year, active, "  # noqa: S608
            "created_at) SELECT :base - 1 + :students + g.n, i.unit_id, 'teacher', :year, :yes, "
            f":now FROM ({_series_sql(session, adults)}) AS g "
            "JOIN lms_synth_class_index i ON i.number = ((g.n - 1) % :schools + 1) % :schools "
            f"WHERE g.n % {SECOND_SCHOOL_EVERY} = 7"
        ), {"base": user_base, "students": students, "year": year, "yes": True, "now": now,
            "schools": len(school_ids)}, execution_options={MARKED: True})
        total_certificates += _certificates(
            session, prefix=prefix, province_id=province["id"], user_base=user_base,
            students=students, adults=adults, student_course=student_course,
            adult_course=adult_course, today=today, now=now,
        )
        total_certificates += _parent_certificates(
            session, prefix=prefix, province_id=province["id"],
            parent_base=user_base + students + adults, number_base=students + adults,
            course=parent_course, today=today, now=now,
        )
        for helper in ("lms_synth_sibling", "lms_synth_family"):
            session.execute(text(f"DROP TABLE IF EXISTS {helper}"))
        _fix_sequences(session)
        checkpoint()
        progress(f"{prefix}: chứng nhận xong")
    # The national plan: targets set at the (synthetic) ministry apply to every province.
    set_target(session, unit=ministry, audience=Audience.STUDENT, requirement=student_requirement,
               percent=95, school_year=year, deadline=school_year.reporting_end, source="Tổng hợp")
    for audience in ADULT_AUDIENCES:
        set_target(session, unit=ministry, audience=audience, requirement=adult_requirement,
                   percent=100, school_year=year, deadline=school_year.reporting_end,
                   source="Tổng hợp")
    # The plan's families target (95% of families with children), counted per family.
    set_target(session, unit=ministry, audience=Audience.PARENT, requirement=family_requirement,
               percent=95, school_year=year, deadline=school_year.reporting_end,
               source="Tổng hợp")
    session.execute(text("DROP TABLE IF EXISTS lms_synth_class_index"))
    # Fresh planner statistics after the bulk load, as after any import of this size: without
    # them SQLite reads the families' certificates through the course index once per child.
    session.execute(text("ANALYZE"))
    progress("Tính bảng tổng hợp (rollup)...")
    refresh_all(session, today)
    return SynthResult(provinces, total_units, total_students, total_adults, total_certificates,
                       total_families, total_parents)


def _series_sql(session: Session, count: int) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return f"SELECT generate_series(1, {int(count)}) AS n"
    return (f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < "  # noqa: S608
            f"{int(count)}) SELECT n FROM s")


def _load_index(session: Session, ids: list[int]) -> None:
    session.execute(text("DROP TABLE IF EXISTS lms_synth_class_index"))
    session.execute(text(
        "CREATE TABLE lms_synth_class_index (number INTEGER PRIMARY KEY, unit_id INTEGER)"))
    for start in range(0, len(ids), 10000):
        session.execute(
            text("INSERT INTO lms_synth_class_index (number, unit_id) VALUES (:number, :unit)"),
            [{"number": start + i, "unit": unit_id}
             for i, unit_id in enumerate(ids[start:start + 10000])],
        )


def _class_index(session: Session, classes: list[dict[str, Any]]) -> None:
    _load_index(session, [c["id"] for c in classes])


def _school_index(session: Session, school_ids: list[int]) -> None:
    _load_index(session, school_ids)


def _linked(household: str) -> str:
    """SQL: whether the household numbered ``household`` has a linked adult (70%)."""
    return f"(({household} - 1) / {CLASS_SIZE} + {household}) % 10 < {LINKED_SHARE}"


def _has_adult(household: str, k: str) -> str:
    """SQL: whether adult ``k`` (0: the first, 1: the second) of a linked household exists."""
    return f"({k} = 0 OR ({household} / 7) % {SECOND_ADULT_EVERY} = 0)"


#: FROM clause of a province's parents: one row per (household, k) with ``k`` = 0 or 1; their
#: user id is ``parent_base + 2 * (household - 1) + k`` (sparse: households without an adult
#: and siblings' numbers leave gaps).
_PARENTS = (
    "(SELECT household FROM lms_synth_family GROUP BY household) AS f "  # noqa: S608
    "CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 AS k) AS a "
    f"WHERE {_has_adult('f.household', 'a.k')}"
)
_PARENT_ID = ":parent_base + 2 * (f.household - 1) + a.k"


def _kin_rows(
    school_classes: dict[tuple[int, str], list[int]], communes: int
) -> list[dict[str, int | None]]:
    """Return, per class, the classes of its students' siblings (:data:`SAME_SCHOOL_PLACES`): two
    classes on in its school, the matching class of the commune's other school, and (one class
    in three) the matching class of the same school in the next commune."""
    rows: list[dict[str, int | None]] = []
    for (commune, short), numbers in school_classes.items():
        other_short, other_place = OTHER_SCHOOL[short]
        others = school_classes[(commune, other_short)]
        next_commune = (commune + 1) % communes
        ahead = school_classes.get((next_commune, short))
        far_place = NEXT_COMMUNE_PLACES[1]
        if ahead is None:  # a THPT's next commune has none: its THCS
            ahead, far_place = school_classes[(next_commune, "THCS")], NEXT_COMMUNE_PLACES[2]
        for position, number in enumerate(numbers):
            far = communes > 1 and number % 3 == 0
            rows.append({
                "number": number,
                "same": numbers[(position + 2) % len(numbers)],
                "other": others[position % len(others)],
                "other_place": other_place + 3 * (position // len(others)),
                "far": ahead[position % len(ahead)] if far else None,
                "far_place": far_place if far else None,
            })
    return rows


def _family_rows(
    session: Session, *, kin: list[dict[str, int | None]], students: int, family_base: int,
    now: dt.datetime,
) -> int:
    """Pair siblings (``kin``: :func:`_kin_rows`), and make the families of the households with
    a linked adult (id ``family_base + household``, the household being its first child's
    number).

    Leaves two helper tables for the statements that follow: ``lms_synth_sibling`` (each second
    or third child and its household) and ``lms_synth_family`` (each child of a linked household
    and its household). A household nobody is linked to has no family row: until someone links
    them the system cannot know the children are siblings (``coverage.families``).
    """
    for helper in ("lms_synth_sibling", "lms_synth_family"):
        session.execute(text(f"DROP TABLE IF EXISTS {helper}"))
        session.execute(text(
            f"CREATE TABLE {helper} (child INTEGER PRIMARY KEY, household INTEGER NOT NULL)"))
    session.execute(text("DROP TABLE IF EXISTS lms_synth_kin"))
    session.execute(text(
        "CREATE TABLE lms_synth_kin (number INTEGER PRIMARY KEY, same INTEGER NOT NULL, "
        "other INTEGER NOT NULL, other_place INTEGER NOT NULL, far INTEGER, far_place INTEGER)"))
    for start in range(0, len(kin), 10000):
        session.execute(text(
            "INSERT INTO lms_synth_kin (number, same, other, other_place, far, far_place) "
            "VALUES (:number, :same, :other, :other_place, :far, :far_place)"
        ), kin[start:start + 10000])
    # Student number of place ``p`` in class number ``k``: k * 30 + p + 1.
    pairs = [f"SELECT k.same * {CLASS_SIZE} + {target} AS child, "  # noqa: S608
             f"k.number * {CLASS_SIZE} + {source} AS household FROM lms_synth_kin k"
             for source, target in SAME_SCHOOL_PLACES]
    pairs.append(f"SELECT k.other * {CLASS_SIZE} + k.other_place, "  # noqa: S608
                 f"k.number * {CLASS_SIZE} + {OTHER_SCHOOL_PLACE} FROM lms_synth_kin k")
    pairs.append(f"SELECT k.far * {CLASS_SIZE} + k.far_place, "  # noqa: S608
                 f"k.number * {CLASS_SIZE} + {NEXT_COMMUNE_PLACES[0]} FROM lms_synth_kin k "
                 "WHERE k.far IS NOT NULL")
    session.execute(text(
        "INSERT INTO lms_synth_sibling (child, household) "  # noqa: S608
        f"SELECT child + 1, household + 1 FROM ({' UNION ALL '.join(pairs)}) AS pairs "
        "WHERE child < :students AND household < :students"
    ), {"students": students})
    session.execute(text("DROP TABLE lms_synth_kin"))
    session.execute(text(
        "INSERT INTO lms_synth_family (child, household) "  # noqa: S608
        "SELECT g.n, coalesce(s.household, g.n) "
        f"FROM ({_series_sql(session, students)}) AS g "
        "LEFT JOIN lms_synth_sibling s ON s.child = g.n "
        f"WHERE {_linked('coalesce(s.household, g.n)')}"
    ))
    session.execute(text(
        "INSERT INTO lms_family (id, created_at) "
        "SELECT :base + household, :now FROM lms_synth_family GROUP BY household"
    ), {"base": family_base, "now": now})
    return int(session.scalar(select(func.count()).where(Family.id > family_base)) or 0)


def _parents(
    session: Session, *, prefix: str, user_base: int, parent_base: int, family_base: int,
    now: dt.datetime,
) -> int:
    """Make the adults of the linked households, link them to their children and give them a
    parent membership at each of their children's schools (as ``link_adult`` does).

    The students and their class memberships exist already; the province's schools were marked.
    """
    params = {"parent_base": parent_base, "family_base": family_base, "now": now, "yes": True}
    session.execute(text(
        "INSERT INTO lms_user (id, username, full_name, login_card_version, session_version, "  # noqa: S608
        "active, family_id, created_at) "
        f"SELECT {_PARENT_ID}, :username || CAST(2 * (f.household - 1) + a.k + 1 AS VARCHAR), "
        "CASE WHEN a.k = 0 THEN 'Mẹ học sinh ' ELSE 'Bố học sinh ' END "
        "|| CAST(f.household AS VARCHAR), 1, 1, :yes, :family_base + f.household, :now "
        f"FROM {_PARENTS}"
    ), {**params, "username": f"{prefix.lower()}-ph"}, execution_options={MARKED: True})
    parents = int(session.scalar(select(func.count()).where(User.id >= parent_base)) or 0)
    session.execute(text(
        "INSERT INTO lms_parent_link (adult_user_id, child_user_id, kinship, source, "  # noqa: S608
        f"linked_at) SELECT {_PARENT_ID}, :user_base - 1 + f.child, "
        "CASE WHEN a.k = 0 THEN 'mother' ELSE 'father' END, 'meeting', :now "
        "FROM lms_synth_family AS f CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 AS k) AS a "
        f"WHERE {_has_adult('f.household', 'a.k')}"
    ), {**params, "user_base": user_base})
    session.execute(text(
        "INSERT INTO lms_membership (user_id, org_unit_id, role, school_year, active, "
        "created_at) SELECT l.adult_user_id, u.parent_id, 'parent', NULL, :yes, :now "
        "FROM lms_parent_link l "
        "JOIN lms_membership m ON m.user_id = l.child_user_id AND m.role = 'student' "
        "JOIN lms_org_unit u ON u.id = m.org_unit_id "
        "WHERE l.adult_user_id >= :parent_base GROUP BY l.adult_user_id, u.parent_id"
    ), params, execution_options={MARKED: True})
    return parents


def _parent_certificates(
    session: Session, *, prefix: str, province_id: int, parent_base: int, number_base: int,
    course: Course, today: dt.date, now: dt.datetime,
) -> int:
    """Give three parents in five a certificate of the parents' course (dates as
    :data:`ISSUE_DAYS`: some old, some expired; one in 97 revoked)."""
    completion_base = _next_id(session, Completion)
    certificate_base = _next_id(session, Certificate)
    row = "(2 * (f.household - 1) + a.k + 1)"  # 1, 2, ...: the parent's place in the province
    holds = f"(f.household + 3 * a.k + (f.household - 1) / {CLASS_SIZE}) % 5 < {PARENT_HOLDS}"
    dates = [today - dt.timedelta(days=d) for d in ISSUE_DAYS]
    issued = " ".join(f"WHEN {i} THEN :issued{i}" for i in range(len(dates)))
    expires = " ".join(f"WHEN {i} THEN :expires{i}" for i in range(len(dates)))
    params: dict[str, Any] = {
        "parent_base": parent_base, "completion_base": completion_base,
        "certificate_base": certificate_base, "number_base": number_base,
        "version": course.current_version_id, "course": course.id, "province": province_id,
        "year": today.year, "now": now, "no": False, "serial": f"{prefix}/PH",
        "code": f"Y{prefix[3:]}",
    }
    for i, day in enumerate(dates):
        params[f"issued{i}"] = day
        params[f"expires{i}"] = day + dt.timedelta(days=365)
    session.execute(text(
        "INSERT INTO lms_completion (id, user_id, course_version_id, score, completed_at) "  # noqa: S608
        f"SELECT :completion_base - 1 + {row}, {_PARENT_ID}, :version, 1.0, :now "
        f"FROM {_PARENTS} AND {holds}"
    ), params)
    session.execute(text(
        "INSERT INTO lms_certificate (id, serial, code, org_unit_id, year, number, user_id, "  # noqa: S608
        "completion_id, edition, course_id, course_version_id, holder_unit_id, issued_on, "
        "expires_on, credit_periods, holder_name, holder_is_student, holder_unit_name, "
        "issuing_unit_name, parent_unit_name, place, signer_title, course_title_vi, "
        "course_title_en, revoked_at, revoked_reason, created_at) "
        f"SELECT :certificate_base - 1 + {row}, :serial || CAST({row} AS VARCHAR), "
        f":code || CAST({row} AS VARCHAR), :province, :year, :number_base + {row}, "
        f"{_PARENT_ID}, :completion_base - 1 + {row}, 0, :course, :version, NULL, "
        f"CASE {row} % {len(dates)} {issued} END, CASE {row} % {len(dates)} {expires} END, "
        "0, 'Phụ huynh tổng hợp', :no, '', '', '', 'Tổng hợp', 'HT', "
        "'Cùng con an toàn (tổng hợp)', '', "
        f"CASE WHEN {row} % 97 = 0 THEN :now END, "
        f"CASE WHEN {row} % 97 = 0 THEN 'Thu hồi thử' END, :now "
        f"FROM {_PARENTS} AND {holds}"
    ), params, execution_options={MARKED: True})  # the caller marked the province's schools
    return int(session.scalar(select(func.count()).where(
        Certificate.id >= certificate_base)) or 0)


def _certificates(
    session: Session, *, prefix: str, province_id: int, user_base: int, students: int,
    adults: int, student_course: Course, adult_course: Course, today: dt.date,
    now: dt.datetime,
) -> int:
    """Give ~72% of students and ~86% of adults a certificate (some old, revoked, expired)."""
    completion_base = _next_id(session, Completion)
    certificate_base = _next_id(session, Certificate)
    total = students + adults
    dates = [today - dt.timedelta(days=d) for d in ISSUE_DAYS]
    numbers = _numbers(session, total)
    n = numbers.c.n
    holds = ((n <= students) & (n % 25 < 18)) | ((n > students) & (n % 7 != 0))
    is_student = n <= students
    version = case((is_student, literal(student_course.current_version_id)),
                   else_=literal(adult_course.current_version_id))
    session.execute(insert(Completion).from_select(
        ["id", "user_id", "course_version_id", "score", "completed_at"],
        select(literal(completion_base - 1) + n, literal(user_base - 1) + n, version,
               literal(1.0), literal(now)).select_from(numbers).where(holds),
    ))
    issued = case(*[(n % len(dates) == i, literal(day)) for i, day in enumerate(dates)])
    expires = case(*[(n % len(dates) == i, literal(day + dt.timedelta(days=365)))
                     for i, day in enumerate(dates)])
    number = cast(n, Integer)
    session.execute(insert(Certificate).from_select(
        ["id", "serial", "code", "org_unit_id", "year", "number", "user_id", "completion_id",
         "edition", "course_id", "course_version_id", "holder_unit_id", "issued_on",
         "expires_on", "credit_periods", "holder_name", "holder_is_student", "holder_unit_name",
         "issuing_unit_name", "parent_unit_name", "place", "signer_title", "course_title_vi",
         "course_title_en", "revoked_at", "revoked_reason", "created_at"],
        select(
            literal(certificate_base - 1) + n,
            literal(f"{prefix}/") + cast(n, String),
            literal(f"Z{prefix[3:]}") + cast(n, String),
            literal(province_id), literal(today.year), number,
            literal(user_base - 1) + n,
            literal(completion_base - 1) + n,
            literal(0),
            case((is_student, literal(student_course.id)), else_=literal(adult_course.id)),
            version,
            literal(None),
            issued,
            expires,
            literal(0),
            literal("Người học tổng hợp"),
            is_student,
            literal(""), literal(""), literal(""), literal("Tổng hợp"), literal("HT"),
            literal("Khóa tổng hợp"), literal(""),
            case((n % 97 == 0, literal(now)), else_=literal(None)),
            case((n % 97 == 0, literal("Thu hồi thử")), else_=literal(None)),
            literal(now),
        ).select_from(numbers).where(holds),
    ), execution_options={MARKED: True})  # the caller marked the province's classes and schools
    return int(session.scalar(select(func.count()).where(
        Certificate.id >= certificate_base)) or 0)
