"""Run xblock-sdk's workbench (Django) in-process: settings, schema, our blocks' scenarios.

The workbench is a test-only dependency. Its wheel ships no migrations, so its tables are made
with ``migrate --run-syncdb``; ``djpyfs`` (file storage for blocks that ask for it) is left out:
none of our blocks uses the ``fs`` service.
"""

from __future__ import annotations

import os
import warnings
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from lms_module.xblock_runtime import django_templates

#: Our block types (the entry points pointing into ``courses``), in a stable order.
OUR_BLOCK_TYPES = sorted(
    ep.name for ep in entry_points(group="xblock.v1") if ep.value.startswith("courses.")
)

#: The workbench deprecation warnings nothing of ours can avoid: ``WorkbenchRuntime`` sets the
#: deprecated ``Runtime.user_id`` in its constructor.
WORKBENCH_WARNING_FILTERS = ("ignore:Runtime.user_id is deprecated",)


def configure_workbench(folder: Path) -> None:
    """Configure Django for the workbench (once per process) with its database in ``folder``.

    Also registers the workbench scenarios of our blocks only: loading every installed block's
    scenarios (the workbench's default) would fail on third-party blocks whose scenarios use
    tags nobody registered.
    """
    import django
    from django.conf import settings

    # Playwright's sync API (the browser tests, same session) keeps an asyncio loop running in
    # the main thread; Django then refuses database calls unless told this is intended.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    workbench_settings: dict[str, Any] = dict(
        DEBUG=False,
        SECRET_KEY="workbench-test-secret",
        ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"],
        ROOT_URLCONF="workbench.urls",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django.contrib.admin",
            "workbench",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(folder / "workbench.sqlite3"),
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        STATIC_URL="/static/",
        USE_TZ=True,
        WORKBENCH={"reset_state_on_restart": False, "services": {}},
    )
    if not settings.configured:
        settings.configure(**workbench_settings)
        django.setup()
        _make_workbench_tables()
    elif django_templates.configured_here() and (
        getattr(settings, "ROOT_URLCONF", None) != workbench_settings["ROOT_URLCONF"]
    ):
        # The LMS configured Django first, minimally, for a block's templates: the workbench's
        # settings replace those (Django's own way to change settings in tests). Nothing used
        # a Django database before (the LMS's settings have none): replacing DATABASES is safe.
        # The apps come last: loading their models must already see the workbench's database.
        from django.test.utils import override_settings

        apps_setting = {"INSTALLED_APPS": workbench_settings.pop("INSTALLED_APPS")}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Overriding setting DATABASES", UserWarning)
            override_settings(**workbench_settings).enable()
        override_settings(**apps_setting).enable()
        _make_workbench_tables()

    from workbench import scenarios
    from xblock.core import XBlock

    for block_type in OUR_BLOCK_TYPES:
        if f"{block_type}.0" not in scenarios.SCENARIOS:
            scenarios.add_class_scenarios(
                block_type, XBlock.load_class(block_type), fail_silently=False
            )
    # Keep the workbench from (re)loading every installed block's scenarios.
    scenarios.get_scenarios.initialized = True


def _make_workbench_tables() -> None:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def workbench_client() -> Any:
    """Return a Django test client for the workbench's URLs."""
    from django.test import Client

    return Client()
