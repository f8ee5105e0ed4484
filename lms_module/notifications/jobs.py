"""Jobs of this area (registered with lms_module.jobs.kinds.job_kind)."""
