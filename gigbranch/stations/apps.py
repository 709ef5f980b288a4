from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "gigbranch.stations"
    label = "stations"

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the app's action rules)
