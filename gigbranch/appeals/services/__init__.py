"""Writes for appeals. Every function is keyword-only, atomic, and audited.

Status changes go through `common.transition()` (table: rules.TRANSITIONS) and append an
AppealEvent; notifications are delivered by a task queued in the same transaction. Who may
act is decided by appeals.actions (through core.permissions.can), as on the pages and in
the API. The modules: intake, handling, sweep, notifications, configuration, Open311
clients; this package re-exports what other modules call.
"""

from .common import calendar, enqueue_notifications, new_tracking_no, route_department
from .configuration import set_routing_rule
from .handling import accept, rate, reply, request_extension, reroute, return_appeal, withdraw
from .intake import MAX_PHOTOS, PHOTO_SIGNATURES, Submission, submit_appeal
from .notifications import SMS_ACTIONS, deliver_notifications, mark_notifications_read
from .open311_clients import client_for_key, create_open311_client, hash_api_key
from .sweep import sweep

__all__ = [
    "MAX_PHOTOS",
    "PHOTO_SIGNATURES",
    "SMS_ACTIONS",
    "Submission",
    "accept",
    "calendar",
    "client_for_key",
    "create_open311_client",
    "deliver_notifications",
    "enqueue_notifications",
    "hash_api_key",
    "mark_notifications_read",
    "new_tracking_no",
    "rate",
    "reply",
    "request_extension",
    "reroute",
    "return_appeal",
    "route_department",
    "set_routing_rule",
    "submit_appeal",
    "sweep",
    "withdraw",
]
