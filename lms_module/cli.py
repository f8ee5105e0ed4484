"""Command line: ``lms <command>`` standalone, ``flask lms <command>`` inside a host app."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import Engine

from lms_module.db import db_session
from lms_module.migrate import downgrade_database, upgrade_database

lms_group = click.Group("lms", help="Safe School LMS: database, demo data, imports.")


def register_cli(app: Flask) -> None:
    """Add the ``lms`` command group to the app's CLI (once per app)."""
    if "lms" not in app.cli.commands:
        app.cli.add_command(lms_group)


def _engine() -> Engine:
    engine: Engine = current_app.extensions["lms"].engine
    return engine


@lms_group.command("db-upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade_database(_engine(), revision)
    click.echo(f"Cơ sở dữ liệu đã ở phiên bản {revision}.")


@lms_group.command("db-downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION ("base" removes every table of the module)."""
    downgrade_database(_engine(), revision)
    click.echo(f"Cơ sở dữ liệu đã về phiên bản {revision}.")


@lms_group.command("db-revision")
@click.option("-m", "--message", required=True, help="What the schema change does.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from lms_module.migrate import alembic_config

    command.revision(alembic_config(_engine()), message=message, autogenerate=True)


@lms_group.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def demo(base_url: str) -> None:
    """Build the Lai Châu demo (idempotent) and print the demo sign-ins."""
    from lms_module.demo.services import DEMO_PASSWORD, build_demo

    session = db_session()
    logins = build_demo(session)
    session.commit()
    click.echo("")
    click.echo(f"Trường học an toàn: {base_url}/login")
    click.echo(f"Mật khẩu chung của các tài khoản demo: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.role_label:<28} {login.username:<26} {login.where}")
    click.echo("")


def main() -> None:
    """Entry point of the ``lms`` console script (standalone app)."""
    from lms_module import create_app

    cli = FlaskGroup(create_app=create_app, commands=lms_group.commands)
    cli.main(prog_name="lms")
