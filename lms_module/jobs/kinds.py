"""The kinds of job there are: what each runs, what it is called, who may follow it.

An area registers its kinds with :func:`job_kind` in its own ``jobs`` module, listed in
:data:`KIND_MODULES` (imported when a kind is looked up, so the worker knows them all)::

    @job_kind("certificates.zip", title=_l("Tệp ZIP giấy chứng nhận"))
    def certificates_zip(ctx: JobContext) -> None:
        ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms_module.jobs.runner import JobContext

#: Modules that register kinds (each area's ``jobs`` module).
KIND_MODULES = (
    "lms_module.certification.jobs",
    "lms_module.coverage.jobs",
    "lms_module.roster.jobs",
    "lms_module.notifications.jobs",
)


@dataclass(frozen=True)
class JobKind:
    """A kind of job: the function that does the work and how pages name it."""

    name: str
    run: Callable[[JobContext], None]
    #: Shown as the page's title (a lazy translation).
    title: Any
    #: Where the page sends the person when the job is done (``None``: the job page offers the
    #: result file, if any). Called with the finished job.
    done_url: Callable[[Any], str] | None = None


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, title: Any, done_url: Callable[[Any], str] | None = None
) -> Callable[[Callable[[JobContext], None]], Callable[[JobContext], None]]:
    """Register the decorated function as the work of jobs of kind ``name``."""

    def register(run: Callable[[JobContext], None]) -> Callable[[JobContext], None]:
        if name in _KINDS and _KINDS[name].run is not run:
            raise RuntimeError(f"job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name, run, title, done_url)
        return run

    return register


def get_kind(name: str) -> JobKind:
    """Return the kind called ``name`` (``KeyError`` if no module registers it)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return _KINDS[name]
