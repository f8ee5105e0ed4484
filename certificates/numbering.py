"""Certificate serial numbers: ``00012/2026/CN-<unit code>``, counted per issuing unit and year."""

from __future__ import annotations

import re

#: Digits of the running number (zero-padded; a larger number simply prints wider).
NUMBER_WIDTH = 5
#: Document-type abbreviation in the serial: CN for "chứng nhận".
KIND = "CN"

_SERIAL = re.compile(r"^(\d+)/(\d{4})/" + KIND + r"-(.+)$")


def format_serial(number: int, year: int, unit_code: str) -> str:
    """Return the printed serial: ``format_serial(12, 2026, "THTP")`` is ``00012/2026/CN-THTP``."""
    if number < 1:
        raise ValueError("Số thứ tự của giấy chứng nhận bắt đầu từ 1.")
    return f"{number:0{NUMBER_WIDTH}d}/{year}/{KIND}-{unit_code}"


def parse_serial(serial: str) -> tuple[int, int, str]:
    """Return ``(number, year, unit code)`` of a printed serial.

    :raises ValueError: when ``serial`` is not in the ``00012/2026/CN-CODE`` form.
    """
    match = _SERIAL.match(serial.strip())
    if match is None:
        raise ValueError(f"“{serial}” không phải số giấy chứng nhận dạng 00012/2026/CN-MÃ.")
    return int(match.group(1)), int(match.group(2)), match.group(3)
