"""The "Cùng con trò chuyện" cards of a student course: read with its OLX, stored per version.

A student course folder may hold ``talk_cards.xml`` beside ``course.xml``: one ``<card>`` per
unit (chapter), keyed by the unit's ``url_name``, with what the child learned and two
questions for the parents to ask at home, in Vietnamese and (``lang="en"``) English::

    <talk_cards>
      <card unit="bai1_co_the_cua_em">
        <learned>Con học: cơ thể của con là của con.</learned>
        <learned lang="en">Your child learned: their body belongs to them.</learned>
        <question>Chỗ nào trên cơ thể không ai được chạm vào?</question>
        <question>Nếu ai làm con sợ, con sẽ kể với ai?</question>
        <question lang="en">Which parts of the body may no one touch?</question>
        <question lang="en">If someone scares you, who will you tell?</question>
      </card>
    </talk_cards>

:func:`read_talk_cards` checks the file before the loader writes anything and
:func:`store_talk_cards` keys the cards to the version's units; both raise
:class:`~lms_module.xblock_runtime.olx.OlxError` naming the file and the unit, so a course with
a broken card file is not loaded at all (the caller rolls back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.learning.models import Audience, BlockUsage, Course, CourseVersion, TalkCard
from lms_module.learning.services import course_progress, courses_for_user, version_blocks
from lms_module.people.models import User
from lms_module.xblock_runtime.olx import (
    LINE_ATTRIBUTE,
    SOURCE_ATTRIBUTE,
    OlxError,
    ParsedBlock,
    parse_olx_file,
)

#: The card file's name, beside ``course.xml``.
CARDS_FILE = "talk_cards.xml"
#: The block type of a unit (a "Bài", Open edX's chapter): one card each.
UNIT_TYPE = "chapter"
#: Questions on a card, in each language.
QUESTIONS = 2
#: Longest "what your child learned" (characters): two short sentences on a printed card.
LEARNED_MAX = 240
#: Longest question (characters): one line or two on a printed card.
QUESTION_MAX = 120
LANGUAGES = ("vi", "en")
_MARKS = {SOURCE_ATTRIBUTE, LINE_ATTRIBUTE}


@dataclass(frozen=True)
class CardSource:
    """One card as the file gives it (before it is keyed to a version's unit)."""

    unit: str
    line: int
    learned_vi: str
    learned_en: str
    questions_vi: tuple[str, ...]
    questions_en: tuple[str, ...]


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def _card(element: Any) -> CardSource:
    line = int(element.get(LINE_ATTRIBUTE) or element.sourceline or 0)
    unit = (element.get("unit") or "").strip()
    where = f"Tệp {CARDS_FILE}, dòng {line}"
    if element.tag != "card":
        raise OlxError(f"{where}: cần thẻ <card unit=“…”>, gặp <{element.tag}>.")
    if not unit:
        raise OlxError(f"{where}: thẻ <card> cần unit=“…” (url_name của bài).")
    where = f"{where}, thẻ của bài “{unit}”"
    extra = set(element.attrib) - _MARKS - {"unit"}
    if extra:
        raise OlxError(f"{where}: thuộc tính không dùng được: {', '.join(sorted(extra))}.")
    learned: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    questions: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        at = f"Tệp {CARDS_FILE}, dòng {child.sourceline}, thẻ của bài “{unit}”"
        language = child.get("lang", "vi")
        if child.tag not in ("learned", "question"):
            raise OlxError(f"{at}: chỉ dùng <learned> và <question>, gặp <{child.tag}>.")
        if language not in LANGUAGES:
            raise OlxError(f"{at}: lang=“{language}” không hợp lệ; bỏ trống (tiếng Việt) "
                           "hoặc lang=“en”.")
        text = _text(child)
        if not text:
            raise OlxError(f"{at}: <{child.tag}> đang để trống.")
        limit = LEARNED_MAX if child.tag == "learned" else QUESTION_MAX
        if len(text) > limit:
            raise OlxError(f"{at}: <{child.tag}> dài {len(text)} ký tự; thẻ in chỉ chứa "
                           f"{limit} ký tự, hãy viết ngắn lại.")
        (learned if child.tag == "learned" else questions)[language].append(text)
    if len(learned["vi"]) != 1:
        raise OlxError(f"{where}: cần đúng một <learned> tiếng Việt (con đã học gì), "
                       f"gặp {len(learned['vi'])}.")
    if len(learned["en"]) > 1:
        raise OlxError(f"{where}: chỉ một <learned lang=“en”>, gặp {len(learned['en'])}.")
    if len(questions["vi"]) != QUESTIONS:
        raise OlxError(f"{where}: cần đúng {QUESTIONS} câu hỏi tiếng Việt (<question>), "
                       f"gặp {len(questions['vi'])}.")
    if len(questions["en"]) not in (0, QUESTIONS):
        raise OlxError(f"{where}: cần đúng {QUESTIONS} câu hỏi tiếng Anh "
                       f"(<question lang=“en”>), gặp {len(questions['en'])}.")
    return CardSource(
        unit=unit,
        line=line,
        learned_vi=learned["vi"][0],
        learned_en=learned["en"][0] if learned["en"] else "",
        questions_vi=tuple(questions["vi"]),
        questions_en=tuple(questions["en"]),
    )


def read_talk_cards(files: dict[str, bytes], audience: Audience | None) -> list[CardSource]:
    """Read and check the course's card file (none: no cards), before anything is stored.

    :param files: the course's files (:func:`~lms_module.xblock_runtime.olx.read_course_files`).
    :raises OlxError: for malformed XML, a card that is not one "learned" and two questions
        per language or too long for a card, a unit given twice, or cards on a course that is
        not for students, naming the file, the line and the unit.
    """
    if CARDS_FILE not in files:
        return []
    root = parse_olx_file(files, CARDS_FILE)
    if root.tag != "talk_cards":
        raise OlxError(f"Tệp {CARDS_FILE}, dòng {root.sourceline}: thẻ gốc phải là "
                       f"<talk_cards>, gặp <{root.tag}>.")
    if audience is not Audience.STUDENT:
        raise OlxError(f"Tệp {CARDS_FILE}: thẻ “Cùng con trò chuyện” chỉ dành cho khóa học của "
                       "học sinh (audience=“student”); hãy bỏ tệp này khỏi khóa học.")
    cards: list[CardSource] = []
    seen: dict[str, int] = {}
    for element in root:
        if not isinstance(element.tag, str):
            continue
        card = _card(element)
        if card.unit in seen:
            raise OlxError(f"Tệp {CARDS_FILE}, dòng {card.line}: bài “{card.unit}” đã có thẻ ở "
                           f"dòng {seen[card.unit]}; mỗi bài một thẻ.")
        seen[card.unit] = card.line
        cards.append(card)
    return cards


def store_talk_cards(
    session: Session, version: CourseVersion, cards: list[CardSource],
    blocks: Iterable[ParsedBlock],
) -> int:
    """Store the cards of a newly loaded version, in the order of its units.

    :return: how many cards were stored.
    :raises OlxError: when a card names a unit the course does not have.
    """
    units = [b for b in blocks if b.block_type == UNIT_TYPE]
    by_name = {unit.url_name: (position, unit) for position, unit in enumerate(units)}
    for card in cards:
        if card.unit not in by_name:
            known = ", ".join(unit.url_name for unit in units) or "(không có bài nào)"
            raise OlxError(f"Tệp {CARDS_FILE}, dòng {card.line}: thẻ của bài “{card.unit}” "
                           f"nhưng khóa học không có bài (chapter) nào có url_name này. "
                           f"Các bài của khóa học: {known}.")
    for card in cards:
        position, unit = by_name[card.unit]
        session.add(TalkCard(
            course_version_id=version.id,
            unit_usage_id=unit.usage_id,
            position=position,
            learned_vi=card.learned_vi,
            learned_en=card.learned_en,
            questions_vi=list(card.questions_vi),
            questions_en=list(card.questions_en),
        ))
    return len(cards)


def version_talk_cards(session: Session, version_id: int) -> list[TalkCard]:
    """Return a course version's cards in the order of its units."""
    return list(session.scalars(
        select(TalkCard)
        .where(TalkCard.course_version_id == version_id)
        .order_by(TalkCard.position, TalkCard.id)
    ))


@dataclass(frozen=True)
class UnitCard:
    """A card as a parent reads it: the unit it goes with and whether the child finished it."""

    card: TalkCard
    unit: BlockUsage
    done: bool

    def learned(self, language: str) -> str:
        """Return what the child learned in ``language`` ("en" or Vietnamese, the fallback)."""
        return self.card.learned_en if language == "en" and self.card.learned_en else (
            self.card.learned_vi
        )

    def questions(self, language: str) -> list[str]:
        """Return the two questions in ``language`` ("en" or Vietnamese, the fallback)."""
        return self.card.questions_en if language == "en" and self.card.questions_en else (
            self.card.questions_vi
        )


@dataclass
class CourseCards:
    """The cards of one of a child's courses, in the order of its units."""

    course: Course
    cards: list[UnitCard] = field(default_factory=list)


def child_talk_cards(session: Session, child: User) -> list[CourseCards]:
    """Return the cards of the courses ``child`` takes (their grade band's), marking the units
    the child has finished (:meth:`~lms_module.learning.services.CourseProgress.unit_done`).

    Only the student courses with cards are listed; who may read them is the caller's check.
    """
    found = []
    for course in courses_for_user(session, child):
        version = course.current_version
        if course.audience is not Audience.STUDENT or version is None:
            continue
        cards = version_talk_cards(session, version.id)
        if not cards:
            continue
        blocks = version_blocks(session, version)
        progress = course_progress(session, child, course, blocks)
        by_id = {block.usage_id: block for block in blocks}
        found.append(CourseCards(course, [
            UnitCard(card, by_id[card.unit_usage_id], progress.unit_done(card.unit_usage_id))
            for card in cards
            if card.unit_usage_id in by_id
        ]))
    return found
