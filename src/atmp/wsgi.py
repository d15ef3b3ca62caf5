"""WSGI entry point (`atmp serve` uses it, after checking that `atmp init` prepared the home and database)."""

import os

from django.core.wsgi import get_wsgi_application

# What the server creates (the database's -wal and -shm, the SQLite append lock) is its owner's only.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp.settings")
application = get_wsgi_application()
