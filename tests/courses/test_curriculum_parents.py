"""The parents' and caregivers' course (issue 13): Cùng con an toàn.

It loads with the parents' metadata; it teaches what the "Parents and caregivers" guidance of
FACTS.md lists, in the words the children learn; it cites the hotline and the laws only as
FACTS.md gives them and stays non-graphic; every page has a picture with read-aloud. It is
offered to parents linked to a child (the parent role) and to nobody else: no student,
teacher, staff member, manager or office reviewer sees it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from test_course_content import CONTENT_DIR, _loaded, localized_texts

from lms_module.learning.models import Audience, BlockUsage, Course
from lms_module.learning.services import courses_for_user, may_take_course
from lms_module.people.models import Membership, Role, User

FOLDER = CONTENT_DIR / "cung-con-an-toan"

#: What the course must teach (FACTS.md, "Parents and caregivers"), as (Vietnamese, English)
#: phrases found in its text.
TOPICS = {
    "the underwear rule": [
        ("quy tắc đồ lót", "underwear rule"),
        ("không ai được chạm vào chỗ đồ lót che", "no one may touch the parts"),
        ("bác sĩ khám bệnh cho con, khi có bố hoặc mẹ ở bên", "a doctor examining your child"),
    ],
    "saying no, getting away, telling a trusted adult": [
        ("“không!”", "“no!”"),
        ("chạy đi", "get away"),
        ("người lớn con tin cậy", "trusted adult"),
    ],
    "signs that a child may be harmed": [
        ("tâm trạng, giấc ngủ hay việc học thay đổi đột ngột", "changes in mood, sleep or school"),
        ("sợ một người hay một nơi", "fear of a particular person or place"),
        ("vết thương không rõ lý do", "injuries with no clear explanation"),
        ("chuyện về tình dục không hợp với tuổi", "sexual knowledge beyond their age"),
    ],
    "responding when a child tells": [
        ("giữ bình tĩnh", "stay calm"),
        ("lắng nghe con", "listen to your child"),
        ("tin con", "believe your child"),
        ("không trách con", "do not blame your child"),
        ("không hỏi dồn", "do not press with questions"),
        ("không tự đi tìm người đó", "do not go and confront the person"),
    ],
    "the duty to report and where": [
        ("đều phải báo ngay", "must report it at once"),
        ("gọi 111", "call 111"),
        ("nhà trường", "the school"),
        ("ủy ban nhân dân xã", "commune people's committee"),
    ],
    "online safety at home": [
        ("cài đặt quyền riêng tư", "privacy settings"),
        ("không bao giờ gửi ảnh nhạy cảm", "never to send intimate photos"),
        ("người lạ trên mạng", "strangers online"),
    ],
    "discipline without violence": [
        ("luật trẻ em 2016 cấm bạo lực với trẻ em", "law on children 2016 prohibits violence"),
    ],
}
#: The hotline as FACTS.md states it.
HOTLINE = [
    ("miễn phí", "free"),
    ("24 giờ mỗi ngày, 7 ngày mỗi tuần", "24 hours a day, 7 days a week"),
    ("6/12/2017", "6/12/2017"),
    ("zalo", "zalo"),
    ("tongdai111.vn", "tongdai111.vn"),
]
#: The laws the course cites, each as FACTS.md names it (Vietnamese, English).
LAWS = {
    "Luật Trẻ em 2016": "Law on Children 2016",
    "Nghị định 56/2017/NĐ-CP": "Decree 56/2017/NĐ-CP",
    "Nghị định 80/2017/NĐ-CP": "Decree 80/2017/NĐ-CP",
    "Thông tư 19/2025/TT-BGDĐT": "Circular 19/2025/TT-BGDĐT",
}
#: A numbered legal text ("Nghị định 56/2017/NĐ-CP") or a law by name ("Luật Trẻ em 2016").
VI_CITATION = re.compile(
    r"\b(?:(?:Nghị định|Thông tư|Quyết định|Chỉ thị|Nghị quyết|Kế hoạch)\s+\d[\w/.-]*"
    r"|Luật\s+[A-ZĐ]\w*(?:\s+\w+){0,2})"
)
EN_CITATION = re.compile(
    r"\b(?:(?:Decree|Circular|Decision|Directive|Resolution|Plan)\s+\d[\w/.-]*"
    r"|Law\s+on(?:\s+\w+){1,2})"
)
#: Words a non-graphic course for parents never uses.
GRAPHIC_WORDS = {
    "vi": ["hiếp", "cưỡng", "khỏa thân", "lõa thể", "sinh dục", "giao cấu", "dâm", "máu",
           "chết", "tử vong", "lột"],
    "en": ["rape", "naked", "nude", "genital", "penis", "vagina", "intercourse", "blood",
           "dead", "death", "strip"],
}
#: Every number of three or more digits is the hotline or a year of a law or of the
#: grade-1 materials: no other phone number appears.
ALLOWED_LONG_NUMBERS = {"111", "2016", "2017", "2019", "2025"}


def _course_text(blocks: list[tuple[BlockUsage, Any]], language: str) -> str:
    index = 1 if language == "vi" else 2
    return "\n".join(t[index] for u, b in blocks for t in localized_texts(u, b))


def test_parents_course_loads_with_the_parents_metadata(db):
    course, blocks = _loaded(db, FOLDER)
    assert course.slug == "cung-con-an-toan"
    assert course.audience is Audience.PARENT
    assert course.title_vi.startswith("Cùng con an toàn") and course.title_en
    assert course.pass_mark == pytest.approx(0.8)
    assert course.validity_months == 12 and not course.valid_for_school_year
    assert course.credit_periods == 0
    assert course.grade_min is None and course.grade_max is None
    assert all(not usage.is_placeholder for usage, _block in blocks)
    assert all(b.pass_mark == pytest.approx(0.8) for u, b in blocks if u.block_type == "quiz")


def test_parents_course_is_made_of_numbered_units_like_the_students_courses(db):
    _course, blocks = _loaded(db, FOLDER)
    chapters = [b for u, b in blocks if u.block_type == "chapter"]
    assert len(chapters) >= 5
    for number, chapter in enumerate(chapters, start=1):
        assert chapter.display_name.startswith(f"Bài {number}. "), chapter.display_name
        assert chapter.display_name_en.startswith(f"Unit {number}. "), chapter.display_name_en


def test_every_page_of_the_parents_course_has_a_picture_and_read_aloud(db):
    _course, blocks = _loaded(db, FOLDER)
    pages = [u for u, _b in blocks if u.block_type == "vertical"]
    by_parent: dict[str, list[tuple[BlockUsage, Any]]] = {}
    for usage, block in blocks:
        by_parent.setdefault(usage.parent_usage_id or "", []).append((usage, block))
    assert len(pages) >= 25
    for page in pages:
        inside = by_parent.get(page.usage_id, [])
        assert any(u.block_type == "lesson" and b.image for u, b in inside), page.url_name
        for usage, block in inside:
            if usage.block_type in ("lesson", "scenario", "quiz"):
                assert block.read_aloud, usage.url_name


def test_parents_course_teaches_the_topics_of_the_parents_guidance(db):
    _course, blocks = _loaded(db, FOLDER)
    vi, en = _course_text(blocks, "vi").lower(), _course_text(blocks, "en").lower()
    missing = [
        f"{topic}: {phrase}"
        for topic, phrases in TOPICS.items()
        for pair in phrases
        for phrase, text in zip(pair, (vi, en), strict=True)
        if phrase not in text
    ]
    assert not missing, "\n".join(missing)


def test_parents_course_gives_the_hotline_111_as_the_facts_state_it(db):
    _course, blocks = _loaded(db, FOLDER)
    for language in ("vi", "en"):
        text = _course_text(blocks, language)
        assert text.count("111") >= 10, language
        for pair in HOTLINE:
            phrase = pair[0] if language == "vi" else pair[1]
            assert phrase in text.lower(), (language, phrase)
        other_numbers = set(re.findall(r"\d{3,}", text)) - ALLOWED_LONG_NUMBERS
        assert not other_numbers, f"numbers that are not in FACTS.md: {other_numbers}"


def test_parents_course_cites_only_the_laws_facts_md_names(db):
    _course, blocks = _loaded(db, FOLDER)
    vi, en = _course_text(blocks, "vi"), _course_text(blocks, "en")
    for citation in VI_CITATION.findall(vi):
        assert any(citation.startswith(law) for law in LAWS), citation
    for citation in EN_CITATION.findall(en):
        assert any(citation.startswith(law) for law in LAWS.values()), citation
    for law_vi, law_en in LAWS.items():
        assert law_vi in vi and law_en in en, law_vi


def test_parents_course_stays_non_graphic(db):
    _course, blocks = _loaded(db, FOLDER)
    for language, words in GRAPHIC_WORDS.items():
        text = _course_text(blocks, language).lower()
        found = [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]
        assert not found, (language, found)


def test_no_student_or_school_adult_is_offered_the_parents_course(db, make_user, tree):
    course, _blocks = _loaded(db, FOLDER)
    people = [
        make_user(Role.STUDENT, tree["class"], username="hs.cha.me"),
        make_user(Role.TEACHER, tree["school"], username="gv.cha.me"),
        make_user(Role.STAFF, tree["school"], username="nv.cha.me"),
        make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.cha.me"),
        make_user(Role.OFFICE_REVIEWER, tree["province"], username="so.cha.me"),
    ]
    for person in people:
        assert course.slug not in {c.slug for c in courses_for_user(db, person)}, person.username
        assert not may_take_course(db, person, course), person.username


def test_the_demo_loads_the_parents_course_and_offers_it_to_its_linked_parents_only(runner, db):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    course = db.scalars(select(Course).where(Course.slug == "cung-con-an-toan")).one()
    assert course.audience is Audience.PARENT and course.current_version_id is not None
    sees_every_course = select(Membership.user_id).where(
        Membership.role.in_([Role.ADMIN, Role.CONTENT_AUTHOR])
    )
    learners = db.scalars(select(User).where(User.id.not_in(sees_every_course))).all()
    assert len(learners) > 100
    parents = set(db.scalars(select(Membership.user_id).where(
        Membership.role == Role.PARENT, Membership.active.is_(True))))
    assert parents
    offered = {u.id for u in learners if course in courses_for_user(db, u)}
    assert offered == parents
