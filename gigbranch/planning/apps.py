from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "gigbranch.planning"
    label = "planning"

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the app's action rules)
