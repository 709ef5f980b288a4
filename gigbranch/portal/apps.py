from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "gigbranch.portal"
    label = "portal"
