"""Coverage against plan targets: requirements, targets, rollups, the office dashboard, exports."""
