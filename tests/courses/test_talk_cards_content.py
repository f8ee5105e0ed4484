"""Content checks of the "Cùng con trò chuyện" cards (issue 13), over every student course.

Every unit (chapter) of every student course of the curriculum has a card; each card says what
the child learned and asks exactly two questions, in Vietnamese and English; it fits a printed
card and a parent who may read little (short sentences); it speaks to the parent about "con",
never calls anyone "em", "bạn" or "tôi", stays non-graphic and never asks "why" (a question that
can blame); and every fact it states (a number, the hotline, a law, the words of the rules) is
in the unit the child took, in the same language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from forms_of_address import QUOTED, forbidden_forms
from lxml import etree
from sqlalchemy import select
from test_course_content import (
    CURRICULUM_FOLDERS,
    _children,
    _loaded,
    _sentences,
    _subtree,
    _syllables,
    _texts_of,
)
from test_curriculum_parents import GRAPHIC_WORDS

from lms_module.learning.models import BlockUsage, TalkCard
from lms_module.learning.talk_cards import CARDS_FILE, LEARNED_MAX, QUESTION_MAX, QUESTIONS


def _is_student_course(folder: Path) -> bool:
    return etree.parse(str(folder / "course.xml")).getroot().get("audience") == "student"


STUDENT_FOLDERS = [p for p in CURRICULUM_FOLDERS if _is_student_course(p)]
student_courses = pytest.mark.parametrize(
    "folder", STUDENT_FOLDERS, ids=[p.name for p in STUDENT_FOLDERS]
)
#: Longest Vietnamese sentence on a card, in syllables: a parent who may read little.
CARD_MAX_SYLLABLES = 20
#: Sentences of "what your child learned".
LEARNED_MAX_SENTENCES = 2
#: "em" as a form of address (outside a quotation, other than "trẻ em").
READER_EM = re.compile(r"(?<!trẻ )\bem\b", re.IGNORECASE)
#: Questions that ask "why" can blame ("Sao con không kể?"): the cards ask what, who, how.
WHY = {"vi": re.compile(r"\b(tại sao|vì sao|sao con)\b", re.IGNORECASE),
       "en": re.compile(r"\bwhy\b", re.IGNORECASE)}
#: The facts and the rules' own words a card may state only if its unit does (vi, en).
KEY_TERMS = [
    ("111", "111"),
    ("miễn phí", "free"),
    ("24/7", "24/7"),
    ("zalo", "zalo"),
    ("tongdai111.vn", "tongdai111.vn"),
    ("đồ lót", "underwear"),
    ("bác sĩ", "doctor"),
    ("luật trẻ em", "law on children"),
    ("nghị định", "decree"),
    ("thông tư", "circular"),
    ("16 tuổi", "under 16"),
    ("mật khẩu", "password"),
    ("chụp màn hình", "screenshot"),
    ("bằng chứng", "evidence"),
    ("dụ dỗ", "groom"),
    ("đồng ý", "consent"),
    ("đòi tiền", "sextortion"),
    ("ranh giới", "boundar"),
]
NUMBER = re.compile(r"\d[\d/.]*\d|\d")


def _cards_by_unit(db, folder: Path) -> tuple[list[BlockUsage], dict[str, TalkCard], dict]:
    """Load the course; return its units, its cards by unit and each unit's text by language."""
    course, blocks = _loaded(db, folder)
    children = _children(blocks)
    units = [u for u, _b in blocks if u.block_type == "chapter"]
    by_id = {u.usage_id: (u, b) for u, b in blocks}
    texts: dict[str, dict[str, str]] = {}
    for unit in units:
        inside = [by_id[u.usage_id] for u in _subtree(children, unit)]
        texts[unit.usage_id] = {
            language: " ".join(_texts_of(u, b, language) for u, b in inside).lower()
            for language in ("vi", "en")
        }
    cards = db.scalars(
        select(TalkCard).where(TalkCard.course_version_id == course.current_version_id)
    ).all()
    return units, {c.unit_usage_id: c for c in cards}, texts


def _sentences_of(text: str) -> list[str]:
    """Return the sentences of a card text; a quoted word (“Không!”) does not end one."""
    return list(_sentences(QUOTED.sub("“Q”", text)))


def _card_texts(card: TalkCard) -> dict[str, list[str]]:
    return {
        "vi": [card.learned_vi, *card.questions_vi],
        "en": [card.learned_en, *card.questions_en],
    }


