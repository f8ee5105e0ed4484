"""Obligations: who must complete what, by when (requirements, coverage targets, assignments).

Call :func:`lms_module.obligations.query.obligations` for the people of a subtree (or one
person) and what each must meet; coverage counts with the same rules
(:mod:`lms_module.obligations.population`).
"""
