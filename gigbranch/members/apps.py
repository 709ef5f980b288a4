from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "gigbranch.members"
    label = "members"

    def ready(self) -> None:
        from . import actions, headcounts  # noqa: F401  (register action rules, people counts)
