"""Long work off the request path: jobs on an RQ queue over Redis, with progress and results.

A :class:`~lms_module.jobs.models.Job` row is what pages and the CLI follow (status, progress,
the failure's reason, the result file); RQ carries the job to a worker (``lms worker``), which
runs the kind's function (:mod:`~lms_module.jobs.kinds`) through
:func:`~lms_module.jobs.runner.run_job`. See :mod:`~lms_module.jobs.services` to start one.
"""
