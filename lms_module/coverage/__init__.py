"""Coverage against plan targets: rollups, figures, the office dashboard, exports.

The targets themselves and who they oblige belong to :mod:`lms_module.obligations`.
"""
