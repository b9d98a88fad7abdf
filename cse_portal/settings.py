"""Settings, read from the environment (django-environ) with embedded defaults.

With nothing set the app runs on SQLite and a Celery broker that needs no server (kombu's
filesystem transport), so ``make run`` works on a bare machine. ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch to PostgreSQL and Redis. ``DJANGO_ENV=production`` turns on the
deployment hardening and refuses to start without a real ``SECRET_KEY``.
See README.md, "Configuration", for every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "django-insecure-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (
    len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs a real SECRET_KEY (50+ random characters), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "organisations",
    "standards",
    "assessments",
    "evidence",
    "actions",
    "reports",
    "dashboard",
    "api",
    "audit",
    "archive",
    "demo",
]

MIDDLEWARE = [
    # Each request starts from no tenant context (organisations.tenancy): before any other.
    "organisations.middleware.TenancyScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses a NUL byte or non-UTF-8 query before any view or later middleware reads them.
    "cse_portal.middleware.MalformedInputMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "organisations.middleware.TenantMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cse_portal.urls"
WSGI_APPLICATION = "cse_portal.wsgi.application"

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
                "dashboard.context_processors.tenant",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before a request uses it, so after a database restart the next
# request reconnects instead of failing on the dead connection (docs/performance.md, Faults).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The cache: the page cache (organisations.page_cache) keeps tenant pages in it for their
# session. In-process by default (correct with several processes: what a page was drawn from
# is checked in the database on every request); CACHE_URL=redis://… shares it between the web
# server's processes (docker-compose does). PAGE_CACHE_SECONDS=0 turns the page cache off.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://cse-portal")}
CACHES["default"].setdefault("TIMEOUT", 600)
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # A page is 50–300 KB: at most some 60 MB of kept pages a process.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 200)
elif "redis" in CACHES["default"]["BACKEND"].lower():
    # A cache that does not answer is a miss within a second, never a page held (a Redis host
    # that drops packets would otherwise hold each request for the system's TCP timeout).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
PAGE_CACHE_MAX_BYTES = env.int("PAGE_CACHE_MAX_BYTES", default=2 * 1024 * 1024)
# Draw every kept page again and compare (the test suite turns this on: a stale page fails).
PAGE_CACHE_CHECK = False
# Tests compare every prepared query's rows with its queryset's (organisations.prepared).
PREPARED_QUERIES_CHECK = False
# The tables' owner, for migrations only (``manage.py migrate``, organisations' own migrate
# command): on PostgreSQL the app connects as a role that neither owns the tables nor bypasses
# row-level security (docs/security.md, "Tenancy"). Unset: migrations use DATABASE_URL.
MIGRATION_DATABASE_URL = env.str("MIGRATION_DATABASE_URL", default="")
MIGRATION_DATABASE = (
    environ.Env.db_url_config(MIGRATION_DATABASE_URL) if MIGRATION_DATABASE_URL else None
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in user of each request without the ORM's
    # query building (accounts.backends).
    "accounts.backends.UserBackend",
]
# Django's database sessions, read the same way (cse_portal.sessions).
SESSION_ENGINE = "cse_portal.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
# Reset emails asked for, at most, in the window (counted in the database, so across every web
# process): per address, whether or not it has an account, and per client IP address.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
PASSWORD_RESET_LIMIT_WINDOW_SECONDS = env.int("PASSWORD_RESET_LIMIT_WINDOW_SECONDS", default=3600)

# Brute-force protection: lock an account+address pair after repeated failures.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Failures count per address as accounts compare it (stripped, lower-case), within axes' column.
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Uploaded files live outside any public URL: only permission-checked views stream them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Evidence files go through Django's storage API: set MEDIA_STORAGE_BACKEND (and its OPTIONS
# as JSON) to use S3-compatible storage, e.g. storages.backends.s3.S3Storage with
# {"bucket_name": "cse-evidence", "endpoint_url": "https://s3.example.org"}.
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Evidence uploads: the largest file accepted, in megabytes (files are streamed to disk above
# Django's in-memory limit, so this bounds disk use, not memory). It caps every uploaded file
# as it arrives: evidence.uploads.SizeLimitHandler passes no byte past it to Django's handlers.
EVIDENCE_MAX_UPLOAD_MB = env.int("EVIDENCE_MAX_UPLOAD_MB", default=25)
FILE_UPLOAD_HANDLERS = [
    "evidence.uploads.SizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Evidence due for review within this many days shows on the dashboard and in reminders.
EVIDENCE_REVIEW_WINDOW_DAYS = 30
# Improvement actions (actions/): owners are emailed each morning about their unfinished
# actions due within this many days or overdue. An action's default due date is the PC
# remedy deadline (OUTCOME_PC_REMEDY_MONTHS from the visit).
ACTION_REMINDER_WINDOW_DAYS = env.int("ACTION_REMINDER_WINDOW_DAYS", default=14)
if not 0 <= ACTION_REMINDER_WINDOW_DAYS <= 366:
    raise ImproperlyConfigured("ACTION_REMINDER_WINDOW_DAYS must be a number of days from 0 to 366")

# The certification outcome's thresholds (assessments.outcome). Certification bodies do not
# publish one rule: these defaults are a starting point, confirm them with your certification
# body. Kept as given and read only through assessments.outcome.configured_thresholds(), which
# refuses a bad value naming the variable (checked at start-up, AssessmentsConfig.ready).
# Elements rated Partial Compliance allowed overall (whole number, 0 or more): more, and
# certification is not recommended. The default accepts the demo's initial assessment (7).
OUTCOME_PC_ALLOWED = env.str("OUTCOME_PC_ALLOWED", default="10")
# Elements rated Partial Compliance allowed in any one criterion (0 or more): more, and
# certification is not recommended.
OUTCOME_PC_ALLOWED_PER_CRITERION = env.str("OUTCOME_PC_ALLOWED_PER_CRITERION", default="3")
# What a Non-Compliance means: "not_recommended" (any NC: certification is not recommended) or
# "remedy_plan" (certification may be recommended, subject to a remedy plan for each NC).
OUTCOME_NC_RULE = env.str("OUTCOME_NC_RULE", default="not_recommended")
# Months from the visit to remedy a Partial Compliance (1 to 36): the default due date of its
# improvement action. 12: the next annual review checks it again.
OUTCOME_PC_REMEDY_MONTHS = env.str("OUTCOME_PC_REMEDY_MONTHS", default="12")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CSE Portal <no-reply@cse-portal.test>")
# Absolute links in emails (invitations, password resets) are built from this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The read-only API (api/): JSON only, signed in by a personal API token (Authorization: Token
# …, tried first, so a refused token is a 401 that says why) or the session; the OpenAPI
# schema at /api/schema/ for anyone signed in. Tokens live API_TOKEN_LIFETIME_DAYS by default.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
if not 1 <= API_TOKEN_LIFETIME_DAYS <= 3650:
    raise ImproperlyConfigured("API_TOKEN_LIFETIME_DAYS must be a number of days from 1 to 3650")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],  # nothing is written through the API
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSE Portal API",
    "DESCRIPTION": (
        "Read-only: an organisation's assessment years (their outcome, every element's "
        "rating), its evidence library's details (never the files) and its improvement "
        "actions. Send a personal API "
        "token, made on your profile page, as 'Authorization: Token <token>'. Non-members "
        "get 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "YearKindEnum": "assessments.models.Assessment.Kind",
        "YearStatusEnum": "assessments.models.Assessment.Status",
        "EvidenceKindEnum": "evidence.models.Evidence.Kind",
        "RatingEnum": "api.serializers.RATINGS",
        "RecommendationEnum": "api.serializers.RECOMMENDATIONS",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy (django-csp 4): no inline script, nothing from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The folders the defaults write into exist from the first command on a fresh clone, whatever
# the broker: var/ (the SQLite database, the beat schedule) and the uploads folder.
VAR_DIR.mkdir(exist_ok=True)
if STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    Path(str(MEDIA_ROOT)).mkdir(parents=True, exist_ok=True)

# Celery: the filesystem transport needs no server; Redis in CI and production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem"):
    for _sub in ("queue", "processed", "control", "results"):
        (_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    _default_results = f"file://{_BROKER_DIR / 'results'}"
else:
    # Redis redelivers an unacknowledged task after the visibility timeout: keep it above
    # the longest task so a slow task is not run twice.
    # A broker host that drops packets (rather than refusing) holds a request asking for a
    # report no longer than the connect timeout: the job row is kept and sent again later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT,
        "socket_connect_timeout": 3,
    }
    _default_results = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "evidence-review-reminders": {
        "task": "evidence.send_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "action-reminders": {
        "task": "actions.send_action_reminders",
        "schedule": crontab(hour=7, minute=5),
    },
    # Report jobs asked for while the broker could not be reached (reports.jobs.send_unsent).
    "reports-send-unsent-jobs": {"task": "reports.send_unsent_jobs", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# One handler, on the root logger: every line is printed once. Django's default "django"
# logger has a console handler of its own and also passes its lines up to the root (each
# printed twice), so it is given none here; the Celery worker replaces the root's handler with
# its own, and the lines still come out once. The development server's request lines keep
# their own handler and format.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
