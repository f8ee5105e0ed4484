"""Course content (OLX folders) shipped with the package; ``sample/`` is the demo course."""

from __future__ import annotations

from pathlib import Path

#: The small bilingual demo course for grades 1-2 (inline OLX).
SAMPLE_COURSE = Path(__file__).parent / "sample"
