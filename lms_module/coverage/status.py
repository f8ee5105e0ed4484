"""Where a target stands: met, on track, at risk or off track, and the projected coverage.

The rules and their thresholds are set here, in one place, free of any database access. The
4-week rate behind the projection is read from the rollup, which keeps for each row the people
covered :data:`RATE_WINDOW_DAYS` days before the reporting date.
"""

from __future__ import annotations

import datetime as dt
import enum

#: Days of certificates behind the recent rate (4 weeks).
RATE_WINDOW_DAYS = 28
#: A target not met whose projection falls short by at most this many percentage points is
#: "at risk"; further short, "off track".
AT_RISK_MARGIN_POINTS = 10.0


class Status(enum.StrEnum):
    """Where a target stands (see :func:`target_status`)."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_POPULATION = "no_population"


def target_status(
    *,
    population: int,
    covered: int,
    covered_before: int,
    target_percent: float,
    today: dt.date,
    deadline: dt.date,
) -> tuple[Status, float | None]:
    """Return the status of a target and the coverage (%) projected to its deadline.

    The rules, in this order:

    1. no one to train: ``no_population``;
    2. coverage >= target: ``met``;
    3. deadline passed: ``off_track``;
    4. projected = coverage now + the net gain of the last :data:`RATE_WINDOW_DAYS` days
       (covered now - covered then, so expiries count against it) continued at the same pace
       until the deadline; projected >= target: ``on_track``;
    5. projected >= target - :data:`AT_RISK_MARGIN_POINTS`: ``at_risk``; otherwise ``off_track``.
    """
    if population <= 0:
        return Status.NO_POPULATION, None
    percent_now = 100.0 * covered / population
    if percent_now >= target_percent:
        return Status.MET, percent_now
    if today > deadline:
        return Status.OFF_TRACK, percent_now
    gain_per_day = max(covered - covered_before, 0) / RATE_WINDOW_DAYS
    projected_covered = min(covered + gain_per_day * (deadline - today).days, population)
    projected = 100.0 * projected_covered / population
    if projected >= target_percent:
        return Status.ON_TRACK, projected
    if projected >= target_percent - AT_RISK_MARGIN_POINTS:
        return Status.AT_RISK, projected
    return Status.OFF_TRACK, projected
