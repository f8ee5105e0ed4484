"""School years: the :class:`~lms_module.school_years.year.SchoolYear` value type, the closed
years' bookkeeping and the year-end rollover."""
