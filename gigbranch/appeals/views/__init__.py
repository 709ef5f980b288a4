"""Appeal pages, one module per page group: staff console, hotline intake, routing
rules, KPIs, inbox and SMS outbox, the worker's portal."""

from .inbox import notifications, sms_outbox
from .intake import intake
from .kpi import kpi, kpi_export
from .portal import portal_detail, portal_list, portal_new, portal_photo
from .routing import routing_rules
from .staff import appeal_action, appeal_detail, appeal_list, photo

__all__ = [
    "appeal_action",
    "appeal_detail",
    "appeal_list",
    "intake",
    "kpi",
    "kpi_export",
    "notifications",
    "photo",
    "portal_detail",
    "portal_list",
    "portal_new",
    "portal_photo",
    "routing_rules",
    "sms_outbox",
]
