"""Django settings for atmp; every value that differs between installations comes from atmp.config."""

from __future__ import annotations

import os

from atmp import config, modules

HOME = config.home()
SECRET_KEY = config.secret_key()
DEBUG = os.environ.get("ATMP_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ATMP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# TLS behind a reverse proxy (docs/deployment.md). ATMP_PUBLIC_URL is the address people use
# (https://atmp.example.org); its host is allowed, its origin trusted for CSRF, and https makes the
# cookies Secure and turns HSTS on. X-Forwarded-Proto/For are believed from ATMP_TRUSTED_PROXIES only
# (addresses or CIDR ranges; atmp.web.security drops them from everyone else).
PUBLIC_URL = config.public_url()
HTTPS = PUBLIC_URL.startswith("https://") or os.environ.get("ATMP_HTTPS") == "1"
if PUBLIC_URL:
    ALLOWED_HOSTS.append(config.url_host(PUBLIC_URL))
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] * bool(PUBLIC_URL) + config.list_setting("ATMP_CSRF_TRUSTED_ORIGINS")
ATMP_TRUSTED_PROXIES = config.proxies_setting()
if ATMP_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = config.int_setting("ATMP_HSTS_SECONDS", 365 * 24 * 3600, minimum=0) if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (the plots are <img> of SVG, the little JavaScript is atmp.js).
ATMP_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "atmp.accounts",
    "atmp.ledger",
    *modules.DOMAIN_APPS,
    "atmp.web",
]

MIDDLEWARE = [
    "atmp.web.security.TrustedProxyMiddleware",  # first: what follows reads the scheme and the client address
    "django.middleware.security.SecurityMiddleware",
    "atmp.web.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "atmp.api.query_once.QueryParametersOnceMiddleware",  # ?status=a&status=b is refused, not read as b
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "atmp.accounts.middleware.SessionTimeoutMiddleware",
    # After CsrfViewMiddleware and authentication: records refused writes and CSRF failures (ASVS 7.2.2).
    "atmp.accounts.refusals.RefusedWriteMiddleware",
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
# ASVS 2.2.1: failed sign-ins limited per client address and overall (besides the lockout per
# account), failed API tokens per client address; counted per window (atmp.accounts.throttle).
ATMP_THROTTLE_WINDOW_SECONDS = config.int_setting("ATMP_THROTTLE_WINDOW_SECONDS", 15 * 60)
ATMP_THROTTLE_ADDRESS_FAILURES = config.int_setting("ATMP_THROTTLE_ADDRESS_FAILURES", 20)
ATMP_THROTTLE_GLOBAL_FAILURES = config.int_setting("ATMP_THROTTLE_GLOBAL_FAILURES", 500)
ATMP_THROTTLE_TOKEN_FAILURES = config.int_setting("ATMP_THROTTLE_TOKEN_FAILURES", 50)

# The ledger: signing key outside the database, origin = key name, automatic checkpoint interval.
ATMP_KEY_FILE = os.environ.get("ATMP_KEY_FILE") or str(HOME / "keys" / "ledger.key")
# TOTP secrets are sealed with this key (atmp.accounts.sealed), kept beside the signing key, not in the database.
ATMP_MFA_KEY_FILE = os.environ.get("ATMP_MFA_KEY_FILE") or str(HOME / "keys" / "mfa.key")
# Donors' and patients' personal data (atmp.trace.sealed, docs/personal-data.md): the AES-256 key
# that wraps each person's data key, and the HMAC-SHA256 key of the keyed hashes (the audited one
# and the search index), each a keyring file (newest key first) beside the others, not in the database.
ATMP_IDENTITY_KEY_FILE = os.environ.get("ATMP_IDENTITY_KEY_FILE") or str(HOME / "keys" / "identity.key")
ATMP_IDENTITY_HASH_KEY_FILE = os.environ.get("ATMP_IDENTITY_HASH_KEY_FILE") or str(HOME / "keys" / "identity-hash.key")
# How atmp signs in to each registered OPC UA endpoint (user, password, security string): a JSON
# file readable by its owner only, beside the keys, never in the database (atmp.manufacturing.opcua_credentials).
ATMP_OPCUA_CREDENTIALS = os.environ.get("ATMP_OPCUA_CREDENTIALS") or str(HOME / "keys" / "opcua.json")
ATMP_LEDGER_ORIGIN = os.environ.get("ATMP_LEDGER_ORIGIN", "atmp.example/ledger")
ATMP_CHECKPOINT_INTERVAL = config.int_setting("ATMP_CHECKPOINT_INTERVAL", 1000)
# `atmp tick` (and `atmp serve` every ATMP_TICK_SECONDS, 0: never) signs a checkpoint when entries
# accumulated and copies new checkpoints to witnesses: folders (os.pathsep-separated) and HTTP
# endpoints (space-separated) outside the database (atmp.ledger.witness, docs/tamper-evidence.md).
ATMP_TICK_SECONDS = config.int_setting("ATMP_TICK_SECONDS", 300, minimum=0)
ATMP_WITNESS_DIRS = [p for p in os.environ.get("ATMP_WITNESS_DIRS", "").split(os.pathsep) if p.strip()]
ATMP_WITNESS_URLS = os.environ.get("ATMP_WITNESS_URLS", "").split()
# SQLite: queue appenders on a file lock so that they take turns (atmp.ledger.writer.appends_in_turn).
ATMP_SQLITE_APPEND_LOCK = os.environ.get("ATMP_SQLITE_APPEND_LOCK", "1") != "0"

# Notifications (atmp.workflow.notify): written as files under ATMP_HOME/mail by default; with
# ATMP_SMTP_HOST set, sent by SMTP (ATMP_SMTP_PORT, ATMP_SMTP_USER, ATMP_SMTP_PASSWORD, ATMP_SMTP_TLS=1).
# A notification never blocks or undoes the change that caused it: it is sent after the commit.
if os.environ.get("ATMP_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["ATMP_SMTP_HOST"]
    EMAIL_PORT = config.int_setting("ATMP_SMTP_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("ATMP_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ATMP_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("ATMP_SMTP_TLS") == "1"
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(HOME / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("ATMP_MAIL_FROM", "atmp@localhost")
# Links in notifications point here (ATMP_PUBLIC_URL when set).
ATMP_PUBLIC_BASE = PUBLIC_URL or "http://127.0.0.1:8000"

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
