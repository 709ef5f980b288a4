"""Settings for bench/appeals_load.py: the project's settings plus one floor endpoint."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "_appeals_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
