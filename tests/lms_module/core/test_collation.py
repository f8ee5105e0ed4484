"""Vietnamese order of names and units (ICU's vi collation), with the issue's examples."""

from __future__ import annotations

import random
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from lms_module.core.collation import person_sort_key, text_sort_key

ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n", "o",
            "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y"]


def by_text(items: list[str]) -> list[str]:
    return sorted(items, key=text_sort_key)


def by_person(names: list[str]) -> list[str]:
    return sorted(names, key=person_sort_key)


def shuffled(items: list[str]) -> list[str]:
    copy = list(items)
    random.Random(12).shuffle(copy)
    return copy


def test_dang_comes_before_vu():
    assert by_text(["Vũ", "Đặng", "Dương", "Nguyễn"]) == ["Dương", "Đặng", "Nguyễn", "Vũ"]
    # Same given and middle name: the family name decides, Đặng before Vũ.
    assert by_person(["Vũ Văn An", "Đặng Văn An"]) == ["Đặng Văn An", "Vũ Văn An"]


def test_thi_comes_before_thu():
    assert by_text(["Thu", "Thị"]) == ["Thị", "Thu"]
    assert by_person(["Lê Văn Thu", "Lê Văn Thị"]) == ["Lê Văn Thị", "Lê Văn Thu"]
    # As a middle name too, once the given names are equal.
    assert by_person(["Lê Thu Hoa", "Lê Thị Hoa"]) == ["Lê Thị Hoa", "Lê Thu Hoa"]


def test_phuong_doan_ket_comes_before_phuong_tan_phong():
    assert by_text(["Phường Tân Phong", "Phường Đoàn Kết"]) == [
        "Phường Đoàn Kết", "Phường Tân Phong"]


def test_people_sort_by_given_name_then_middle_then_family_name():
    names = ["Trần Thị Ánh", "Nguyễn Văn An", "Vũ Văn Bình", "Đặng Thị Chi", "Nguyễn Thu Hoa",
             "Đỗ Thu Hoa", "Lê Thị Hoa", "Lê Hoa", "Hoa"]
    assert by_person(shuffled(names)) == [
        "Nguyễn Văn An",   # An < Ánh: the given name comes first, whatever the family name
        "Trần Thị Ánh",
        "Vũ Văn Bình",     # Bình < Chi although Vũ > Đặng
        "Đặng Thị Chi",
        "Hoa",             # no family, no middle name
        "Lê Hoa",          # no middle name before any middle name
        "Lê Thị Hoa",      # Thị < Thu
        "Đỗ Thu Hoa",      # same given and middle: Đỗ < Nguyễn
        "Nguyễn Thu Hoa",
    ]


def test_letters_follow_the_vietnamese_alphabet():
    assert by_text(shuffled(ALPHABET)) == ALPHABET
    assert by_text(shuffled([w.upper() for w in ALPHABET])) == [w.upper() for w in ALPHABET]
    assert by_text(["Ơn", "Ôn", "On", "Ưng", "Ung", "Ân", "Ăn", "An", "Đa", "Da", "Êm", "Em"]) == [
        "An", "Ăn", "Ân", "Da", "Đa", "Em", "Êm", "On", "Ôn", "Ơn", "Ung", "Ưng"]


def test_tones_come_after_letters():
    # The six tones of one syllable, in the dictionary's order.
    assert by_text(shuffled(["ma", "mà", "mả", "mã", "má", "mạ"])) == [
        "ma", "mà", "mả", "mã", "má", "mạ"]
    # Letters decide before tones: án < anh although á > a.
    assert by_text(["anh", "án", "an"]) == ["an", "án", "anh"]
    # A tone never outweighs a letter: Ánh < Ăn, Ạ < Ă.
    assert by_text(["Ăn", "Ánh"]) == ["Ánh", "Ăn"]
    # Within a name, every An comes before every Án, as a dictionary lists syllables.
    assert by_person(["Lê Án", "Vũ An", "Đặng Án", "Bùi An"]) == [
        "Bùi An", "Vũ An", "Đặng Án", "Lê Án"]


def test_numbers_in_class_names_compare_as_numbers():
    assert by_text(["Lớp 10A", "Lớp 2A"]) == ["Lớp 2A", "Lớp 10A"]
    assert by_text(["6A10", "6A2", "6A1", "6A11"]) == ["6A1", "6A2", "6A10", "6A11"]


def test_decomposed_and_composed_spellings_sort_alike():
    name = "Nguyễn Thị Ánh"
    assert person_sort_key(unicodedata.normalize("NFD", name)) == person_sort_key(name)
    assert text_sort_key(unicodedata.normalize("NFD", "Đoàn Kết")) == text_sort_key("Đoàn Kết")


def test_extra_spaces_and_empty_names_do_not_break_the_order():
    assert person_sort_key("  Nguyễn   Văn  An ") == person_sort_key("Nguyễn Văn An")
    assert by_person(["An", "", "Nguyễn An"]) == ["", "An", "Nguyễn An"]


def test_threads_sort_alike():
    names = shuffled(["Vũ Văn Bình", "Đặng Thị Chi", "Nguyễn Văn An", "Trần Thị Ánh",
                      "Lê Thị Hoa", "Đỗ Thu Hoa"] * 50)
    expected = by_person(names)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: by_person(names), range(16)))
    assert all(result == expected for result in results)
