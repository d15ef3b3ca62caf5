"""WSGI entry point (`atmp serve` uses it; so can any WSGI server behind the reverse proxy)."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

# What the server creates (the database's -wal and -shm, the SQLite append lock) is its owner's only.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp.settings")
application = get_wsgi_application()


def _refuse_an_unprepared_home() -> None:
    from atmp import prepared

    if (problem := prepared.problem()) is not None:
        raise ImproperlyConfigured(problem)


_refuse_an_unprepared_home()
