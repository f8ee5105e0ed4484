"""The rule for how text speaks to a child: "em", never "bạn" or "tôi" (tests' shared check).

Vietnamese addresses a pupil as "em"; "bạn" (you, as between strangers or peers online) and
"tôi" (a formal "I") are wrong there. But "bạn" is also the noun "friend, classmate", which
children's lessons need all the time ("bạn bè", "một bạn lớp 6", "bạn Quỳnh", "giúp bạn ấy").
The rule, decided once and tested in ``tests/test_forms_of_address_rule.py``:

- "tôi" is never written in text a child reads (a character may say "mình", "em", "cháu"...);
- "bạn" is allowed only as that noun, recognised by its neighbour:
  * a word before it that counts or groups children (``một bạn``, ``các bạn``, ``nhóm bạn``,
    ``người bạn``, ``kết bạn``...), or
  * a word after it that makes it a compound or says which friend (``bạn bè``, ``bạn ấy``,
    ``bạn em``, ``bạn mình``, ``bạn trai``, ``bạn thân``, ``bạn cùng lớp``, ``bạn lớp 6``...),
    or a name (``bạn Quỳnh``: a capital letter after it);
- inside quotation marks (“…”) a character speaks in their own voice: "bạn" is not checked
  there (a stranger's message “Tặng bạn 1000 kim cương” is part of the story).

Anything else ("Bạn đã hoàn thành", "của bạn", "giúp bạn.", "tin bạn") is flagged: write "em"
when it speaks to the reader, "bạn ấy" / "bạn em" / "bạn mình" when it names the friend.
"""

from __future__ import annotations

import re

#: Words before "bạn" that make it the noun: a number of children ("một bạn", "một số bạn"), a
#: group, "có bạn" (someone), a friendship ("người bạn", "kết bạn").
NOUN_BEFORE = frozenset({
    "một", "hai", "ba", "bốn", "mấy", "vài", "các", "những", "mọi", "từng", "nhiều", "người",
    "nhóm", "kết", "số", "có",
})
#: Words after "bạn" that make it a compound or say which friend it is.
NOUN_AFTER = frozenset({
    "bè", "ấy", "em", "mình", "trai", "gái", "thân", "nhỏ", "nữ", "nam", "cùng", "lớp", "trẻ",
    "đó", "này", "kia", "khác", "của",
})
QUOTED = re.compile(r"“[^”]*”")
FRIEND = re.compile(r"\bbạn\b", re.IGNORECASE)
WORD_BEFORE = re.compile(r"(\w+)\s+$")
WORD_AFTER = re.compile(r"^\s+(\w+)")


def _is_the_noun(text: str, start: int, end: int) -> bool:
    before = WORD_BEFORE.search(text[:start])
    if before and before.group(1).lower() in NOUN_BEFORE:
        return True
    after = WORD_AFTER.match(text[end:])
    if after is None:  # "bạn" ends a clause: "giúp bạn.", "tin bạn,"
        return False
    word = after.group(1)
    return word.lower() in NOUN_AFTER or word[0].isupper()


def forbidden_forms(text: str) -> list[str]:
    """Return each place in ``text`` that speaks to a child as "bạn" or "tôi" (with context)."""
    found = [
        text[max(0, m.start() - 30): m.end() + 30]
        for m in re.finditer(r"\btôi\b", text, re.IGNORECASE)
    ]
    unquoted = QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    for match in FRIEND.finditer(unquoted):
        if not _is_the_noun(unquoted, match.start(), match.end()):
            found.append(text[max(0, match.start() - 30): match.end() + 30])
    return found
