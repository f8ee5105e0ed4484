"""Demo families at Trường Tiểu học Tân Phong: some linked online, some met at a parents'
meeting, some not reached yet, so the families target shows believable figures.

Everything goes through the services a real school uses: the class's parent letters, the
parents' consent and accounts, the parents' course completed through the learning services,
and a parents' meeting recorded in person.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.certification.demo import finish_course
from lms_module.families.accounts import create_parent_account, set_secret
from lms_module.families.consent import give_consent, refuse
from lms_module.families.letters import print_class_letters
from lms_module.families.models import Kinship, ParentLetter
from lms_module.in_person.services import Clock, add_meeting_attendee, record_session
from lms_module.learning.models import Audience, Course
from lms_module.orgs.models import OrgUnit
from lms_module.orgs.services import unit_by_code
from lms_module.people.models import User
from lms_module.people.services import class_students, user_by_username
from lms_module.school_years.year import SchoolYear

SCHOOL_CODE = "DEMO-TH-TP"
#: The demo parent sign-in: the mother of ``hs.thtp.2`` and ``hs.thtp.4`` (siblings), who has
#: not started the parents' course.
DEMO_PARENT = "ph.thtp"
DEMO_PARENT_NAME = "Lò Thị Hạnh"
#: Per class (grade): how many families link online and how many of those finish the course.
ONLINE = {2: (8, 5), 4: (7, 4)}
#: The grade whose parents' meeting is recorded, and how many families came.
MEETING = (3, 9)
LETTER_DAYS = 60


def add_demo_families(session: Session, today: dt.date, *, password: str) -> int:
    """Add the demo families once (idempotent: nothing happens when the demo parent exists).

    :returns: the number of adults linked.
    """
    school = unit_by_code(session, SCHOOL_CODE)
    manager = user_by_username(session, "ql.thtp")
    course = session.scalar(select(Course).where(Course.audience == Audience.PARENT))
    if (school is None or manager is None or course is None
            or user_by_username(session, DEMO_PARENT) is not None):
        return 0
    year = SchoolYear.containing(today)
    classes = {
        grade: unit_by_code(session, f"{SCHOOL_CODE}-{year.start}-{grade}A")
        for grade in (*ONLINE, MEETING[0])
    }
    letters: dict[int, ParentLetter] = {}
    for grade in ONLINE:
        class_unit = classes[grade]
        assert class_unit is not None
        for letter in print_class_letters(session, class_unit, actor=manager, today=today,
                                          days=LETTER_DAYS, uses=2):
            letters[letter.child_user_id] = letter
    adults = _demo_parent(session, letters, today, password)
    for grade, (linked, finished) in ONLINE.items():
        class_unit = classes[grade]
        assert class_unit is not None
        adults += _online_families(session, class_unit, letters, today, course,
                                   linked=linked, finished=finished)
    meeting_class = classes[MEETING[0]]
    assert meeting_class is not None
    adults += _parents_meeting(session, meeting_class, manager, course, today, MEETING[1])
    session.flush()
    return adults


def _demo_parent(
    session: Session, letters: dict[int, ParentLetter], today: dt.date, password: str
) -> int:
    """The demo parent signs in with the demo password and follows two siblings."""
    parent = create_parent_account(session, full_name=DEMO_PARENT_NAME, phone="",
                                   secret=secrets.token_urlsafe(12))
    parent.username = DEMO_PARENT
    set_secret(parent, password)
    for child_name in ("hs.thtp.2", "hs.thtp.4"):
        child = user_by_username(session, child_name)
        assert child is not None
        give_consent(session, adult=parent, letter=letters[child.id],
                            kinship=Kinship.MOTHER, today=today)
    return 1


def _online_families(
    session: Session, class_unit: OrgUnit, letters: dict[int, ParentLetter], today: dt.date,
    course: Course, *, linked: int, finished: int,
) -> int:
    """Parents of the class's children after the demo sign-in link online; the first
    ``finished`` complete the parents' course; the next family refuses the notice."""
    children = [child for child in class_students(session, class_unit)
                if not child.username.startswith("hs.")]
    for number, child in enumerate(children[:linked]):
        parent = create_parent_account(
            session, full_name=f"Phụ huynh của em {child.full_name}", phone="",
            secret=secrets.token_urlsafe(12),
        )
        give_consent(session, adult=parent, letter=letters[child.id],
                            kinship=Kinship.FATHER if number % 2 else Kinship.MOTHER,
                            today=today)
        if number < finished:
            finish_course(session, parent, course)
    if len(children) > linked:
        refused = children[linked]
        refuse(session, child=refused, adult=None, letter=letters[refused.id], mode="unlink")
    return linked


def _parents_meeting(
    session: Session, class_unit: OrgUnit, manager: User, course: Course, today: dt.date,
    came: int,
) -> int:
    """A parents' meeting of the class ten days ago, which ``came`` families attended."""
    attendees = [
        add_meeting_attendee(session, child=child, recorded_by=manager)
        for child in class_students(session, class_unit)[:came]
    ]
    year = SchoolYear.containing(today)
    record_session(
        session, unit=class_unit, course=course, held_on=today - dt.timedelta(days=10),
        place="Phòng học lớp 3A", facilitator="Cô giáo chủ nhiệm lớp 3A",
        recorded_by=manager, attendee_ids=[adult.id for adult in attendees],
        clock=Clock(today, str(year), "Asia/Ho_Chi_Minh"),
    )
    return len(attendees)
