"""Settings for bench/staff_load.py's baseline server: ours with Django's default middleware."""

from _appeals_settings import *  # noqa: F403
from middleware import DEFAULT_STACK

MIDDLEWARE = DEFAULT_STACK
