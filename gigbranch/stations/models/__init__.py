"""Service stations, check-ins, appointments (legal aid, counselling) and study materials.

Issue 7. Station locations are float degrees with a composite index on
(latitude, longitude) for the nearest-station query (stations/nearest.py)."""

from .appointments import (
    Booking,
    BookingEvent,
    BookingQuerySet,
    BookingStatus,
    ProviderQuerySet,
    ServiceKind,
    ServiceProvider,
    Slot,
    SlotQuerySet,
)
from .stations import (
    Amenity,
    CheckIn,
    OpeningHours,
    Station,
    StationAmenity,
    StationClosure,
    StationKind,
    StationPhoto,
    StationQuerySet,
    new_qr_token,
)
from .study import Article, ArticleKind, ArticleQuerySet, StudyCompletion

__all__ = [
    "Amenity",
    "Article",
    "ArticleKind",
    "ArticleQuerySet",
    "Booking",
    "BookingEvent",
    "BookingQuerySet",
    "BookingStatus",
    "CheckIn",
    "OpeningHours",
    "ProviderQuerySet",
    "ServiceKind",
    "ServiceProvider",
    "Slot",
    "SlotQuerySet",
    "Station",
    "StationAmenity",
    "StationClosure",
    "StationKind",
    "StationPhoto",
    "StationQuerySet",
    "StudyCompletion",
    "new_qr_token",
]
