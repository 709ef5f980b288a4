from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "gigbranch.organizations"
    label = "organizations"

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the app's action rules)
