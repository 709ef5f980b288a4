from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "gigbranch.cockpit"
    label = "cockpit"
