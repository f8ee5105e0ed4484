"""The roster preview names the classes it will create in Vietnamese order (numbers as
numbers: 2A2 before 2A10)."""

from __future__ import annotations

from roster_files import STUDENT_HEADER, students, xlsx


def test_new_classes_are_listed_with_numbers_compared_as_numbers(run_import, tree):
    rows = [STUDENT_HEADER, *students(1, class_name="2A10"), *students(1, start=2,
                                                                       class_name="2A2"),
            *students(1, start=3, class_name="2A1")]
    plan = run_import(xlsx(rows), tree["school"], apply=False)
    assert plan.problems == []
    assert plan.new_classes == [f"{name} (Trường Tiểu học Tam Đường)"
                                for name in ("2A1", "2A2", "2A10")]
