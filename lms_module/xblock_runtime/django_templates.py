"""Let blocks render Django templates when Django is installed (the ``[xblocks]`` extra).

Most XBlocks on PyPI render through ``xblock.utils.resources.ResourceLoader``'s
``render_django_template``, that is Django's template engine, which raises
``ImproperlyConfigured`` until Django's settings are configured. The LMS is no Django app: it
configures Django only once a block that imported Django is loaded
(:func:`configure_if_imported`, called by the runtime's class loader), with the least a
template engine needs (:data:`BLOCK_SETTINGS`: no database, no apps, logging left alone).

Settings a host configured before (a Django host app, xblock-sdk's workbench) are used as they
are. A host that configures Django after us can replace ours: :func:`configured_here` tells it
that the settings are only ours (xblock-sdk's workbench in the tests does so).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

#: What to install for blocks that render Django templates.
EXTRA = "truong-hoc-an-toan[xblocks]"

#: The Django settings blocks' templates need: the template engine, and Django's translations
#: (XBlock's ``{% trans %}`` tag merges the block's own catalogue into them).
BLOCK_SETTINGS: dict[str, Any] = {
    "TEMPLATES": [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": False}
    ],
    "INSTALLED_APPS": [],
    "USE_I18N": True,
    "LANGUAGE_CODE": "vi",
    "USE_TZ": True,
    # Django's default logging setup would reconfigure the host's loggers.
    "LOGGING_CONFIG": None,
}

_lock = threading.Lock()
_configured_here = False


def configure_if_imported() -> None:
    """Configure Django for blocks' templates if something imported Django (a block did)."""
    if sys.modules.get("django") is not None:
        ensure_configured()


def ensure_configured() -> bool:
    """Make Django's template engine usable by blocks; return False if Django is not installed.

    Configures :data:`BLOCK_SETTINGS` unless settings are already configured (by a host), then
    loads Django's app registry if nobody did (template tag libraries and translations need
    it). Safe to call from many threads and many times.
    """
    global _configured_here
    try:
        # Untyped, and optional (the extra): no stubs are required for it.
        import django  # type: ignore[import-untyped]
        from django.apps import apps  # type: ignore[import-untyped]
        from django.conf import settings  # type: ignore[import-untyped]
    except ImportError:
        return False
    if settings.configured and apps.ready:
        return True
    with _lock:
        if not settings.configured:
            settings.configure(**BLOCK_SETTINGS)
            _configured_here = True
        if not apps.ready:
            django.setup(set_prefix=False)
    return True


def configured_here() -> bool:
    """Tell whether Django's settings are the minimal ones configured here for blocks."""
    return _configured_here
