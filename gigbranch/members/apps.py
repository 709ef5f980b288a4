from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "gigbranch.members"
    label = "members"

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the app's action rules)
