"""An XBlock runtime that stands alone: stable ids, scoped field data, OLX parsing."""