def test_every_student_course_of_the_curriculum_is_checked():
    names = {p.name for p in STUDENT_FOLDERS}
    assert names == {"an-toan-cua-em", "em-biet-tu-bao-ve", "truong-hoc-an-toan-6-9",
                     "ton-trong-va-an-toan"}
    assert all((p / CARDS_FILE).is_file() for p in STUDENT_FOLDERS)


@student_courses
def test_every_unit_of_a_student_course_has_a_talk_card(db, folder):
    units, cards, _texts = _cards_by_unit(db, folder)
    missing = [u.url_name for u in units if u.usage_id not in cards]
    assert not missing, (
        f"units without a card in {folder.name}/{CARDS_FILE} (add a <card unit=…>): {missing}"
    )
    assert len(cards) == len(units)


@student_courses
def test_talk_cards_say_what_was_learned_and_ask_two_questions_in_both_languages(db, folder):
    units, cards, _texts = _cards_by_unit(db, folder)
    problems = []
    for unit in units:
        card = cards[unit.usage_id]
        if not (card.learned_vi.strip() and card.learned_en.strip()):
            problems.append(f"{unit.url_name}: learned needs Vietnamese and English")
        for language, questions in (("vi", card.questions_vi), ("en", card.questions_en)):
            if len(questions) != QUESTIONS:
                problems.append(f"{unit.url_name} ({language}): {len(questions)} questions")
            problems += [f"{unit.url_name} ({language}): “{q}” is not a question"
                         for q in questions if not q.endswith("?")]
    assert not problems, "\n".join(problems)


@student_courses
def test_talk_cards_fit_a_printed_card_and_a_parent_who_reads_little(db, folder):
    units, cards, _texts = _cards_by_unit(db, folder)
    problems = []
    for unit in units:
        card = cards[unit.usage_id]
        for learned in (card.learned_vi, card.learned_en):
            if len(learned) > LEARNED_MAX:
                problems.append(f"{unit.url_name}: learned is {len(learned)} characters")
            if len(_sentences_of(learned)) > LEARNED_MAX_SENTENCES:
                problems.append(f"{unit.url_name}: learned has more than two sentences")
        for question in (*card.questions_vi, *card.questions_en):
            if len(question) > QUESTION_MAX or len(_sentences_of(question)) != 1:
                problems.append(f"{unit.url_name}: “{question}” is not one short question")
        for text in _card_texts(card)["vi"]:
            problems += [f"{unit.url_name}: {_syllables(s)} syllables: {s}"
                         for s in _sentences(text) if _syllables(s) > CARD_MAX_SYLLABLES]
    assert not problems, "\n".join(problems)


@student_courses
def test_talk_cards_speak_to_the_parent_about_con_warmly_and_without_graphic_words(db, folder):
    units, cards, _texts = _cards_by_unit(db, folder)
    problems = []
    for unit in units:
        card = cards[unit.usage_id]
        texts = _card_texts(card)
        if not re.search(r"\bcon\b", card.learned_vi, re.IGNORECASE):
            problems.append(f"{unit.url_name}: the child is “con” on a parent's card")
        for text in texts["vi"]:
            unquoted = QUOTED.sub(lambda m: " " * len(m.group(0)), text)
            problems += [f"{unit.url_name}: …{found}…" for found in forbidden_forms(text)]
            if READER_EM.search(unquoted):
                problems.append(f"{unit.url_name}: “em” on a parent's card: {text}")
        for language, words in GRAPHIC_WORDS.items():
            for text in texts[language]:
                problems += [f"{unit.url_name}: “{word}” in {text}" for word in words
                             if re.search(rf"\b{re.escape(word)}\b", text.lower())]
        for language in ("vi", "en"):
            questions = texts[language][1:]
            problems += [f"{unit.url_name}: a “why” question can blame: {q}"
                         for q in questions if WHY[language].search(q)]
    assert not problems, "\n".join(problems)


@student_courses
def test_talk_cards_state_only_facts_their_unit_teaches(db, folder):
    units, cards, texts = _cards_by_unit(db, folder)
    problems = []
    for unit in units:
        card = cards[unit.usage_id]
        for index, language in enumerate(("vi", "en")):
            unit_text = texts[unit.usage_id][language]
            card_text = " ".join(_card_texts(card)[language]).lower()
            for number in NUMBER.findall(card_text):
                if number not in unit_text:
                    problems.append(f"{unit.url_name} ({language}): {number} is not in the unit")
            for pair in KEY_TERMS:
                term = pair[index]
                if term in card_text and term not in unit_text:
                    problems.append(f"{unit.url_name} ({language}): “{term}” is not in the unit")
    assert not problems, "\n".join(problems)
