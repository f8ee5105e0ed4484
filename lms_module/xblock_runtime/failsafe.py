"""One broken block never breaks a page: a block whose view raises is shown as a placeholder.

(Skeleton: filled in by the Step 6 work on failing blocks.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web_fragments.fragment import Fragment


def render_or_placeholder(
    render: Callable[[Any, str, Any], Fragment], block: Any, view_name: str, context: Any
) -> Fragment:
    """Return ``render(block, view_name, context)``."""
    return render(block, view_name, context)
