"""Django settings for atmp; every value that differs between installations comes from atmp.config."""

from __future__ import annotations

import os

from atmp import config

HOME = config.home()
SECRET_KEY = config.secret_key()
DEBUG = os.environ.get("ATMP_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ATMP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "atmp.accounts",
    "atmp.ledger",
    "atmp.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "atmp.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view reads a body (the CSRF check parses a multipart form): 413 / 503 for statistics.
    "atmp.web.upload_limits.StatsUploadLimits",
]

ROOT_URLCONF = "atmp.urls"
WSGI_APPLICATION = "atmp.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atmp.web.context.navigation",
            ],
        },
    },
]

DATABASES = {"default": config.database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id at OWASP's parameters (m=19 MiB, t=2, p=1): see atmp.accounts.hashers.
PASSWORD_HASHERS = ["atmp.accounts.hashers.Argon2idHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Annex 11 §12 / Part 11 §11.300: idle and absolute session limits (seconds).
ATMP_SESSION_IDLE_SECONDS = config.int_setting("ATMP_SESSION_IDLE_SECONDS", 15 * 60)
ATMP_SESSION_ABSOLUTE_SECONDS = config.int_setting("ATMP_SESSION_ABSOLUTE_SECONDS", 8 * 3600)
ATMP_LOCKOUT_THRESHOLD = config.int_setting("ATMP_LOCKOUT_THRESHOLD", 5)
ATMP_LOCKOUT_SECONDS = config.int_setting("ATMP_LOCKOUT_SECONDS", 15 * 60)

# The ledger: signing key outside the database, origin = key name, automatic checkpoint interval.
ATMP_KEY_FILE = os.environ.get("ATMP_KEY_FILE") or str(HOME / "keys" / "ledger.key")
ATMP_LEDGER_ORIGIN = os.environ.get("ATMP_LEDGER_ORIGIN", "atmp.example/ledger")
ATMP_CHECKPOINT_INTERVAL = config.int_setting("ATMP_CHECKPOINT_INTERVAL", 1000)
# SQLite: queue appenders on a file lock so that they take turns (atmp.ledger.writer.appends_in_turn).
ATMP_SQLITE_APPEND_LOCK = os.environ.get("ATMP_SQLITE_APPEND_LOCK", "1") != "0"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(HOME / "static")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ATMP_LOG_LEVEL", "WARNING")},
}
