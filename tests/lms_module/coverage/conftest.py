"""Fixtures of the coverage tests: the hand-counted small tree."""

from __future__ import annotations

import pytest
from coverage_support import SmallTree, build_small_tree
from sqlalchemy.orm import Session


@pytest.fixture
def small(db: Session) -> SmallTree:
    return build_small_tree(db)
