"""Sort people and units in Vietnamese order (ICU's ``vi`` collation through PyICU).

Every list of people or units that a page shows or an export writes is ordered with these
keys, never by code point (which puts "Đặng" after "Vũ") and never by a hand-made table.

ICU's Vietnamese collation compares letters first, in the Vietnamese alphabet (a ă â b c d đ e
ê g h i k l m n o ô ơ p q r s t u ư v x y), and tones only after the letters of the whole
string, in the dictionary's order (none, huyền, hỏi, ngã, sắc, nặng): "Thị" < "Thu" < "Thư",
"An" < "Án" < "Anh" < "Ăn". Case comes last ("an" < "An"). The collator normalises, so NFC
and NFD spellings of a name compare equal. Digits compare as numbers ("Lớp 2A" < "Lớp 10A").

A Vietnamese name is written family, middle, given ("Nguyễn Thị Thu Hà"); lists sort by the
given name (the last word), then the middle words in order, then the family name (the first
word). Each word is compared on its own with the collator, so the given name decides before
anything else, tones included: every "An" comes before every "Án", as a dictionary lists
syllables. A name without middle words comes before the same given name with them.

Each thread makes its own collator (ICU documents a collator as safe to share only while
nobody changes it, and PyICU promises nothing), which is cheap: ICU caches the compiled
Vietnamese rules. The module imports neither Flask nor the
database, so services, exports and the CLI all sort with it.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import icu  # PyICU ships no type information (see the mypy overrides)

__all__ = ["PersonKey", "person_sort_key", "text_sort_key"]

#: The locale whose collation orders every list.
LOCALE = "vi_VN"

#: ``(given name, middle words, family name)``, each an ICU sort key.
PersonKey = tuple[bytes, tuple[bytes, ...], bytes]

_local = threading.local()


def _collator() -> icu.Collator:
    """Return this thread's Vietnamese collator (numbers compared as numbers)."""
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = icu.Collator.createInstance(icu.Locale(LOCALE))
        collator.setAttribute(
            icu.UCollAttribute.NUMERIC_COLLATION, icu.UCollAttributeValue.ON
        )
        _local.collator = collator
    return collator


@lru_cache(maxsize=16384)
def text_sort_key(text: str) -> bytes:
    """Return the sort key of a unit's name (or any text) in Vietnamese order.

    Keys of two texts compare as the texts do: "Phường Đoàn Kết" < "Phường Tân Phong",
    "Lớp 2A" < "Lớp 10A". Keys are kept for the most recent texts: a school's names are made
    of a few hundred words, so long lists cost little more than the first hundred names.
    """
    key: bytes = _collator().getSortKey(text)
    return key


def person_sort_key(full_name: str) -> PersonKey:
    """Return the sort key of a Vietnamese full name: given name, middle words, family name.

    "Trần Thị Ánh" sorts after "Nguyễn Văn An" (Ánh > An), "Vũ Văn Bình" before "Đặng Thị
    Chi" (Bình < Chi); two people with the same given name are ordered by the middle words,
    then the family name ("Lê Thị Hoa" < "Đỗ Thu Hoa" < "Nguyễn Thu Hoa"). Callers add a
    last tie-breaker (the id) where two people may have the same name.
    """
    words = full_name.split()
    if not words:
        return (b"", (), b"")
    given = text_sort_key(words[-1])
    if len(words) == 1:
        return (given, (), b"")
    middle = tuple(text_sort_key(word) for word in words[1:-1])
    return (given, middle, text_sort_key(words[0]))
