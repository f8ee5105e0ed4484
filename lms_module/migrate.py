"""Run the Alembic migrations of the module against an engine (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

#: The module's own version table, so a host app's Alembic history is never touched.
VERSION_TABLE = "lms_alembic_version"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config for the module's migrations bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", "lms_module:migrations")
    config.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
    )
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` ("base" removes every table of the module)."""
    command.downgrade(alembic_config(engine), revision)
