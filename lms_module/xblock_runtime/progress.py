"""What the runtime does with a learner's progress: record grades and completion, read it back.

Blocks publish ``grade`` and ``completion`` events (Open edX semantics); the runtime hands them
to a :class:`ProgressRecorder`. Blocks ask the ``completion`` service how far the learner is;
the runtime asks a :class:`ProgressReader`. :class:`MemoryProgress` is the reference version
of both; the LMS's is ``lms_module.learning.learner_state.SqlLearnerProgress``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class ProgressRecorder(Protocol):
    """Records one learner's ``grade`` and ``completion`` events in one course."""

    def record_grade(self, usage_id: str, score: float, max_score: float) -> None:
        """Store a grade of block ``usage_id``; the latest one is the block's score.

        :raises ValueError: unless ``0 <= score <= max_score`` and ``max_score > 0``.
        """
        ...

    def record_completion(self, usage_id: str, completion: float) -> None:
        """Store the completion (0..1) of block ``usage_id``; it may go down.

        :raises ValueError: unless ``0 <= completion <= 1``.
        """
        ...


class ProgressReader(Protocol):
    """Reads one learner's progress in one course."""

    def completions(self) -> Mapping[str, float]:
        """Return the completion (0..1) of the blocks by usage id (containers included, as far
        as the reader aggregates them; a block not listed counts as 0)."""
        ...


def check_grade(score: float, max_score: float) -> None:
    """Refuse a grade outside ``0 <= score <= max_score`` or with ``max_score <= 0``.

    :raises ValueError: naming the values.
    """
    if max_score <= 0 or score < 0 or score > max_score:
        raise ValueError(f"A grade needs 0 <= value <= max_value and max_value > 0: {score}")


def check_completion(completion: float) -> None:
    """Refuse a completion outside ``[0, 1]``.

    :raises ValueError: naming the value.
    """
    if not 0.0 <= completion <= 1.0:
        raise ValueError(f"Completion must be within [0, 1]: {completion}")


class MemoryProgress:
    """Progress kept in dictionaries: a :class:`ProgressRecorder` and a :class:`ProgressReader`.

    It aggregates nothing: a container's completion is whatever was recorded for it.
    """

    def __init__(self, completion: Mapping[str, float] | None = None) -> None:
        #: Every grade recorded, in order: (usage id, score, max score).
        self.grades: list[tuple[str, float, float]] = []
        #: The latest completion of each block.
        self.completion: dict[str, float] = dict(completion or {})

    def record_grade(self, usage_id: str, score: float, max_score: float) -> None:
        check_grade(score, max_score)
        self.grades.append((usage_id, score, max_score))

    def record_completion(self, usage_id: str, completion: float) -> None:
        check_completion(completion)
        self.completion[usage_id] = completion

    def completions(self) -> Mapping[str, float]:
        return dict(self.completion)

    def scores(self) -> dict[str, float]:
        """Return the latest score (0..1) of every block graded."""
        return {usage_id: score / max_score for usage_id, score, max_score in self.grades}
