from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "gigbranch.appeals"
    label = "appeals"

    def ready(self) -> None:
        from . import actions, config  # noqa: F401  (actions: registers the app's action rules)

        config.connect_signals()
