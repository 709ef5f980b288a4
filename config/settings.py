"""gigbranch settings: one file, every value read from the environment.

Typed helpers (env_str, env_bool, env_int, env_list) keep parsing in one place. The
defaults give a development county on SQLite; production sets GIGBRANCH_PROFILE=production
and must then provide SECRET_KEY, the field-encryption keys and ALLOWED_HOSTS.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GIGBRANCH_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PROFILE = env_str("GIGBRANCH_PROFILE", "test" if "pytest" in sys.modules else "development")
if PROFILE not in {"development", "test", "production"}:
    raise ImproperlyConfigured("GIGBRANCH_PROFILE must be development, test or production")
PRODUCTION = PROFILE == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION and PROFILE != "test")


def _development_secret(name: str, length: int) -> str:
    """Development and test only: a random value kept in var/ (never committed)."""
    from secrets import token_hex

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"dev-{name.lower()}"
    if not path.exists():
        path.write_text(token_hex(length))
        path.chmod(0o600)
    return path.read_text().strip()


def _secret(name: str, length: int) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return _development_secret(name, length)


SECRET_KEY = _secret("SECRET_KEY", 32)
# "kid:hex-key" pairs, comma separated; the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", []) or [
    "dev1:" + _secret("FIELD_ENCRYPTION_KEY", 16)
]
FIELD_HASH_KEY = _secret("FIELD_HASH_KEY", 32)
# Audit hash chain (core/auditchain.py, ADR 0046): "kid:hex-key" pairs, comma separated, at
# least 32 bytes each and used for nothing else; the first signs, all verify (rotation).
AUDIT_HMAC_KEYS = env_list("AUDIT_HMAC_KEYS", []) or ["dev1:" + _secret("AUDIT_HMAC_KEY", 32)]
# The periodic verification walks this many recent local days (today included).
AUDIT_VERIFY_DAYS = env_int("AUDIT_VERIFY_DAYS", 7)
# Days kept online; an archive purge never removes a day younger than this (>= 183).
AUDIT_RETENTION_DAYS = max(env_int("AUDIT_RETENTION_DAYS", 400), 183)
FIELD_CIPHER_PROVIDER = env_str("FIELD_CIPHER_PROVIDER", "gigbranch.core.crypto.Sm4GcmProvider")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TRUST_X_REAL_IP = env_bool("TRUST_X_REAL_IP", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "gigbranch.core",
    "gigbranch.accounts",
    "gigbranch.notifications",
    "gigbranch.organizations",
    "gigbranch.members",
    "gigbranch.recruitment",
    "gigbranch.appeals",
    "gigbranch.stations",
    "gigbranch.activities",
    "gigbranch.planning",
    "gigbranch.cockpit",
    "gigbranch.portal",
    "gigbranch.api",
    "gigbranch.seeding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gigbranch.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gigbranch.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gigbranch.accounts.middleware.IdleSessionMiddleware",
    "gigbranch.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gigbranch" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gigbranch.core.context_processors.shell",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gigbranch.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process and the task worker read while the other writes.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": env_str("SQLITE_TEST_NAME", "")} if os.environ.get("SQLITE_TEST_NAME") else {}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login security --------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gigbranch.accounts.backends.UsernameOrMobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "gigbranch.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "gigbranch.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
    {"NAME": "gigbranch.accounts.passwords.PasswordHistoryValidator"},
]
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60)
# API bearer-token lookups are cached per process for this long (accounts/tokenauth.py):
# a revocation or account change reaches other processes within it; 0 = no cache.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 10)
# --- MFA, password age and history, API-token lifecycle (ADR 0045) ---
# Roles that must pass a second factor (TOTP or a recovery code) to sign in; others may
# enrol. MFA_REQUIRED=false switches the requirement off, in development only.
MFA_REQUIRED_ROLES = env_list(
    "MFA_REQUIRED_ROLES", ["system_admin", "security_admin", "audit_admin", "county_admin"]
)
MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
if PRODUCTION and not MFA_REQUIRED:
    raise ImproperlyConfigured("MFA_REQUIRED cannot be switched off in production")
MFA_ISSUER = env_str("MFA_ISSUER", "新就业群体党建工作平台")
MFA_RECOVERY_CODES = env_int("MFA_RECOVERY_CODES", 10)
MFA_PENDING_SECONDS = env_int("MFA_PENDING_SECONDS", 600)  # password passed, factor pending
MFA_THROTTLE_FACTOR = env_int("MFA_THROTTLE_FACTOR", 1)  # django-otp back-off, seconds
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)  # 0 = passwords never expire
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)  # last N passwords refused; 0 = off
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 365)
API_TOKEN_ROTATION_GRACE_HOURS = env_int("API_TOKEN_ROTATION_GRACE_HOURS", 72)
# Transfer-letter validity when no issuing organisation sets its own (MOB-3; 30–180 days).
MEMBERS_TRANSFER_LETTER_DAYS = env_int("MEMBERS_TRANSFER_LETTER_DAYS", 90)
# Roster files up to this many rows are checked and imported in the request; larger ones
# by the task worker, with progress.
MEMBERS_IMPORT_SYNC_MAX_ROWS = env_int("MEMBERS_IMPORT_SYNC_MAX_ROWS", 2000)
# Validate large roster files in a second process while the batches are written
# (members/rosterpipe.py); off, validation runs in the importing process.
MEMBERS_IMPORT_PARALLEL = env_bool("MEMBERS_IMPORT_PARALLEL", True)
# A RUNNING import without progress for this long lost its worker: queued again (ADR 0048).
MEMBERS_IMPORT_STALE_SECONDS = env_int("MEMBERS_IMPORT_STALE_SECONDS", 900)
WORKER_SESSION_SECONDS = env_int("WORKER_SESSION_SECONDS", 14 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gigbranch" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Working time for SLA clocks (APL-3): "HH:MM-HH:MM" periods, comma separated.
WORKING_PERIODS = env_list("WORKING_PERIODS", ["09:00-12:00", "13:30-18:00"])

# --- Static files (all assets from npm at build time, served by WhiteNoise; no CDN) ------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "build" / "static")))
STATICFILES_DIRS = [BASE_DIR / "gigbranch" / "static", BASE_DIR / "build" / "vendor"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects the folder to exist
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
UPLOAD_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
# Each file's bytes are counted as they arrive and refused past UPLOAD_MAX_BYTES (ADR 0046).
FILE_UPLOAD_HANDLERS = [
    "gigbranch.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Backups (core/backup.py, ADR 0040; keys are backed up separately) -------------------
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)  # newest archives kept; one a day when scheduled
# Local time of the daily backup; empty = not scheduled (the default in tests).
BACKUP_DAILY_AT = env_str("BACKUP_DAILY_AT", "" if PROFILE == "test" else "02:30")
BACKUP_PG_DUMP = env_str("BACKUP_PG_DUMP", "pg_dump")
BACKUP_PG_RESTORE = env_str("BACKUP_PG_RESTORE", "pg_restore")
BACKUP_TIMEOUT_SECONDS = env_int("BACKUP_TIMEOUT_SECONDS", 6 * 3600)

# --- Background work (Django Tasks API; database backend by default) ---------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 180)

# --- Rate limits (gigbranch/core/ratelimit.py) -------------------------------------------
# {name: "count/seconds"}; a name missing or None is not limited. Counted in the cache
# alias "ratelimit": Redis when RATELIMIT_REDIS_URL is set (always in production, so all
# app processes share the counts), else this process's memory (development, tests).
RATE_LIMITS: dict[str, str | None] = {
    "login.ip": "30/300",
    "login.account": "10/300",
    "sms_code.ip": "20/3600",
    "appeal_intake.ip": "60/3600",
    "appeal_intake.account": "600/3600",
    "open311.read.ip": "300/60",
    "open311.write.ip": "120/3600",
    "api.account": "1200/60",
    "api.ip": "600/60",
    "mfa.account": "5/300",
    "mfa.ip": "30/300",
}
RATE_LIMITS.update(json.loads(env_str("RATE_LIMITS_JSON", "{}")))
if env_bool("RATE_LIMITS_OFF", False):  # load benchmarks only (bench/staff_load.py)
    RATE_LIMITS = {}
RATELIMIT_REDIS_URL = env_str("RATELIMIT_REDIS_URL", REDIS_URL if PRODUCTION else "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": RATELIMIT_REDIS_URL}
        if RATELIMIT_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit",
        }
    ),
}

# --- Pluggable external services ---------------------------------------------------------
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
SMS_BACKEND = env_str("SMS_BACKEND", "gigbranch.notifications.sms.DevelopmentLogSmsBackend")
# For gigbranch.notifications.sms.HttpGatewaySmsBackend (production):
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_SECRET = env_str("SMS_GATEWAY_SECRET", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "新就业群体党建")
SMS_GATEWAY_TIMEOUT_SECONDS = env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 5)

# --- Security headers ---------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob: {tiles}; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
).format(tiles=MAP_TILE_URL.split("/{")[0] if MAP_TILE_URL else "")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
