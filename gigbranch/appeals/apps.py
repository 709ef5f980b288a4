from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "gigbranch.appeals"
    label = "appeals"
