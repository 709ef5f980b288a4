import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import the URLconf (every view and API schema) when the process starts, not during the
# first request it serves (bench/pages.py: "first request after start").
get_resolver().url_patterns  # noqa: B018
