from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gigbranch.api"
    label = "api"
