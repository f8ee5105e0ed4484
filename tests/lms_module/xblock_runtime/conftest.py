"""Fixtures of the runtime's own tests: the sample course parsed into memory, no database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from runtime_support import SLUG, parse_sample

from lms_module.xblock_runtime.field_data import MemoryFieldStore
from lms_module.xblock_runtime.progress import MemoryProgress
from lms_module.xblock_runtime.runtime import LmsRuntime, MemoryUrls
from lms_module.xblock_runtime.services import MemoryUser


@pytest.fixture
def store() -> MemoryFieldStore:
    """The sample course's content, in memory."""
    store = MemoryFieldStore()
    parse_sample(store)
    return store


@pytest.fixture
def lan() -> MemoryUser:
    return MemoryUser(id=7, username="hs.lan", full_name="Trần Thị Lan")


@pytest.fixture
def progress() -> MemoryProgress:
    return MemoryProgress()


@pytest.fixture
def make_runtime(
    store: MemoryFieldStore, lan: MemoryUser, progress: MemoryProgress
) -> Callable[..., LmsRuntime]:
    """Build a runtime over the memory versions: Lan's, recording into ``progress``."""

    def make(**options: Any) -> LmsRuntime:
        settings: dict[str, Any] = {
            "course_slug": SLUG,
            "fields": store,
            "urls": MemoryUrls(),
            "user": lan,
            "recorder": progress,
            "progress": progress,
        }
        settings.update(options)
        return LmsRuntime(**settings)

    return make
