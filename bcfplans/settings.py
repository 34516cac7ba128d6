"""Settings for BCF Plans, read from the environment.

Development needs nothing set: DEBUG defaults on and the database is a SQLite file
in the project. Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL (PostgreSQL).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "crispy_forms",
    "crispy_forms_gds",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "django_tasks_db",
    # The house, from the ground floor up (README "Layout"): imports only point down.
    "plans",
    "people",
    "metrics",
    "schemes",
    "finance",
    "assurance",
    "reports",
    "workbook",
    "returns",
    "rounds",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session reads its cookie: NUL bytes never reach a lookup.
    "plans.http.RefuseNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews a signed-in session's expiry, writing it at most once a minute.
    "plans.sessions.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: locks out repeated failed sign-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for the same username from the same address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", 0.25))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))

ROOT_URLCONF = "bcfplans.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "plans.context_processors.account",
            ],
        },
    },
]

WSGI_APPLICATION = "bcfplans.wsgi.application"
ASGI_APPLICATION = "bcfplans.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True

# What is worked out from a plan's content is kept under its content stamp
# (plans.stamps): findings, a page's tables, the overview's figures per plan. Each
# process keeps its own; a stamp is read from the database, so no process can serve a
# result of content since changed. Django's default of 300 entries is less than one
# round's plans: entries would push each other out and every page would work them
# out again.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bcf-kept",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "20000"))},
    },
    # Rendered overview pages (reports.overview.PAGES_CACHE), ≈ 60 kB each: at most
    # ≈ 30 MB per process whatever a user asks for.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bcf-pages",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGES_CACHE_MAX_ENTRIES", "500"))},
    },
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database serves `runserver` and a task worker at once. Readers never
    # wait for the writer in WAL mode; a transaction takes the write lock when it begins
    # (IMMEDIATE), so two writers queue for up to `timeout` seconds instead of one
    # failing with "database is locked" when it upgrades a read lock mid-request.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement only when asked (reports.overview's change marker,
    # whose planning costs more than its running); Django's default, None, would
    # refuse even that. Django's own cursors bind on the client and never prepare.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Uploaded templates are kept (failed ones too) under MEDIA_ROOT; never served publicly.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Background tasks (national exports, large PDFs) are stored in the database and run
# by `manage.py db_worker`; every app server and worker shares the database and the
# default storage, where the prepared files land.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
DOWNLOAD_RETENTION_DAYS = int(os.environ.get("DOWNLOAD_RETENTION_DAYS", "7"))
# A plan with at least this many expenditure lines gets its PDF built in the background
# (BHR's 105 lines take 2 s inline; 2,000 lines take 4 s, see bench/results).
PDF_BACKGROUND_MIN_LINES = int(os.environ.get("PDF_BACKGROUND_MIN_LINES", "500"))
# An invitation's link works once and expires this many days after it was sent.
INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "14"))

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "bcfplans.storage.StaticStorage"
        )
    },
}

# Content Security Policy (Django's own): no inline script or style; scripts only from
# this site (with a nonce for any that must be inline); charts are data: images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "plans:your-plans"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
# Inputs other than text need the GOV.UK class too (DESIGN.md §6).
CRISPY_CLASS_CONVERTERS = {
    "numberinput": "govuk-input",
    "dateinput": "govuk-input",
    "emailinput": "govuk-input",
    "urlinput": "govuk-input",
    "passwordinput": "govuk-input",
}

# Uploads are parsed defensively; nothing larger than this reaches a parser.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# An idle session ends after two hours; every request renews it, and pages warn five
# minutes before the end so nobody loses unsaved work to a silent time-out.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 2))
# Sign-out after SESSION_COOKIE_AGE of inactivity slides with each request without a
# write on every one: plans.sessions.SlidingSessionMiddleware.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def mailer(environ, debug: bool) -> dict:
    """The default mailer. Only the SMTP backend takes a host: Django 6.1 refuses
    options a backend does not know, so a console or in-memory backend chosen by
    EMAIL_BACKEND in production must not be handed one."""
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    backend = environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if debug else smtp
    )
    options = {"host": environ.get("EMAIL_HOST", "localhost")} if backend == smtp else {}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": mailer(os.environ, DEBUG)}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "bcfplans.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "text"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO; only its problems matter here.
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "matplotlib": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON for API clients (the default for any Accept but HTML); a browser asking for
    # HTML gets DRF's browsable API over the same data and permissions.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 200,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,  # money stays exact in JSON
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BCF Plans API",
    "DESCRIPTION": "Read-only access to Better Care Fund plans, with the same permissions "
    "as the web pages. Authenticate with 'Authorization: Token <key>'.",
    "VERSION": "1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
