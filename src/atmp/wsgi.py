"""WSGI entry point (`atmp serve` uses it, after checking that `atmp init` prepared the home and database)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

# What the server creates (the database's -wal and -shm, the SQLite append lock) is its owner's only.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp.settings")


def freeze_start_up_objects() -> None:
    """Import every page's code now, then put what start-up made out of the cycle collector's reach.

    The modules, URL patterns, templates' code and the API's schema live as long as the process.
    Python's full collection walks every tracked object, and runs in the middle of whichever request
    allocated enough (a list of 500 records does): frozen (gc.freeze), they are not walked again.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the URLconf imports every module's views
    gc.collect()
    gc.freeze()


application = get_wsgi_application()
freeze_start_up_objects()
