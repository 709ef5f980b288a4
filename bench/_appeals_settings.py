"""Settings for bench/appeals_load.py: the project's settings plus one floor endpoint."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "_appeals_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# The load benchmark measures the intake itself: the rate limits (which would answer 429
# to its 50 clients from one address) are off here, as a deployment may set them per
# platform company with RATE_LIMITS_JSON.
RATE_LIMITS: dict[str, str | None] = {}
