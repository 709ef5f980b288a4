"""The workers' mobile site (/m/). Every essential path works without JavaScript.

Portal pages need a worker account with the basic consent; `portal_view` sends anyone
else to the SMS login or the consent screen. Staff accounts are sent to the console."""

from .accounts import consent, link, login_mobile, login_verify, logout_view
from .activities import activities, activity, signup_cancel
from .appointments import BOOKING_WINDOW_DAYS, WEEKDAYS, booking_cancel, provider, service_list
from .base import SESSION_MOBILE, portal_view
from .me import home, me, my_data, my_data_export
from .stations import checkin, station, stations, stations_map
from .study import article, study

__all__ = [
    "BOOKING_WINDOW_DAYS",
    "SESSION_MOBILE",
    "WEEKDAYS",
    "activities",
    "activity",
    "article",
    "booking_cancel",
    "checkin",
    "consent",
    "home",
    "link",
    "login_mobile",
    "login_verify",
    "logout_view",
    "me",
    "my_data",
    "my_data_export",
    "portal_view",
    "provider",
    "service_list",
    "signup_cancel",
    "station",
    "stations",
    "stations_map",
    "study",
]
