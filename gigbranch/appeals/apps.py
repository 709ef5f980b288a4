from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "gigbranch.appeals"
    label = "appeals"

    def ready(self) -> None:
        from . import config

        config.connect_signals()
