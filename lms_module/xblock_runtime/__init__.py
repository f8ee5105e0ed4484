"""A Flask-hosted XBlock runtime: stable ids, field data in SQLAlchemy, OLX loading."""
