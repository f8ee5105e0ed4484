"""Course content and the blocks' own strings speak to a child as "em", never "bạn" or "tôi".

The rule (and why "bạn bè", "một bạn", "bạn ấy" are fine) is in ``tests/forms_of_address.py``.
Every Vietnamese text a learner can read is checked: text and ``display_name`` of every OLX file
(the English ``lang="en"`` elements and ``*_en`` attributes are left out), the titles of the
pictures, and every interface string of the blocks (templates and handler messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from forms_of_address import QUOTED, forbidden_forms
from lxml import etree

import courses.blocks
import courses.content

CONTENT_DIR = Path(courses.content.__file__).parent
BLOCKS_DIR = Path(courses.blocks.__file__).parent
COURSE_FOLDERS = sorted(p for p in CONTENT_DIR.iterdir() if (p / "course.xml").is_file())
SVG_TITLE = "{http://www.w3.org/2000/svg}title"
#: ``_("...")`` or ``self._("...")`` in the blocks' Python and templates.
INTERFACE_STRING = re.compile(r"""_\(\s*(["'])(.+?)\1""")
#: How each adult audience is spoken to.
ADULT_ADDRESS = {"teacher": "thầy cô", "staff": "anh chị", "parent": "anh chị"}
#: "em" outside a character's words (“…”), other than in "trẻ em" (children).
READER_EM = re.compile(r"(?<!trẻ )\bem\b", re.IGNORECASE)


def _audience(folder: Path) -> str:
    return etree.parse(str(folder / "course.xml")).getroot().get("audience", "")


STUDENT_FOLDERS = [p for p in COURSE_FOLDERS if _audience(p) == "student"]
ADULT_FOLDERS = [p for p in COURSE_FOLDERS if _audience(p) != "student"]
PARENT_FOLDERS = [p for p in COURSE_FOLDERS if _audience(p) == "parent"]


def _element_texts(element: etree._Element) -> Iterator[str]:
    if element.get("lang") == "en":
        return
    if element.get("display_name"):
        yield element.get("display_name", "")
    if element.text and element.text.strip():
        yield " ".join(element.text.split())
    for child in element:
        if isinstance(child.tag, str):
            yield from _element_texts(child)
        if child.tail and child.tail.strip():
            yield " ".join(child.tail.split())


def vietnamese_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(file, text)`` for every Vietnamese text of a course folder."""
    for path in sorted(folder.rglob("*.xml")):
        for text in _element_texts(etree.parse(str(path)).getroot()):
            yield path.relative_to(folder).as_posix(), text
    for path in sorted((folder / "static").glob("*.svg")):
        for title in etree.parse(str(path)).getroot().iter(SVG_TITLE):
            yield path.relative_to(folder).as_posix(), "".join(title.itertext())


def interface_strings() -> Iterator[tuple[str, str]]:
    """Yield ``(file, msgid)`` for every translatable string of the blocks."""
    files = [*BLOCKS_DIR.glob("*.py"), *(BLOCKS_DIR / "static" / "html").glob("*.html")]
    for path in sorted(files):
        for match in INTERFACE_STRING.finditer(path.read_text(encoding="utf-8")):
            yield path.name, match.group(2)


@pytest.mark.parametrize("folder", STUDENT_FOLDERS, ids=[p.name for p in STUDENT_FOLDERS])
def test_student_course_content_speaks_to_the_child_as_em(folder):
    texts = list(vietnamese_texts(folder))
    wrong = [f"{where}: …{found}…" for where, text in texts for found in forbidden_forms(text)]
    assert wrong == [], "\n".join(wrong)
    # And it does speak to them: "em" is the reader throughout.
    assert sum(len(re.findall(r"\bem\b", text, re.IGNORECASE)) for _w, text in texts) >= 20


@pytest.mark.parametrize("folder", ADULT_FOLDERS, ids=[p.name for p in ADULT_FOLDERS])
def test_adult_course_content_never_calls_the_reader_bạn(folder):
    texts = list(vietnamese_texts(folder))
    # An adult may write "Kế hoạch của tôi"; only the "bạn" half of the rule applies.
    wrong = [
        f"{where}: …{found}…"
        for where, text in texts
        for found in forbidden_forms(re.sub(r"\btôi\b", "", text, flags=re.IGNORECASE))
    ]
    assert wrong == [], "\n".join(wrong)
    address = ADULT_ADDRESS.get(_audience(folder))
    if address is not None:
        assert sum(text.lower().count(address) for _w, text in texts) >= 5, address


@pytest.mark.parametrize("folder", PARENT_FOLDERS, ids=[p.name for p in PARENT_FOLDERS])
def test_parents_course_content_never_calls_the_reader_em(folder):
    # The parent is "anh chị" and the child "con" or "cháu"; "em" is the children's courses'
    # word for their reader. A child's own words in quotation marks are the story's.
    wrong = [
        f"{where}: …{text[max(0, m.start() - 30): m.end() + 30]}…"
        for where, text in vietnamese_texts(folder)
        for m in READER_EM.finditer(QUOTED.sub(lambda q: " " * len(q.group(0)), text))
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_blocks_interface_strings_never_say_bạn_or_tôi():
    strings = list(interface_strings())
    assert len(strings) >= 15  # the pattern finds the strings
    wrong = [f"{where}: {text}" for where, text in strings if forbidden_forms(text)]
    assert wrong == [], "\n".join(wrong)
