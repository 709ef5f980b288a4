"""Writes for stations, check-ins, appointments and study (every one audited).

Appointments: `book_slot` relies on the partial unique index `booking_one_live_per_slot`
and a row lock on the slot, so two concurrent bookings of the last free slot give exactly
one booking on both SQLite and PostgreSQL (tests/test_booking_race.py)."""

from .appointments import (
    BOOKING_TRANSITIONS,
    book_slot,
    cancel_booking,
    create_slots,
    record_outcome,
    send_reminders,
    transition_booking,
)
from .stations import (
    CHECKIN_DEDUP_MINUTES,
    STATION_FIELDS,
    add_closure,
    busy_hours,
    check_in,
    create_station,
    holidays_between,
    regenerate_qr,
    remove_closure,
    update_station,
)
from .study import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    complete_article,
    sanitize_html,
    save_article,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "BOOKING_TRANSITIONS",
    "CHECKIN_DEDUP_MINUTES",
    "STATION_FIELDS",
    "add_closure",
    "book_slot",
    "busy_hours",
    "cancel_booking",
    "check_in",
    "complete_article",
    "create_slots",
    "create_station",
    "holidays_between",
    "record_outcome",
    "regenerate_qr",
    "remove_closure",
    "sanitize_html",
    "save_article",
    "send_reminders",
    "transition_booking",
    "update_station",
]
